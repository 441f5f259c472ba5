/* Guest entry and exit. vcpu_arch_run() parks the host's callee-saved
 * registers and CSRs in the vcpu_arch, points stvec at vcpu_arch_exit and
 * sscratch at the vcpu_arch, loads the guest's registers and srets with
 * hstatus.SPV = 1. Any trap taken while the guest runs lands in
 * vcpu_arch_exit, which saves the guest, restores the host and returns from
 * vcpu_arch_run() -- except an ecall or an MMIO access that
 * vcpu_fast_exit() or vcpu_fast_fault() answers at once, which goes back
 * to the guest without leaving the guest's CSR context.
 * Traps taken in the hypervisor itself go to hv_trap_entry. */
#include "asm_offsets.h" /* generated from the structs: asm_offsets.c */
#include "csr.h"

/* Registers by number in the vcpu_arch's x[] and h_s[] (8 bytes each,
 * asserted in asm_offsets.c). */
#define VA_X(n) (VA_X0 + (n)*8)
#define VA_H_S(n) (VA_H_S0 + (n)*8)
/* The C functions called here take the vcpu, of which the vcpu_arch is the
 * first member. */
#if VCPU_ARCH != 0
#error "struct vcpu_arch must be the first member of struct vcpu"
#endif

/* The guest registers the C calling convention may clobber (all but a0,
 * which carries the vcpu_arch pointer), and the guest's sp and tp, which
 * the hypervisor's C code uses. */
.macro GUEST_CALLER op
  \op ra, VA_X(1)(a0)
  \op sp, VA_X(2)(a0)
  \op tp, VA_X(4)(a0)
  \op t0, VA_X(5)(a0)
  \op t1, VA_X(6)(a0)
  \op t2, VA_X(7)(a0)
  \op a1, VA_X(11)(a0)
  \op a2, VA_X(12)(a0)
  \op a3, VA_X(13)(a0)
  \op a4, VA_X(14)(a0)
  \op a5, VA_X(15)(a0)
  \op a6, VA_X(16)(a0)
  \op a7, VA_X(17)(a0)
  \op t3, VA_X(28)(a0)
  \op t4, VA_X(29)(a0)
  \op t5, VA_X(30)(a0)
  \op t6, VA_X(31)(a0)
.endm
/* The rest: s0-s11, which C code preserves, and gp, which the hypervisor
 * never touches (entry.S). */
.macro GUEST_S op
  \op gp, VA_X(3)(a0)
  \op s0, VA_X(8)(a0)
  \op s1, VA_X(9)(a0)
  \op s2, VA_X(18)(a0)
  \op s3, VA_X(19)(a0)
  \op s4, VA_X(20)(a0)
  \op s5, VA_X(21)(a0)
  \op s6, VA_X(22)(a0)
  \op s7, VA_X(23)(a0)
  \op s8, VA_X(24)(a0)
  \op s9, VA_X(25)(a0)
  \op s10, VA_X(26)(a0)
  \op s11, VA_X(27)(a0)
.endm

/* What the trap says beyond its cause (faults: the address, the guest
 * physical address, the transformed instruction). */
.macro SAVE_TRAP_INFO
  csrr t0, CSR_STVAL
  sd t0, VA_T_STVAL(a0)
  csrr t0, CSR_HTVAL
  sd t0, VA_T_HTVAL(a0)
  csrr t0, CSR_HTINST
  sd t0, VA_T_HTINST(a0)
.endm

.section .text
.balign 4
.global vcpu_arch_run
vcpu_arch_run:
  sd ra, VA_H_RA(a0)
  sd sp, VA_H_SP(a0)
  sd tp, VA_H_TP(a0)
  sd s0, VA_H_S(0)(a0)
  sd s1, VA_H_S(1)(a0)
  sd s2, VA_H_S(2)(a0)
  sd s3, VA_H_S(3)(a0)
  sd s4, VA_H_S(4)(a0)
  sd s5, VA_H_S(5)(a0)
  sd s6, VA_H_S(6)(a0)
  sd s7, VA_H_S(7)(a0)
  sd s8, VA_H_S(8)(a0)
  sd s9, VA_H_S(9)(a0)
  sd s10, VA_H_S(10)(a0)
  sd s11, VA_H_S(11)(a0)

  ld t0, VA_SSTATUS(a0)
  csrrw t0, CSR_SSTATUS, t0
  sd t0, VA_H_SSTATUS(a0)
  ld t0, VA_HSTATUS(a0)
  csrrw t0, CSR_HSTATUS, t0
  sd t0, VA_H_HSTATUS(a0)
  la t0, vcpu_arch_exit
  csrrw t0, CSR_STVEC, t0
  sd t0, VA_H_STVEC(a0)
  csrrw t0, CSR_SSCRATCH, a0
  sd t0, VA_H_SSCRATCH(a0)
  ld t0, VA_SEPC(a0)
  csrw CSR_SEPC, t0

  GUEST_CALLER ld
  GUEST_S ld
  ld a0, VA_X(10)(a0)
  sret

.balign 4
vcpu_arch_exit:
  /* Save the registers the C calling convention may clobber (and the
   * guest's sp and tp); sscratch keeps pointing at the vcpu_arch. */
  csrrw a0, CSR_SSCRATCH, a0
  GUEST_CALLER sd
  csrr t0, CSR_SSCRATCH
  sd t0, VA_X(10)(a0)
  csrw CSR_SSCRATCH, a0
  csrr t0, CSR_SEPC
  sd t0, VA_SEPC(a0)
  csrr t0, CSR_SCAUSE

  /* Fast path for an ecall: call vcpu_fast_exit() on the host stack with the
   * guest's gp and s0-s11 still live (the callee preserves them). If it
   * answered and the vCPU may go on, it returns the vcpu_arch and the guest
   * resumes at once at the sepc CSR, which exit_finish() stepped over the
   * ecall; NULL sends the exit down the full path. */
  li t1, EXC_ECALL_VS
  bne t0, t1, 4f
  ld sp, VA_H_SP(a0)
  ld tp, VA_H_TP(a0)
  call vcpu_fast_exit
  beqz a0, 1f /* else the sepc CSR was stepped by exit_finish() (exit.c) */
  GUEST_CALLER ld
  ld a0, VA_X(10)(a0)
  sret
1:
  csrr a0, CSR_SSCRATCH
  li t0, EXC_ECALL_VS
2:
  /* Full exit: the rest of the guest state, then back to vcpu_arch_run's
   * caller with the host's registers and CSRs. */
  sd t0, VA_T_SCAUSE(a0)
  SAVE_TRAP_INFO
  GUEST_S sd
7:
  ld t0, VA_H_SSTATUS(a0)
  csrrw t0, CSR_SSTATUS, t0
  sd t0, VA_SSTATUS(a0)
  ld t0, VA_H_HSTATUS(a0)
  csrrw t0, CSR_HSTATUS, t0
  sd t0, VA_HSTATUS(a0)
  ld t0, VA_H_STVEC(a0)
  csrw CSR_STVEC, t0
  ld t0, VA_H_SSCRATCH(a0)
  csrw CSR_SSCRATCH, t0

  ld ra, VA_H_RA(a0)
  ld sp, VA_H_SP(a0)
  ld tp, VA_H_TP(a0)
  ld s0, VA_H_S(0)(a0)
  ld s1, VA_H_S(1)(a0)
  ld s2, VA_H_S(2)(a0)
  ld s3, VA_H_S(3)(a0)
  ld s4, VA_H_S(4)(a0)
  ld s5, VA_H_S(5)(a0)
  ld s6, VA_H_S(6)(a0)
  ld s7, VA_H_S(7)(a0)
  ld s8, VA_H_S(8)(a0)
  ld s9, VA_H_S(9)(a0)
  ld s10, VA_H_S(10)(a0)
  ld s11, VA_H_S(11)(a0)
  ret

4:
  /* Fast path for a load or store guest-page fault (MMIO): the same, but
   * with every guest register in the vcpu_arch (the emulated access reads
   * or writes any of them), the trap CSRs saved and stvec at hv_trap_entry
   * while vcpu_fast_fault() runs, since it may read the guest's instruction
   * with HLVX, which can fault. Such a fault and its return clobber sepc
   * and the guest's sstatus.SPP and hstatus.SPV, so the guest's sstatus,
   * hstatus and sepc come back from the vcpu_arch, where the handler may
   * also have changed them (a fault sent to the guest). */
  li t1, EXC_LOAD_GUEST_PAGE_FAULT
  beq t0, t1, 5f
  li t1, EXC_STORE_GUEST_PAGE_FAULT
  bne t0, t1, 2b
5:
  GUEST_S sd
  sd t0, VA_T_SCAUSE(a0)
  SAVE_TRAP_INFO
  csrr t0, CSR_SSTATUS
  sd t0, VA_SSTATUS(a0)
  csrr t0, CSR_HSTATUS
  sd t0, VA_HSTATUS(a0)
  la t0, hv_trap_entry
  csrw CSR_STVEC, t0
  ld sp, VA_H_SP(a0)
  ld tp, VA_H_TP(a0)
  call vcpu_fast_fault
  csrr t0, CSR_SSCRATCH
  ld t1, VA_SSTATUS(t0)
  csrw CSR_SSTATUS, t1
  ld t1, VA_HSTATUS(t0)
  csrw CSR_HSTATUS, t1
  la t1, vcpu_arch_exit
  csrw CSR_STVEC, t1
  ld t1, VA_SEPC(t0)
  csrw CSR_SEPC, t1
  beqz a0, 6f
  GUEST_CALLER ld
  GUEST_S ld
  ld a0, VA_X(10)(a0)
  sret
6:
  mv a0, t0
  j 7b

/* A trap taken in HS-mode (V = 0): save everything on the hart's stack and
 * hand the frame to hv_trap_handler(), which either sends the hypervisor's
 * own faulting guest-memory access to its fixup (guest_access.S) or
 * panics. */
.balign 4
.global hv_trap_entry
hv_trap_entry:
  addi sp, sp, -272
  sd ra, 8(sp)
  sd gp, 24(sp)
  sd tp, 32(sp)
  sd t0, 40(sp)
  sd t1, 48(sp)
  sd t2, 56(sp)
  sd s0, 64(sp)
  sd s1, 72(sp)
  sd a0, 80(sp)
  sd a1, 88(sp)
  sd a2, 96(sp)
  sd a3, 104(sp)
  sd a4, 112(sp)
  sd a5, 120(sp)
  sd a6, 128(sp)
  sd a7, 136(sp)
  sd s2, 144(sp)
  sd s3, 152(sp)
  sd s4, 160(sp)
  sd s5, 168(sp)
  sd s6, 176(sp)
  sd s7, 184(sp)
  sd s8, 192(sp)
  sd s9, 200(sp)
  sd s10, 208(sp)
  sd s11, 216(sp)
  sd t3, 224(sp)
  sd t4, 232(sp)
  sd t5, 240(sp)
  sd t6, 248(sp)
  addi t0, sp, 272
  sd t0, 16(sp)
  csrr t0, CSR_SEPC
  sd t0, 256(sp)
  mv a0, sp
  call hv_trap_handler
  ld t0, 256(sp)
  csrw CSR_SEPC, t0
  ld ra, 8(sp)
  ld gp, 24(sp)
  ld tp, 32(sp)
  ld t0, 40(sp)
  ld t1, 48(sp)
  ld t2, 56(sp)
  ld s0, 64(sp)
  ld s1, 72(sp)
  ld a0, 80(sp)
  ld a1, 88(sp)
  ld a2, 96(sp)
  ld a3, 104(sp)
  ld a4, 112(sp)
  ld a5, 120(sp)
  ld a6, 128(sp)
  ld a7, 136(sp)
  ld s2, 144(sp)
  ld s3, 152(sp)
  ld s4, 160(sp)
  ld s5, 168(sp)
  ld s6, 176(sp)
  ld s7, 184(sp)
  ld s8, 192(sp)
  ld s9, 200(sp)
  ld s10, 208(sp)
  ld s11, 216(sp)
  ld t3, 224(sp)
  ld t4, 232(sp)
  ld t5, 240(sp)
  ld t6, 248(sp)
  addi sp, sp, 272
  sret
