/* The per-hart scheduler: each hart runs the vCPUs placed on it, the one
 * with the least weighted runtime first, for slices of 5 ms when others
 * wait; a vCPU in WFI or HSM suspend takes no time until an interrupt is
 * pending for it; an idle hart sleeps in WFI. The host timer of a hart
 * serves its slice end, the guest timers of its blocked vCPUs and, without
 * Sstc, the emulated guest timers. */
#include "sched.h"
#include "../arch/riscv/csr.h"
#include "../arch/riscv/sbi_host.h"
#include "../lib/printf.h"
#include "console.h"
#include "exit.h"
#include "hart.h"
#include "hostio.h"
#include "vm.h"

static uint64_t slice_ticks = 50000;
/* How long a vCPU runs at least before a wake-up may preempt it (a fifth of
 * a slice, 1 ms): a guest that sleeps for microseconds, over and over,
 * cannot take its neighbour's hart by waking up (as fair schedulers bound
 * wake-up preemption). */
static uint64_t min_run_ticks = 10000;

uint64_t sched_slice_ticks(void) { return slice_ticks; }

static uint64_t now(void) { return csr_read(CSR_TIME); }

/* Put v for good on the hart its VM may use (hart-affinity) that carries
 * the least weight so far; ties go to the lowest index, so the vCPUs of
 * one VM spread over the harts in order. */
void sched_place(struct vcpu *v) {
  struct hart *h = NULL;
  for (unsigned i = 0; i < hart_count; i++)
    if ((!v->vm->affinity || (v->vm->affinity & (1U << i))) && (!h || harts[i].load < h->load))
      h = &harts[i];
  if (!h) /* the configuration checked the affinity against hart_count */
    hv_panic("VM %s: no hart for vCPU %u", v->vm->name, v->id);
  v->owner = h;
  v->rq.item = v;
  v->rq.weight = v->vm->weight * RUNQ_WEIGHT_DEFAULT / CFG_WEIGHT_DEFAULT;
  h->load += v->rq.weight;
  spin_lock(&h->lock);
  int r = runq_add(&h->runq, &v->rq); /* not runnable until its hart looks (main() kicks it) */
  spin_unlock(&h->lock);
  if (r)
    hv_panic("run queue of hart %lu is full", h->hartid);
}

/* Set this hart's timer to `when`. UINT64_MAX turns it off: with Sstc by
 * stimecmp; without it by masking sie.STIE, which costs no SBI call (the
 * SBI timer may still fire, unseen, and the next set_timer clears STIP
 * before STIE is unmasked). */
void sched_program_timer(struct hart *h, uint64_t when) {
  h->timer_programmed = when;
  if (hv_use_sstc) {
    csr_write(CSR_STIMECMP, when);
  } else if (when == UINT64_MAX) {
    csr_clear(CSR_SIE, MIP_STIP);
  } else {
    sbi_host_set_timer(when);
    csr_set(CSR_SIE, MIP_STIP);
  }
}

/* Program this hart's timer for the earliest thing it must wake up for:
 * what the last look found (h->wake_at) and, while others wait, the end of
 * the running vCPU's slice. */
void sched_timer_update(struct hart *h) {
  uint64_t next = h->wake_at;
  if (h == harts && hostdisks_watch_at < next)
    next = hostdisks_watch_at; /* the host disks' watchdog runs on the boot hart */
  if (h->current && h->runq.nr_runnable > 1 && h->slice_end < next)
    next = h->slice_end; /* others wait: end the slice on time */
  if (next != h->timer_programmed)
    sched_program_timer(h, next);
}

/* The deadline of a blocked vCPU's Sstc timer if that timer can wake it:
 * enabled (or a system suspend, woken by any interrupt); UINT64_MAX if it
 * cannot. (A running vCPU's vstimecmp works by itself.) */
static uint64_t blocked_sstc_deadline(struct hart *h, struct vcpu *v) {
  bool loaded = h->loaded == v;
  uint64_t d = loaded ? csr_read(CSR_VSTIMECMP) : v->vstimecmp;
  unsigned long vsie = loaded ? csr_read(CSR_VSIE) : v->vsie;
  bool can_wake = v->wait == WAIT_SYSTEM_SUSPEND || (vsie & (MIP_VSTIP >> 1));
  return can_wake ? d : UINT64_MAX;
}

/* When v needs this hart's timer, as of time t (UINT64_MAX: never):
 * without Sstc its armed deadline; with Sstc, while it is blocked, a
 * deadline that can wake it and is still ahead (one that has passed made
 * the look that found it blocked wake it; if it did not, re-firing would
 * not either). */
static uint64_t timer_need(struct hart *h, struct vcpu *v, uint64_t t) {
  if (v->vm->state != VM_RUNNING || v->hsm_state == SBI_HSM_STATE_STOPPED)
    return UINT64_MAX;
  if (!hv_use_sstc)
    return v->timer_armed ? v->timer_deadline : UINT64_MAX;
  if (v->wait == WAIT_NONE)
    return UINT64_MAX;
  uint64_t d = blocked_sstc_deadline(h, v);
  return d > t ? d : UINT64_MAX;
}

/* v's emulated timer (no Sstc) at time t: raised when due (in hvip: the
 * CSR if v is loaded on this hart). Returns its deadline while that is
 * ahead, else UINT64_MAX. */
static inline __attribute__((always_inline)) uint64_t emulated_timer_at(struct vcpu *v, uint64_t t,
                                                                        bool loaded) {
  if (hv_use_sstc || !v->timer_armed)
    return UINT64_MAX;
  if (t < v->timer_deadline)
    return v->timer_deadline;
  v->timer_armed = false;
  v->stats.timer_injected++;
  if (loaded)
    csr_set(CSR_HVIP, MIP_VSTIP);
  else
    v->hvip |= MIP_VSTIP;
  return UINT64_MAX;
}

/* v, just woken at time t, may take the hart from the running vCPU: at
 * once if that one has run its minimum since it was loaded, else at the end
 * of that minimum (its slice is cut short there, the timer serves it).
 * Only a vCPU that is owed time preempts. */
static void wake_preempt(struct hart *h, struct vcpu *v, uint64_t t) {
  struct vcpu *cur = h->current;
  if (!cur || cur == v || cur->preempt || v->rq.vruntime >= cur->rq.vruntime)
    return;
  uint64_t earliest = h->slice_start + min_run_ticks;
  if (t >= earliest)
    cur->preempt = true;
  else if (earliest < h->slice_end)
    h->slice_end = earliest;
}

/* A blocked vCPU has an interrupt pending at time t: let it run again. */
static void wake(struct hart *h, struct vcpu *v, uint64_t t) {
  switch (v->wait) {
  case WAIT_NONE: return;
  case WAIT_WFI: break;
  case WAIT_SUSPEND: v->hsm_state = SBI_HSM_STATE_STARTED; break;
  case WAIT_SUSPEND_NONRET:
  case WAIT_SYSTEM_SUSPEND:
    /* Resume like a hart start: a0 = hart id, a1 = opaque, satp = 0,
     * interrupts off; the rest of the VS state is kept. */
    v->arch.x[REG_A0] = v->id;
    v->arch.x[REG_A1] = v->resume_opaque;
    v->arch.sepc = v->resume_addr;
    v->arch.sstatus |= SSTATUS_SPP;
    if (h->loaded == v) {
      csr_write(CSR_VSATP, 0);
      csr_clear(CSR_VSSTATUS, SSTATUS_SIE);
    } else {
      v->vsatp = 0;
      v->vsstatus &= ~SSTATUS_SIE;
    }
    v->hsm_state = SBI_HSM_STATE_STARTED;
    break;
  }
  v->wait = WAIT_NONE;
  runq_wake(&h->runq, &v->rq, slice_ticks);
  wake_preempt(h, v, t);
}

/* Look at one vCPU of this hart at time t (under h->lock): take its
 * requests from other harts, raise its emulated timer when due, wake it if
 * it is blocked with an interrupt pending, and mark in the run queue
 * whether it can run. Returns when it needs the timer next (timer_need). */
static inline __attribute__((always_inline)) uint64_t look_at(struct hart *h, struct vcpu *v,
                                                              uint64_t t) {
  enum vm_state s = v->vm->state;
  if (s != VM_RUNNING || v->hsm_state == SBI_HSM_STATE_STOPPED) {
    if (s != VM_RUNNING && s != VM_STOPPED && !v->parked)
      h->park_pending = true;
    runq_set_runnable(&h->runq, &v->rq, false);
    return UINT64_MAX;
  }
  /* A request missed by this plain load came with a kick: the next look. */
  if (__atomic_load_n(&v->requests, __ATOMIC_RELAXED))
    vcpu_take_requests(v);
  uint64_t need = emulated_timer_at(v, t, h->loaded == v);
  if (v->wait != WAIT_NONE) {
    if (vcpu_irq_pending(v, v->wait == WAIT_SYSTEM_SUSPEND))
      wake(h, v, t);
    else if (hv_use_sstc && (need = blocked_sstc_deadline(h, v)) <= t)
      need = UINT64_MAX; /* see timer_need() */
  }
  long hs = v->hsm_state;
  runq_set_runnable(&h->runq, &v->rq,
                    v->wait == WAIT_NONE &&
                        (hs == SBI_HSM_STATE_STARTED || hs == SBI_HSM_STATE_START_PENDING));
  return need;
}

/* Look at every vCPU of this hart (see look_at). What the look finds stays
 * true until a kick (SSIP), the timer, or a change the running vCPU makes
 * to itself (it blocks or stops, its VM stops, it starts another vCPU
 * here, it moves its emulated timer): each of those looks again or tells
 * the scheduler to (sched_run, run_vcpu, sched_timer_moved). Time alone
 * changes nothing the timer does not cover: the deadlines found are
 * programmed. So one look per scheduling decision is enough. */
void sched_wake_check(struct hart *h) {
  uint64_t t = now(), next = UINT64_MAX;
  spin_lock(&h->lock);
  for (unsigned i = 0; i < h->runq.n; i++) {
    uint64_t d = look_at(h, h->runq.e[i]->item, t);
    if (d < next)
      next = d;
  }
  h->wake_at = next;
  h->looked = true;
  spin_unlock(&h->lock);
}

/* The running vCPU v changed its own state (suspended, stopped): look at
 * it alone, the rest of the last look still holds. */
static void look_again_at(struct hart *h, struct vcpu *v) {
  spin_lock(&h->lock);
  uint64_t d = look_at(h, v, now());
  if (d < h->wake_at)
    h->wake_at = d;
  spin_unlock(&h->lock);
}

void sched_timer_moved(struct hart *h, uint64_t was, uint64_t to) {
  if (to < h->wake_at) {
    h->wake_at = to;
  } else if (was == h->wake_at && to != was) {
    /* It was the earliest and goes later: find the next earliest, or the
     * old deadline would fire for nothing. */
    uint64_t t = now(), next = UINT64_MAX;
    for (unsigned i = 0; i < h->runq.n; i++) {
      uint64_t d = timer_need(h, h->runq.e[i]->item, t);
      if (d < next)
        next = d;
    }
    h->wake_at = next;
  } else {
    return; /* a later deadline than one already due first: that one re-arms */
  }
  sched_timer_update(h);
}

/* The host timer fired: turn it off (the interrupt must go), look at every
 * vCPU, end the slice when it is over and others wait. The timer is set
 * again before anything runs: here if the running vCPU goes on, otherwise
 * by run_vcpu() or the idle loop. */
void sched_timer_tick(struct hart *h) {
  sched_program_timer(h, UINT64_MAX);
  hart_guard_check(h, true);
  if (h == harts && hostdisks_watch_at <= now())
    hostdisks_watchdog(now());
  struct vcpu *cur = h->current;
  if (cur && h->runq.n == 1) {
    /* Alone on its hart, the running vCPU is all a look would see, and its
     * requests and state are checked before it goes on: only its emulated
     * timer (no Sstc) is left to raise or to keep. */
    h->wake_at = emulated_timer_at(cur, now(), true); /* running: loaded */
    sched_timer_update(h);
    return;
  }
  sched_wake_check(h);
  if (!cur)
    return;
  if (now() >= h->slice_end && h->runq.nr_runnable > 1)
    cur->preempt = true;
  if (!cur->preempt)
    sched_timer_update(h);
}

/* Is v the only vCPU of its hart that could run? (owner) */
bool sched_alone(struct vcpu *v) { return v->owner->runq.nr_runnable == 1; }

void sched_block(struct vcpu *v, enum vcpu_wait why) {
  v->wait = why;
  if (why != WAIT_WFI)
    v->hsm_state = SBI_HSM_STATE_SUSPENDED;
}

/* HSM hart_start of a stopped vCPU, from any hart. */
int sched_start_vcpu(struct vcpu *t, uint64_t addr, unsigned long opaque) {
  struct hart *h = t->owner;
  spin_lock(&h->lock);
  if (t->hsm_state != SBI_HSM_STATE_STOPPED) {
    spin_unlock(&h->lock);
    return SBI_ERR_ALREADY_AVAILABLE;
  }
  vcpu_reset(t, addr, t->id, opaque);
  t->hsm_state = SBI_HSM_STATE_START_PENDING;
  runq_wake(&h->runq, &t->rq, slice_ticks);
  spin_unlock(&h->lock);
  if (h == this_hart()) {
    h->looked = false; /* the scheduler looks at t before it picks */
    if (h->current)
      h->current->preempt = true;
  } else {
    hart_kick(h);
  }
  return SBI_SUCCESS;
}

void sched_stop_self(struct vcpu *v) { v->hsm_state = SBI_HSM_STATE_STOP_PENDING; }

/* The last vCPU of a VM that stops or reboots is parked (vm->lock held):
 * reload it (VM_RESETTING), or it is stopped. True if it was reloaded. */
bool sched_park_done_locked(struct vm *vm) {
  if (vm->state == VM_RESETTING) {
    char err[160];
    vm->reboots++;
    if (vm_load(vm, err, sizeof(err)) == 0)
      return true;
    rv_snprintf(vm->stop_msg, sizeof(vm->stop_msg), "reboot failed: %s", err);
    vm->stop_reason = SBI_SRST_REASON_SYSFAIL;
  }
  /* Its memory goes back to the pool before it is seen stopped: a start
   * (vm_start, under this lock) finds it released, and no device still
   * writes into it (vm_dev_quiesce). */
  vm_dev_quiesce(vm);
  vm_release_memory(vm);
  vm->state = VM_STOPPED;
  return false;
}

/* Make h look at its vCPUs again: this hart before it runs a vCPU next
 * (the running one leaves the guest at its next exit), another by a kick. */
void sched_kick(struct hart *h) {
  if (h == this_hart()) {
    h->looked = false;
    if (h->current)
      h->current->preempt = true;
  } else {
    hart_kick(h);
  }
}

/* After sched_park_done_locked (vm->lock released): a reloaded VM's vCPUs
 * rejoin their run queues (sched_vm_runs_again: a paused VM's may have been
 * away long); a stopped VM, its memory back in the pool, is reported. The
 * machine powers off when no VM is left, unless the monitor stopped the
 * last one (it may start it again). */
void sched_park_done(struct vm *vm, bool reloaded) {
  if (reloaded) {
    sched_vm_runs_again(vm);
    return;
  }
  hv_log("VM %s stopped: %s", vm->name, vm->stop_msg);
  if (vm->print_stats)
    vm_print_stats(vm);
  if (__atomic_sub_fetch(&vm_live_count, 1, __ATOMIC_SEQ_CST) == 0 && !vm->monitor_stop) {
    hv_log("no VM left: powering off");
    sbi_host_reset(SBI_SRST_TYPE_SHUTDOWN, vm->stop_reason);
  }
}

/* A VM that is stopping, rebooting or pausing: unload its vCPUs on this
 * hart; the hart that parks the VM's last vCPU finishes the stop or the
 * reboot (a pause has nothing to finish). */
static void park_vcpus(struct hart *h) {
  for (unsigned i = 0; i < h->runq.n; i++) {
    struct vcpu *v = h->runq.e[i]->item;
    struct vm *vm = v->vm;
    enum vm_state s = __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
    if (s == VM_RUNNING || s == VM_STOPPED || v->parked)
      continue;
    /* Under the VM's lock, so that a reboot's vm_load (which unparks every
     * vCPU and sets VM_RUNNING) is never seen half done. */
    spin_lock(&vm->lock);
    s = vm->state;
    if (s == VM_RUNNING || s == VM_STOPPED || v->parked) {
      spin_unlock(&vm->lock);
      continue;
    }
    vcpu_put(v);
    v->parked = true;
    /* A VM that stops (a paused one may be stopped without running again)
     * may get other RAM when it starts again: no hart may keep
     * translations of this one under its VMID. */
    if (s == VM_STOPPING || s == VM_PAUSED)
      hfence_gvma_vmid(vm->vmid);
    bool last = --vm->unparked == 0 && s != VM_PAUSED;
    bool rebooted = false;
    struct vcpu *payer = NULL;
    uint64_t reload_ticks = 0;
    if (last && s == VM_RESETTING) {
      /* Reloading (clearing its RAM, copying its image) is work done for
       * this VM: it is charged to its vCPU here, vCPU 0 if that is here
       * (the one that starts), so a VM that reboots in a loop gets its
       * share of the hart and no more. */
      uint64_t t0 = now();
      payer = vm->vcpu[0].owner == h ? &vm->vcpu[0] : v;
      rebooted = sched_park_done_locked(vm);
      reload_ticks = now() - t0;
    } else if (last) {
      sched_park_done_locked(vm);
    }
    spin_unlock(&vm->lock);
    if (payer) {
      spin_lock(&h->lock);
      runq_charge(&payer->rq, reload_ticks);
      spin_unlock(&h->lock);
    }
    if (last)
      sched_park_done(vm, rebooted);
  }
}

/* A paused, stopped or rebooted VM runs again: its vCPUs rejoin their run
 * queues at most a slice behind (they took no time meanwhile, which must
 * not become a burst), and their harts look at them. */
void sched_vm_runs_again(struct vm *vm) {
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    struct vcpu *v = &vm->vcpu[i];
    spin_lock(&v->owner->lock);
    runq_wake(&v->owner->runq, &v->rq, slice_ticks);
    spin_unlock(&v->owner->lock);
  }
  for (unsigned i = 0; i < vm->nvcpus; i++)
    sched_kick(vm->vcpu[i].owner);
}

/* Stop v for good after HSM hart_stop; a VM whose every vCPU stopped
 * itself can never run again and is stopped. */
static void finish_hart_stop(struct hart *h, struct vcpu *v) {
  vcpu_put(v);
  v->timer_armed = false;
  spin_lock(&h->lock);
  v->hsm_state = SBI_HSM_STATE_STOPPED;
  spin_unlock(&h->lock);
  struct vm *vm = v->vm;
  for (unsigned i = 0; i < vm->nvcpus; i++)
    if (vm->vcpu[i].hsm_state != SBI_HSM_STATE_STOPPED)
      return;
  vm_request_stop(vm, VM_STOPPING, SBI_SRST_REASON_NONE,
                  "every vCPU stopped itself (HSM hart_stop)");
}

static void run_vcpu(struct hart *h, struct vcpu *v) {
  if (v->hsm_state == SBI_HSM_STATE_START_PENDING)
    v->hsm_state = SBI_HSM_STATE_STARTED;
  /* The slice starts before the switch: loading v (and saving the vCPU it
   * replaces, the fences) is charged to v, which the switch is for. */
  h->slice_start = now();
  __atomic_store_n(&v->run_since, h->slice_start, __ATOMIC_RELAXED);
  vcpu_load(v);
  h->current = v;
  v->preempt = false;
  h->slice_end = h->slice_start + slice_ticks;
  sched_timer_update(h);
  /* Alone on the hart, a WFI may simply stall it in VS-mode: no exit, and
   * any interrupt, the hypervisor's included, ends it. With others waiting,
   * WFI traps (VTW) so that the vCPU blocks and the hart runs another. A
   * vCPU that wakes here preempts this one, so the choice is remade. */
  if (h->runq.nr_runnable == 1)
    v->arch.hstatus &= ~HSTATUS_VTW;
  else
    v->arch.hstatus |= HSTATUS_VTW;
  __atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
  for (;;) {
    vcpu_take_requests(v);
    /* A look (a kick's, the timer's) that found a stopping VM's vCPU to
     * park leaves the guest for the scheduler loop, which parks it: a vCPU
     * alone on its hart may otherwise never leave, and the VM never stops. */
    if (!vcpu_may_continue(v) || h->park_pending)
      break;
    vcpu_arch_run(&v->arch);
    if (v->exit_handled)
      v->exit_handled = false;
    else
      vcpu_handle_exit(v);
  }
  __atomic_store_n(&v->in_guest, false, __ATOMIC_SEQ_CST);
  h->current = NULL;
  uint64_t ran = now() - h->slice_start;
  runq_charge(&v->rq, ran);
  __atomic_store_n(&v->run_ticks, v->run_ticks + ran, __ATOMIC_RELAXED);
  __atomic_store_n(&v->run_since, 0, __ATOMIC_RELEASE);
  if (v->preempt)
    v->stats.preempted++;
  if (v->hsm_state == SBI_HSM_STATE_STOP_PENDING)
    finish_hart_stop(h, v);
  /* Preempted, it is still runnable and the last look holds. */
  if (v->vm->state != VM_RUNNING) {
    h->looked = false; /* its VM stops: look at everything (what to park) */
  } else if (v->wait == WAIT_WFI) {
    /* handle_virtual_insn() found no interrupt pending; a request taken
     * since came with a kick, which makes sched_run() look again, and its
     * emulated timer (no Sstc) is in wake_at already. Its Sstc timer is
     * new to wake_at, unless it passed since, when a look wakes it. */
    runq_set_runnable(&h->runq, &v->rq, false);
    uint64_t d = hv_use_sstc ? blocked_sstc_deadline(h, v) : UINT64_MAX;
    if (d <= now())
      h->looked = false;
    else if (d < h->wake_at)
      h->wake_at = d;
  } else if (v->wait != WAIT_NONE || v->hsm_state != SBI_HSM_STATE_STARTED) {
    look_again_at(h, v);
  }
}

#ifdef RV_TEST_STACK_OVERFLOW
/* Test image (boot.stack-guard): hart 1 takes a frame as large as its
 * whole stack, which runs past its end into the guard (and what lies
 * below it: the boot hart does not use hart_stacks[0]). */
static __attribute__((noinline)) void test_stack_overflow(void) {
  volatile uint8_t big[HART_STACK_SIZE];
  for (unsigned i = 0; i < sizeof(big); i++)
    big[i] = (uint8_t)i;
  hv_log("hart 1: took a %u-byte frame", (unsigned)sizeof(big));
}
#endif

_Noreturn void sched_run(void) {
  struct hart *h = this_hart();
  csr_set(CSR_SIE, MIP_SEIP); /* host devices' interrupts (hostio.c): any hart takes them */
  slice_ticks = plat.timebase / 200;
  min_run_ticks = slice_ticks / 5;
#ifdef RV_TEST_STACK_OVERFLOW
  if (h->index == 1)
    test_stack_overflow();
#endif
  for (;;) {
    hart_guard_check(h, false);
    unsigned long sip;
    /* Read and clear SSIP at once: a kick that comes later stays pending. */
    __asm__ volatile("csrrc %0, sip, %1" : "=r"(sip) : "r"(MIP_SSIP) : "memory");
    if (sip & MIP_SSIP)
      h->looked = false; /* a kick: requests or state changed elsewhere */
    if (sip & csr_read(CSR_SIE) & MIP_STIP)
      sched_timer_tick(h); /* looks */
    if (sip & MIP_SEIP) {
      hostirq_handle();
      h->looked = false;
    }
    if (!h->looked)
      sched_wake_check(h);
    if (h->park_pending) {
      h->park_pending = false;
      park_vcpus(h);
      sched_wake_check(h); /* a reboot restarted vCPUs */
    }
    spin_lock(&h->lock);
    struct runq_entry *e = runq_pick(&h->runq);
    spin_unlock(&h->lock);
    if (e) {
      run_vcpu(h, e->item);
      continue;
    }
    /* Idle: a kick (SSIP) or a timer wakes the WFI; neither is lost, since
     * WFI returns at once for an interrupt already pending. Whatever woke
     * it (also a VS interrupt of a blocked vCPU still loaded here), the
     * hart looks again rather than trust the last look. */
    sched_timer_update(h);
    cpu_wfi();
    h->looked = false;
  }
}
