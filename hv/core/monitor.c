/* The monitor (monitor.h): its prompt, and the commands done to the VMs.
 * Typing and parsing are monitor_cmd.c's; stop and reboot are the VM's
 * requests (vm_request_stop), pause, resume and start vm_ctl.c's. Only the
 * hart that takes the console's interrupt runs this, one byte at a time:
 * the monitor's own state needs no lock; the VMs' is read as it is (the
 * counters of running vCPUs) or changed under each VM's lock. */
#include "monitor.h"
#include "../arch/riscv/csr.h"
#include "../lib/printf.h"
#include "console.h"
#include "frame.h"
#include "hart.h"
#include "monitor_cmd.h"
#include "platform.h"
#include "vm.h"
#include "vm_ctl.h"
#include <string.h>

#define PROMPT "monitor> "

volatile bool monitor_active;
static struct mon_line line;
static char prompt[sizeof(PROMPT) + MON_LINE_MAX];

/* What the last `list` that began a window saw: the rates of the next one
 * are over the time since (a window is at least a second long; shorter
 * ones go on from the same start). */
static struct {
  uint64_t at;
  uint64_t run[CFG_MAX_VMS], exits[CFG_MAX_VMS];
  unsigned starts[CFG_MAX_VMS];
} window;

static void show_prompt(void) {
  size_t n = sizeof(PROMPT) - 1;
  memcpy(prompt, PROMPT, n);
  memcpy(prompt + n, line.buf, line.len);
  console_set_prompt(prompt, n + line.len);
}

void monitor_open(void) {
  if (monitor_active)
    return;
  mon_line_clear(&line);
  hv_log("monitor: type help for the commands; quit or Ctrl-\\ leaves; the VMs run on, "
         "their output shows above the prompt");
  monitor_active = true;
  show_prompt();
}

static void monitor_close(void) {
  console_set_prompt(NULL, 0);
  monitor_active = false;
  hv_log("monitor: closed");
}

static enum mon_vm_state state_of(const struct vm *vm) {
  switch (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE)) {
  case VM_RUNNING: return MON_VM_RUNNING;
  case VM_PAUSED: return MON_VM_PAUSED;
  case VM_STOPPING: return MON_VM_STOPPING;
  case VM_RESETTING: return MON_VM_REBOOTING;
  case VM_STOPPED: break;
  }
  return MON_VM_STOPPED;
}

/* Ticks as seconds with one decimal, into buf. */
static const char *secs(char *buf, size_t size, uint64_t ticks) {
  uint64_t tenths = ticks * 10 / plat.timebase;
  rv_snprintf(buf, size, "%lu.%lu s", (unsigned long)(tenths / 10), (unsigned long)(tenths % 10));
  return buf;
}

/* "[0 1]": the harts its vCPUs are placed on. */
static void harts_of(const struct vm *vm, char *buf, size_t size) {
  int n = rv_snprintf(buf, size, "[");
  for (unsigned i = 0; i < vm->nvcpus; i++)
    n += rv_snprintf(buf + n, size - (size_t)n, "%s%u", i ? " " : "",
                     (unsigned)(vm->vcpu[i].owner - harts));
  rv_snprintf(buf + n, size - (size_t)n, "]");
}

/* What the VM holds of the frame pool now: RAM and RAM disk (0 stopped). */
static uint64_t memory_kib(const struct vm *vm) {
  uint64_t b = vm->ram_hpa ? vm->ram_size : 0;
  if (vm->ramdisk_hpa)
    b += vm->ramdisk_bytes;
  return b >> 10;
}

static void cmd_help(void) {
  hv_log("monitor: commands (a VM by its name or its number):");
  static const char *const lines[] = {
      "  help       this list\n",
      "  list       every VM: state, vCPUs and their harts, memory, uptime, CPU share and\n"
      "             exits per second since the last list (a second at least); the pool\n",
      "  stats VM   its full counters\n",
      "  stop VM    stop it; its memory goes back to the pool\n",
      "  start VM   a stopped VM again, from its image (RAM disk and devices reset)\n",
      "  reboot VM  reload it from its image (its RAM disk is kept)\n",
      "  pause VM   its vCPUs leave their harts until resume; its timers are kept\n",
      "  resume VM  a paused VM runs on\n",
      "  focus VM   give it the keyboard and leave the monitor\n",
      "  quit       leave the monitor (Ctrl-\\ does too)\n",
  };
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
    hv_printf("%s", lines[i]);
}

static void cmd_list(void) {
  uint64_t now = csr_read(CSR_TIME);
  uint64_t span = now - window.at;
  char b[24], w[4 * VM_MAX_VCPUS + 3];
  hv_log("monitor: %u VM%s; cpu (of one hart) and exits/s over the last %s", vm_count,
         vm_count == 1 ? "" : "s", secs(b, sizeof(b), span));
  hv_printf("  id name            state      vcpus harts       memory     uptime    cpu   "
            "exits/s\n");
  bool new_window = span >= plat.timebase;
  for (unsigned i = 0; i < vm_count; i++) {
    struct vm *vm = vm_list[i];
    enum mon_vm_state st = state_of(vm);
    uint64_t run = vm_run_ticks(vm), exits = vm_exit_total(vm);
    uint64_t run0 = window.run[i], exits0 = window.exits[i], t = span;
    if (window.starts[i] != vm->starts || run < run0 || exits < exits0 ||
        window.at < vm->started_at) {
      /* Started since the window began: its counters began at its start. */
      run0 = exits0 = 0;
      t = now - vm->started_at;
    }
    uint64_t pm = mon_permille(run - run0, t);
    harts_of(vm, w, sizeof(w));
    char up[24] = "-";
    if (st != MON_VM_STOPPED)
      secs(up, sizeof(up), now - vm->loaded_at);
    hv_printf("  %2u %-15s %-10s %5u %-11s %6lu KiB %9s %3lu.%lu%% %lu\n", i, vm->name,
              mon_state_name(st), vm->nvcpus, w, (unsigned long)memory_kib(vm), up,
              (unsigned long)(pm / 10), (unsigned long)(pm % 10),
              (unsigned long)mon_per_second(exits - exits0, t, plat.timebase));
    if (new_window) {
      window.run[i] = run;
      window.exits[i] = exits;
      window.starts[i] = vm->starts;
    }
  }
  if (new_window)
    window.at = now;
  hv_printf("  pool: %lu KiB free\n", (unsigned long)(frame_free_bytes() >> 10));
}

static void cmd_stats(struct vm *vm) {
  static const char *const hsm[] = {"started",   "stopped",         "start-pending", "stop-pending",
                                    "suspended", "suspend-pending", "resume-pending"};
  char a[24], b[24];
  uint64_t now = csr_read(CSR_TIME);
  enum mon_vm_state st = state_of(vm);
  hv_log("monitor: VM %s: %s, up %s, ran %s, %lu KiB, starts %u, reboots %u", vm->name,
         mon_state_name(st), st == MON_VM_STOPPED ? "-" : secs(a, sizeof(a), now - vm->loaded_at),
         secs(b, sizeof(b), vm_run_ticks(vm)), (unsigned long)memory_kib(vm), vm->starts + 1,
         vm->reboots);
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    const struct vcpu *v = &vm->vcpu[i];
    long hs = v->hsm_state;
    hv_printf("  vCPU %u on hart %u: %s%s%s\n", i, (unsigned)(v->owner - harts),
              hs >= 0 && hs < (long)(sizeof(hsm) / sizeof(hsm[0])) ? hsm[hs] : "?",
              v->wait == WAIT_WFI ? ", in WFI" : "", v->parked ? ", parked" : "");
  }
  vm_print_stats(vm);
}

static void cmd_vm(enum mon_cmd cmd, struct vm *vm) {
  const char *why = mon_state_refuses(cmd, state_of(vm));
  if (why) {
    hv_log("monitor: VM %s is %s: %s", vm->name, mon_state_name(state_of(vm)), why);
    return;
  }
  char err[192];
  switch (cmd) {
  case MON_CMD_STATS: cmd_stats(vm); break;
  case MON_CMD_STOP:
    /* Said first: a paused VM is stopped within the request. */
    hv_log("monitor: VM %s: stopping", vm->name);
    if (!vm_monitor_request_stop(vm, VM_STOPPING, "stop command at the monitor"))
      hv_log("monitor: VM %s is going down already", vm->name);
    break;
  case MON_CMD_REBOOT:
    hv_log("monitor: VM %s: reboot command at the monitor: reloading", vm->name);
    if (!vm_monitor_request_stop(vm, VM_RESETTING, "reboot"))
      hv_log("monitor: VM %s is going down already", vm->name);
    break;
  case MON_CMD_START:
    if (vm_start(vm, err, sizeof(err)))
      hv_log("monitor: VM %s cannot start: %s", vm->name, err);
    else
      hv_log("monitor: VM %s started", vm->name);
    break;
  case MON_CMD_PAUSE:
    if (vm_pause(vm))
      hv_log("monitor: VM %s is not running", vm->name);
    else
      hv_log("monitor: VM %s paused", vm->name);
    break;
  case MON_CMD_RESUME:
    if (vm_resume(vm))
      hv_log("monitor: VM %s is not paused", vm->name);
    else
      hv_log("monitor: VM %s resumed", vm->name);
    break;
  case MON_CMD_FOCUS:
    monitor_close();
    vm_console_set_focus(vm);
    break;
  default: break;
  }
}

static void run_line(const char *s, size_t n, bool overflow) {
  if (overflow) {
    hv_log("monitor: line too long (at most %u characters): nothing done",
           (unsigned)(MON_LINE_MAX - 1));
    return;
  }
  const char *names[CFG_MAX_VMS];
  for (unsigned i = 0; i < vm_count; i++)
    names[i] = vm_list[i]->name;
  struct mon_parsed p;
  mon_parse(s, n, names, vm_count, &p);
  switch (p.cmd) {
  case MON_CMD_EMPTY: break;
  case MON_CMD_BAD: hv_log("monitor: %s", p.err); break;
  case MON_CMD_HELP: cmd_help(); break;
  case MON_CMD_LIST: cmd_list(); break;
  case MON_CMD_QUIT: monitor_close(); break;
  default: cmd_vm(p.cmd, vm_list[p.vm]); break;
  }
}

bool monitor_input(char c) {
  if (!monitor_active)
    return false;
  switch (mon_line_key(&line, c)) {
  case MON_KEY_NONE: break;
  case MON_KEY_EDIT: show_prompt(); break;
  case MON_KEY_LEAVE: monitor_close(); break;
  case MON_KEY_ENTER: {
    char s[MON_LINE_MAX];
    size_t n = line.len;
    bool overflow = line.overflow;
    memcpy(s, line.buf, n);
    mon_line_clear(&line);
    console_set_prompt(NULL, 0); /* the line stays as typed; output goes below */
    run_line(s, n, overflow);
    if (monitor_active)
      show_prompt();
    break;
  }
  }
  return true;
}
