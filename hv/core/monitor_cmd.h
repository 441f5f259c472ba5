/* The monitor's pure part (hv/core/monitor.c runs the commands): the line
 * editor that takes the console's bytes while the prompt is open, the
 * parser of a finished line, the rule of which command applies to a VM in
 * which state, and the arithmetic of `list`. No core include: host
 * unit-tested (tests/unit/test_monitor_cmd.c) and fuzzed
 * (tests/fuzz/fuzz_monitor.c), since every byte typed reaches it. */
#ifndef RV_MONITOR_CMD_H
#define RV_MONITOR_CMD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MON_LINE_MAX 64    /* a line holds at most MON_LINE_MAX - 1 characters */
#define MON_ERR_MAX 200    /* one line of error, names of every VM included */
#define MON_LEAVE_KEY 0x1c /* Ctrl-\ at the prompt closes it */

/* The line being typed. Only printable ASCII is kept; a line typed longer
 * than fits is refused as a whole at Enter (never cut and run). */
struct mon_line {
  char buf[MON_LINE_MAX];
  size_t len;
  bool overflow;     /* characters were typed past the end */
  unsigned char seq; /* 0; 1: after ESC; 2: inside an ESC [ sequence */
};

enum mon_key {
  MON_KEY_NONE,  /* swallowed: nothing changed on the screen */
  MON_KEY_EDIT,  /* the line changed: show it again */
  MON_KEY_ENTER, /* the line is finished (buf, len; the caller clears it) */
  MON_KEY_LEAVE, /* close the prompt */
};

void mon_line_clear(struct mon_line *l);
/* One byte typed at the prompt. Backspace and DEL erase, Ctrl-U and Ctrl-C
 * clear the line, CR or LF finish it, Ctrl-\ leaves; a terminal's escape
 * sequences (ESC [ ... final byte, ESC O x: arrow and function keys) and
 * every other control or non-ASCII byte are dropped. */
enum mon_key mon_line_key(struct mon_line *l, char c);

enum mon_cmd {
  MON_CMD_EMPTY, /* a blank line: nothing to do */
  MON_CMD_BAD,   /* err says why, in one line */
  MON_CMD_HELP,
  MON_CMD_LIST,
  MON_CMD_QUIT,
  /* These take one VM. */
  MON_CMD_STATS,
  MON_CMD_STOP,
  MON_CMD_START,
  MON_CMD_REBOOT,
  MON_CMD_PAUSE,
  MON_CMD_RESUME,
  MON_CMD_FOCUS,
};

struct mon_parsed {
  enum mon_cmd cmd;
  unsigned vm; /* index into names, for the commands that take a VM */
  char err[MON_ERR_MAX];
};

/* Parse line[0..n) (words separated by spaces) against the VMs' names; a VM
 * is named by its name or its index. */
void mon_parse(const char *line, size_t n, const char *const *names, unsigned nvms,
               struct mon_parsed *out);
const char *mon_cmd_name(enum mon_cmd c);

/* A VM's state as the monitor sees it. */
enum mon_vm_state {
  MON_VM_RUNNING,
  MON_VM_PAUSED,
  MON_VM_STOPPING,  /* going down: its vCPUs are being parked */
  MON_VM_REBOOTING, /* being reloaded */
  MON_VM_STOPPED,
};
const char *mon_state_name(enum mon_vm_state s);
/* May cmd be done to a VM in state s? NULL if so, else why not (one
 * sentence that says which state the command wants). */
const char *mon_state_refuses(enum mon_cmd cmd, enum mon_vm_state s);

/* The share of time t_run is of t_window, in tenths of a percent of one
 * hart (a VM of two busy vCPUs on two harts: 2000); 0 for an empty window. */
uint64_t mon_permille(uint64_t t_run, uint64_t t_window);
/* Events per second over a window of t_window ticks of a timebase of hz. */
uint64_t mon_per_second(uint64_t events, uint64_t t_window, uint64_t hz);

#endif
