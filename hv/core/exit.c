/* The one exit dispatcher: every trap out of a guest is classified here,
 * once, by scause. */
#include "../arch/riscv/csr.h"
#include "console.h"
#include "guest_mem.h"
#include "hart.h"
#include "vm.h"

#define INSN_WFI 0x10500073UL

static void handle_sbi(struct vcpu *v) {
  unsigned long *x = v->arch.x;
  struct sbi_call c = {
      .eid = x[REG_A7],
      .fid = x[REG_A6],
      .args = {x[10], x[11], x[12], x[13], x[14], x[15]},
  };
  struct sbi_result r;
  int idx = sbi_proxy_handle(v, &c, &r);
  if (idx >= 0)
    v->stats.sbi[idx]++;
  else
    v->stats.sbi_unsupported++;
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
 * access fault real hardware would raise for an address nothing answers. */
static void handle_guest_page_fault(struct vcpu *v) {
  struct vcpu_arch *a = &v->arch;
  uint64_t gpa = (a->htval << 2) | (a->stval & 3);
  v->stats.guest_page_faults++;
  if (vdev_mmio(v, gpa))
    return;
  if (vm_gpa_to_hva(v->vm, gpa, 1)) {
    vm_request_stop(v->vm, VM_STOPPING, SBI_SRST_REASON_SYSFAIL,
                    "G-stage fault inside guest RAM at 0x%lx (scause %lu)", (unsigned long)gpa,
                    a->scause);
    return;
  }
  unsigned long cause = a->scause == EXC_INST_GUEST_PAGE_FAULT   ? EXC_INST_ACCESS
                        : a->scause == EXC_LOAD_GUEST_PAGE_FAULT ? EXC_LOAD_ACCESS
                                                                 : EXC_STORE_ACCESS;
  vcpu_redirect_trap(v, cause, a->stval);
}

static void handle_virtual_insn(struct vcpu *v) {
  /* stval holds the instruction when the hardware reports it (QEMU does). */
  unsigned long insn = v->arch.stval ? v->arch.stval : guest_fetch_insn(v);
  bool from_vs = (v->arch.sstatus & SSTATUS_SPP) != 0;
  if (insn == INSN_WFI && from_vs) {
    v->stats.wfi++;
    v->arch.sepc += 4;
    if (vcpu_irq_pending(v, false))
      return;
    /* Alone on this hart: wait right here, the vCPU stays loaded and a VS
     * interrupt (its Sstc timer, an hvip bit) resumes it without a trip
     * through the scheduler. Anything else is the scheduler's business. */
    if (sched_alone(v)) {
      cpu_wfi();
      if (hart_timer_pending()) /* its emulated timer (no Sstc) */
        sched_timer_tick(this_hart());
      if (vcpu_irq_pending(v, false))
        return;
    }
    sched_block(v, WAIT_WFI);
    return;
  }
  v->stats.virtual_insn++;
  vcpu_redirect_trap(v, EXC_ILLEGAL_INST, insn);
}

static void handle_irq(struct vcpu *v, unsigned long irq) {
  struct hart *h = this_hart();
  switch (irq) {
  case IRQ_S_TIMER:
    v->stats.irq_timer++;
    sched_timer_tick(h);
    break;
  case IRQ_S_SOFT:
    v->stats.irq_ipi++;
    csr_clear(CSR_SIP, MIP_SSIP);
    sched_wake_check(h);
    sched_timer_update(h); /* a vCPU may have become runnable: slice ends */
    break;
  case IRQ_S_EXT:
    v->stats.irq_other++;
    console_handle_irq();
    break;
  default:
    v->stats.irq_other++;
    hv_log("VM %s: unexpected host interrupt %lu while in the guest", v->vm->name, irq);
    csr_clear(CSR_SIE, 1UL << irq);
    break;
  }
}

/* The ecall fast path, called by trap.S on the host stack while the guest's
 * CSR context (stvec = vcpu_arch_exit) and its s0-s11 stay in place: nothing
 * here may trap, so the legacy calls that read guest memory with HLV take the
 * full exit. Returns 1 when the call is answered and the guest may resume at
 * once; 0 sends the exit down the full path (marked handled if it was). */
int vcpu_fast_exit(struct vcpu *v) {
  unsigned long eid = v->arch.x[REG_A7];
  if (eid >= SBI_EXT_0_1_SEND_IPI && eid <= SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID)
    return 0;
  v->stats.exits++;
  handle_sbi(v);
  vcpu_take_requests(v);
  if (v->preempt || v->wait != WAIT_NONE || v->hsm_state != SBI_HSM_STATE_STARTED ||
      v->vm->state != VM_RUNNING) {
    v->exit_handled = true;
    return 0;
  }
  return 1;
}

void vcpu_handle_exit(struct vcpu *v) {
  struct vcpu_arch *a = &v->arch;
  v->stats.exits++;
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
  case EXC_INST_ACCESS:
  case EXC_LOAD_MISALIGNED:
  case EXC_LOAD_ACCESS:
  case EXC_STORE_MISALIGNED:
  case EXC_STORE_ACCESS:
    /* The guest's own business (e.g. a misaligned AMO in a user process
     * that OpenSBI handed back): deliver it as the hardware would have. */
    vcpu_redirect_trap(v, a->scause, a->stval);
    break;
  default:
    /* Not delegated and not ours: the guest broke the machine's contract. */
    vm_request_stop(v->vm, VM_STOPPING, SBI_SRST_REASON_SYSFAIL,
                    "guest exception not handled by the hypervisor: scause %lu sepc 0x%lx "
                    "stval 0x%lx",
                    a->scause, a->sepc, a->stval);
    break;
  }
}
