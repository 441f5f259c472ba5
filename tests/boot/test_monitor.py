#!/usr/bin/env python3
"""Boot test of the monitor (hv/core/monitor.c, docs/usage.md#the-monitor).

Boots the hypervisor with tests/boot/configs/monitor.dts (tk: the ticker guest on two vCPUs
on the two harts, its second vCPU spinning; clock: the ticker on one vCPU; disk: the vblk
guest with a RAM disk, which writes its tag, reboots itself, finds the tag kept and shuts
down; hd: the vblk guest on host disk 1, which checks it and shuts down), opens the monitor with Ctrl-\\ m and types its commands on the console, checking the
effect of each:

  list       the table: states, vCPUs and harts, memory, uptime, CPU share, exits/s, pool
  pause tk   tk's ticks stop while clock ticks on; list shows it paused and at 0% CPU,
             stats shows its vCPUs parked; after resume tk ticks again: the timer it
             was waiting for in WFI was kept (its ticker sets each deadline from the last)
  stop clock clock stops, its memory goes back to the pool (list's pool line grows by at
             least its RAM), no tick comes from it; start clock boots it again (its banner
             a second time) and the pool is back to the KiB it was before the stop
  start disk a VM that shut itself down runs again from its image with its RAM disk
             reloaded: it does not find its tag of the last run (it writes it again, then
             reboots and finds it), and the pool comes back to the same value after
  start hd   a VM on a host disk runs again on the same disk (its port kept, its device
             state from the pool again): it finds its tag of the last run there at once
  reboot tk  tk boots again; a list typed with it sees it rebooting; commands on a VM
             mid-reboot or stopped get one line naming the state they take
  bad input  an unknown command, an unknown VM, a missing VM, a word too many, a line too
             long, garbage bytes and escape sequences: one line each, nothing done
  focus      the keyboard goes to clock and the monitor closes; Ctrl-\\ closes it too

Nothing typed at the prompt may reach a guest: the tickers print every byte they get
("ticker: got"), and only the bytes typed to them outside the prompt may show (each test
of that is paired with a byte that does reach them, so the check can fail).
Fails at once on a panic, a trap or a guest's failed check; prints the serial log on failure.
"""
import argparse
import os
import re
import selectors
import signal
import subprocess
import sys
import time

FATAL = ["rustyvisor: panic", "unexpected trap", "FAILED", "checks failed", "PANIC",
         "no VM left"]
ROW = re.compile(r"^\s+(\d+) (\S+)\s+(running|paused|stopping|rebooting|stopped)\s+(\d+) "
                 r"\[([\d ]+)\]\s+(\d+) KiB\s+(-|[\d.]+ s)\s+([\d.]+)% (\d+)$")


class Failure(Exception):
    pass


def render(raw):
    """What a terminal shows of one line: CR goes back to its start, BS one cell back, and
    what follows overwrites (the monitor's prompt is erased and redrawn so)."""
    cells, at = [], 0
    for ch in raw:
        if ch == "\r":
            at = 0
        elif ch == "\b":
            at = max(0, at - 1)
        else:
            if at < len(cells):
                cells[at] = ch
            else:
                cells.append(ch)
            at += 1
    return "".join(cells).rstrip()


class Console:
    def __init__(self, cmd, timeout):
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.log = bytearray()
        self.partial = b""
        self.lines = []  # what the terminal shows of each line (after its last CR)
        self.cursor = 0  # lines before this one were consumed by wait()

    def _pump(self, until):
        left = until - time.monotonic()
        if left <= 0:
            return
        if not self.sel.select(timeout=min(left, 0.5)):
            return
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            raise Failure("QEMU exited")
        self.log.extend(data)
        self.partial += data
        *done, self.partial = self.partial.split(b"\n")
        for raw in done:
            text = render(raw.decode("utf-8", "replace"))
            for bad in FATAL:
                if bad in text:
                    raise Failure(f"fatal marker {bad!r} in line: {text}")
            self.lines.append(text)

    def wait(self, pattern, timeout=60, what=None):
        """The first line from the cursor on that matches pattern; the cursor moves past it."""
        rx = re.compile(pattern)
        until = min(self.deadline, time.monotonic() + timeout)
        i = self.cursor
        while True:
            while i < len(self.lines):
                m = rx.search(self.lines[i])
                if m:
                    self.cursor = i + 1
                    return m
                i += 1
            if time.monotonic() >= until:
                raise Failure(f"timeout waiting for {what or pattern!r}")
            self._pump(until)

    def seen(self, pattern, timeout=60, since=0):
        """Wait until some line from since on matches (the cursor stays)."""
        rx = re.compile(pattern)
        until = min(self.deadline, time.monotonic() + timeout)
        while not any(rx.search(line) for line in self.lines[since:]):
            if time.monotonic() >= until:
                raise Failure(f"timeout waiting for {pattern!r}")
            self._pump(until)

    def send(self, text):
        self.proc.stdin.write(text.encode("latin-1"))
        self.proc.stdin.flush()

    def command(self, cmd, reply, timeout=30):
        """Type cmd and Enter at the prompt; wait for its echo, then for reply."""
        self.send(cmd + "\r")
        self.wait(r"^monitor> " + re.escape(cmd) + "$", timeout, f"the echo of {cmd!r}")
        return self.wait(reply, timeout)

    def listing(self):
        """list: its rows by VM name, and the pool's free KiB."""
        self.command("list", r"monitor: \d+ VMs?; cpu \(of one hart\) and exits/s over the last")
        rows = {}
        while True:
            m = self.wait(r"^  pool: (\d+) KiB free$|" + ROW.pattern)
            if m.group(1):
                return rows, int(m.group(1))
            idx, name, state, vcpus, harts, kib, up, cpu, eps = m.groups()[1:]
            rows[name] = dict(id=int(idx), state=state, vcpus=int(vcpus), harts=harts,
                              kib=int(kib), up=up, cpu=float(cpu), eps=int(eps))

    def measure(self):
        """list over a window of its own: a second after any window began, a list begins
        one; another a second later reports it."""
        self.clock_ticks(11)
        self.listing()
        self.clock_ticks(11)
        return self.listing()[0]

    def last(self, pattern):
        """The last line so far that matches pattern (None if none)."""
        rx = re.compile(pattern)
        for line in reversed(self.lines):
            m = rx.search(line)
            if m:
                return m
        return None

    def count(self, pattern, since=0):
        rx = re.compile(pattern)
        return sum(1 for line in self.lines[since:] if rx.search(line))

    def ticks(self, vm):
        m = self.last(rf"^\[{vm}\] ticker: tick (\d+),")
        return int(m.group(1)) if m else 0

    def clock_ticks(self, n):
        """Wait for clock's tick n ticks on from the last one seen."""
        want = self.ticks("clock") + n
        self.wait(rf"^\[clock\] ticker: tick {want},", 30, f"clock's tick {want}")


def check(cond, what):
    if not cond:
        raise Failure(what)


def run(c):
    vms = "VMs are tk, clock, disk, hd (or 0-3)"
    c.seen(r"^\[tk\] ticker: booted, 2 vCPUs$", 60)
    c.seen(r"^\[clock\] ticker: booted, 1 vCPUs$", 60)
    c.seen(r"VM disk stopped: shutdown requested by the guest", 90)
    c.seen(r"^\[hd\] vblk: all checks passed$", 90)
    c.seen(r"VM hd stopped: shutdown requested by the guest", 90)
    c.seen(r"^\[tk\] ticker: tick 3,", 30)
    c.cursor = len(c.lines)
    # Typed outside the monitor, a byte reaches the focused VM (tk): the control for the
    # checks that nothing typed at the prompt does.
    c.send("a")
    c.wait(r"^\[tk\] ticker: got 'a'$", 30)
    got_tk = c.count(r"^\[tk\] ticker: got ")
    c.send("\x1cm")
    c.wait(r"rustyvisor: monitor: type help for the commands; quit or Ctrl-\\ leaves")

    c.command("help", r"^  quit       leave the monitor")
    rows, pool = c.listing()
    check(set(rows) == {"tk", "clock", "disk", "hd"}, f"list names {sorted(rows)}")
    tk, clock, disk = rows["tk"], rows["clock"], rows["disk"]
    check(tk["state"] == "running" and tk["vcpus"] == 2 and tk["harts"] == "0 1", f"tk: {tk}")
    check(tk["kib"] == 4096 and tk["up"] != "-", f"tk's memory or uptime: {tk}")
    check(tk["cpu"] >= 30, f"tk's second vCPU spins, yet tk has {tk['cpu']}% of a hart")
    check(tk["eps"] > 0 and clock["eps"] > 0, f"no exits/s: {tk} {clock}")
    check(clock["state"] == "running" and clock["harts"] == "0", f"clock: {clock}")
    check(disk["state"] == "stopped" and disk["kib"] == 0 and disk["up"] == "-",
          f"disk shut itself down, its memory released: {disk}")

    # pause: tk's ticks stop while clock's go on, then come back.
    c.command("pause tk", r"monitor: VM tk paused$")
    c.clock_ticks(3)  # whatever tk had under way has come out
    frozen = c.ticks("tk")
    loops = int(c.last(r"^\[tk\] ticker: tick \d+, other vCPUs ran (\d+) loops").group(1))
    c.command("stats tk", r"monitor: VM tk: paused, up ")
    c.wait(r"^  vCPU 0 on hart 0: started(, in WFI)?, parked$")
    c.wait(r"^  vCPU 1 on hart 1: started, parked$")
    c.wait(r"VM tk exits: \d+ total; sbi:")
    rows = c.measure()  # a window with tk parked all along
    check(rows["tk"]["state"] == "paused", f"tk: {rows['tk']}")
    check(rows["tk"]["cpu"] == 0 and rows["tk"]["eps"] == 0,
          f"paused tk took time or exits: {rows['tk']}")
    check(rows["clock"]["eps"] > 0, f"clock: {rows['clock']}")
    check(c.ticks("tk") == frozen, f"tk ticked while paused: {frozen} -> {c.ticks('tk')}")
    c.command("pause tk", r"monitor: VM tk is paused: pause takes a running VM$")
    # A key typed for tk while it is paused waits for it.
    c.send("\x1c")
    c.wait(r"rustyvisor: monitor: closed$")
    c.send("p")
    c.clock_ticks(3)
    check(c.count(r"^\[tk\] ticker: got 'p'$") == 0, "paused tk read a key")
    c.send("\x1cm")
    c.wait(r"rustyvisor: monitor: type help")
    c.command("resume tk", r"monitor: VM tk resumed$")
    c.seen(r"^\[tk\] ticker: got 'p'$", 30)
    got_tk += 1
    c.wait(rf"^\[tk\] ticker: tick {frozen + 1},", 30, "tk's next tick after the resume")
    m = c.wait(rf"^\[tk\] ticker: tick {frozen + 3}, other vCPUs ran (\d+) loops", 30,
               "tk ticking on")
    # Its second vCPU, alone on hart 1, runs again too (that hart was told).
    check(int(m.group(1)) > loops, f"tk's vCPU 1 stayed still after the resume: {m.group(0)}")
    c.command("resume tk", r"monitor: VM tk is running: resume takes a paused VM$")
    # Running again, its vCPU 1 alone on hart 1 and never switched out: its running slice
    # counts, a whole hart's worth.
    rows = c.measure()
    check(rows["tk"]["cpu"] >= 80, f"tk, one vCPU spinning alone on a hart: {rows['tk']}")

    # stop and start: the memory goes back to the pool and comes out again.
    c.command("stop clock", r"monitor: VM clock: stopping$")
    c.wait(r"VM clock stopped: stop command at the monitor$")
    stopped_at = len(c.lines)
    rows, pool_stopped = c.listing()
    check(rows["clock"]["state"] == "stopped" and rows["clock"]["kib"] == 0,
          f"clock: {rows['clock']}")
    check(pool_stopped >= pool + 4096 + 16,
          f"the pool grew by {pool_stopped - pool} KiB when clock (4096 KiB RAM) stopped")
    c.command("stop clock", r"monitor: VM clock is stopped: stop takes a running or paused VM$")
    c.command("pause 1", r"monitor: VM clock is stopped: pause takes a running VM$")
    c.wait(r"^\[tk\] ticker: tick", 30)
    c.wait(r"^\[tk\] ticker: tick", 30)
    check(c.count(r"^\[clock\] ", stopped_at) == 0, "clock printed while stopped")
    c.command("start clock", r"monitor: VM clock started$")
    c.wait(r"^\[clock\] ticker: booted, 1 vCPUs$", 30, "clock booting again")
    c.wait(r"^\[clock\] ticker: tick 1,", 30, "clock ticking from 1 again")
    rows, pool_started = c.listing()
    check(rows["clock"]["state"] == "running" and rows["clock"]["kib"] == 4096,
          f"clock: {rows['clock']}")
    check(pool_started == pool, f"pool {pool} KiB before the stop, {pool_started} after the start")

    # start a VM that shut itself down: its RAM disk comes from its image again.
    c.command("start disk", r"monitor: VM disk started$")
    c.wait(r"^\[disk\] vblk: read sectors 0-7: the image's pattern$", 60)
    c.wait(r"^\[disk\] vblk: tag 7 written and read back$", 60,
           "disk writing its tag (a disk kept from the last run would hold it)")
    c.wait(r"^\[disk\] vblk: rebooting$", 60)
    c.wait(r"^\[disk\] vblk: after the reboot sector 40 still holds tag 7$", 60)
    c.wait(r"^\[disk\] vblk: all checks passed$", 60)
    c.wait(r"VM disk stopped: shutdown requested by the guest", 60)
    rows, pool_disk = c.listing()
    check(pool_disk == pool, f"pool {pool_disk} KiB after disk's second run, {pool} before")
    # start a VM on a host disk: the same disk, driven again, and what it wrote there is
    # still there (the disk is the host's): its first boot finds its tag, as after a reboot.
    c.command("start hd", r"monitor: VM hd started$")
    since = len(c.lines)
    c.wait(r"^\[hd\] vblk: after the reboot sector 40 still holds tag 9$", 60,
           "hd finding its tag on the host disk at once")
    c.wait(r"^\[hd\] vblk: GET_ID 'rustyvisor-host1'$", 60)
    c.wait(r"^\[hd\] vblk: all checks passed$", 60)
    c.wait(r"VM hd stopped: shutdown requested by the guest", 60)
    check(c.count(r"^\[hd\] vblk: rebooting$", since) == 0, "hd did not find its tag")
    rows, pool_hd = c.listing()
    check(pool_hd == pool, f"pool {pool_hd} KiB after hd's second run, {pool} before")

    # reboot: tk boots again.
    c.command("reboot tk", r"monitor: VM tk: reboot command at the monitor: reloading$")
    c.wait(r"^\[tk\] ticker: booted, 2 vCPUs$", 30, "tk booting again")
    c.wait(r"^\[tk\] ticker: tick 2,", 30)
    # Commands that come while it reboots: each is done, or refused in one line if the
    # reboot is still under way (the console's bytes come one at a time, so which of the
    # two is the host's timing); then it is stopped and started, whole.
    c.send("reboot tk\rreboot tk\rpause tk\rstop tk\r")
    c.wait(r"monitor: VM tk: reboot command at the monitor: reloading$")
    c.wait(r"^monitor> reboot tk$")
    c.wait(r"monitor: VM tk: reboot command at the monitor: reloading$|"
           r"monitor: VM tk is rebooting: reboot takes a running or paused VM$")
    m = c.wait(r"monitor: VM tk (paused|is rebooting: pause takes a running VM)$")
    paused = m.group(1) == "paused"
    m = c.wait(r"monitor: VM tk(: stopping| is rebooting: stop takes a running or paused VM)$")
    if m.group(1) != ": stopping":
        c.wait(r"^\[tk\] ticker: booted, 2 vCPUs$", 30, "tk booting after the burst")
        if paused:
            raise Failure("tk paused mid-reboot, then refused a stop as rebooting")
        c.command("stop tk", r"monitor: VM tk: stopping$")
    c.wait(r"VM tk stopped: stop command at the monitor$", 30)
    c.command("reboot tk", r"monitor: VM tk is stopped: reboot takes a running or paused VM$")
    c.command("start tk", r"monitor: VM tk started$")
    c.wait(r"^\[tk\] ticker: booted, 2 vCPUs$", 30, "tk booting after its start")
    c.wait(r"^\[tk\] ticker: tick 2,", 30)
    rows, pool_tk = c.listing()
    check(rows["tk"]["state"] == "running" and pool_tk == pool,
          f"after tk's stop and start: {rows['tk']}, pool {pool_tk} KiB, {pool} before")
    # A paused VM's reboot is done at once (its vCPUs are parked already), and it runs.
    c.command("pause tk", r"monitor: VM tk paused$")
    c.command("reboot tk", r"monitor: VM tk: reboot command at the monitor: reloading$")
    c.wait(r"^\[tk\] ticker: booted, 2 vCPUs$", 30, "tk booting after its reboot while paused")
    c.wait(r"^\[tk\] ticker: tick 2,", 30)

    # Bad input: one line each that says what is valid; nothing done.
    c.command("frobnicate", r"monitor: unknown command 'frobnicate': commands are help, list, "
              r"stats VM, stop VM, start VM, reboot VM, pause VM, resume VM, focus VM, quit$")
    c.command("stop nosuch", rf"monitor: no VM 'nosuch': {re.escape(vms)}$")
    c.command("pause", rf"monitor: pause takes a VM: {re.escape(vms)}$")
    c.command("stats 7", rf"monitor: no VM '7': {re.escape(vms)}$")
    c.command("stop tk now", r"monitor: stop takes one VM: 'now' is one word too many$")
    c.send("y" * 200 + "\r")
    c.wait(r"monitor: line too long \(at most 63 characters\): nothing done$")
    # Controls, high bytes and a terminal's escape sequences (arrows, F1) are dropped; the
    # line that is left is a command.
    c.send("\x01\x02\xff\x80\x1b[A\x1b[1;5D\x1bOPli\x7fist\r")
    c.wait(r"^monitor> list$")
    c.wait(r"^  pool: ")
    rows, _ = c.listing()
    check(all(r["state"] == "running" for n, r in rows.items() if n not in ("disk", "hd")),
          f"bad input changed a VM: {rows}")
    check(c.count(r"^\[tk\] ticker: got ") == got_tk,
          "a byte typed at the prompt reached tk")

    # Leaving: Ctrl-\ closes the prompt, the next byte goes to tk (it has the keyboard).
    c.send("\x1c")
    c.wait(r"rustyvisor: monitor: closed$")
    c.send("b")
    c.wait(r"^\[tk\] ticker: got 'b'$", 30)
    # focus: clock gets the keyboard, the monitor closes.
    c.send("\x1cm")
    c.wait(r"rustyvisor: monitor: type help")
    c.command("focus clock", r"monitor: closed$")
    c.wait(r"console input goes to VM 1 \(clock\) now")
    c.send("q")
    c.wait(r"^\[clock\] ticker: got 'q'$", 30)
    c.send("\x1cm")
    c.wait(r"rustyvisor: monitor: type help")
    c.command("quit", r"monitor: closed$")
    c.send("z")
    c.wait(r"^\[clock\] ticker: got 'z'$", 30)
    check(c.count(r"^\[tk\] ticker: got ") == got_tk + 1, "tk got more than its 'b'")
    check(c.count(r"^\[clock\] ticker: got ") == 2, "clock got more than its 'q' and 'z'")

    # The monitor stops every VM: the machine stays up ("no VM left" is fatal here), and a VM
    # started then runs, its memory out of the pool again.
    c.send("\x1cm")
    c.wait(r"rustyvisor: monitor: type help")
    c.command("stop tk", r"monitor: VM tk: stopping$")
    c.wait(r"VM tk stopped: stop command at the monitor$", 30)
    c.command("stop 1", r"monitor: VM clock: stopping$")
    c.wait(r"VM clock stopped: stop command at the monitor$", 30)
    rows, pool_none = c.listing()
    check(all(r["state"] == "stopped" and r["kib"] == 0 for r in rows.values()), f"{rows}")
    check(pool_none >= pool + 2 * 4096, f"pool {pool_none} KiB with no VM, {pool} with two")
    c.command("start clock", r"monitor: VM clock started$")
    c.wait(r"^\[clock\] ticker: tick 2,", 30, "clock running again, alone")
    rows, pool_clock = c.listing()
    check(pool_clock == pool_stopped and rows["clock"]["state"] == "running",
          f"pool {pool_clock} KiB with clock alone, {pool_stopped} with tk alone")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log", help="also write the serial log to this file")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    c = Console(cmd, args.timeout)
    failure = None
    try:
        run(c)
    except Failure as e:
        failure = str(e)
    finally:
        if c.proc.poll() is None:
            os.killpg(c.proc.pid, signal.SIGKILL)
        c.proc.wait()
    if args.log:
        with open(args.log, "wb") as f:
            f.write(c.log)
    elapsed = time.monotonic() - c.start
    if failure:
        sys.stdout.write("---- serial log ----\n")
        sys.stdout.write(c.log.decode("utf-8", "replace"))
        sys.stdout.write("\n---- end of serial log ----\n")
        sys.stdout.write(f"FAIL ({elapsed:.1f}s): {failure}\ncommand: {' '.join(cmd)}\n")
        return 1
    sys.stdout.write(f"PASS ({elapsed:.1f}s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
