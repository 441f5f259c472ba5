#!/usr/bin/env python3
"""Check that every option of the config fragments survived `make olddefconfig`.

usage: check_config.py <final .config> <fragment>...

Kconfig silently drops an option whose dependencies are unmet and silently
changes a value that is out of range. This fails (exit 1) naming each option of
a fragment whose final value differs from the one the fragment asks for.
"# CONFIG_FOO is not set" in a fragment is satisfied when FOO is off or absent.
As with merge_config.sh, a later fragment overrides an earlier one.
"""
import re
import sys

SET = re.compile(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$")
UNSET = re.compile(r"^# (CONFIG_[A-Za-z0-9_]+) is not set$")


def parse(path):
    """Return {option: value} with None for 'is not set', and the line of each."""
    values, lines = {}, {}
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            m = SET.match(line)
            if m:
                values[m.group(1)] = m.group(2)
                lines[m.group(1)] = n
                continue
            m = UNSET.match(line)
            if m:
                values[m.group(1)] = None
                lines[m.group(1)] = n
    return values, lines


def show(opt, value):
    return f"# {opt} is not set" if value is None else f"{opt}={value}"


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    final, _ = parse(sys.argv[1])
    # Like merge_config.sh, a later fragment overrides an earlier one.
    wanted = {}
    for frag in sys.argv[2:]:
        values, lines = parse(frag)
        for opt, want in values.items():
            wanted[opt] = (want, f"{frag}:{lines[opt]}")
    bad = 0
    for opt, (want, where) in wanted.items():
        got = final.get(opt)
        ok = got in (None, "n") if want is None else got == want
        if not ok:
            bad += 1
            has = show(opt, got) if opt in final else f"no {opt} (unmet dependency?)"
            print(f"{where}: wants {show(opt, want)}, but after olddefconfig "
                  f"{sys.argv[1]} has {has}")
    if bad:
        print(f"FAILED: {bad} of {len(wanted)} config fragment option(s) did not survive "
              f"olddefconfig")
        return 1
    print(f"config check: all {len(wanted)} fragment options survived olddefconfig")
    return 0


if __name__ == "__main__":
    sys.exit(main())
