/* What the monitor does to a VM besides stop and reboot (vm_request_stop):
 * pause, resume, start. Any hart; each takes the VM's lock. */
#ifndef RV_VM_CTL_H
#define RV_VM_CTL_H
#include <stddef.h>

struct vm;

/* A running VM's vCPUs leave their harts (parked, as for a stop) and are
 * not scheduled until vm_resume; their timers are kept in their saved
 * state and fire after the resume if they came due meanwhile. -1 if the
 * VM is not running. */
int vm_pause(struct vm *vm);
/* A paused VM runs on, its vCPUs where they were. -1 if it is not paused. */
int vm_resume(struct vm *vm);
/* A stopped VM again from its image, as new: memory from the pool, the RAM
 * disk copied from its image, devices and counters reset. -1 with err. */
int vm_start(struct vm *vm, char *err, size_t errlen);

#endif
