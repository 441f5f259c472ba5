#!/usr/bin/env python3
"""Boot-test runner: start QEMU, read its serial output, check markers.

Passes when every --expect marker has appeared (in the given order) and QEMU
has exited with --exit-code. When some markers start with a VM's console
label ("[web] ..."), VMs run side by side: markers are ordered only among
those of the same VM, the hypervisor's lines that name it ("VM web stopped")
included; all others are ordered among themselves. Fails at once when a --forbid marker or one of
the built-in panic/trap markers appears, when the markers come out of order,
or when --timeout seconds pass. On failure the whole serial log is printed.

Numbers in markers are whole numbers: a marker that ends in a digit matches
only where the line's next character is not a digit ("timer=1" does not
match "timer=10"), and one that starts with a digit only where the
character before it is not one. The same holds for --forbid markers.

--kill-when-done is for guests that never stop: the test passes as soon as
every marker was seen. A test whose guest powers off must not use it, so
that what comes after the last marker (a panic) and the exit code count.

Numbers a guest prints can be judged too: --value NAME=REGEX takes the
first line matching REGEX and binds NAME to its first group as a whole
number (or a float, if it has a point); --check EXPR, a Python expression
over those names, must hold once QEMU has exited. A value never printed
fails the test.
"""
import argparse
import os
import re
import selectors
import signal
import subprocess
import sys
import time

# Printed by the hypervisor or the guests when something is broken.
FATAL_MARKERS = [
    "rustyvisor: panic",
    "PANIC",
    "Kernel panic",
    "Oops",
    "unexpected trap",
    "FAILED:",
]

LABEL = re.compile(r"^\[([A-Za-z][\w.@-]*)\] ")
NAMES_VM = re.compile(r"\bVM ([A-Za-z][\w.@-]*)\b")


def contains(line, text):
    """Does line contain text, with whole numbers at its ends (see above)?"""
    if not text:
        return True
    digit_end, digit_start = text[-1].isdigit(), text[0].isdigit()
    if not digit_end and not digit_start:
        return text in line
    at = line.find(text)
    while at >= 0:
        after = at + len(text)
        if not (digit_end and after < len(line) and line[after].isdigit()) and \
                not (digit_start and at > 0 and line[at - 1].isdigit()):
            return True
        at = line.find(text, at + 1)
    return False


def seen(marker, line):
    """A labelled marker "[web] text" matches a line of VM web's console
    that contains text; any other marker matches a line containing it."""
    m = LABEL.match(marker)
    if m:
        return line.startswith(m.group(0)) and contains(line[m.end():], marker[m.end():])
    return contains(line, marker)


def stream_of(marker, multi_vm):
    """The VM a marker belongs to, or "" for the rest."""
    m = LABEL.match(marker) or (multi_vm and NAMES_VM.search(marker))
    return m.group(1) if m else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--forbid", action="append", default=[])
    ap.add_argument("--allow", action="append", default=[], metavar="MARKER",
                    help="drop a built-in panic/trap marker (for a guest whose normal output "
                         "contains it, such as U-Boot's printenv)")
    ap.add_argument("--exit-code", type=int, default=0)
    ap.add_argument("--kill-when-done", action="store_true",
                    help="pass as soon as every marker was seen (for guests that never stop)")
    ap.add_argument("--log", help="also write the serial log to this file")
    ap.add_argument("--input", action="append", default=[], metavar="MARKER=TEXT",
                    help="type TEXT on the console once a line contains MARKER; pairs with "
                         "the same MARKER are typed on successive such lines, in order")
    ap.add_argument("--value", action="append", default=[], metavar="NAME=REGEX",
                    help="bind NAME to group 1 of the first line matching REGEX")
    ap.add_argument("--check", action="append", default=[], metavar="EXPR",
                    help="a Python expression over the --value names that must hold")
    ap.add_argument("--raw-forbid", action="append", default=[], metavar="REGEX",
                    help="fail if the raw serial bytes match REGEX (a bytes regex: control "
                         "characters that line splitting would hide)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    unknown = [m for m in args.allow if m not in FATAL_MARKERS]
    if unknown:
        ap.error(f"--allow {unknown[0]!r}: not a built-in marker ({FATAL_MARKERS})")
    forbid = [m for m in FATAL_MARKERS if m not in args.allow] + args.forbid

    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    log = bytearray()
    pending = {}  # stream -> its markers still to come, in order
    multi_vm = any(LABEL.match(m) for m in args.expect)
    for marker in args.expect:
        pending.setdefault(stream_of(marker, multi_vm), []).append(marker)
    inputs = [i.split("=", 1) for i in args.input]
    wanted = {}
    for v in args.value:
        name, _, rx = v.partition("=")
        if not name.isidentifier() or not rx:
            ap.error(f"--value {v!r}: want NAME=REGEX")
        wanted[name] = re.compile(rx)
    values = {}
    failure = None
    scanned = 0  # log offset up to which complete lines were checked

    def check_lines(final=False):
        nonlocal scanned, failure
        text = log.decode("utf-8", "replace")
        end = len(text) if final else text.rfind("\n") + 1
        chunk = text[scanned:end]
        scanned = end
        for line in chunk.splitlines():
            for bad in forbid:
                if contains(line, bad):
                    failure = f"forbidden marker {bad!r} in line: {line.strip()}"
                    return
            for name, rx in wanted.items():
                m = rx.search(line)
                if m and name not in values:
                    g = m.group(1)
                    values[name] = float(g) if "." in g else int(g)
            typed = set()  # one pair per MARKER and line
            for pair in list(inputs):
                if pair[0] not in typed and seen(pair[0], line):
                    typed.add(pair[0])
                    proc.stdin.write(pair[1].encode().decode("unicode_escape").encode())
                    proc.stdin.flush()
                    inputs.remove(pair)
            for queue in pending.values():
                matched = False
                while queue and seen(queue[0], line):
                    queue.pop(0)
                    matched = True
                if not matched:
                    for later in queue[1:]:
                        if seen(later, line):
                            failure = (f"marker {later!r} came before {queue[0]!r}")
                            return
            for key in [k for k, q in pending.items() if not q]:
                del pending[key]

    while failure is None:
        left = args.timeout - (time.monotonic() - start)
        if left <= 0:
            failure = f"timeout after {args.timeout:.0f}s"
            break
        events = sel.select(timeout=min(left, 1.0))
        if events:
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                break
            log.extend(data)
            check_lines()
            if args.kill_when_done and not pending and failure is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
    if failure is None:
        check_lines(final=True)

    if proc.poll() is None:
        if failure is None:
            try:
                proc.wait(timeout=max(1.0, args.timeout - (time.monotonic() - start)))
            except subprocess.TimeoutExpired:
                failure = "QEMU did not exit"
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    rc = proc.returncode
    if failure is None and pending:
        missing = [q[0] for q in pending.values()]
        failure = f"QEMU exited before marker(s) {missing!r}"
    if failure is None and rc != args.exit_code and not args.kill_when_done:
        failure = f"QEMU exit code {rc}, expected {args.exit_code}"
    for rx in args.raw_forbid:
        m = re.search(rx.encode().decode("unicode_escape").encode("latin-1"), bytes(log))
        if failure is None and m:
            failure = f"raw output matches {rx!r} at byte {m.start()}: {bytes(log[max(0, m.start() - 40):m.end() + 40])!r}"
    if failure is None:
        missing = [n for n in wanted if n not in values]
        if missing:
            failure = f"value(s) never printed: {missing!r}"
    if failure is None:
        for expr in args.check:
            if not eval(expr, {"__builtins__": {"abs": abs, "min": min, "max": max}}, dict(values)):
                failure = f"check {expr!r} does not hold for {values!r}"
                break
    if values:
        sys.stdout.write(f"values: {values!r}\n")

    if args.log:
        with open(args.log, "wb") as f:
            f.write(log)
    elapsed = time.monotonic() - start
    if failure:
        sys.stdout.write("---- serial log ----\n")
        sys.stdout.write(log.decode("utf-8", "replace"))
        sys.stdout.write("\n---- end of serial log ----\n")
        sys.stdout.write(f"FAIL ({elapsed:.1f}s): {failure}\ncommand: {' '.join(cmd)}\n")
        return 1
    sys.stdout.write(f"PASS ({elapsed:.1f}s): {len(args.expect)} markers\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
