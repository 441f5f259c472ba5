/* Physical harts. Each runs the hypervisor on its own stack with its own
 * run queue; tp points at its struct hart while in the hypervisor. */
#ifndef RV_HART_H
#define RV_HART_H
#include "../arch/riscv/csr.h"
#include "../lib/spinlock.h"
#include "platform.h"
#include "runq.h"
#include <stdbool.h>
#include <stdint.h>

#define HART_STACK_SIZE 16384
/* Below each hart's stack (the boot hart's too): bytes the stack never
 * reaches (scripts/stack_check.py proves the bound, CTest `stack`), filled
 * with HART_GUARD_WORD; an overflow writes them first, and the hart panics
 * naming itself at its next check instead of running on over its
 * neighbour's data. */
#define HART_STACK_GUARD 256
#define HART_GUARD_WORD 0x5afe57ac5afe57acULL
/* Slots of hart.vmid_vm, by VMID modulo this (VMIDs are 1..CFG_MAX_VMS when
 * they are shared at all, see vm.c; two VMIDs in one slot cost a flush). */
#define HART_VMID_SLOTS 32

struct vcpu;
struct vm;

struct hart {
  uint64_t stack_top; /* first: entry.S loads sp from it */
  unsigned index;
  unsigned long hartid;
  /* Guards runq and the scheduling state (blocked, hsm_state transitions
   * made by other harts) of every vCPU placed on this hart. The runnable
   * marks of the run queue's entries (and its nr_runnable) are written by
   * this hart only. */
  spinlock_t lock;
  struct runq runq;
  uint64_t load; /* weights of the vCPUs placed here (boot hart, at boot) */
  /* Owner-only (this hart): */
  struct vcpu *loaded;  /* vCPU whose VS CSRs are live in this hart */
  struct vcpu *current; /* vCPU in the inner run loop, or NULL */
  /* Per VMID slot: the VM whose G-stage translations this hart may hold
   * under that VMID (vcpu_load flushes when another VM takes the slot). */
  struct vm *vmid_vm[HART_VMID_SLOTS];
  /* The FP registers hold the state of fp_live (saved in it or Clean), or,
   * with fp_zero, the all-zero state of every vCPU whose sstatus.FS is
   * Initial; neither: unknown. */
  struct vcpu *fp_live;
  bool fp_zero;
  uint64_t slice_start, slice_end;
  uint64_t timer_programmed; /* UINT64_MAX: none (without Sstc: sie.STIE off) */
  /* What the last look at this hart's vCPUs (sched_wake_check) found: the
   * earliest time one of them needs the timer for, whether it is still
   * current (nothing changed that it did not see), and whether a VM that
   * stops has vCPUs here to park. */
  uint64_t wake_at;
  bool looked;
  bool park_pending;
  unsigned long access_fault_cause; /* last fault of a guest_mem accessor */
  uint64_t *stack_guard;            /* HART_STACK_GUARD bytes below its stack */
  bool online;
};

extern struct hart harts[PLAT_MAX_HARTS];
extern unsigned hart_count; /* harts running the hypervisor */

static inline struct hart *this_hart(void) {
  struct hart *h;
  __asm__ volatile("mv %0, tp" : "=r"(h));
  return h;
}

/* Is the host timer's interrupt pending (and enabled: without Sstc a timer
 * that is not wanted is masked rather than reprogrammed)? */
static inline bool hart_timer_pending(void) {
  return (csr_read(CSR_SIP) & csr_read(CSR_SIE) & MIP_STIP) != 0;
}

/* Fill h's stack guard (at start), check it: all of it (full) or the words
 * next to the stack, which an overflow reaches first (a cheap check for
 * the scheduler's loop). A written guard is a panic that names the hart. */
void hart_guard_init(struct hart *h);
void hart_guard_check(const struct hart *h, bool full);

/* Make h look at its vCPUs again (an SBI IPI, unless h is this hart). */
void hart_kick(struct hart *h);
/* Bring up every other hart of the machine (SBI HSM hart_start). */
void smp_boot_secondaries(void);

#endif
