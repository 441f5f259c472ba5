/* A vCPU: its state, its exit counters, the requests other harts post to
 * it (vcpu.c). */
#ifndef RV_VCPU_H
#define RV_VCPU_H
#include "../arch/riscv/vcpu_arch.h"
#include "runq.h"
#include "sbi_proxy.h"
#include <stdbool.h>
#include <stdint.h>

/* Exit counters by cause, per vCPU (written only by the hart running it),
 * summed per VM when it stops. */
struct vm_stats {
  uint64_t exits; /* other than SBI calls (those are counted in sbi[]) */
  uint64_t sbi[SBI_IDX_COUNT];
  uint64_t sbi_unsupported;
  uint64_t virtual_insn; /* virtual-instruction exits other than WFI */
  uint64_t wfi;
  uint64_t guest_page_faults;
  uint64_t faults_injected; /* access faults and illegal instructions */
  uint64_t irq_timer;       /* host timer interrupts taken while in the guest */
  uint64_t irq_ipi;         /* host software interrupts (kicks) */
  uint64_t irq_other;
  uint64_t timer_injected; /* VSTIP raised by the hypervisor (no Sstc) */
  uint64_t ipi_injected;   /* VSSIP raised for this vCPU */
  uint64_t eip_changes;    /* VSEIP raised or lowered by the virtual PLIC */
  uint64_t preempted;
  uint64_t harts_kicked; /* other harts its IPIs and remote fences kicked */
};

/* Cross-hart requests to a vCPU (atomic bits in vcpu.requests). */
#define REQ_VSSIP (1U << 0)
#define REQ_FENCE_I (1U << 1)
#define REQ_HFENCE_VVMA (1U << 2)
#define REQ_EIP (1U << 3) /* set hvip.VSEIP to vcpu.eip */
#define REQ_FENCES (REQ_FENCE_I | REQ_HFENCE_VVMA)

/* Why a started vCPU is not running guest code. */
enum vcpu_wait { WAIT_NONE, WAIT_WFI, WAIT_SUSPEND, WAIT_SUSPEND_NONRET, WAIT_SYSTEM_SUSPEND };

struct vm;
struct hart;

struct fp_state {
  uint64_t f[32];
  uint64_t fcsr;
};

/* A vCPU. Its register state is touched only by its hart (struct hart
 * `owner`), except while it is STOPPED and not loaded, when an HSM
 * hart_start from another vCPU may set it under the owner's lock. */
struct vcpu {
  struct vcpu_arch arch;
  struct vm *vm;
  unsigned id;
  struct hart *owner;
  struct runq_entry rq;
  volatile long hsm_state; /* SBI_HSM_STATE_* */
  enum vcpu_wait wait;
  unsigned long resume_addr, resume_opaque; /* non-retentive suspend */
  bool parked;                              /* VM not running: unloaded */
  volatile bool in_guest;                   /* in the inner run loop */
  bool preempt;
  bool exit_handled; /* the fast path answered the last exit already */
  uint32_t requests; /* REQ_*, set by any hart, taken by the owner */
  volatile bool eip; /* the PLIC's output line for this vCPU (REQ_EIP) */
  /* VS-mode CSRs, live in the hart while loaded. */
  unsigned long vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
  unsigned long hvip;
  uint64_t vstimecmp;
  /* S-mode CSRs that VS-mode reaches directly (the H extension banks no
   * VS copy of them): one VM's values must never be seen or changed by
   * another, so they are switched with the vCPU like the VS CSRs. */
  unsigned long scounteren, senvcfg;
  struct fp_state fp; /* valid while not loaded, if the guest used FP */
  /* Timer without Sstc: deadline emulated through the host timer. */
  uint64_t timer_deadline;
  bool timer_armed;
  /* Trap-storm detection: consecutive faults injected at the trap vector. */
  unsigned long storm_pc;
  unsigned storm_count;
  struct vm_stats stats;
  /* Time its hart spent on it (the monitor's CPU share): run_ticks of the
   * slices it finished, and when the one it runs began (0: none). Written
   * by the owner, read by any hart. */
  uint64_t run_ticks;
  uint64_t run_since;
};

/* vcpu.c */
void vcpu_reset(struct vcpu *v, uint64_t entry, unsigned long a0, unsigned long a1);
void vcpu_load(struct vcpu *v);
void vcpu_put(struct vcpu *v);
void vcpu_redirect_trap(struct vcpu *v, unsigned long cause, unsigned long tval);
void vcpu_set_timer(struct vcpu *v, uint64_t stime);
bool vcpu_irq_pending(struct vcpu *v, bool ignore_enable);
void vcpu_request(struct vcpu *v, uint32_t req);
void vcpu_post(struct vcpu *v, uint32_t req); /* request, then its hart looks */
void vcpu_take_requests(struct vcpu *v);

/* Sstc is used for the guests' timers (set at boot, main.c). */
extern bool hv_use_sstc;

#endif
