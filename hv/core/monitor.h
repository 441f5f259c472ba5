/* The monitor: Ctrl-\ m on the console opens a command prompt that takes
 * the keyboard (nothing typed there reaches a guest) while the VMs run on
 * and their output goes on showing above the prompt line. Commands (see
 * monitor_cmd.h, docs/usage.md): help, list, stats, stop, start, reboot,
 * pause, resume, focus VM, quit; Ctrl-\ at the prompt leaves it too. Runs
 * on the hart that takes the console's interrupt (the boot hart). */
#ifndef RV_MONITOR_H
#define RV_MONITOR_H
#include <stdbool.h>

extern volatile bool monitor_active;
static inline bool monitor_is_open(void) { return monitor_active; }
void monitor_open(void);
/* A byte from the console: the monitor's (true) while its prompt is open. */
bool monitor_input(char c);

#endif
