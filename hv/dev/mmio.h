/* The MMIO path (mmio.c): a trapped guest access to a device window,
 * decoded once and dispatched on the VM's bus. */
#ifndef RV_MMIO_H
#define RV_MMIO_H
#include "../core/exit.h"
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Emulate the load/store that faulted at gpa if a region of the VM's bus
 * holds it: returns true when handled, with *out the outcome for the exit
 * dispatcher: EXIT_NEXT and the instruction's length (2 or 4) to step over,
 * or EXIT_INJECTED when the guest got an access fault (a malformed access,
 * a page-table walk into the window, a refusal by the model). False when
 * no region holds gpa (nothing was touched, *out neither). sepc is never
 * touched here. */
bool mmio_emulate(struct vcpu *v, uint64_t gpa, struct exit_result *out);

#endif
