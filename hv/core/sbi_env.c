/* The hypervisor's side of sbi-proxy/include/sbi_env.h. */
#include "sbi_env.h"
#include "../arch/riscv/csr.h"
#include "../arch/riscv/sbi_host.h"
#include "console.h"
#include "guest_mem.h"
#include "hart.h"
#include "sched.h"
#include "vm.h"

static unsigned long machine_ids[3]; /* mvendorid, marchid, mimpid */

void sbi_env_cache_machine_ids(void) {
  for (int i = 0; i < 3; i++)
    machine_ids[i] = sbi_host_machine_id(SBI_BASE_GET_MVENDORID + (unsigned long)i);
}

unsigned long sbi_env_machine_id(unsigned long base_fid) {
  return machine_ids[base_fid - SBI_BASE_GET_MVENDORID];
}

void *sbi_env_guest_ram(struct vcpu *v, uint64_t gpa, uint64_t len) {
  return vm_gpa_to_hva(v->vm, gpa, len);
}

/* A read that faults sends the guest the fault it would have taken itself:
 * a page fault as is, a G-stage fault or PMP refusal as an access fault. */
int sbi_env_guest_read_ulong(struct vcpu *v, unsigned long gva, unsigned long *out) {
  if (guest_read_ulong(v, gva, out) == 0)
    return 0;
  unsigned long cause = this_hart()->access_fault_cause;
  vcpu_redirect_trap(v, cause == EXC_LOAD_PAGE_FAULT ? EXC_LOAD_PAGE_FAULT : EXC_LOAD_ACCESS, gva);
  return -1;
}

void sbi_env_console_write(struct vcpu *v, const char *s, size_t n) {
  vm_console_output(v->vm, s, n);
}

void sbi_env_console_putc(struct vcpu *v, char c) { vm_console_putc(v->vm, c); }

int sbi_env_console_getc(struct vcpu *v) {
  return console_rx_irq_enabled() ? vdev_console_getc(&v->vm->dev) : console_getc();
}

void sbi_env_set_timer(struct vcpu *v, uint64_t stime) { vcpu_set_timer(v, stime); }

unsigned long sbi_env_vcpu_id(struct vcpu *v) { return v->id; }

unsigned long sbi_env_vcpu_count(struct vcpu *v) { return v->vm->nvcpus; }

long sbi_env_vcpu_hsm_state(struct vcpu *v, unsigned long vcpu_id) {
  return v->vm->vcpu[vcpu_id].hsm_state;
}

long sbi_env_vcpu_start(struct vcpu *v, unsigned long vcpu_id, uint64_t addr,
                        unsigned long opaque) {
  return sched_start_vcpu(&v->vm->vcpu[vcpu_id], addr, opaque);
}

void sbi_env_vcpu_stop(struct vcpu *v) { sched_stop_self(v); }

void sbi_env_vcpu_suspend(struct vcpu *v, int retentive, uint64_t addr, unsigned long opaque) {
  if (retentive) {
    /* The proxy answers SBI_SUCCESS, which the guest sees once resumed. */
    sched_block(v, WAIT_SUSPEND);
  } else {
    v->resume_addr = addr;
    v->resume_opaque = opaque;
    sched_block(v, WAIT_SUSPEND_NONRET);
  }
}

void sbi_env_system_suspend(struct vcpu *v, uint64_t addr, unsigned long opaque) {
  v->resume_addr = addr;
  v->resume_opaque = opaque;
  sched_block(v, WAIT_SYSTEM_SUSPEND);
}

/* Post req to every vCPU in the set and make the harts look that must;
 * the caller's own vCPU takes it at once. Returns the set of remote vCPUs
 * that were in their guest when asked.
 *
 * What one VM's requests cost another VM's hart is bounded: a hart is
 * kicked only when the request can change something there now. A fence
 * needs the target's hart only while the target is in its guest (one that
 * is not flushes when it is next loaded: vcpu_load). An IPI needs it when
 * its REQ_VSSIP bit was clear (set, a kick is on its way already): to
 * inject it, or to wake a blocked target. So a VM fencing a vCPU of its
 * own that sleeps beside another VM, in a loop, costs that VM nothing. */
static uint64_t post_requests(struct vcpu *v, uint64_t vcpus, uint32_t req) {
  struct hart *self = this_hart();
  bool local = false;
  uint64_t remote = 0;
  for (unsigned i = 0; i < v->vm->nvcpus; i++) {
    if (!((vcpus >> i) & 1))
      continue;
    struct vcpu *t = &v->vm->vcpu[i];
    uint32_t was = __atomic_fetch_or(&t->requests, req, __ATOMIC_SEQ_CST);
    if (t == v) {
      vcpu_take_requests(v);
    } else if (t->owner == self) {
      local = true;
    } else if (__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST)) { /* pairs with run_vcpu */
      remote |= 1ULL << i;
      hart_kick(t->owner);
      v->stats.harts_kicked++;
    } else if ((req & REQ_VSSIP) && !(was & REQ_VSSIP)) {
      hart_kick(t->owner);
      v->stats.harts_kicked++;
    }
  }
  if (local) {
    sched_wake_check(self);
    sched_timer_update(self); /* a woken vCPU may cut the slice short */
  }
  return remote;
}

void sbi_env_send_ipi(struct vcpu *v, uint64_t vcpus) {
  if (vcpus == 1ULL << v->id) { /* to itself: it is loaded here */
    v->stats.ipi_injected++;
    csr_set(CSR_HVIP, MIP_VSSIP);
    return;
  }
  post_requests(v, vcpus, REQ_VSSIP);
}

long sbi_env_clear_ipi(struct vcpu *v) {
  vcpu_take_requests(v);
  unsigned long was = csr_read(CSR_HVIP) & MIP_VSSIP;
  csr_clear(CSR_HVIP, MIP_VSSIP);
  return was ? 1 : 0;
}

/* A remote fence completes before the call returns: wait until every
 * target that was in its guest has taken the request (a target that is not
 * in its guest flushes when it is next loaded). While waiting, take our own
 * requests, so that two harts fencing each other cannot deadlock. */
void sbi_env_remote_fence(struct vcpu *v, uint64_t vcpus, int kind) {
  if (vcpus == 1ULL << v->id) { /* for itself: a local fence, nobody to wait for */
    if (kind == SBI_ENV_FENCE_I)
      __asm__ volatile("fence.i" ::: "memory");
    else
      hfence_vvma_all();
    return;
  }
  uint32_t req = kind == SBI_ENV_FENCE_I ? REQ_FENCE_I : REQ_HFENCE_VVMA;
  uint64_t wait = post_requests(v, vcpus, req);
  for (unsigned i = 0; wait; i = (i + 1) % v->vm->nvcpus) {
    if (!((wait >> i) & 1))
      continue;
    struct vcpu *t = &v->vm->vcpu[i];
    if (!(__atomic_load_n(&t->requests, __ATOMIC_SEQ_CST) & req) ||
        !__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST))
      wait &= ~(1ULL << i);
    vcpu_take_requests(v);
  }
}

void sbi_env_vm_reset(struct vcpu *v, unsigned long type, unsigned long reason) {
  struct vm *vm = v->vm;
  const char *why = reason == SBI_SRST_REASON_SYSFAIL ? "system failure" : "no reason";
  if (type == SBI_SRST_TYPE_SHUTDOWN) {
    vm_request_stop(vm, VM_STOPPING, reason,
                    "shutdown requested by the guest (SBI SRST, reason: %s)", why);
    return;
  }
  hv_log("VM %s: %s reboot requested by the guest (reason: %s): reloading", vm->name,
         type == SBI_SRST_TYPE_COLD_REBOOT ? "cold" : "warm", why);
  vm_request_stop(vm, VM_RESETTING, reason, "reboot");
}
