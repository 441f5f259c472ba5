#include "monitor_cmd.h"
#include "../lib/printf.h"
#include <string.h>

void mon_line_clear(struct mon_line *l) {
  l->len = 0;
  l->overflow = false;
  l->seq = 0;
}

enum mon_key mon_line_key(struct mon_line *l, char ch) {
  unsigned char c = (unsigned char)ch;
  if (l->seq == 1) { /* after ESC: '[' or 'O' open a sequence, else it ends */
    l->seq = c == '[' || c == 'O' ? 2 : 0;
    return MON_KEY_NONE;
  }
  if (l->seq == 2) { /* parameters and intermediates until a final byte */
    if (c >= 0x40 && c <= 0x7e)
      l->seq = 0;
    else if (c < 0x20 || c > 0x3f) /* not a sequence after all */
      l->seq = 0;
    return MON_KEY_NONE;
  }
  switch (c) {
  case '\r':
  case '\n': return MON_KEY_ENTER;
  case MON_LEAVE_KEY: return MON_KEY_LEAVE;
  case 0x1b: l->seq = 1; return MON_KEY_NONE;
  case '\b':
  case 0x7f:
    if (l->overflow) { /* the line was too long: start it again */
      mon_line_clear(l);
      return MON_KEY_EDIT;
    }
    if (!l->len)
      return MON_KEY_NONE;
    l->len--;
    return MON_KEY_EDIT;
  case 0x03: /* Ctrl-C */
  case 0x15: /* Ctrl-U */ mon_line_clear(l); return MON_KEY_EDIT;
  default: break;
  }
  if (c < 0x20 || c > 0x7e)
    return MON_KEY_NONE;
  if (l->len == sizeof(l->buf) - 1) {
    l->overflow = true;
    return MON_KEY_NONE;
  }
  l->buf[l->len++] = (char)c;
  return MON_KEY_EDIT;
}

static const struct {
  const char *name;
  enum mon_cmd cmd;
} commands[] = {
    {"help", MON_CMD_HELP},   {"list", MON_CMD_LIST},     {"stats", MON_CMD_STATS},
    {"stop", MON_CMD_STOP},   {"start", MON_CMD_START},   {"reboot", MON_CMD_REBOOT},
    {"pause", MON_CMD_PAUSE}, {"resume", MON_CMD_RESUME}, {"focus", MON_CMD_FOCUS},
    {"quit", MON_CMD_QUIT},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))
static const char valid_commands[] = "help, list, stats VM, stop VM, start VM, reboot VM, "
                                     "pause VM, resume VM, focus VM, quit";

const char *mon_cmd_name(enum mon_cmd c) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (commands[i].cmd == c)
      return commands[i].name;
  return "?";
}

static bool takes_vm(enum mon_cmd c) { return c >= MON_CMD_STATS; }

struct word {
  const char *p;
  size_t n;
};

/* The next word of [*p, end), or n == 0 at the end. */
static struct word next_word(const char **p, const char *end) {
  while (*p < end && **p == ' ')
    (*p)++;
  struct word w = {*p, 0};
  while (*p < end && **p != ' ')
    (*p)++;
  w.n = (size_t)(*p - w.p);
  return w;
}

static bool word_is(struct word w, const char *s) {
  return strlen(s) == w.n && !memcmp(w.p, s, w.n);
}

/* "the VMs are a, b, c (or 0-2)" after prefix, cut to fit. */
static void name_vms(struct mon_parsed *out, const char *prefix, const char *const *names,
                     unsigned nvms) {
  size_t cap = sizeof(out->err);
  int n = rv_snprintf(out->err, cap, "%s", prefix);
  if (!nvms) {
    rv_snprintf(out->err + n, cap - (size_t)n, "there is no VM");
    return;
  }
  n += rv_snprintf(out->err + n, cap - (size_t)n, "VMs are ");
  for (unsigned i = 0; i < nvms && (size_t)n < cap - 1; i++)
    n += rv_snprintf(out->err + n, cap - (size_t)n, "%s%s", i ? ", " : "", names[i]);
  if ((size_t)n < cap - 1)
    rv_snprintf(out->err + n, cap - (size_t)n, " (or 0-%u)", nvms - 1);
}

/* A VM by name, else by its index in decimal; -1 if none. */
static int find_vm(struct word w, const char *const *names, unsigned nvms) {
  for (unsigned i = 0; i < nvms; i++)
    if (word_is(w, names[i]))
      return (int)i;
  if (!w.n || w.n > 3)
    return -1;
  unsigned v = 0;
  for (size_t i = 0; i < w.n; i++) {
    if (w.p[i] < '0' || w.p[i] > '9')
      return -1;
    v = v * 10 + (unsigned)(w.p[i] - '0');
  }
  return v < nvms ? (int)v : -1;
}

void mon_parse(const char *line, size_t n, const char *const *names, unsigned nvms,
               struct mon_parsed *out) {
  const char *p = line, *end = line + n;
  out->err[0] = '\0';
  out->vm = 0;
  struct word w = next_word(&p, end);
  if (!w.n) {
    out->cmd = MON_CMD_EMPTY;
    return;
  }
  out->cmd = MON_CMD_BAD;
  size_t i = 0;
  while (i < NCOMMANDS && !word_is(w, commands[i].name))
    i++;
  if (i == NCOMMANDS) {
    rv_snprintf(out->err, sizeof(out->err), "unknown command '%.*s': commands are %s",
                (int)(w.n > 16 ? 16 : w.n), w.p, valid_commands);
    return;
  }
  enum mon_cmd cmd = commands[i].cmd;
  struct word arg = next_word(&p, end);
  char prefix[64];
  if (takes_vm(cmd)) {
    if (!arg.n) {
      rv_snprintf(prefix, sizeof(prefix), "%s takes a VM: ", commands[i].name);
      name_vms(out, prefix, names, nvms);
      return;
    }
    int vm = find_vm(arg, names, nvms);
    if (vm < 0) {
      rv_snprintf(prefix, sizeof(prefix), "no VM '%.*s': ", (int)(arg.n > 16 ? 16 : arg.n), arg.p);
      name_vms(out, prefix, names, nvms);
      return;
    }
    out->vm = (unsigned)vm;
    arg = next_word(&p, end);
  }
  if (arg.n) {
    rv_snprintf(out->err, sizeof(out->err), "%s takes %s: '%.*s' is one word too many",
                commands[i].name, takes_vm(cmd) ? "one VM" : "no argument",
                (int)(arg.n > 16 ? 16 : arg.n), arg.p);
    return;
  }
  out->cmd = cmd;
}

const char *mon_state_name(enum mon_vm_state s) {
  switch (s) {
  case MON_VM_RUNNING: return "running";
  case MON_VM_PAUSED: return "paused";
  case MON_VM_STOPPING: return "stopping";
  case MON_VM_REBOOTING: return "rebooting";
  case MON_VM_STOPPED: return "stopped";
  }
  return "?";
}

const char *mon_state_refuses(enum mon_cmd cmd, enum mon_vm_state s) {
  switch (cmd) {
  case MON_CMD_STATS:
  case MON_CMD_FOCUS: return NULL; /* any state */
  case MON_CMD_START: return s == MON_VM_STOPPED ? NULL : "start takes a stopped VM";
  case MON_CMD_PAUSE: return s == MON_VM_RUNNING ? NULL : "pause takes a running VM";
  case MON_CMD_RESUME: return s == MON_VM_PAUSED ? NULL : "resume takes a paused VM";
  case MON_CMD_STOP:
  case MON_CMD_REBOOT:
    return s == MON_VM_RUNNING || s == MON_VM_PAUSED ? NULL
           : cmd == MON_CMD_STOP                     ? "stop takes a running or paused VM"
                                                     : "reboot takes a running or paused VM";
  default: return "not a command on a VM";
  }
}

uint64_t mon_permille(uint64_t t_run, uint64_t t_window) {
  if (!t_window)
    return 0;
  return t_run / t_window * 1000 + t_run % t_window * 1000 / t_window;
}

uint64_t mon_per_second(uint64_t events, uint64_t t_window, uint64_t hz) {
  if (!t_window)
    return 0;
  return events / t_window * hz + events % t_window * hz / t_window;
}
