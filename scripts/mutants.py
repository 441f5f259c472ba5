#!/usr/bin/env python3
"""The mutation check: every breakage listed in tests/mutants.txt must make
at least one of the tests it names fail.

The source tree is never modified. The script keeps a copy of it in a work
directory (WORK/src, refreshed from the tree at every run), builds the copy
once unbroken in WORK/build (-DRV_BUILD_LINUX=OFF unless --linux) and runs
every test the list names: they must all pass there. Then, for each
breakage, it patches the copy, rebuilds (incrementally), runs the breakage's
tests and puts the file back, whatever happens (Ctrl-C included; a copy left
patched by a killed run is refreshed from the tree by the next one). It
fails when a breakage survives (all its tests pass), when a breakage no
longer applies (its original text is not found exactly once) or does not
build, or when the unbroken copy fails a test.

    scripts/mutants.py [--work DIR] [--only NAME...] [--list] [--linux]

See docs/testing.md. CTest runs it as the test `mutants` (label mutants)
in a build configured with -DRV_MUTANTS=ON.
"""
import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = {"file", "tests", "what", "pending"}


def parse(path):
    """The entries of a mutants list, in order (format: tests/mutants.txt)."""
    entries, cur, block, buf = [], None, None, []
    with open(path) as f:
        lines = f.read().split("\n")
    for no, line in enumerate(lines, 1):
        where = f"{path}:{no}"
        if block is not None:
            if line == "===" and block == "orig":
                cur["orig"], block, buf = "\n".join(buf), "repl", []
            elif line == ">>>" and block == "repl":
                cur["repl"], block, buf = "\n".join(buf), None, []
            elif line in ("===", ">>>", "<<<"):
                sys.exit(f"{where}: unexpected {line!r}")
            else:
                buf.append(line)
            continue
        if not line.strip() or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[([\w.-]+)\]", line)
        if m:
            cur = {"name": m.group(1), "where": where}
            entries.append(cur)
            continue
        if cur is None:
            sys.exit(f"{where}: text before the first [name]")
        if line == "<<<":
            block, buf = "orig", []
            continue
        key, eq, val = line.partition("=")
        key = key.strip()
        if not eq or key not in KEYS:
            sys.exit(f"{where}: want 'key = value' with key in {sorted(KEYS)}")
        cur[key] = val.strip()
    if block is not None:
        sys.exit(f"{path}: unterminated breakage at the end")
    names = set()
    for e in entries:
        for k in ("file", "tests", "what", "orig", "repl"):
            if k not in e:
                sys.exit(f"{e['where']}: [{e['name']}] has no {k}")
        if e["name"] in names:
            sys.exit(f"{e['where']}: [{e['name']}] twice")
        names.add(e["name"])
        e["tests"] = e["tests"].split()
        # The snippets are whole lines: match them with their line ends.
        e["orig"] += "\n"
        e["repl"] = e["repl"] + "\n" if e["repl"] else ""
    return entries


def sync_tree(src, dst):
    """Make dst a copy of the source tree src (.git, build directories and
    dst itself left out). Only files whose content differs are written, with
    a fresh mtime, so an incremental build rebuilds exactly what changed."""
    def skip(rel, name):
        p = os.path.join(src, rel, name)
        return name == ".git" or (rel == "" and name.startswith("build")) or \
            os.path.exists(os.path.join(p, "CMakeCache.txt")) or \
            os.path.abspath(p) == os.path.abspath(dst)
    seen = set()
    for dirpath, dirnames, filenames in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        rel = "" if rel == "." else rel
        dirnames[:] = [d for d in dirnames if not skip(rel, d)]
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for name in filenames:
            if skip(rel, name):
                continue
            s, d = os.path.join(dirpath, name), os.path.join(dst, rel, name)
            seen.add(os.path.normpath(d))
            with open(s, "rb") as f:
                data = f.read()
            try:
                with open(d, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            if not same:
                with open(d, "wb") as f:
                    f.write(data)
                shutil.copymode(s, d)
    for dirpath, dirnames, filenames in os.walk(dst):
        for name in filenames:
            p = os.path.normpath(os.path.join(dirpath, name))
            if p not in seen:
                os.remove(p)


def run(cmd, log, **kw):
    with open(log, "ab") as f:
        f.write(("\n$ " + " ".join(cmd) + "\n").encode())
        f.flush()
        return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kw).returncode


def ctest(build, tests, log, jobs):
    """Run exactly these tests; returns (names that failed, names run)."""
    rx = "^(" + "|".join(re.escape(t) for t in tests) + ")$"
    out = os.path.join(build, "mutants-ctest.txt")
    if os.path.exists(out):
        os.remove(out)
    run(["ctest", "--test-dir", build, "-R", rx, "-j", str(jobs), "--output-on-failure",
         "--output-log", out], log)
    failed, ran = set(), set()
    try:
        with open(out, errors="replace") as f:
            text = f.read()
    except OSError:
        return set(tests), set()
    for m in re.finditer(r"Test\s+#\d+: (\S+) \.*\s*(\*\*\*)?(\w[^\n]*?)\s+[\d.]+ sec", text):
        ran.add(m.group(1))
        if not m.group(3).startswith("Passed"):
            failed.add(m.group(1))
    return failed, ran


def registered(build):
    out = subprocess.run(["ctest", "--test-dir", build, "-N"], capture_output=True, text=True)
    return set(re.findall(r"Test\s+#\d+: (\S+)", out.stdout))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default=os.path.join(ROOT, "build-mutants"),
                    help="work directory (the copy and its build)")
    ap.add_argument("--list-file", default=os.path.join(ROOT, "tests", "mutants.txt"))
    ap.add_argument("--only", nargs="+", metavar="NAME", help="these breakages only")
    ap.add_argument("--list", action="store_true", help="print the breakages and stop")
    ap.add_argument("--linux", action="store_true", help="configure with RV_BUILD_LINUX=ON")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="tests run in parallel")
    args = ap.parse_args()

    entries = parse(args.list_file)
    if args.only:
        unknown = set(args.only) - {e["name"] for e in entries}
        if unknown:
            sys.exit(f"no such breakage: {' '.join(sorted(unknown))}")
        entries = [e for e in entries if e["name"] in args.only]
    if args.list:
        for e in entries:
            extra = f"  [pending: {e['pending']}]" if "pending" in e else ""
            print(f"{e['name']}: {e['file']}: {e['what']}\n    caught by: "
                  f"{' '.join(e['tests'])}{extra}")
        return 0

    work = os.path.abspath(args.work)
    src, build = os.path.join(work, "src"), os.path.join(work, "build")
    top = os.path.relpath(work, ROOT).split(os.sep)[0]
    if not top.startswith("build") and os.path.commonpath([work, ROOT]) == ROOT and \
            not os.path.exists(os.path.join(ROOT, top, "CMakeCache.txt")):
        sys.exit(f"--work {work}: inside the source tree, not in a build directory")
    os.makedirs(work, exist_ok=True)
    lock = open(os.path.join(work, "lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit(f"mutants: another run uses {work}")
    log = os.path.join(work, "mutants.log")
    open(log, "w").close()
    print(f"mutants: {len(entries)} breakages; log {log}", flush=True)
    sync_tree(ROOT, src)

    # Every breakage must apply to the tree as it is now.
    problems = []
    for e in entries:
        path = os.path.join(src, e["file"])
        try:
            with open(path) as f:
                n = f.read().count(e["orig"])
        except OSError:
            n = -1
        if n != 1:
            problems.append(f"{e['name']}: its original text is found {max(n, 0)} times in "
                            f"{e['file']} (want exactly once): update tests/mutants.txt")
    if problems:
        print("\n".join("mutants: STALE " + p for p in problems))
        return 1

    linux = "ON" if args.linux else "OFF"
    if run(["cmake", "-S", src, "-B", build, "-G", "Ninja", f"-DRV_BUILD_LINUX={linux}",
            "-DRV_MUTANTS=OFF"], log) or run(["cmake", "--build", build], log):
        print(f"mutants: the unbroken copy does not build (see {log})")
        return 1
    have = registered(build)
    wanted = sorted({t for e in entries for t in e["tests"]})
    missing = [t for t in wanted if t not in have]
    for e in entries:
        gone = [t for t in e["tests"] if t not in have]
        if gone and "pending" not in e:
            problems.append(f"{e['name']}: no such test(s) in this build: {' '.join(gone)}")
    if problems:
        print("\n".join("mutants: ERROR " + p for p in problems))
        return 1
    t0 = time.monotonic()
    failed, ran = ctest(build, [t for t in wanted if t in have], log, args.jobs)
    failed |= {t for t in wanted if t in have} - ran
    print(f"mutants: unbroken: {len(wanted) - len(missing)} tests, "
          f"{len(failed)} failed ({time.monotonic() - t0:.0f}s)", flush=True)
    if failed:
        print(f"mutants: the unbroken tree fails {' '.join(sorted(failed))}: fix that first "
              f"(see {log})")
        return 1

    survivors, broken, pending = [], [], []
    for e in entries:
        path = os.path.join(src, e["file"])
        with open(path) as f:
            pristine = f.read()
        tests = [t for t in e["tests"] if t in have]
        t0 = time.monotonic()
        try:
            with open(path, "w") as f:
                f.write(pristine.replace(e["orig"], e["repl"], 1))
            if run(["cmake", "--build", build], log):
                verdict = "DOES NOT BUILD"
                broken.append(e["name"])
            elif not tests:
                verdict = f"PENDING (no test yet: {e['pending']})"
                pending.append(e["name"])
            else:
                failed, ran = ctest(build, tests, log, args.jobs)
                if set(tests) - ran:
                    verdict = f"TESTS DID NOT RUN: {' '.join(sorted(set(tests) - ran))}"
                    broken.append(e["name"])
                elif failed:
                    verdict = f"caught by {' '.join(sorted(failed))}"
                elif "pending" in e:
                    verdict = f"SURVIVES (pending: {e['pending']})"
                    pending.append(e["name"])
                else:
                    verdict = f"SURVIVES {' '.join(tests)}"
                    survivors.append(e["name"])
        finally:
            with open(path, "w") as f:
                f.write(pristine)
        print(f"mutants: {e['name']}: {verdict} ({time.monotonic() - t0:.0f}s)", flush=True)

    # Leave the build matching the unbroken copy.
    run(["cmake", "--build", build], log)
    print(f"mutants: {len(entries)} breakages: {len(survivors)} survived, {len(broken)} did not "
          f"build or run, {len(pending)} pending")
    if pending:
        print(f"mutants: pending (not counted): {' '.join(pending)}")
    if survivors or broken:
        print(f"mutants: FAILED: {' '.join(survivors + broken)}")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("mutants: interrupted (the source tree was never touched)")
