/* The one exit dispatcher: every trap out of a guest is classified here,
 * once, by scause. */
#include "../arch/riscv/csr.h"
#include "console.h"
#include "vm.h"

#define INSN_WFI 0x10500073UL

long hv_guest_hlvx_hu(unsigned long gva); /* guest_access.S; -1 on fault */

static void handle_sbi(struct vcpu *v) {
  unsigned long *x = v->arch.x;
  struct sbi_call c = {
      .eid = x[REG_A7],
      .fid = x[REG_A6],
      .args = {x[10], x[11], x[12], x[13], x[14], x[15]},
  };
  struct sbi_result r;
  int idx;
  if (sbi_ext_find(c.eid, &idx))
    v->vm->stats.sbi[idx]++;
  else
    v->vm->stats.sbi_unsupported++;
  sbi_proxy_handle(v, &c, &r);
  switch (r.action) {
  case SBI_RET:
    x[REG_A0] = (unsigned long)r.error;
    x[REG_A1] = (unsigned long)r.value;
    v->arch.sepc += 4;
    break;
  case SBI_RET_LEGACY:
    x[REG_A0] = (unsigned long)r.error;
    v->arch.sepc += 4;
    break;
  case SBI_RET_NONE: break;
  }
}

/* A guest-physical address outside RAM and every device: the guest gets the
 * access fault real hardware would raise (priv spec: G-stage faults become
 * access faults for the guest when nothing is mapped). */
static void handle_guest_page_fault(struct vcpu *v) {
  struct vcpu_arch *a = &v->arch;
  uint64_t gpa = (a->htval << 2) | (a->stval & 3);
  v->vm->stats.guest_page_faults++;
  if (vm_gpa_to_hva(v->vm, gpa, 1)) {
    vm_stop(v->vm, 1, "G-stage fault inside guest RAM at 0x%lx (scause %lu)", (unsigned long)gpa,
            a->scause);
    return;
  }
  unsigned long cause = a->scause == EXC_INST_GUEST_PAGE_FAULT   ? EXC_INST_ACCESS
                        : a->scause == EXC_LOAD_GUEST_PAGE_FAULT ? EXC_LOAD_ACCESS
                                                                 : EXC_STORE_ACCESS;
  vcpu_redirect_trap(v, cause, a->stval);
}

/* The instruction that trapped: stval holds it when the hardware reports it
 * (QEMU does), otherwise it is fetched from the guest with HLVX. */
static unsigned long trapped_insn(struct vcpu *v) {
  if (v->arch.stval)
    return v->arch.stval;
  unsigned long saved = csr_read(CSR_HSTATUS);
  csr_write(CSR_HSTATUS, (saved & ~HSTATUS_SPVP) | (v->arch.hstatus & HSTATUS_SPVP));
  long lo = hv_guest_hlvx_hu(v->arch.sepc);
  long hi = lo >= 0 && (lo & 3) == 3 ? hv_guest_hlvx_hu(v->arch.sepc + 2) : 0;
  csr_write(CSR_HSTATUS, saved);
  if (lo < 0 || hi < 0)
    return 0;
  return (unsigned long)lo | (unsigned long)hi << 16;
}

static void handle_virtual_insn(struct vcpu *v) {
  unsigned long insn = trapped_insn(v);
  bool from_vs = (v->arch.sstatus & SSTATUS_SPP) != 0;
  if (insn == INSN_WFI && from_vs) {
    v->vm->stats.wfi++;
    v->arch.sepc += 4;
    /* Sleep until something is pending for this hart; a host interrupt then
     * traps as soon as the guest is re-entered. */
    if (!vcpu_irq_pending(v))
      cpu_wfi();
    return;
  }
  v->vm->stats.virtual_insn++;
  vcpu_redirect_trap(v, EXC_ILLEGAL_INST, insn);
}

static void handle_irq(struct vcpu *v, unsigned long irq) {
  switch (irq) {
  case IRQ_S_TIMER:
    v->vm->stats.irq_timer++;
    vcpu_timer_expired(v);
    break;
  default:
    v->vm->stats.irq_other++;
    hv_log("VM %s: unexpected host interrupt %lu while in the guest", v->vm->name, irq);
    csr_clear(CSR_SIE, 1UL << irq);
    break;
  }
}

void vcpu_handle_exit(struct vcpu *v) {
  struct vcpu_arch *a = &v->arch;
  v->vm->stats.exits++;
  if (a->scause & SCAUSE_INTERRUPT) {
    handle_irq(v, a->scause & ~SCAUSE_INTERRUPT);
    return;
  }
  switch (a->scause) {
  case EXC_ECALL_VS: handle_sbi(v); break;
  case EXC_INST_GUEST_PAGE_FAULT:
  case EXC_LOAD_GUEST_PAGE_FAULT:
  case EXC_STORE_GUEST_PAGE_FAULT: handle_guest_page_fault(v); break;
  case EXC_VIRTUAL_INST: handle_virtual_insn(v); break;
  default:
    /* Not delegated and not ours: the guest broke the machine's contract. */
    vm_stop(v->vm, 1,
            "guest exception not handled by the hypervisor: scause %lu sepc 0x%lx stval 0x%lx",
            a->scause, a->sepc, a->stval);
    break;
  }
}
