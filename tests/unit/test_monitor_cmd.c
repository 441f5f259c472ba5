/* Host tests of the monitor's pure part (hv/core/monitor_cmd.c): the line
 * editor, the parser and its one-line errors, which command takes a VM in
 * which state, the rates of `list`. */
#include "check.h"
#include "hv/core/monitor_cmd.h"

static const char *const names[] = {"tk", "clock", "disk"};

static enum mon_key type(struct mon_line *l, const char *s) {
  enum mon_key k = MON_KEY_NONE;
  for (; *s; s++)
    k = mon_line_key(l, *s);
  return k;
}

static void test_line_editor(void) {
  struct mon_line l;
  mon_line_clear(&l);
  CHECK_EQ(type(&l, "lisx"), MON_KEY_EDIT);
  CHECK_EQ(mon_line_key(&l, 0x7f), MON_KEY_EDIT);
  CHECK_EQ(mon_line_key(&l, 't'), MON_KEY_EDIT);
  CHECK_EQ(mon_line_key(&l, '\r'), MON_KEY_ENTER);
  CHECK(l.len == 4 && !memcmp(l.buf, "list", 4));
  mon_line_clear(&l);
  CHECK_EQ(mon_line_key(&l, '\b'), MON_KEY_NONE); /* nothing to erase */
  /* Arrow keys, function keys, controls and non-ASCII bytes are dropped. */
  type(&l, "\x1b[A\x1b[1;5C\x1bOP\x01\x02\xff\x80s\ttop");
  CHECK_EQ(l.len, 4);
  CHECK(!memcmp(l.buf, "stop", 4));
  CHECK_EQ(mon_line_key(&l, 0x15), MON_KEY_EDIT); /* Ctrl-U */
  CHECK_EQ(l.len, 0);
  type(&l, "abc");
  CHECK_EQ(mon_line_key(&l, 0x03), MON_KEY_EDIT); /* Ctrl-C */
  CHECK_EQ(l.len, 0);
  CHECK_EQ(mon_line_key(&l, '\n'), MON_KEY_ENTER);
  CHECK_EQ(mon_line_key(&l, MON_LEAVE_KEY), MON_KEY_LEAVE);
  /* ESC then a plain key: the key is dropped with it (a lone ESC). */
  mon_line_clear(&l);
  type(&l, "\x1bxy");
  CHECK(l.len == 1 && l.buf[0] == 'y');
  /* Too long: kept up to the end of the buffer, flagged, refused at Enter;
   * a backspace starts the line again. */
  mon_line_clear(&l);
  for (int i = 0; i < 3 * MON_LINE_MAX; i++)
    mon_line_key(&l, 'x');
  CHECK_EQ(l.len, MON_LINE_MAX - 1);
  CHECK(l.overflow);
  CHECK_EQ(mon_line_key(&l, 0x7f), MON_KEY_EDIT);
  CHECK(!l.overflow && l.len == 0);
}

static struct mon_parsed parse(const char *s) {
  struct mon_parsed p;
  memset(&p, 0x55, sizeof(p));
  mon_parse(s, strlen(s), names, 3, &p);
  return p;
}

static void test_parse(void) {
  struct mon_parsed p = parse("list");
  CHECK_EQ(p.cmd, MON_CMD_LIST);
  CHECK_STR(p.err, "");
  CHECK_EQ(parse("   ").cmd, MON_CMD_EMPTY);
  CHECK_EQ(parse("").cmd, MON_CMD_EMPTY);
  CHECK_EQ(parse("help").cmd, MON_CMD_HELP);
  CHECK_EQ(parse("quit").cmd, MON_CMD_QUIT);
  p = parse("  pause   clock ");
  CHECK(p.cmd == MON_CMD_PAUSE && p.vm == 1);
  p = parse("stop 2");
  CHECK(p.cmd == MON_CMD_STOP && p.vm == 2);
  static const struct {
    const char *line;
    enum mon_cmd cmd;
  } vm_cmds[] = {{"stats tk", MON_CMD_STATS}, {"stop tk", MON_CMD_STOP},
                 {"start tk", MON_CMD_START}, {"reboot tk", MON_CMD_REBOOT},
                 {"pause tk", MON_CMD_PAUSE}, {"resume tk", MON_CMD_RESUME},
                 {"focus tk", MON_CMD_FOCUS}};
  for (size_t i = 0; i < sizeof(vm_cmds) / sizeof(vm_cmds[0]); i++) {
    p = parse(vm_cmds[i].line);
    CHECK(p.cmd == vm_cmds[i].cmd && p.vm == 0);
    CHECK_STR(mon_cmd_name(p.cmd), vm_cmds[i].line[0] == 'f' ? "focus" : mon_cmd_name(p.cmd));
  }
  /* Bad lines: one line that says what is valid. */
  p = parse("frobnicate tk");
  CHECK_EQ(p.cmd, MON_CMD_BAD);
  CHECK_STR(p.err, "unknown command 'frobnicate': commands are help, list, stats VM, stop VM, "
                   "start VM, reboot VM, pause VM, resume VM, focus VM, quit");
  CHECK_STR(parse("LIST").err, "unknown command 'LIST': commands are help, list, stats VM, "
                               "stop VM, start VM, reboot VM, pause VM, resume VM, focus VM, "
                               "quit");
  CHECK_STR(parse("stop").err, "stop takes a VM: VMs are tk, clock, disk (or 0-2)");
  CHECK_STR(parse("stop nosuch").err, "no VM 'nosuch': VMs are tk, clock, disk (or 0-2)");
  CHECK_STR(parse("stop 3").err, "no VM '3': VMs are tk, clock, disk (or 0-2)");
  CHECK_STR(parse("stop 0001").err, "no VM '0001': VMs are tk, clock, disk (or 0-2)");
  CHECK_STR(parse("stop t").err, "no VM 't': VMs are tk, clock, disk (or 0-2)");
  CHECK_STR(parse("stop tk clock").err, "stop takes one VM: 'clock' is one word too many");
  CHECK_STR(parse("list tk").err, "list takes no argument: 'tk' is one word too many");
  /* Long words are cut in the message. */
  CHECK_STR(parse("abcdefghijklmnopqrstuvwxyz").err,
            "unknown command 'abcdefghijklmnop': commands are help, list, stats VM, stop VM, "
            "start VM, reboot VM, pause VM, resume VM, focus VM, quit");
  /* No VM at all, and many long names: the message fits its buffer. */
  struct mon_parsed q;
  mon_parse("stop x", 6, names, 0, &q);
  CHECK_STR(q.err, "no VM 'x': there is no VM");
  static const char *const many[] = {
      "aaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbb", "ccccccccccccccc", "ddddddddddddddd",
      "eeeeeeeeeeeeeee", "fffffffffffffff", "ggggggggggggggg", "hhhhhhhhhhhhhhh",
      "iiiiiiiiiiiiiii", "jjjjjjjjjjjjjjj", "kkkkkkkkkkkkkkk", "lllllllllllllll",
      "mmmmmmmmmmmmmmm", "nnnnnnnnnnnnnnn", "ooooooooooooooo", "ppppppppppppppp"};
  mon_parse("pause x", 7, many, 16, &q);
  CHECK_EQ(q.cmd, MON_CMD_BAD);
  CHECK(strlen(q.err) == sizeof(q.err) - 1);
  mon_parse("pause 15", 8, many, 16, &q);
  CHECK(q.cmd == MON_CMD_PAUSE && q.vm == 15);
  /* The length given is the line: nothing past it is read. */
  mon_parse("stop tkXXXX", 7, names, 3, &q);
  CHECK(q.cmd == MON_CMD_STOP && q.vm == 0);
}

static void test_states(void) {
  CHECK(!mon_state_refuses(MON_CMD_PAUSE, MON_VM_RUNNING));
  CHECK_STR(mon_state_refuses(MON_CMD_PAUSE, MON_VM_PAUSED), "pause takes a running VM");
  CHECK_STR(mon_state_refuses(MON_CMD_PAUSE, MON_VM_REBOOTING), "pause takes a running VM");
  CHECK(!mon_state_refuses(MON_CMD_RESUME, MON_VM_PAUSED));
  CHECK_STR(mon_state_refuses(MON_CMD_RESUME, MON_VM_RUNNING), "resume takes a paused VM");
  CHECK(!mon_state_refuses(MON_CMD_START, MON_VM_STOPPED));
  CHECK_STR(mon_state_refuses(MON_CMD_START, MON_VM_STOPPING), "start takes a stopped VM");
  CHECK_STR(mon_state_refuses(MON_CMD_START, MON_VM_RUNNING), "start takes a stopped VM");
  CHECK(!mon_state_refuses(MON_CMD_STOP, MON_VM_RUNNING));
  CHECK(!mon_state_refuses(MON_CMD_STOP, MON_VM_PAUSED));
  CHECK(!mon_state_refuses(MON_CMD_REBOOT, MON_VM_PAUSED));
  /* Mid-reboot or mid-stop: nothing more until it is done. */
  CHECK_STR(mon_state_refuses(MON_CMD_STOP, MON_VM_REBOOTING), "stop takes a running or paused VM");
  CHECK_STR(mon_state_refuses(MON_CMD_REBOOT, MON_VM_STOPPING),
            "reboot takes a running or paused VM");
  CHECK_STR(mon_state_refuses(MON_CMD_STOP, MON_VM_STOPPED), "stop takes a running or paused VM");
  for (int s = MON_VM_RUNNING; s <= MON_VM_STOPPED; s++) {
    CHECK(!mon_state_refuses(MON_CMD_STATS, (enum mon_vm_state)s));
    CHECK(!mon_state_refuses(MON_CMD_FOCUS, (enum mon_vm_state)s));
  }
  CHECK_STR(mon_state_name(MON_VM_REBOOTING), "rebooting");
  CHECK_STR(mon_state_name(MON_VM_PAUSED), "paused");
}

static void test_rates(void) {
  CHECK_EQ(mon_permille(0, 0), 0);
  CHECK_EQ(mon_permille(5, 10), 500);
  CHECK_EQ(mon_permille(20, 10), 2000); /* two harts' worth */
  CHECK_EQ(mon_permille(1, 3), 333);
  /* Large counts do not overflow: a day of ticks at 10 MHz. */
  uint64_t day = 864000000000ULL;
  CHECK_EQ(mon_permille(day / 4, day), 250);
  CHECK_EQ(mon_per_second(100, 10000000, 10000000), 100);
  CHECK_EQ(mon_per_second(150, 15000000, 10000000), 100);
  CHECK_EQ(mon_per_second(7, 0, 10000000), 0);
  CHECK_EQ(mon_per_second(day, day, 10000000), 10000000);
  CHECK_EQ(mon_per_second(UINT64_MAX / 2, 1000, 1000), UINT64_MAX / 2);
}

int main(void) {
  test_line_editor();
  test_parse();
  test_states();
  test_rates();
  return check_report("monitor_cmd");
}
