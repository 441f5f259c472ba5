#!/usr/bin/env python3
"""Host test of the boot-test judge, run_qemu.py: each case runs it on a
shell script standing in for QEMU and checks that it passes or fails."""
import os
import subprocess
import sys

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_qemu.py")

# (what, runner arguments, the fake QEMU's shell script, should pass)
CASES = [
    ("a marker", ["--expect", "boot ok"], "echo 'boot ok'", True),
    ("whole numbers: timer=1 is not timer=10", ["--expect", "timer=1"],
     "echo 'injected: timer=10 ipi=0'", False),
    ("whole numbers: timer=1 at the end of a line", ["--expect", "timer=1"],
     "echo 'injected: timer=1'", True),
    ("whole numbers: a later match counts", ["--expect", "timer=1"],
     "echo 'timer=12 timer=1 ipi'", True),
    ("whole numbers: a leading digit", ["--expect", "4 harts"], "echo 'smp: 14 harts'", False),
    ("whole numbers: labelled", ["--expect", "[a] got 3"], "echo '[a] got 31'", False),
    ("whole numbers in FORBID", ["--expect", "end", "--forbid", "faults=0"],
     "echo 'faults=0123'; echo end", True),
    ("FORBID", ["--expect", "end", "--forbid", "faults=0"], "echo 'faults=0 x'; echo end", False),
    ("a panic after the last marker", ["--expect", "done"],
     "echo done; echo 'rustyvisor: panic: boom'", False),
    ("the exit status after the last marker", ["--expect", "done"], "echo done; exit 3", False),
    ("the expected exit status", ["--expect", "done", "--exit-code", "3"], "echo done; exit 3",
     True),
    ("markers out of order", ["--expect", "one", "--expect", "two"], "echo two; echo one", False),
    ("a marker never printed", ["--expect", "one", "--expect", "two"], "echo one", False),
    ("input on successive lines with the same marker",
     ["--expect", "got rrs", "--input", "ask?=r\\n", "--input", "ask?=r\\n", "--input",
      "ask?=s\\n"],
     "a=; for i in 1 2 3; do echo ask?; read x; a=$a$x; done; echo got $a", True),
    ("a value judged", ["--expect", "x", "--value", "n=^x ([0-9]+)", "--check", "n == 7"],
     "echo 'x 7'", True),
    ("a value judged false", ["--expect", "x", "--value", "n=^x ([0-9]+)", "--check", "n > 7"],
     "echo 'x 7'", False),
    ("kill when done: a guest that never stops", ["--expect", "up", "--kill-when-done"],
     "echo up; sleep 60", True),
]


def main():
    bad = 0
    for what, args, script, want in CASES:
        r = subprocess.run([sys.executable, RUNNER, "--timeout", "20", *args, "--", "sh", "-c",
                            script], capture_output=True, text=True)
        passed = r.returncode == 0
        ok = passed == want
        bad += not ok
        print(f"{'ok  ' if ok else 'BAD '} {what}: {'passed' if passed else 'failed'}")
        if not ok:
            print(r.stdout)
    print(f"{len(CASES) - bad}/{len(CASES)} cases as expected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
