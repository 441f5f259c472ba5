/* The one exit dispatcher: every trap out of a guest is classified here,
 * once, by scause. Each handler returns an outcome (exit.h) and
 * exit_finish() acts on it: the only place a guest's sepc moves past a
 * trapped instruction, for the fast paths and the full exit alike. */
#include "exit.h"
#include "../arch/riscv/csr.h"
#include "../dev/mmio.h"
#include "console.h"
#include "guest_mem.h"
#include "hart.h"
#include "hostio.h"
#include "sched.h"
#include "vm.h"
#include <stddef.h>

#define INSN_WFI 0x10500073UL
#define INSN_LEN_ECALL 4 /* ecall and wfi have no compressed form */
#define INSN_LEN_WFI 4

/* The guest's a0-a7 are the call (struct sbi_call has their layout). */
_Static_assert(offsetof(struct sbi_call, args) == 0 && offsetof(struct sbi_call, fid) == 6 * 8 &&
                   offsetof(struct sbi_call, eid) == 7 * 8 && REG_A7 - REG_A0 == 7,
               "struct sbi_call is a0..a7");

/* Act on a handler's outcome: step sepc over the trapped instruction when
 * the handler answered it (EXIT_NEXT, EXIT_BLOCKED); leave it where the
 * trap or the handler put it otherwise (EXIT_RETRY: the same instruction;
 * EXIT_INJECTED: the guest's vstvec; EXIT_STOPPED: whoever restarts the
 * vCPU sets it), for which exit_result() made len 0: no test on the fast
 * paths. The one place sepc steps. `live`: the guest's CSR context is still
 * in place (the ecall fast path), so the sepc CSR is written too and the
 * guest resumes there without trap.S reloading it. */
static inline __attribute__((always_inline)) void exit_finish(struct vcpu *v, struct exit_result r,
                                                              bool live) {
  v->arch.sepc += exit_len(r);
  if (live)
    csr_write(CSR_SEPC, v->arch.sepc);
}

/* An SBI call of extension idx (sbi_ext_index of its EID), counted per
 * extension (the exit counters' total adds these to stats.exits). Inlined
 * in both exit paths. */
static inline __attribute__((always_inline)) struct sbi_ret sbi_call(struct vcpu *v, int idx) {
  if (idx >= 0)
    v->stats.sbi[idx]++;
  else
    v->stats.sbi_unsupported++;
  return sbi_proxy_handle(v, (const struct sbi_call *)&v->arch.x[REG_A0], idx);
}

/* The handler took the vCPU over (SBI_NO_RETURN): it sent the guest a fault
 * (a legacy call's read of guest memory faulted) and the vCPU goes on, or it
 * stopped, suspended or reset it. */
static __attribute__((noinline)) enum exit_outcome sbi_taken_over(struct vcpu *v) {
  return vcpu_may_continue(v) ? EXIT_INJECTED : EXIT_STOPPED;
}

/* Write an SBI answer into the guest's a0/a1 (SBI spec v2.0, 3). A call
 * that made the vCPU wait (a retentive suspend) is answered all the same:
 * it steps over the ecall like EXIT_BLOCKED, so it is EXIT_NEXT here. */
static inline __attribute__((always_inline)) struct exit_result sbi_answer(struct vcpu *v,
                                                                           struct sbi_ret r) {
  if (r.error == SBI_NO_RETURN)
    return exit_result(sbi_taken_over(v), 0);
  v->arch.x[REG_A0] = (unsigned long)r.error;
  v->arch.x[REG_A1] = (unsigned long)r.value;
  return exit_result(EXIT_NEXT, INSN_LEN_ECALL);
}

static struct exit_result handle_sbi(struct vcpu *v) {
  return sbi_answer(v, sbi_call(v, sbi_ext_index(v->arch.x[REG_A7])));
}

/* A guest-physical address outside RAM and every device: the guest gets the
 * access fault real hardware would raise for an address nothing answers. */
static struct exit_result handle_guest_page_fault(struct vcpu *v) {
  struct vcpu_arch *a = &v->arch;
  uint64_t gpa = (a->htval << 2) | (a->stval & 3);
  struct exit_result r;
  v->stats.guest_page_faults++;
  if (mmio_emulate(v, gpa, &r))
    return r;
  if (vm_gpa_to_hva(v->vm, gpa, 1)) {
    vm_request_stop(v->vm, VM_STOPPING, SBI_SRST_REASON_SYSFAIL,
                    "G-stage fault inside guest RAM at 0x%lx (scause %lu)", (unsigned long)gpa,
                    a->scause);
    return exit_result(EXIT_STOPPED, 0);
  }
  unsigned long cause = a->scause == EXC_INST_GUEST_PAGE_FAULT   ? EXC_INST_ACCESS
                        : a->scause == EXC_LOAD_GUEST_PAGE_FAULT ? EXC_LOAD_ACCESS
                                                                 : EXC_STORE_ACCESS;
  vcpu_redirect_trap(v, cause, a->stval);
  return exit_result(EXIT_INJECTED, 0);
}

static struct exit_result handle_virtual_insn(struct vcpu *v) {
  /* stval holds the instruction when the hardware reports it (QEMU does). */
  unsigned long insn = v->arch.stval ? v->arch.stval : guest_fetch_insn(v);
  bool from_vs = (v->arch.sstatus & SSTATUS_SPP) != 0;
  if (insn == INSN_WFI && from_vs) {
    v->stats.wfi++;
    if (vcpu_irq_pending(v, false))
      return exit_result(EXIT_NEXT, INSN_LEN_WFI);
    /* Alone on this hart: wait right here, the vCPU stays loaded and a VS
     * interrupt (its Sstc timer, an hvip bit) resumes it without a trip
     * through the scheduler. Anything else is the scheduler's business. */
    if (sched_alone(v)) {
      cpu_wfi();
      if (hart_timer_pending()) /* its emulated timer (no Sstc) */
        sched_timer_tick(this_hart());
      if (vcpu_irq_pending(v, false))
        return exit_result(EXIT_NEXT, INSN_LEN_WFI);
    }
    sched_block(v, WAIT_WFI);
    return exit_result(EXIT_BLOCKED, INSN_LEN_WFI);
  }
  v->stats.virtual_insn++;
  vcpu_redirect_trap(v, EXC_ILLEGAL_INST, insn);
  return exit_result(EXIT_INJECTED, 0);
}

/* A host interrupt taken while in the guest: nothing of the guest's is
 * emulated, it resumes where it was (EXIT_RETRY). */
static struct exit_result handle_irq(struct vcpu *v, unsigned long irq) {
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
    hostirq_handle();
    /* A host disk's completion may have woken a vCPU of this hart (its
     * vPLIC line, vcpu_post): as for a kick, the slice ends for it. */
    sched_timer_update(h);
    break;
  default:
    v->stats.irq_other++;
    hv_log("VM %s: unexpected host interrupt %lu while in the guest", v->vm->name, irq);
    csr_clear(CSR_SIE, 1UL << irq);
    break;
  }
  return exit_result(EXIT_RETRY, 0);
}

/* After an exit answered on a fast path: may the guest resume at once?
 * Not when a request or the answer itself made the vCPU block, stop or
 * give way: then the exit goes on to the scheduler, already handled. */
static inline __attribute__((always_inline)) bool fast_resume(struct vcpu *v) {
  /* A plain load is enough: a request this misses was posted by another
   * hart, which kicks this one after posting (hart_kick), and the kick's
   * interrupt exits the guest again at once; one posted from this hart
   * (its own handler) is in program order before this load. */
  if (__atomic_load_n(&v->requests, __ATOMIC_RELAXED))
    vcpu_take_requests(v);
  if (vcpu_may_continue(v))
    return true;
  v->exit_handled = true;
  return false;
}

/* The ecall fast path, called by trap.S on the host stack while the guest's
 * CSR context (stvec = vcpu_arch_exit), its gp and its s0-s11 stay in
 * place: nothing here may trap, so the legacy calls that read guest memory
 * with HLV take the full exit. Returns v's vcpu_arch when the call is
 * answered and the guest may resume at once: trap.S then resumes it at the
 * sepc CSR, which exit_finish() stepped over the ecall (and v->arch.sepc
 * with it). NULL sends the
 * exit down the full path, marked handled if it was. */
struct vcpu_arch *vcpu_fast_exit(struct vcpu *v) {
  unsigned long eid = v->arch.x[REG_A7];
  struct exit_result r;
  int idx;
  if (eid <= SBI_EXT_0_1_SHUTDOWN) {
    if (eid == SBI_EXT_0_1_CONSOLE_PUTCHAR) { /* a byte of an early console */
      v->stats.sbi[SBI_IDX_LEGACY]++;
      v->arch.x[REG_A0] =
          (unsigned long)sbi_legacy_putchar(v, (const struct sbi_call *)&v->arch.x[REG_A0]);
      exit_finish(v, exit_result(EXIT_NEXT, INSN_LEN_ECALL), true);
      return fast_resume(v) ? &v->arch : NULL;
    }
    if (eid >= SBI_EXT_0_1_SEND_IPI && eid <= SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID)
      return NULL;
    idx = SBI_IDX_LEGACY;
  } else {
    idx = sbi_ext_index(eid);
  }
  r = sbi_answer(v, sbi_call(v, idx));
  exit_finish(v, r, true);
  if (exit_outcome(r) != EXIT_NEXT) { /* the handler changed the vCPU itself */
    v->exit_handled = true;
    return NULL;
  }
  return fast_resume(v) ? &v->arch : NULL;
}

/* The fast path of a load or store guest-page fault (MMIO, mostly), called
 * by trap.S with the trap CSRs and the guest's sstatus/hstatus saved in
 * v->arch and stvec at hv_trap_entry, so that reading the guest's
 * instruction may fault; trap.S restores sepc, sstatus and hstatus from
 * v->arch. Same return as vcpu_fast_exit(). */
struct vcpu_arch *vcpu_fast_fault(struct vcpu *v) {
  v->stats.exits++;
  exit_finish(v, handle_guest_page_fault(v), false);
  return fast_resume(v) ? &v->arch : NULL;
}

/* The full exit: classify by scause and handle. */
static struct exit_result exit_dispatch(struct vcpu *v) {
  struct vcpu_arch *a = &v->arch;
  if (a->scause != EXC_ECALL_VS)
    v->stats.exits++;
  if (a->scause & SCAUSE_INTERRUPT)
    return handle_irq(v, a->scause & ~SCAUSE_INTERRUPT);
  switch (a->scause) {
  case EXC_ECALL_VS: return handle_sbi(v);
  case EXC_INST_GUEST_PAGE_FAULT:
  case EXC_LOAD_GUEST_PAGE_FAULT:
  case EXC_STORE_GUEST_PAGE_FAULT: return handle_guest_page_fault(v);
  case EXC_VIRTUAL_INST: return handle_virtual_insn(v);
  case EXC_INST_ACCESS:
  case EXC_LOAD_MISALIGNED:
  case EXC_LOAD_ACCESS:
  case EXC_STORE_MISALIGNED:
  case EXC_STORE_ACCESS:
    /* The guest's own business (e.g. a misaligned AMO in a user process
     * that OpenSBI handed back): deliver it as the hardware would have. */
    vcpu_redirect_trap(v, a->scause, a->stval);
    return exit_result(EXIT_INJECTED, 0);
  default:
    /* Not delegated and not ours: the guest broke the machine's contract. */
    vm_request_stop(v->vm, VM_STOPPING, SBI_SRST_REASON_SYSFAIL,
                    "guest exception not handled by the hypervisor: scause %lu sepc 0x%lx "
                    "stval 0x%lx",
                    a->scause, a->sepc, a->stval);
    return exit_result(EXIT_STOPPED, 0);
  }
}

void vcpu_handle_exit(struct vcpu *v) { exit_finish(v, exit_dispatch(v), false); }
