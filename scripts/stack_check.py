#!/usr/bin/env python3
"""The hypervisor's stack bound (issue 16, part 4): the deepest call path from each entry point,
from GCC's per-file call graphs with stack usage (-fcallgraph-info=su, .ci files in VCG), checked
against the per-hart stack size with a margin.

The hypervisor has no recursion: a cycle in the call graph is an error that names it. A function
with dynamic stack use (a VLA, alloca) is an error. An indirect call is resolved through a table
(tests/stack/indirect.txt): each line is `<file>:<function> <target>...`, where <function> is the
function whose body holds the call expression (an inline helper's own name when it is inlined)
and the targets are every function that call can reach; an indirect call the table does not
name is an error, so a new function pointer cannot slip past the bound. Lines of the form
`asm <symbol> <frame bytes> <callee>...` describe assembly the C graph cannot see.

usage: stack_check.py --ci-dir DIR --source-root ROOT --indirect FILE --stack BYTES
                      --margin PERCENT --entry NAME... [--interrupt NAME:FRAME] [--list-indirect]
"""
import argparse
import os
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)" label: "([^"]*)"')
DEF = re.compile(r"^(?:static\s+|inline\s+|_Noreturn\s+|__attribute__\(\([^)]*\)\)\s+)*[A-Za-z_][\w\s\*]*?\b(\w+)\s*\(")


def enclosing_function(root, path, line, cache={}):
    """The function whose definition holds `line` of `path` (a column-0 definition above it)."""
    if path not in cache:
        try:
            with open(path) as f:
                cache[path] = f.read().split("\n")
        except OSError:
            cache[path] = []
    lines = cache[path]
    for i in range(min(line, len(lines)) - 1, -1, -1):
        m = DEF.match(lines[i])
        if m and not lines[i].rstrip().endswith(";") and m.group(1) not in ("if", "for", "while",
                                                                            "switch", "return"):
            return os.path.relpath(path, root) + ":" + m.group(1)
    return os.path.relpath(path, root) + ":?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ci-dir", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--indirect", required=True)
    ap.add_argument("--stack", type=int, required=True)
    ap.add_argument("--margin", type=int, default=75, help="percent of the stack a path may use")
    ap.add_argument("--entry", nargs="+", required=True)
    ap.add_argument("--interrupt", default=None, help="NAME:FRAME: a trap that may come at any depth")
    ap.add_argument("--list-indirect", action="store_true")
    a = ap.parse_args()
    root = os.path.abspath(a.source_root)

    size, edges, indirect, defined = {}, {}, {}, []
    errors = []
    cis = sorted(os.path.join(d, f) for d, _, fs in os.walk(a.ci_dir) for f in fs
                 if f.endswith(".ci"))
    if not cis:
        errors.append(f"no .ci files under {a.ci_dir}")
    for fn in cis:
        text = open(fn).read()
        for title, label in NODE.findall(text):
            parts = label.split("\\n")
            if len(parts) >= 3 and "bytes" in parts[2]:
                m = re.match(r"(\d+) bytes \((\w+)\)", parts[2])
                n, kind = int(m.group(1)), m.group(2)
                if kind == "dynamic":
                    errors.append(f"{parts[0]} ({parts[1]}): dynamic stack use")
                defined.append((title, n))
        for src, dst, label in EDGE.findall(text):
            edges.setdefault(src, []).append((dst, label))

    def resolve(title):
        # a static function's title is "path:name": relative to the source root, to tell the
        # static functions of one name apart; a global one's is its name
        if ":" in title:
            path, name = title.rsplit(":", 1)
            return os.path.relpath(path, root) + ":" + name
        return title

    for title, n in defined:
        size[resolve(title)] = n
    graph = {}
    unresolved = {}
    for src, outs in edges.items():
        s = resolve(src)
        for dst, label in outs:
            if dst == "__indirect_call":
                path, line = label.rsplit(":", 2)[0], int(label.rsplit(":", 2)[1])
                key = enclosing_function(root, path, line)
                indirect.setdefault(key, set()).add(s)
                graph.setdefault(s, set()).add("@" + key)
            else:
                graph.setdefault(s, set()).add(resolve(dst))

    table, asm, once = {}, {}, set()
    for raw in open(a.indirect):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if line[0] == "asm":
            asm[line[1]] = (int(line[2]), line[3:])
        elif line[0] == "once":
            once.add((line[1], line[2]))
        else:
            table[line[0]] = line[1:]
    if a.list_indirect:
        for key in sorted(indirect):
            print(f"{key:50} {'(in the table)' if key in table else '(MISSING)'}  called in: "
                  f"{' '.join(sorted(indirect[key]))}")
        return 0
    for key in sorted(indirect):
        if key not in table:
            errors.append(f"indirect call in {key} (from {', '.join(sorted(indirect[key]))}) is not "
                          f"in {os.path.relpath(a.indirect, root)}")
        else:
            graph["@" + key] = set(table[key])
    for sym, (frame, callees) in asm.items():
        size[sym] = frame
        graph.setdefault(sym, set()).update(callees)
    for key in table:
        if key not in indirect:
            errors.append(f"{os.path.relpath(a.indirect, root)}: {key}: no such indirect call "
                          f"(stale entry)")

    # A `once` edge A B is a call that can happen once on a path and not again inside itself
    # (a guard in the code says so): its cycle is cut, and A is charged B's depth as computed
    # without the edge, so one re-entry is counted and no more.
    for x, y in once:
        if y not in graph.get(x, ()):
            errors.append(f"{os.path.relpath(a.indirect, root)}: once {x} {y}: no such call")
        graph.get(x, set()).discard(y)
    depth, best, state = {}, {}, {}
    fixed = {}

    def walk(f, stack):
        if state.get(f) == 2:
            return depth[f]
        if state.get(f) == 1:
            cyc = stack[stack.index(f):] + [f]
            errors.append("recursion: " + " -> ".join(x.lstrip("@") for x in cyc))
            return 0
        state[f] = 1
        stack.append(f)
        d, b = 0, None
        for g in sorted(fixed.get(f, ())):
            if fixed[f][g] > d:
                d, b = fixed[f][g], g
        for g in sorted(graph.get(f, ())):
            if not g.startswith("@") and g not in size and g not in graph:
                unresolved.setdefault(g, f)
                continue
            gd = walk(g, stack)
            if gd > d:
                d, b = gd, g
        stack.pop()
        state[f] = 2
        depth[f] = size.get(f, 0) + d
        best[f] = b
        return depth[f]

    def path_of(f):
        out = []
        while f:
            if not f.startswith("@"):
                out.append(f"{f} {size.get(f, 0)}")
            f = best.get(f)
        return " -> ".join(out)

    for x, y in sorted(once):
        dy = walk(y, [])
        fixed.setdefault(x, {})[y] = dy
    depth.clear()
    best.clear()
    state.clear()
    worst = 0
    for e in a.entry:
        if e not in size and e not in graph:
            errors.append(f"entry point {e}: not found")
            continue
        d = walk(e, [])
        worst = max(worst, d)
        print(f"stack: {e}: {d} bytes: {path_of(e)}")
    extra = 0
    if a.interrupt:
        name, frame = a.interrupt.split(":")
        extra = int(frame) + walk(name, [])
        print(f"stack: a trap in the hypervisor ({name}, frame {frame}): {extra} bytes: "
              f"{path_of(name)}")
    for g, f in sorted(unresolved.items()):
        if not g.startswith("__builtin") and g not in ("memcpy", "memset", "memmove", "memcmp",
                                                        "strlen", "strcmp", "strncmp", "memchr"):
            errors.append(f"{f} calls {g}, which no call graph defines")
    limit = a.stack * a.margin // 100
    total = worst + extra
    print(f"stack: deepest {worst} + trap {extra} = {total} bytes of {a.stack} "
          f"(limit {a.margin}%: {limit})")
    if total > limit:
        errors.append(f"the deepest path takes {total} bytes, more than {limit} ({a.margin}% of "
                      f"{a.stack})")
    for e in errors:
        print("stack: error: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
