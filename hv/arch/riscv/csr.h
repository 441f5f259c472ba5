/* CSR numbers, bit fields and accessors (RISC-V privileged spec 1.12, H extension). */
#ifndef RV_ARCH_CSR_H
#define RV_ARCH_CSR_H

#define CSR_SSTATUS 0x100
#define CSR_SIE 0x104
#define CSR_STVEC 0x105
#define CSR_SCOUNTEREN 0x106
#define CSR_SENVCFG 0x10A
#define CSR_SSCRATCH 0x140
#define CSR_SEPC 0x141
#define CSR_SCAUSE 0x142
#define CSR_STVAL 0x143
#define CSR_SIP 0x144
#define CSR_STIMECMP 0x14D
#define CSR_SATP 0x180

#define CSR_VSSTATUS 0x200
#define CSR_VSIE 0x204
#define CSR_VSTVEC 0x205
#define CSR_VSSCRATCH 0x240
#define CSR_VSEPC 0x241
#define CSR_VSCAUSE 0x242
#define CSR_VSTVAL 0x243
#define CSR_VSIP 0x244
#define CSR_VSTIMECMP 0x24D
#define CSR_VSATP 0x280

#define CSR_HSTATUS 0x600
#define CSR_HEDELEG 0x602
#define CSR_HIDELEG 0x603
#define CSR_HIE 0x604
#define CSR_HTIMEDELTA 0x605
#define CSR_HCOUNTEREN 0x606
#define CSR_HGEIE 0x607
#define CSR_HENVCFG 0x60A
#define CSR_HTVAL 0x643
#define CSR_HIP 0x644
#define CSR_HVIP 0x645
#define CSR_HTINST 0x64A
#define CSR_HGATP 0x680

#define CSR_CYCLE 0xC00
#define CSR_TIME 0xC01
#define CSR_INSTRET 0xC02

#define SSTATUS_SIE (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8)
#define SSTATUS_FS (3UL << 13)
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_FS_CLEAN (2UL << 13)
#define SSTATUS_SUM (1UL << 18)

#define HSTATUS_GVA (1UL << 6)
#define HSTATUS_SPV (1UL << 7)
#define HSTATUS_SPVP (1UL << 8)
#define HSTATUS_VTVM (1UL << 20)
#define HSTATUS_VTW (1UL << 21)
#define HSTATUS_VTSR (1UL << 22)
#define HSTATUS_VSXL_SHIFT 32
#define HSTATUS_VSXL_64 (2UL << HSTATUS_VSXL_SHIFT)

#define HGATP_MODE_SHIFT 60
#define HGATP_MODE_SV39X4 8UL
#define HGATP_VMID_SHIFT 44
#define HGATP_VMID_MASK 0x3FFFUL
#define HGATP_PPN_MASK 0xFFFFFFFFFFFUL

#define HENVCFG_STCE (1UL << 63)

#define HCOUNTEREN_CY (1UL << 0)
#define HCOUNTEREN_TM (1UL << 1)
#define HCOUNTEREN_IR (1UL << 2)

/* Interrupt numbers (scause with the top bit set) and their sip/hip bits. */
#define IRQ_S_SOFT 1
#define IRQ_VS_SOFT 2
#define IRQ_S_TIMER 5
#define IRQ_VS_TIMER 6
#define IRQ_S_EXT 9
#define IRQ_VS_EXT 10
#define IRQ_S_GEXT 12
#define MIP_SSIP (1UL << IRQ_S_SOFT)
#define MIP_VSSIP (1UL << IRQ_VS_SOFT)
#define MIP_STIP (1UL << IRQ_S_TIMER)
#define MIP_VSTIP (1UL << IRQ_VS_TIMER)
#define MIP_SEIP (1UL << IRQ_S_EXT)
#define MIP_VSEIP (1UL << IRQ_VS_EXT)

/* Exception codes (scause without the top bit). */
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS 1
#define EXC_ILLEGAL_INST 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_ECALL_S 9
#define EXC_ECALL_VS 10
#define EXC_INST_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15
#define EXC_INST_GUEST_PAGE_FAULT 20
#define EXC_LOAD_GUEST_PAGE_FAULT 21
#define EXC_VIRTUAL_INST 22
#define EXC_STORE_GUEST_PAGE_FAULT 23
#define SCAUSE_INTERRUPT (1UL << 63)

#ifndef __ASSEMBLER__

#define RV_STR2(x) #x
#define RV_STR(x) RV_STR2(x)

#define csr_read(csr)                                                                              \
  ({                                                                                               \
    unsigned long __v;                                                                             \
    __asm__ volatile("csrr %0, " RV_STR(csr) : "=r"(__v)::"memory");                               \
    __v;                                                                                           \
  })
#define csr_write(csr, val)                                                                        \
  ({                                                                                               \
    unsigned long __v = (unsigned long)(val);                                                      \
    __asm__ volatile("csrw " RV_STR(csr) ", %0" ::"rK"(__v) : "memory");                           \
  })
#define csr_swap(csr, val)                                                                         \
  ({                                                                                               \
    unsigned long __v = (unsigned long)(val);                                                      \
    __asm__ volatile("csrrw %0, " RV_STR(csr) ", %1" : "=r"(__v) : "rK"(__v) : "memory");          \
    __v;                                                                                           \
  })
#define csr_set(csr, val)                                                                          \
  ({                                                                                               \
    unsigned long __v = (unsigned long)(val);                                                      \
    __asm__ volatile("csrs " RV_STR(csr) ", %0" ::"rK"(__v) : "memory");                           \
  })
#define csr_clear(csr, val)                                                                        \
  ({                                                                                               \
    unsigned long __v = (unsigned long)(val);                                                      \
    __asm__ volatile("csrc " RV_STR(csr) ", %0" ::"rK"(__v) : "memory");                           \
  })

static inline void cpu_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* HFENCE.GVMA x0, x0: flush G-stage translations of every VMID. */
static inline void hfence_gvma_all(void) {
  __asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory");
}

/* HFENCE.GVMA x0, vmid: flush G-stage translations of one VMID. */
static inline void hfence_gvma_vmid(unsigned long vmid) {
  __asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, %0" ::"r"(vmid) : "memory");
}

/* HFENCE.VVMA x0, x0: flush VS-stage translations of the current VMID. */
static inline void hfence_vvma_all(void) {
  __asm__ volatile(".insn r 0x73, 0, 0x11, x0, x0, x0" ::: "memory");
}

#endif
#endif
