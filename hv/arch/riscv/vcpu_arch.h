/* The register file of a vCPU as trap.S saves and restores it, and the host
 * state it parks while the guest runs. Offsets are shared with trap.S and
 * checked at compile time in vcpu.c. */
#ifndef RV_VCPU_ARCH_H
#define RV_VCPU_ARCH_H

#define VA_X(n) ((n)*8)
#define VA_SEPC 256
#define VA_SSTATUS 264
#define VA_HSTATUS 272
#define VA_H_RA 280
#define VA_H_SP 288
#define VA_H_TP 296
#define VA_H_S(n) (304 + (n)*8) /* s0..s11 */
#define VA_H_SSTATUS 400
#define VA_H_HSTATUS 408
#define VA_H_STVEC 416
#define VA_H_SSCRATCH 424
#define VA_T_SCAUSE 432
#define VA_T_STVAL 440
#define VA_T_HTVAL 448
#define VA_T_HTINST 456
#define VA_SIZE 464

#ifndef __ASSEMBLER__
#include <stdint.h>

struct vcpu_arch {
  /* Guest state: x[0] is unused (always zero). */
  unsigned long x[32];
  unsigned long sepc, sstatus, hstatus;
  /* Host state parked during guest execution (the hypervisor has no use
   * for gp: it is the guest's throughout). */
  unsigned long h_ra, h_sp, h_tp, h_s[12];
  unsigned long h_sstatus, h_hstatus, h_stvec, h_sscratch;
  /* Trap that ended the last guest run. */
  unsigned long scause, stval, htval, htinst;
};

/* Enter the guest; returns at its next trap that takes the full exit
 * (trap.S). */
void vcpu_arch_run(struct vcpu_arch *ctx);

#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A6 16
#define REG_A7 17
#endif
#endif
