/* The MMIO path (mmio.c): a trapped guest access to a device window,
 * decoded once and dispatched on the VM's bus. */
#ifndef RV_MMIO_H
#define RV_MMIO_H
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Emulate the load/store that faulted at gpa if a region of the VM's bus
 * holds it: returns true when handled (the vCPU steps over the instruction
 * or gets an access fault for a malformed access or a page-table walk into
 * the window), false when no region holds gpa (nothing was touched). */
bool mmio_emulate(struct vcpu *v, uint64_t gpa);

#endif
