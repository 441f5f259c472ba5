/* The scheduler (sched.c): per-hart run queues of vCPUs, their timers,
 * blocking and waking, HSM start and stop. */
#ifndef RV_SCHED_H
#define RV_SCHED_H
#include "vcpu.h"
#include <stdbool.h>
#include <stdint.h>

struct hart;
struct vm;

void sched_place(struct vcpu *v); /* by vm->affinity and vm->weight */
_Noreturn void sched_run(void);
/* Set this hart's timer to `when` (UINT64_MAX: off), as h records it. */
void sched_program_timer(struct hart *h, uint64_t when);
void sched_timer_update(struct hart *h);
/* A vCPU of h moved its emulated timer (no Sstc) from `was` to `to`
 * (UINT64_MAX: not armed); reprogram h's timer if that changes it. */
void sched_timer_moved(struct hart *h, uint64_t was, uint64_t to);
void sched_timer_tick(struct hart *h);
void sched_wake_check(struct hart *h);
void sched_block(struct vcpu *v, enum vcpu_wait why);
bool sched_alone(struct vcpu *v);
int sched_start_vcpu(struct vcpu *target, uint64_t addr, unsigned long opaque);
void sched_stop_self(struct vcpu *v);
/* Make h look at its vCPUs again (this hart: before the next pick). */
void sched_kick(struct hart *h);
/* A VM's last vCPU is parked (vm->lock held): reload or stop it; true if
 * reloaded. Then, unlocked, sched_park_done reports or restarts it. */
bool sched_park_done_locked(struct vm *vm);
void sched_park_done(struct vm *vm, bool reloaded);
/* A paused, stopped or reloaded VM's vCPUs rejoin their run queues. */
void sched_vm_runs_again(struct vm *vm);
uint64_t sched_slice_ticks(void);

#endif
