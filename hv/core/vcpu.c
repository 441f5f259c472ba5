/* vCPU state: boot state, VS-mode CSR load/save, requests from other harts,
 * trap redirection into the guest and the guest timer. */
#include "../arch/riscv/csr.h"
#include "../arch/riscv/sbi_host.h"
#include "console.h"
#include "hart.h"
#include "sched.h"
#include "vm.h"
#include <stddef.h>
#include <string.h>

#define VS_IRQS (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP)

void fp_save(struct fp_state *s);          /* fp.S */
void fp_restore(const struct fp_state *s); /* fp.S */

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
  /* What OpenSBI gives an S-mode OS: its user mode may read cycle, time and
   * instret (Linux relies on it for its vDSO and sets no scounteren). */
  v->scounteren = HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR;
  v->senvcfg = 0;
  v->vstimecmp = UINT64_MAX;
  v->timer_deadline = UINT64_MAX;
  v->timer_armed = false;
  v->wait = WAIT_NONE;
  v->storm_count = 0;
  __atomic_and_fetch(&v->requests, ~REQ_VSSIP, __ATOMIC_SEQ_CST);
}

/* The FP state of a vCPU whose sstatus.FS is Initial (reset, and it never
 * wrote an FP register since): all zero. */
static const struct fp_state fp_initial;

/* Copy the live VS state of v, loaded in h, out to v. */
static void vcpu_save(struct hart *h, struct vcpu *v) {
  v->vsstatus = csr_read(CSR_VSSTATUS);
  v->vsie = csr_read(CSR_VSIE);
  v->vstvec = csr_read(CSR_VSTVEC);
  v->vsscratch = csr_read(CSR_VSSCRATCH);
  v->vsepc = csr_read(CSR_VSEPC);
  v->vscause = csr_read(CSR_VSCAUSE);
  v->vstval = csr_read(CSR_VSTVAL);
  v->vsatp = csr_read(CSR_VSATP);
  v->hvip = csr_read(CSR_HVIP);
  v->scounteren = csr_read(CSR_SCOUNTEREN);
  v->senvcfg = csr_read(CSR_SENVCFG);
  /* FS is Dirty when the guest wrote FP state since it was loaded. The
   * registers keep that state: v can come back to them without a restore. */
  if ((v->arch.sstatus & SSTATUS_FS) == SSTATUS_FS) {
    fp_save(&v->fp);
    v->arch.sstatus = (v->arch.sstatus & ~SSTATUS_FS) | SSTATUS_FS_CLEAN;
    h->fp_live = v;
    h->fp_zero = false;
  }
  if (hv_use_sstc) {
    v->vstimecmp = csr_read(CSR_VSTIMECMP);
    v->timer_deadline = v->vstimecmp;
  }
}

/* Bring v's FP state into the registers unless they hold it already. The
 * registers change only here and in a guest, which marks its FS Dirty (then
 * vcpu_save() records whose they are); the hypervisor does not use FP. */
static void vcpu_load_fp(struct hart *h, struct vcpu *v) {
  unsigned long fs = v->arch.sstatus & SSTATUS_FS;
  if (fs == SSTATUS_FS_INITIAL) {
    if (!h->fp_zero) {
      fp_restore(&fp_initial);
      h->fp_zero = true;
      h->fp_live = NULL;
    }
  } else if (fs && h->fp_live != v) {
    fp_restore(&v->fp);
    h->fp_live = v;
    h->fp_zero = false;
  }
}

/* Make v's VS state live in this hart (vcpu_put()s the one loaded). Loading
 * flushes this hart's VS-stage TLB for the VM's VMID and its instruction
 * cache, which also completes any remote fence requested while v was not
 * loaded. The VS-stage flush is needed on every switch, even between VMs of
 * different VMIDs: QEMU 7.2's TLB is not tagged by VMID and a write of
 * hgatp does not flush it, so the hfence.vvma is what keeps one VM's
 * translations from the next. */
void vcpu_load(struct vcpu *v) {
  struct hart *h = this_hart();
  if (h->loaded == v)
    return;
  if (h->loaded)
    vcpu_save(h, h->loaded); /* its hvip and vstimecmp are overwritten below */
  struct vm *vm = v->vm;
  csr_write(CSR_HGATP, vm->hgatp);
  /* Another VM used this VMID here since this one did (more VMs than
   * VMIDs): its G-stage translations may still be cached under it. */
  struct vm **slot = &h->vmid_vm[vm->vmid % HART_VMID_SLOTS];
  if (*slot != vm) {
    if (*slot)
      hfence_gvma_vmid(vm->vmid);
    *slot = vm;
  }
  csr_write(CSR_VSSTATUS, v->vsstatus);
  csr_write(CSR_VSIE, v->vsie);
  csr_write(CSR_VSTVEC, v->vstvec);
  csr_write(CSR_VSSCRATCH, v->vsscratch);
  csr_write(CSR_VSEPC, v->vsepc);
  csr_write(CSR_VSCAUSE, v->vscause);
  csr_write(CSR_VSTVAL, v->vstval);
  csr_write(CSR_VSATP, v->vsatp);
  csr_write(CSR_HVIP, v->hvip);
  csr_write(CSR_SCOUNTEREN, v->scounteren);
  csr_write(CSR_SENVCFG, v->senvcfg);
  csr_write(CSR_HTIMEDELTA, 0);
  /* FP registers are shared by every guest on this hart. */
  vcpu_load_fp(h, v);
  if (hv_use_sstc)
    csr_write(CSR_VSTIMECMP, v->vstimecmp);
  hfence_vvma_all();
  __asm__ volatile("fence.i" ::: "memory");
  __atomic_and_fetch(&v->requests, ~REQ_FENCES, __ATOMIC_SEQ_CST);
  h->loaded = v;
}

/* Save v's VS state out of this hart and leave no VS interrupt behind. */
void vcpu_put(struct vcpu *v) {
  struct hart *h = this_hart();
  if (h->loaded != v)
    return;
  vcpu_save(h, v);
  if (hv_use_sstc)
    csr_write(CSR_VSTIMECMP, UINT64_MAX);
  csr_write(CSR_HVIP, 0);
  h->loaded = NULL;
}

/* Post a request to v from any hart; the caller kicks v's hart. */
void vcpu_request(struct vcpu *v, uint32_t req) {
  __atomic_or_fetch(&v->requests, req, __ATOMIC_SEQ_CST);
}

/* Post a request to v and make its hart look at it: this hart at once (it
 * takes the request and wakes v if v is blocked), another one by a kick. */
void vcpu_post(struct vcpu *v, uint32_t req) {
  vcpu_request(v, req);
  if (v->owner == this_hart())
    sched_wake_check(v->owner);
  else
    hart_kick(v->owner);
}

/* Owner only: apply the pending requests, to the live CSRs if v is loaded
 * here, else to its saved state (fences then happen at the next load). */
void vcpu_take_requests(struct vcpu *v) {
  if (!__atomic_load_n(&v->requests, __ATOMIC_SEQ_CST)) /* pairs with in_guest */
    return;
  bool loaded = this_hart()->loaded == v;
  uint32_t mask = loaded ? ~0U : REQ_VSSIP | REQ_EIP;
  uint32_t req = __atomic_fetch_and(&v->requests, ~mask, __ATOMIC_SEQ_CST) & mask;
  if (req & REQ_VSSIP) {
    v->stats.ipi_injected++;
    if (loaded)
      csr_set(CSR_HVIP, MIP_VSSIP);
    else
      v->hvip |= MIP_VSSIP;
  }
  if (req & REQ_EIP) {
    bool on = __atomic_load_n(&v->eip, __ATOMIC_SEQ_CST);
    v->stats.eip_changes++;
    if (loaded)
      on ? csr_set(CSR_HVIP, MIP_VSEIP) : csr_clear(CSR_HVIP, MIP_VSEIP);
    else
      v->hvip = on ? v->hvip | MIP_VSEIP : v->hvip & ~MIP_VSEIP;
  }
  if (req & REQ_FENCE_I)
    __asm__ volatile("fence.i" ::: "memory");
  if (req & REQ_HFENCE_VVMA)
    hfence_vvma_all();
}

/* Deliver an exception to the guest's own trap handler, as the hardware
 * would have done had it been delegated (priv spec, "Trap entry" with
 * V=1): vsepc/vscause/vstval, vsstatus.SPP/SPIE/SIE, pc = vstvec.BASE.
 * A fault at the trap vector itself, again and again, is a trap storm:
 * the VM is stopped. */
void vcpu_redirect_trap(struct vcpu *v, unsigned long cause, unsigned long tval) {
  unsigned long vstvec = csr_read(CSR_VSTVEC) & ~3UL;
  if (v->arch.sepc == vstvec && v->arch.sepc == v->storm_pc) {
    if (++v->storm_count >= 64) {
      vm_request_stop(v->vm, VM_STOPPING, SBI_SRST_REASON_SYSFAIL,
                      "trap storm: vCPU %u faults at its own trap vector 0x%lx (cause %lu)", v->id,
                      vstvec, cause);
      return;
    }
  } else {
    v->storm_pc = vstvec;
    v->storm_count = v->arch.sepc == vstvec;
  }
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
  v->arch.sepc = vstvec;
  v->arch.sstatus |= SSTATUS_SPP; /* the guest's handler runs in VS-mode */
  v->stats.faults_injected++;
}

/* set_timer without Sstc: the deadline goes to the host timer and the
 * interrupt is injected through hvip.VSTIP (sched.c). */
static __attribute__((noinline)) void vcpu_set_timer_emulated(struct vcpu *v, uint64_t stime) {
  csr_clear(CSR_HVIP, MIP_VSTIP);
  uint64_t was = v->timer_armed ? v->timer_deadline : UINT64_MAX;
  v->timer_deadline = stime;
  v->timer_armed = true;
  sched_timer_moved(this_hart(), was, stime);
}

/* SBI set_timer for the vCPU running on this hart. With Sstc the guest's
 * vstimecmp is the timer (no exit when it fires). */
void vcpu_set_timer(struct vcpu *v, uint64_t stime) {
  if (!hv_use_sstc) {
    vcpu_set_timer_emulated(v, stime);
    return;
  }
  csr_write(CSR_VSTIMECMP, stime);
}

/* Is a VS-level interrupt pending for v (and enabled by the guest, unless
 * ignore_enable)? Live CSRs when v is loaded here, saved state otherwise. */
bool vcpu_irq_pending(struct vcpu *v, bool ignore_enable) {
  unsigned long pend, en;
  if (this_hart()->loaded == v) {
    pend = csr_read(CSR_HIP);
    en = csr_read(CSR_HIE);
    if (hv_use_sstc && !(pend & MIP_VSTIP)) {
      /* Sstc makes VSTIP follow time >= vstimecmp, but QEMU 7.2 raises it
       * from a timer of its own that can lag behind time: a vCPU blocked
       * in that gap would be found neither pending nor with a deadline
       * ahead. Writing vstimecmp makes QEMU compare at once (elsewhere the
       * write changes nothing), so what the guest then reads agrees. */
      uint64_t d = csr_read(CSR_VSTIMECMP);
      if (csr_read(CSR_TIME) >= d) {
        csr_write(CSR_VSTIMECMP, d);
        pend = csr_read(CSR_HIP);
      }
    }
  } else {
    pend = v->hvip;
    if (hv_use_sstc && csr_read(CSR_TIME) >= v->vstimecmp)
      pend |= MIP_VSTIP;
    en = v->vsie << 1; /* vsie holds the S-level positions */
  }
  if (__atomic_load_n(&v->requests, __ATOMIC_RELAXED) & REQ_VSSIP)
    pend |= MIP_VSSIP;
  return (pend & (ignore_enable ? ~0UL : en) & VS_IRQS) != 0;
}
