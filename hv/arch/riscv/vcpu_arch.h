/* The register file of a vCPU as trap.S saves and restores it, and the host
 * state it parks while the guest runs. trap.S reaches the fields through
 * offsets generated from this struct (asm_offsets.c -> asm_offsets.h): C
 * only, reorder it freely. */
#ifndef RV_VCPU_ARCH_H
#define RV_VCPU_ARCH_H

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
