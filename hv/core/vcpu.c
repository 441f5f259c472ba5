/* vCPU execution: boot state, VS-mode CSR load/save, the run loop, trap
 * redirection into the guest and the guest timer. */
#include "../arch/riscv/csr.h"
#include "console.h"
#include "sbi_call.h"
#include "vm.h"
#include <stddef.h>
#include <string.h>

_Static_assert(offsetof(struct vcpu_arch, sepc) == VA_SEPC, "VA_SEPC");
_Static_assert(offsetof(struct vcpu_arch, h_ra) == VA_H_RA, "VA_H_RA");
_Static_assert(offsetof(struct vcpu_arch, h_s) == VA_H_S(0), "VA_H_S");
_Static_assert(offsetof(struct vcpu_arch, h_sstatus) == VA_H_SSTATUS, "VA_H_SSTATUS");
_Static_assert(offsetof(struct vcpu_arch, h_sscratch) == VA_H_SSCRATCH, "VA_H_SSCRATCH");
_Static_assert(offsetof(struct vcpu_arch, scause) == VA_T_SCAUSE, "VA_T_SCAUSE");
_Static_assert(offsetof(struct vcpu_arch, htinst) == VA_T_HTINST, "VA_T_HTINST");
_Static_assert(sizeof(struct vcpu_arch) == VA_SIZE, "VA_SIZE");
_Static_assert(offsetof(struct vcpu, arch) == 0, "arch first");

#define VS_IRQS (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP)

/* The boot state of an SBI hart (SBI spec, HSM hart_start): VS-mode,
 * a0 = hart id, a1 = opaque, satp = 0, interrupts off. */
void vcpu_reset(struct vcpu *v, uint64_t entry, unsigned long a0, unsigned long a1) {
  memset(&v->arch, 0, sizeof(v->arch));
  v->arch.x[REG_A0] = a0;
  v->arch.x[REG_A1] = a1;
  v->arch.sepc = entry;
  /* SPP: return to VS-mode. FS: HS-level FP enable must be on for V=1 FP. */
  v->arch.sstatus = SSTATUS_SPP | SSTATUS_FS_INITIAL;
  v->arch.hstatus = HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_VTW | HSTATUS_VSXL_64;
  v->vsstatus = 0;
  v->vsie = v->vstvec = v->vsscratch = v->vsepc = v->vscause = v->vstval = v->vsatp = 0;
  v->hvip = 0;
  v->vstimecmp = UINT64_MAX;
  v->timer_armed = false;
}

static void vcpu_load(struct vcpu *v) {
  csr_write(CSR_HGATP, v->vm->hgatp);
  csr_write(CSR_VSSTATUS, v->vsstatus);
  csr_write(CSR_VSIE, v->vsie);
  csr_write(CSR_VSTVEC, v->vstvec);
  csr_write(CSR_VSSCRATCH, v->vsscratch);
  csr_write(CSR_VSEPC, v->vsepc);
  csr_write(CSR_VSCAUSE, v->vscause);
  csr_write(CSR_VSTVAL, v->vstval);
  csr_write(CSR_VSATP, v->vsatp);
  csr_write(CSR_HVIP, v->hvip);
  csr_write(CSR_HTIMEDELTA, 0);
  if (hv_use_sstc)
    csr_write(CSR_VSTIMECMP, v->vstimecmp);
  hfence_vvma_all();
}

static void vcpu_save(struct vcpu *v) {
  v->vsstatus = csr_read(CSR_VSSTATUS);
  v->vsie = csr_read(CSR_VSIE);
  v->vstvec = csr_read(CSR_VSTVEC);
  v->vsscratch = csr_read(CSR_VSSCRATCH);
  v->vsepc = csr_read(CSR_VSEPC);
  v->vscause = csr_read(CSR_VSCAUSE);
  v->vstval = csr_read(CSR_VSTVAL);
  v->vsatp = csr_read(CSR_VSATP);
  v->hvip = csr_read(CSR_HVIP);
  if (hv_use_sstc)
    v->vstimecmp = csr_read(CSR_VSTIMECMP);
}

/* Runs v on this hart until its VM stops or the vCPU stops itself. A VM
 * reboot reloads the vCPU state in place (vm_load), so the loop reloads the
 * CSRs when the generation changes. */
void vcpu_run(struct vcpu *v) {
  struct vm *vm = v->vm;
  vcpu_load(v);
  while (vm->state == VM_RUNNING && v->hsm_state == SBI_HSM_STATE_STARTED) {
    vcpu_arch_run(&v->arch);
    vcpu_handle_exit(v);
  }
  vcpu_save(v);
}

/* Deliver an exception to the guest's own trap handler, as the hardware
 * would have done had it been delegated (priv spec, "Trap entry" with
 * V=1): vsepc/vscause/vstval, vsstatus.SPP/SPIE/SIE, pc = vstvec.BASE. */
void vcpu_redirect_trap(struct vcpu *v, unsigned long cause, unsigned long tval) {
  unsigned long vsstatus = csr_read(CSR_VSSTATUS);
  vsstatus &= ~(SSTATUS_SPP | SSTATUS_SPIE);
  if (v->arch.sstatus & SSTATUS_SPP)
    vsstatus |= SSTATUS_SPP;
  if (vsstatus & SSTATUS_SIE)
    vsstatus |= SSTATUS_SPIE;
  vsstatus &= ~SSTATUS_SIE;
  csr_write(CSR_VSSTATUS, vsstatus);
  csr_write(CSR_VSCAUSE, cause);
  csr_write(CSR_VSTVAL, tval);
  csr_write(CSR_VSEPC, v->arch.sepc);
  v->arch.sepc = csr_read(CSR_VSTVEC) & ~3UL;
  v->arch.sstatus |= SSTATUS_SPP; /* the guest's handler runs in VS-mode */
  v->vm->stats.faults_injected++;
}

/* SBI set_timer for the vCPU running on this hart. With Sstc the guest's
 * vstimecmp is the timer (no exit when it fires); without it the deadline
 * goes to the host timer and the interrupt is injected through hvip.VSTIP. */
void vcpu_set_timer(struct vcpu *v, uint64_t stime) {
  if (hv_use_sstc) {
    csr_write(CSR_VSTIMECMP, stime);
    return;
  }
  csr_clear(CSR_HVIP, MIP_VSTIP);
  v->timer_deadline = stime;
  v->timer_armed = true;
  sbi_host_set_timer(stime);
}

/* Called on a host timer interrupt taken while v ran (no Sstc). */
void vcpu_timer_expired(struct vcpu *v) {
  if (v->timer_armed && csr_read(CSR_TIME) >= v->timer_deadline) {
    v->timer_armed = false;
    csr_set(CSR_HVIP, MIP_VSTIP);
    v->vm->stats.timer_injected++;
    sbi_host_set_timer(UINT64_MAX);
  } else if (v->timer_armed) {
    sbi_host_set_timer(v->timer_deadline);
  } else {
    sbi_host_set_timer(UINT64_MAX);
  }
}

/* Is a VS-level interrupt pending and enabled by the guest? (hie's VS bits
 * are the guest's sie, hip's the pending ones, hvip's and Sstc's included.) */
bool vcpu_irq_pending(struct vcpu *v) {
  (void)v;
  return (csr_read(CSR_HIP) & csr_read(CSR_HIE) & VS_IRQS) != 0;
}
