#!/usr/bin/env python3
"""Trace one exit of the bench guest through rustyvisor, instruction by instruction.

bench.c gives the length of a path; this says where it goes. It boots rustyvisor with the
bench guest in QEMU under gdb, stops at vcpu_arch_exit (the first instruction of every exit)
at the Nth exit of the guest that matches (scause, and for an ecall the SBI EID/FID), and
single-steps the hypervisor up to the sret into the guest, counting instructions per
function. With LTO, a function inlined into another counts as the one it was inlined into.

  guest-kernels/bench/trace_path.py --build-dir build-bench --eid 0x10 --fid 0
  guest-kernels/bench/trace_path.py --build-dir build-bench --eid 0x54494D45 --cpu rv64,sstc=off
  guest-kernels/bench/trace_path.py --build-dir build-bench --scause 21          # MMIO load

Limits: gdb single-steps RISC-V in software (a breakpoint on the next pc), so an ecall from
HS-mode into OpenSBI is stepped over whole (marked, its M-mode instructions not counted), and
the guest's own instructions are not traced. QEMU 7.2 hangs single steps under -icount, so this
runs without it: a path that depends on time may differ from the -icount run, and a path that
sleeps in the hypervisor's WFI cannot be traced (the step never ends; --irqs lets interrupts
and timers run during steps, for paths that need them).
A diagnostic for docs/performance.md, not a test. Needs gdb-multiarch.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile

GDB_SCRIPT = r'''
import bisect, collections, subprocess, sys
def load_syms(path):
    out = subprocess.run(["riscv64-unknown-elf-nm", "-n", path], capture_output=True,
                         text=True).stdout
    return [(int(p[0], 16), p[2]) for p in (l.split() for l in out.splitlines())
            if len(p) == 3 and p[1] in "tTwW"]
HV = load_syms(HV_ELF)
HV_ADDRS = [a for a, _ in HV]
def sym(pc):
    i = bisect.bisect_right(HV_ADDRS, pc) - 1
    return HV[i][1] if i >= 0 else hex(pc)
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("file " + HV_ELF)
gdb.execute("target remote :" + str(PORT))
# QEMU masks interrupts and timers during single steps by default; without -icount the clock
# runs in real time, slowed by the stepping, so only paths that wait for them enable them.
if IRQS:
    gdb.execute("maintenance packet Qqemu.sstep=0x1", to_string=True)
# Stop at vcpu_arch_exit, the first instruction of every exit, for the Nth exit of vCPU 0 of
# the first VM that matches. The hypervisor is built with LTO, so its C functions may be
# inlined into one another: the condition reads registers and globals only. sscratch tells
# the hypervisor's trap entry from guest code that may sit at the same address.
VARCH = "(unsigned long)&vm_list[0]->vcpu[0].arch"
cond = "$sscratch == %s && $scause == %d" % (VARCH, SCAUSE)
if SCAUSE == 10:
    cond += " && $a7 == %d && $a6 == %d" % (EID, FID)
gdb.execute("break *%d if %s" % (HV_EXIT, cond))
gdb.execute("ignore 1 %d" % SKIP)
gdb.execute("continue")
gdb.execute("delete")
arch = gdb.selected_frame().architecture()
def insn(pc):
    return arch.disassemble(pc)[0]["asm"].split()[0]
def pc_now():
    return int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
def trace_to_guest(limit):
    """Step the hypervisor up to (not over) the sret that enters the guest: vcpu_arch_run's, or
    vcpu_arch_exit's after an exit answered on the fast path."""
    trace = []
    while True:
        pc = pc_now()
        op = insn(pc)
        trace.append((pc, op, sym(pc)))
        if op == "sret" and sym(pc) in ("vcpu_arch_run", "vcpu_arch_exit"):
            return trace
        if op == "ecall":
            trace.append((pc, "-", "OpenSBI (M-mode, stepped over, not counted)"))
        gdb.execute("stepi", to_string=True)
        if len(trace) > limit:
            raise SystemExit("lost: no sret into the guest within %d instructions (at %#x %s)"
                             % (limit, pc, sym(pc)))
trace = trace_to_guest(200000)
what = "from the trap (vcpu_arch_exit) to the sret into the guest"
by_fn = collections.OrderedDict()
for pc, op, where in trace:
    by_fn[where] = by_fn.get(where, 0) + (op != "-")
with open(OUT, "w") as f:
    f.write("hypervisor instructions %s: %d\n" % (what, sum(op != "-" for _, op, _ in trace)))
    for k, c in by_fn.items():
        f.write("%6d  %s\n" % (c, k))
    f.write("--- trace ---\n")
    for pc, op, where in trace:
        f.write("%#x %s %s\n" % (pc, op, where))
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    num = lambda s: int(s, 0)
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--scause", type=num, default=10, help="exit cause (10: ecall from VS)")
    ap.add_argument("--eid", type=num, default=0x10)
    ap.add_argument("--fid", type=num, default=0)
    ap.add_argument("--skip", type=int, default=20, help="matching exits to let pass first")
    ap.add_argument("--irqs", action="store_true",
                    help="let interrupts and timers run during single steps (WFI paths)")
    ap.add_argument("--cpu", default="rv64")
    ap.add_argument("--fw-jump", default="/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--full", action="store_true", help="also print every instruction")
    args = ap.parse_args()
    b = os.path.abspath(args.build_dir)
    hv_elf = os.path.join(b, "rustyvisor.elf")
    guest_elf = os.path.join(b, "guest-kernels", "bench.elf")
    nm = subprocess.run(["riscv64-unknown-elf-nm", hv_elf], capture_output=True, text=True).stdout
    hv_exit = next(int(l.split()[0], 16) for l in nm.splitlines() if l.endswith(" vcpu_arch_exit"))
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "trace.txt")
        script = os.path.join(tmp, "trace.py")
        with open(script, "w") as f:
            f.write(f"HV_ELF={hv_elf!r}\nPORT={port}\nSCAUSE={args.scause}\nEID={args.eid}\n"
                    f"FID={args.fid}\nSKIP={args.skip}\nOUT={out!r}\nHV_EXIT={hv_exit}\n"
                    f"IRQS={args.irqs}\n")
            f.write(GDB_SCRIPT)
        qemu = subprocess.Popen(
            ["qemu-system-riscv64", "-M", "virt", "-cpu", args.cpu, "-m", "512M", "-nographic",
             "-monitor", "none", "-serial", "null", "-bios", args.fw_jump,
             "-kernel", os.path.join(b, "rustyvisor.bin"), "-initrd", guest_elf,
             "-gdb", f"tcp:127.0.0.1:{port}", "-S"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            r = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-x", script],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=args.timeout)
            log = r.stdout
        except subprocess.TimeoutExpired:
            log = f"gdb timed out after {args.timeout:.0f}s\n"
        finally:
            qemu.kill()
            qemu.wait()
        if not os.path.exists(out):
            sys.stderr.write(log[-4000:])
            return 1
        summary, _, full = open(out).read().partition("--- trace ---\n")
        sys.stdout.write(summary)
        if args.full:
            sys.stdout.write(full)
    return 0


if __name__ == "__main__":
    sys.exit(main())
