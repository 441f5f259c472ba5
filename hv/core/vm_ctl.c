/* Pause, resume and start of a VM (the monitor's commands). Stop and
 * reboot are requests the VM's harts carry out (vm_request_stop, sched.c
 * park_vcpus); a pause is the same request without an end: its vCPUs are
 * parked and stay so until a resume unparks them. */
#include "vm_ctl.h"
#include "../lib/printf.h"
#include "hart.h"
#include "sched.h"
#include "vm.h"
#include <string.h>

int vm_pause(struct vm *vm) {
  spin_lock(&vm->lock);
  if (vm->state != VM_RUNNING) {
    spin_unlock(&vm->lock);
    return -1;
  }
  __atomic_store_n(&vm->state, VM_PAUSED, __ATOMIC_SEQ_CST);
  spin_unlock(&vm->lock);
  for (unsigned i = 0; i < vm->nvcpus; i++)
    sched_kick(vm->vcpu[i].owner);
  return 0;
}

/* vCPUs that were not parked yet are still loaded where they ran and go on
 * there; parked ones are loaded again when their hart picks them. */
int vm_resume(struct vm *vm) {
  spin_lock(&vm->lock);
  if (vm->state != VM_PAUSED) {
    spin_unlock(&vm->lock);
    return -1;
  }
  for (unsigned i = 0; i < vm->nvcpus; i++)
    vm->vcpu[i].parked = false;
  vm->unparked = vm->nvcpus;
  __atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_SEQ_CST);
  spin_unlock(&vm->lock);
  sched_vm_runs_again(vm);
  return 0;
}

/* Its vCPUs are parked (it stopped) and its memory was released: build it
 * again as vm_create did, minus what stays (placement, name, console). */
int vm_start(struct vm *vm, char *err, size_t errlen) {
  spin_lock(&vm->lock);
  if (vm->state != VM_STOPPED) {
    spin_unlock(&vm->lock);
    rv_snprintf(err, errlen, "it is not stopped");
    return -1;
  }
  if (vm_alloc_memory(vm, err, errlen)) {
    spin_unlock(&vm->lock);
    return -1;
  }
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    struct vcpu *v = &vm->vcpu[i];
    memset(&v->stats, 0, sizeof(v->stats));
    v->run_ticks = 0; /* its timers and waits: vm_load's vcpu_reset */
  }
  vm->reboots = 0;
  vm->monitor_stop = false;
  if (vm_load(vm, err, errlen)) {
    vm_release_memory(vm);
    spin_unlock(&vm->lock);
    return -1;
  }
  vm->starts++;
  vm->started_at = vm->loaded_at;
  spin_unlock(&vm->lock);
  __atomic_add_fetch(&vm_live_count, 1, __ATOMIC_SEQ_CST);
  sched_vm_runs_again(vm);
  return 0;
}
