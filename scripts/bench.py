#!/usr/bin/env python3
"""Benchmarks: what rustyvisor costs a guest, against the same guest on OpenSBI.

Runs the bench guest (guest-kernels/bench) natively on OpenSBI fw_jump and under rustyvisor
(booted with -initrd), each with Sstc and without (-cpu rv64,sstc=off), under
`-icount shift=0,sleep=off`: instret then counts every instruction executed in every mode,
exactly and repeatably (sleep=off makes an idle hart jump to its next timer deadline instead
of waiting in real time, which keeps the WFI figure exact; nothing else idles). Prints one
markdown report -- operation | native | rustyvisor | ratio for both CPU configurations, the
hypervisor's exit counters, its footprint, and the Linux guest's real workload when its Image
is built (its compute loop, and its disk I/O: rvinit's rv.disk=bench on a scratch disk, QEMU's
virtio-blk natively and the host disk under rustyvisor) -- and writes it to
<build-dir>/bench/bench.md.

Two measurements need several VMs and so run under rustyvisor only, from a configuration this
script writes and compiles with dtc (into <build-dir>/bench/):
  * the VM switch (guest-kernels/vmswitch), under -icount like the table: a spinner and a
    sleeper pinned on one hart; the sleeper's timer switches the hart to it, its WFI back;
  * fairness (guest-kernels/spin), in wall-clock time: 8 busy VMs on 2 harts and on 1 hart,
    and two VMs of weights 100 and 300 on one hart, each measuring the CPU share it gets over
    the same window of the shared timebase; each setup runs --fairness-runs times.

  scripts/bench.py --build-dir build          (or: cmake --build build --target bench)

Exit status: 0 when every run reached "bench: done" without a FAILED line, 1 otherwise (the
report is still printed). See docs/performance.md for what each operation measures.
"""
import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

OPS = [
    ("get-spec-version", "SBI BASE get_spec_version", True),
    ("probe-extension", "SBI BASE probe_extension(TIME)", True),
    ("set-timer", "SBI TIME set_timer (far future)", True),
    ("stimecmp-write", "stimecmp write (Sstc)", False),
    ("send-ipi-self", "SBI IPI send_ipi to self + the interrupt", True),
    ("remote-fence-i", "SBI RFENCE remote_fence_i (self)", True),
    ("legacy-putchar", "SBI v0.1 console_putchar", True),
    ("ebreak", "ebreak to the guest's handler and back", False),
    ("mmio-uart-lsr", "load of UART LSR (MMIO)", False),
    ("mmio-uart-lsr-paged", "the same with the guest's Sv39 paging on", False),
    ("wfi-timer", "WFI woken by a timer: deadline to handler end", False),
]
CONFIGS = [("Sstc", "rv64"), ("no Sstc", "rv64,sstc=off")]
OP_LINE = re.compile(r"^bench: ([a-z0-9-]+) (?:(\d+) min (\d+) max (\d+) n (\d+)|n/a(?: \((.*)\))?)\s*$")
FATAL = ("FAILED", "rustyvisor: panic", "PANIC", "unexpected trap")


def run(cmd, timeout):
    """Run QEMU; return (text, seconds, error or None)."""
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out, err = p.stdout, None if p.returncode == 0 else f"QEMU exit code {p.returncode}"
    except subprocess.TimeoutExpired as e:
        out, err = e.stdout or b"", f"timeout after {timeout:.0f}s"
    return out.decode("utf-8", "replace").replace("\r", ""), time.monotonic() - start, err


def qemu_cmd(a, cpu, kernel, initrd=None, icount=True, smp=1, append=None, mem="512M",
             disk=None):
    cmd = [a.qemu, "-M", "virt", "-cpu", cpu, "-smp", str(smp), "-m", mem, "-nographic",
           "-monitor", "none", "-serial", "stdio", "-bios", a.fw_jump, "-kernel", kernel]
    if initrd:
        cmd += ["-initrd", initrd]
    if append:
        cmd += ["-append", append]
    if icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if disk:
        cmd += ["-drive", f"file={disk},if=none,format=raw,id=x0,readonly=on",
                "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"]
    return cmd


def bench_run(a, cpu, under_hv):
    g = os.path.join(a.build_dir, "guest-kernels")
    if under_hv:
        # stats=on: the stop report carries the exit counters this script reports.
        cmd = qemu_cmd(a, cpu, os.path.join(a.build_dir, "rustyvisor.bin"),
                       initrd=os.path.join(g, "bench.elf"), append="stats=on")
    else:
        cmd = qemu_cmd(a, cpu, os.path.join(g, "bench.bin"))
    text, _, err = run(cmd, a.timeout)
    ops, exits, problems = {}, [], []
    for line in text.splitlines():
        m = OP_LINE.match(line.strip())
        if m:
            ops[m.group(1)] = (int(m.group(2)) if m.group(2) else None, m.group(6))
        if line.startswith("rustyvisor: VM vm0 exits:"):
            exits.append(line[len("rustyvisor: VM vm0 exits:"):].strip())
        if any(f in line for f in FATAL):
            problems.append(line.strip())
    if "bench: done" not in text:
        problems.append("the guest did not reach 'bench: done'")
    if err:
        problems.append(err)
    opensbi = re.search(r"OpenSBI (v[0-9.]+)", text)
    return {"cmd": cmd, "ops": ops, "exits": exits, "problems": problems, "log": text,
            "opensbi": opensbi.group(1) if opensbi else None}


def fmt(v):
    if v is None:
        return "n/a"
    return f"{v:,}".replace(",", " ") if v >= 10000 else str(v)


def ratio(n, h):
    if n is None or h is None or n == 0:
        return ""
    return f"{h / n:.0f}x" if h >= 10 * n else f"{h / n:.2f}x"


def cell(r, op):
    if op not in r["ops"]:
        return None, "missing"
    v, why = r["ops"][op]
    return v, (fmt(v) if v is not None else "n/a")


def size_sections(elf, size_tool):
    out = subprocess.run([size_tool, "-A", elf], capture_output=True, text=True, check=True).stdout
    secs = {}
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 3 and p[0].startswith(".") and p[1].isdigit():
            secs[p[0]] = int(p[1])
    return secs


def gdb_sizes(elf, exprs):
    gdb = shutil.which("gdb-multiarch") or shutil.which("riscv64-unknown-elf-gdb")
    if not gdb:
        return {e: None for e in exprs}
    cmd = [gdb, "-nx", "-batch"]
    for e in exprs:
        cmd += ["-ex", f"print {e}"]
    out = subprocess.run(cmd + [elf], capture_output=True, text=True).stdout
    vals = re.findall(r"^\$\d+ = (\d+)$", out, re.M)
    if len(vals) != len(exprs):
        return {e: None for e in exprs}
    return dict(zip(exprs, (int(v) for v in vals)))


def gstage_table_bytes(base, size):
    """Sv39x4 G-stage tables to map [base, base+size) with 1 GiB/2 MiB/4 KiB leaves as
    gstage_map() does: a 16 KiB root, a 4 KiB level-1 table per 1 GiB region not mapped by
    a gigapage, a 4 KiB level-0 table per 2 MiB region not mapped by a megapage."""
    l1, l0 = set(), set()
    gpa, end = base, base + size
    while gpa < end:
        for shift in (30, 21, 12):
            psz = 1 << shift
            if gpa % psz == 0 and end - gpa >= psz:
                break
        if shift < 30:
            l1.add(gpa >> 30)
        if shift < 21:
            l0.add(gpa >> 21)
        gpa += psz
    return 16384 + 4096 * (len(l1) + len(l0))


def footprint(a):
    elf = os.path.join(a.build_dir, "rustyvisor.elf")
    lines = ["## Footprint", ""]
    if not os.path.exists(elf):
        return lines + [f"{elf} not built.", ""]
    secs = size_sections(elf, a.size_tool)
    alloc = {k: v for k, v in secs.items() if not k.startswith((".debug", ".comment", ".riscv"))}
    text = sum(v for k, v in alloc.items() if k.startswith((".text", ".rodata", ".srodata")))
    data = sum(v for k, v in alloc.items() if k.startswith((".data", ".sdata")))
    bss = sum(v for k, v in alloc.items() if k.startswith((".bss", ".sbss")))
    guest = alloc.get(".guest_images", 0)
    other = sum(alloc.values()) - text - data - bss - guest
    lines += [f"`{os.path.relpath(elf)}` without the embedded guest (`.guest_images`, "
              f"{guest:,} bytes, left out):", "",
              "| text (+rodata) | data | bss | other | sections |", "|---:|---:|---:|---:|---|",
              f"| {text:,} | {data:,} | {bss:,} | {other:,} | "
              + ", ".join(f"{k} {v:,}" for k, v in alloc.items() if k != ".guest_images")
              + " |", ""]
    exprs = ["sizeof(struct vm)", "sizeof(struct vcpu)", "sizeof(((struct vm *)0)->vcpu) / "
             "sizeof(struct vcpu)", "sizeof(struct vcpu_arch)", "sizeof(struct hart)",
             "sizeof(hart_stacks) / (sizeof(harts) / sizeof(harts[0]))",
             "sizeof(harts) / sizeof(harts[0])"]
    s = gdb_sizes(elf, exprs)
    vm, vcpu, slots, arch, hart, stack, nharts = (s[e] for e in exprs)
    na = lambda v: "n/a" if v is None else f"{v:,}"
    gst = gstage_table_bytes(0x80000000, a.guest_ram_mb << 20)
    lines += ["| kept | bytes |", "|---|---:|",
              f"| per VM: `struct vm` (holds {na(slots)} `struct vcpu` slots) | {na(vm)} |",
              f"| per vCPU: `struct vcpu` (of which `struct vcpu_arch` {na(arch)}) | {na(vcpu)} |",
              f"| per VM: G-stage tables for {a.guest_ram_mb} MiB at 0x80000000 (16 KiB root "
              f"+ 4 KiB per GiB, 2 MiB megapages) | {gst:,} |",
              f"| per physical hart: `struct hart` + stack ({na(nharts)} harts reserved in bss) "
              f"| {na(hart)} + {na(stack)} |", ""]
    if vm is None:
        lines += ["(struct sizes: gdb-multiarch not found or no debug info: `apt-get install "
                  "gdb-multiarch`)", ""]
    return lines


LINUX_MEM = "256M"


def linux_run(a, img, cpio, under_hv, icount):
    """One boot of the Linux guest, its /init in the initramfs cpio (natively QEMU's -initrd,
    under rustyvisor a disk: initramfs=disk); returns a dict of figures, or a string saying
    what failed."""
    if under_hv:
        cmd = qemu_cmd(a, "rv64", os.path.join(a.build_dir, "rustyvisor.bin"), initrd=img,
                       icount=icount, disk=cpio,
                       append=f"initramfs=disk stats=on mem={LINUX_MEM} vcpus=1 -- "
                              f"{a.linux_append}")
    else:
        cmd = qemu_cmd(a, "rv64", img, initrd=cpio, icount=icount, append=a.linux_append,
                       mem=LINUX_MEM)
    text, secs, err = run(cmd, a.linux_timeout)
    init = re.search(r"^\[\s*([0-9.]+)\] Run /init as init process", text, re.M)
    comp = re.search(r"rvinit: compute result ([0-9a-f]+) in ([0-9.]+) ms", text)
    if err or not init or not comp or "rvinit: powering off" not in text:
        bad = next((l for l in text.splitlines() if any(f in l for f in FATAL)), None)
        return err or bad or "markers missing (Run /init, rvinit: compute, rvinit: powering off)"
    exits = [l[len("rustyvisor: VM vm0 exits:"):].strip() for l in text.splitlines()
             if l.startswith("rustyvisor: VM vm0 exits:")]
    return {"init": float(init.group(1)) * 1000, "compute": float(comp.group(2)), "wall": secs,
            "result": comp.group(1), "exits": exits}


def linux_section(a):
    lines = ["## Real workload: the Linux guest", ""]
    img = a.linux_image or os.path.join(a.build_dir, "guest-kernels", "linux", "Image")
    cpio = a.linux_initramfs or os.path.join(a.build_dir, "guest-kernels", "linux", "init.cpio")
    for f in (img, cpio):
        if not os.path.exists(f):
            return lines + [f"Not measured: `{os.path.relpath(f)}` is not built "
                            "(guest-kernels/linux, RV_BUILD_LINUX=ON).", ""]
    # Wall clock: native and rustyvisor runs alternate, so that drift in the host's load
    # affects both alike. Then one run of each under -icount: exact, in virtual time.
    wall = {False: [], True: []}
    problems = []
    for i in range(a.linux_runs):
        for hv in (False, True):
            r = linux_run(a, img, cpio, hv, icount=False)
            if isinstance(r, str):
                problems.append(f"{'rustyvisor' if hv else 'native'} run {i + 1}: {r}")
            else:
                wall[hv].append(r)
    exact = {hv: linux_run(a, img, cpio, hv, icount=True) for hv in (False, True)}
    for hv, r in exact.items():
        if isinstance(r, str):
            problems.append(f"{'rustyvisor' if hv else 'native'} -icount run: {r}")
    med = lambda runs, k: statistics.median(r[k] for r in runs) if runs else None

    def row(name, n, h, unit, digits=0):
        ns = "failed" if n is None else f"{n:.{digits}f} {unit}"
        hs = "failed" if h is None else f"{h:.{digits}f} {unit}"
        rt = f"{h / n:.2f}x" if n and h else ""
        return f"| {name} | {ns} | {hs} | {rt} |"

    results = {r["result"] for runs in wall.values() for r in runs}
    results |= {r["result"] for r in exact.values() if isinstance(r, dict)}
    lines += [f"`{os.path.relpath(img)}` (`-smp 1`, {LINUX_MEM} of RAM, `{a.linux_append}`), "
              "its /init in `init.cpio`, natively on OpenSBI (`-initrd init.cpio`) and under "
              "rustyvisor (`-initrd Image`, the cpio on a disk, `initramfs=disk mem=" + LINUX_MEM +
              " vcpus=1`); compute result " + ", ".join(sorted(results)) + ".", "",
              f"Wall clock, no -icount, median of {a.linux_runs} alternating runs each: TCG on "
              "a shared host, noisy; compare only as a ratio within one run of `bench`.", "",
              "| metric | native (OpenSBI) | rustyvisor | ratio |", "|---|---:|---:|---:|",
              row("printk time of `Run /init` (from the timer's start)", med(wall[False], "init"),
                  med(wall[True], "init"), "ms"),
              row("rvinit compute loop", med(wall[False], "compute"), med(wall[True], "compute"),
                  "ms"),
              row("QEMU start to power-off (host wall clock)", med(wall[False], "wall"),
                  med(wall[True], "wall"), "s", 2), ""]
    get = lambda hv, k: exact[hv][k] if isinstance(exact[hv], dict) else None
    lines += ["Under `-icount shift=0,sleep=off`, one run each: virtual time, 1 ns per "
              "instruction executed in any mode (idle time jumps to the next timer), exact "
              "and repeatable.", "",
              "| metric | native (OpenSBI) | rustyvisor | ratio |", "|---|---:|---:|---:|",
              row("printk time of `Run /init` (from the timer's start)", get(False, "init"),
                  get(True, "init"), "ms", 1),
              row("rvinit compute loop", get(False, "compute"), get(True, "compute"), "ms"), ""]
    hv_exits = get(True, "exits")
    if hv_exits:
        lines += ["Exit counters of the rustyvisor -icount run:", "", "```"]
        lines += [f"rustyvisor: VM vm0 exits: {e}" for e in hv_exits] + ["```", ""]
    if problems:
        lines += ["Failed runs: " + "; ".join(problems), ""]
    return lines


# --- guest disk I/O: the Linux guest's rvinit rv.disk=bench ---------------------------------

DISK_FIGURES = [  # name in rvinit's line, what, unit, goal ratio (rustyvisor / native)
    ("seqread-1m", "sequential read, 1 MiB O_DIRECT", "MB/s", 0.9),
    ("randread-4k-qd1", "random read, 4 KiB O_DIRECT, queue depth 1", "IOPS", 0.8),
    ("randread-4k-qd32", "random read, 4 KiB O_DIRECT, queue depth 32 (native AIO)", "IOPS", 0.8),
    ("seqwrite-1m-fsync", "sequential write, 1 MiB O_DIRECT, then fsync", "MB/s", 0.9),
]
DISK_LINE = re.compile(r"rvinit: bench: (\S+) ([0-9.]+) (MB/s|IOPS) \((\d+) ops in ([0-9.]+) ms, "
                       r"(\d+) requests, (\d+) interrupts\)")
EXITS_TOTAL = re.compile(r"rustyvisor: VM vm0 exits: (\d+) total")
EXITS_MMIO = re.compile(r"rustyvisor: VM vm0 exits: mmio: (.*)$", re.M)


def disk_run(a, img, cpio, disk, under_hv, mode):
    """One boot of the Linux guest with rvinit's disk mode <mode> on the scratch disk, which
    is QEMU's virtio-mmio slot 1 in both runs and /dev/vda in the guest: natively the only
    disk; under rustyvisor (no configuration) the one disk the VM gets, slot 0 holding the
    initramfs the hypervisor reads (initramfs=disk). Returns a dict, or a string saying what
    failed."""
    args = f"{a.linux_append} rv.disk={mode} rv.disk.dev=vda rv.disk.mib={a.disk_mib}"
    drives = ["-drive", f"file={disk},if=none,format=raw,id=bench",
              "-device", "virtio-blk-device,drive=bench,bus=virtio-mmio-bus.1"]
    if under_hv:
        cmd = qemu_cmd(a, "rv64", os.path.join(a.build_dir, "rustyvisor.bin"), initrd=img,
                       icount=False, disk=cpio,
                       append=f"initramfs=disk stats=on mem={LINUX_MEM} vcpus=1 -- {args}")
    else:
        cmd = qemu_cmd(a, "rv64", img, initrd=cpio, icount=False, append=args, mem=LINUX_MEM)
    text, _, err = run(cmd + drives, a.linux_timeout)
    done = "rvinit: bench: done" if mode == "bench" else "rvinit: disk: idle"
    bad = next((l for l in text.splitlines() if any(f in l for f in FATAL)), None)
    if err or bad or done not in text or "rvinit: powering off" not in text:
        return err or bad or f"'{done}' missing"
    r = {"figures": {}, "exits": None, "mmio": {}}
    for m in DISK_LINE.finditer(text):
        r["figures"][m.group(1)] = {"value": float(m.group(2)), "ops": int(m.group(4)),
                                    "requests": int(m.group(6)), "irqs": int(m.group(7))}
    if under_hv:
        t = EXITS_TOTAL.search(text)
        r["exits"] = int(t.group(1)) if t else None
        mm = EXITS_MMIO.search(text)
        for kv in (mm.group(1).split() if mm else []):
            k, _, v = kv.partition("=")
            if v.isdigit():
                r["mmio"][k] = int(v)
    return r


def disk_section(a):
    lines = ["## Guest disk I/O: the Linux guest", ""]
    img = a.linux_image or os.path.join(a.build_dir, "guest-kernels", "linux", "Image")
    cpio = a.linux_initramfs or os.path.join(a.build_dir, "guest-kernels", "linux", "init.cpio")
    for f in (img, cpio):
        if not os.path.exists(f):
            return lines + [f"Not measured: `{os.path.relpath(f)}` is not built "
                            "(guest-kernels/linux, RV_BUILD_LINUX=ON).", ""], True
    out_dir = os.path.join(a.build_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    disk = os.path.join(out_dir, "disk.img")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "tests", "boot", "ext4_image.py"), "blank", disk, str(a.disk_mib)],
                   check=True)
    runs = {False: [], True: []}
    problems = []
    for i in range(a.disk_runs):  # alternating, so that drift in the host's load hits both
        for hv in (False, True):
            r = disk_run(a, img, cpio, disk, hv, "bench")
            if isinstance(r, str):
                problems.append(f"{'rustyvisor' if hv else 'native'} run {i + 1}: {r}")
            else:
                runs[hv].append(r)
    idle = disk_run(a, img, cpio, disk, True, "idle")
    if isinstance(idle, str):
        problems.append(f"rustyvisor idle run: {idle}")
        idle = None

    def med(hv, name, key):
        vals = [r["figures"][name][key] for r in runs[hv] if name in r["figures"]]
        return statistics.median(vals) if vals else None

    lines += [f"`{os.path.relpath(img)}` (`-smp 1`, {LINUX_MEM} of RAM), /init's `rv.disk=bench` "
              f"(guest-kernels/linux/init.c) on a {a.disk_mib} MiB scratch disk, a raw file "
              "on QEMU's virtio-mmio slot 1 (`bus=virtio-mmio-bus.1`), `/dev/vda` in the "
              "guest: natively QEMU's virtio-blk seen directly (`-kernel Image -initrd "
              "init.cpio`), under rustyvisor the host disk given to the VM (no configuration: "
              "`-initrd Image`, the initramfs on slot 0, `initramfs=disk mem=" + LINUX_MEM +
              " vcpus=1`). rvinit times each figure with `clock_gettime(CLOCK_MONOTONIC)`; "
              "requests from `/sys/block/vda/stat`, interrupts from the guest's "
              "`/proc/interrupts` (its virtio lines). Queue depth 32: 32 reads in flight "
              "through `io_setup`/`io_submit`/`io_getevents` by `syscall(2)`. Wall clock, "
              f"median of {a.disk_runs} alternating runs each; compare only as ratios within "
              "one run of `bench`.", "",
              "| figure | native | rustyvisor | ratio | goal |", "|---|---:|---:|---:|---|"]
    goals_met, goals = 0, 0
    for name, what, unit, goal in DISK_FIGURES:
        n, h = med(False, name, "value"), med(True, name, "value")
        ratio_ = h / n if n and h else None
        verdict = ""
        if ratio_ is not None:
            goals += 1
            goals_met += ratio_ >= goal
            verdict = f"{'met' if ratio_ >= goal else 'NOT met'} (at least {goal:.1f}x)"
        fmt_ = lambda v: "failed" if v is None else (f"{v:.1f} {unit}" if unit == "MB/s"
                                                     else f"{v:.0f} {unit}")
        lines.append(f"| {name}: {what} | {fmt_(n)} | {fmt_(h)} | "
                     f"{'' if ratio_ is None else f'{ratio_:.2f}x'} | {verdict} |")
    lines += ["", f"Goals (at least 0.9x native sequential throughput, 0.8x native IOPS): met by "
              f"{goals_met} of {goals} figures.", "",
              "| per request (median of runs) | native: guest interrupts | rustyvisor: guest "
              "interrupts |", "|---|---:|---:|"]
    for name, _, _, _ in DISK_FIGURES:
        cells = []
        for hv in (False, True):
            req, irq = med(hv, name, "requests"), med(hv, name, "irqs")
            cells.append("failed" if not req or irq is None else f"{irq / req:.2f} "
                         f"({irq:.0f} / {req:.0f})")
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    lines.append("")
    # Exits: the stop report counts the whole run; the idle run (the same boot, no I/O)
    # is taken out, and what is left is spread over every request the disk completed.
    hv_runs = [r for r in runs[True] if r["exits"] is not None]
    if hv_runs and idle and idle["exits"] is not None:
        per = []
        for r in hv_runs:
            req = sum(f["requests"] for f in r["figures"].values())
            per.append(((r["exits"] - idle["exits"]) / req, r, req))
        exits_req, r, req = sorted(per, key=lambda p: p[0])[len(per) // 2]
        mmio = ", ".join(f"{k} {(v - idle['mmio'].get(k, 0)) / req:.2f}"
                         for k, v in r["mmio"].items())
        lines += [f"Exits per request under rustyvisor: **{exits_req:.2f}** (median run: "
                  f"{r['exits']} exits less the {idle['exits']} of a boot without I/O "
                  f"(`rv.disk=idle`), over its {req} requests); of which MMIO accesses per "
                  f"request by device: {mmio or 'none'}.", ""]
    else:
        problems.append("no exit counters (stats=on) from the rustyvisor runs")
    if problems:
        lines += ["**Disk runs failed**: " + "; ".join(problems[:10]), ""]
    return lines, not problems


# --- several VMs from a generated configuration -------------------------------------------

def write_config(a, name, vms):
    """Write <build-dir>/bench/<name>.dts for the given VMs and compile it with dtc; return the
    .dtb path. Each VM is a dict: name, kernel (an ELF in <build-dir>/guest-kernels), bootargs,
    and optionally affinity (a list of hart indices) and weight."""
    out_dir = os.path.join(a.build_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    nodes = []
    for vm in vms:
        props = [f'kernel = /incbin/("{vm["kernel"]}");',
                 "memory = /bits/ 64 <0x80000000 0x400000>;",
                 f'bootargs = "{vm["bootargs"]}";',
                 "stats;"]  # the exit counters in the stop report
        if "affinity" in vm:
            props.append("hart-affinity = <" + " ".join(str(h) for h in vm["affinity"]) + ">;")
        if "weight" in vm:
            props.append(f"weight = <{vm['weight']}>;")
        nodes.append(f"\t\t{vm['name']} {{\n" + "".join(f"\t\t\t{p}\n" for p in props)
                     + "\t\t};\n")
    dts = os.path.join(out_dir, name + ".dts")
    dtb = os.path.join(out_dir, name + ".dtb")
    with open(dts, "w") as f:
        f.write("/dts-v1/;\n/* Written by scripts/bench.py. */\n/ {\n"
                '\tcompatible = "rustyvisor,config";\n\tvms {\n' + "".join(nodes) + "\t};\n};\n")
    subprocess.run([a.dtc, "-q", "-I", "dts", "-O", "dtb", "-i",
                    os.path.join(a.build_dir, "guest-kernels"), "-o", dtb, dts], check=True)
    return dtb


def vm_exit_lines(text):
    """The hypervisor's per-VM exit counter lines, as printed when each VM stops."""
    return [l.strip() for l in text.splitlines() if re.match(r"rustyvisor: VM \S+ exits:", l)]


VMSWITCH_GAP = re.compile(r"^\[spinner\] vmswitch: spin: gap (\d+) min (\d+) max (\d+) n (\d+)")
VMSWITCH_OWN = re.compile(r"^\[sleeper\] vmswitch: sleep: own (\d+) min (\d+) max (\d+) n (\d+)")


def vmswitch_run(a, cpu, dtb):
    """One run of the VM switch measurement (guest-kernels/vmswitch) on one hart under -icount.

    The spinner's gap is everything executed while it was switched out: the switch to the
    sleeper (on its timer), the sleeper's own instructions, the switch back (on its WFI). The
    sleeper counts its own. Their difference is one VM switch round trip, in instructions."""
    cmd = qemu_cmd(a, cpu, os.path.join(a.build_dir, "rustyvisor.bin"), initrd=dtb)
    text, _, err = run(cmd, a.timeout)
    r = {"cmd": cmd, "log": text, "problems": [], "exits": vm_exit_lines(text),
         "gap": None, "own": None, "round_trip": None}
    for line in text.splitlines():
        line = line.strip()
        if m := VMSWITCH_GAP.match(line):
            r["gap"] = tuple(int(x) for x in m.groups())
        if m := VMSWITCH_OWN.match(line):
            r["own"] = tuple(int(x) for x in m.groups())
        if any(f in line for f in FATAL):
            r["problems"].append(line)
    for marker in ("[spinner] vmswitch: spin done", "[sleeper] vmswitch: sleep done"):
        if marker not in text:
            r["problems"].append(f"'{marker}' missing")
    if err:
        r["problems"].append(err)
    if r["gap"] and r["own"]:
        r["round_trip"] = r["gap"][0] - r["own"][0]  # medians
    return r


def vmswitch_section(a, results):
    """Run the VM switch measurement for each CPU configuration; return the two table rows (for
    the main table) and the section that details them."""
    dtb = write_config(a, "vmswitch", [
        {"name": "spinner", "kernel": "vmswitch.elf", "bootargs": "role=spin", "affinity": [0]},
        {"name": "sleeper", "kernel": "vmswitch.elf", "bootargs": "role=sleep", "affinity": [0]},
    ])
    for name, cpu in CONFIGS:
        results[name] = vmswitch_run(a, cpu, dtb)
    rt = {name: results[name]["round_trip"] for name, _ in CONFIGS}
    row_rt = "| vm-switch-round-trip: VM switch round trip (timer wakes the other VM, it sleeps again) |"
    row_one = "| vm-switch: one VM switch (half of it) |"
    for name, _ in CONFIGS:  # natively there is no other VM to switch to: no figure
        row_rt += f" — | {'failed' if rt[name] is None else fmt(rt[name])} | |"
        row_one += f" — | {'failed' if rt[name] is None else fmt(rt[name] // 2)} | |"
    lines = ["## VM switch", "",
             "Two VMs pinned on hart 0 (`-smp 1`), guest-kernels/vmswitch, under `-icount "
             "shift=0,sleep=off`: the *spinner* reads `instret` in a 5-instruction loop and "
             "keeps every gap of at least 100 (instructions executed while it was switched "
             "out, its loop taken out); the *sleeper* sleeps in WFI, its timer wakes it every "
             "100 us (`stimecmp` with Sstc, SBI `set_timer` without), its handler re-arms the "
             "timer, and it counts its own instructions from the handler's first instruction to "
             "the one before its WFI (with no Sstc that includes the `set_timer` call). Round "
             "trip = median gap - median own; one switch = half of it. Median of 64 after 8 "
             "warm-up gaps.", "",
             "| CPU | spinner's gap (median, min, max) | sleeper's own (median, min, max) | "
             "round trip | one switch |", "|---|---:|---:|---:|---:|"]
    for name, _ in CONFIGS:
        r = results[name]
        g = "failed" if not r["gap"] else f"{r['gap'][0]} ({r['gap'][1]}, {r['gap'][2]})"
        o = "failed" if not r["own"] else f"{r['own'][0]} ({r['own'][1]}, {r['own'][2]})"
        t = r["round_trip"]
        lines.append(f"| {name} | {g} | {o} | {'failed' if t is None else t} | "
                     f"{'failed' if t is None else t // 2} |")
    lines.append("")
    for name, _ in CONFIGS:
        lines += [f"Exit counters, {name}:", "", "```"] + results[name]["exits"] + ["```", ""]
    for name, _ in CONFIGS:
        if results[name]["problems"]:
            lines += [f"**VM switch, {name}: run failed**: "
                      + "; ".join(results[name]["problems"][:5]), "", "```",
                      " ".join(results[name]["cmd"]), "```", ""]
    return [row_rt, row_one], lines


SPIN_GOT = re.compile(r"^\[(\S+)\] spin: got (\d+) of (\d+) ticks")


def fairness_run(a, dtb, smp, names):
    """One run of busy spin VMs in wall-clock time (no -icount: `time` is the host's clock).
    Returns ({vm: share in permille}, [problems], [notes]): a problem fails the bench, a note
    (a VM that booted after the window's start and so measured a shorter one) is reported."""
    cmd = qemu_cmd(a, "rv64", os.path.join(a.build_dir, "rustyvisor.bin"), initrd=dtb,
                   icount=False, smp=smp)
    text, _, err = run(cmd, a.timeout)
    shares, problems, notes = {}, [], []
    for line in text.splitlines():
        line = line.strip()
        if m := SPIN_GOT.match(line):
            shares[m.group(1)] = 1000 * int(m.group(2)) / int(m.group(3))
        if "spin: started late" in line:  # its window is shorter: not comparable
            notes.append(line)
        if any(f in line for f in FATAL):
            problems.append(line)
    for n in names:
        if n not in shares:
            problems.append(f"VM {n} printed no share (starved, or the run stopped early)")
    if err:
        problems.append(err)
    return shares, problems, notes


def fairness_section(a):
    """8 equal VMs on 2 harts and on 1 hart, and weights 100:300 on one hart; each setup runs
    a.fairness_runs times, figures are medians over the runs."""
    tb = 10_000_000  # QEMU virt's timebase, Hz
    start = int(a.fairness_start * tb)
    end = start + int(a.fairness_window * tb)
    window = f"window={start}-{end}"
    eight = [{"name": f"v{i}", "kernel": "spin.elf", "bootargs": window} for i in range(8)]
    pair = [{"name": "light", "kernel": "spin.elf", "bootargs": window, "affinity": [0],
             "weight": 100},
            {"name": "heavy", "kernel": "spin.elf", "bootargs": window, "affinity": [0],
             "weight": 300}]
    setups = [("8 VMs, equal weights, 2 harts", write_config(a, "fair-8", eight), 2, eight),
              ("8 VMs, equal weights, 1 hart", write_config(a, "fair-8", eight), 1, eight),
              ("2 VMs on hart 0, weights 100:300", write_config(a, "fair-weights", pair), 1, pair)]
    lines = ["## Fairness", "",
             f"Busy VMs of one vCPU each (guest-kernels/spin), all measuring the same window of "
             f"the shared timebase, {a.fairness_start:g} s to "
             f"{a.fairness_start + a.fairness_window:g} s after reset (`{window}`): the share "
             "of that window each got, in permille (spin counts as its own the time between "
             "two reads of `time` less than 5 us apart). Wall clock, no -icount; median of "
             f"{a.fairness_runs} runs. Deviation: the largest |share - mean| / mean of a run. "
             "Time the host takes from QEMU (other processes, its own threads) is lost to "
             "every VM alike and shows in the sum; host load average (1 min) when this "
             f"section started: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs.", "",
             "| setup | share per VM, permille | mean | largest deviation from the mean | "
             "sum (of 1000 per hart) |", "|---|---|---:|---:|---:|"]
    problems, notes = [], []
    weights_row = None
    for title, dtb, smp, vms in setups:
        names = [vm["name"] for vm in vms]
        runs = []
        for i in range(a.fairness_runs):
            shares, probs, nts = fairness_run(a, dtb, smp, names)
            problems += [f"{title}, run {i + 1}: {p}" for p in probs]
            notes += [f"{title}, run {i + 1}: {p}" for p in nts]
            if all(n in shares for n in names):
                runs.append(shares)
        if not runs:
            lines.append(f"| {title} | failed | | | |")
            continue
        med = {n: statistics.median(r[n] for r in runs) for n in names}
        per_vm = ", ".join(f"{n} {med[n]:.0f}" for n in names)
        mean = statistics.mean(med.values())
        # Per run: the largest deviation from that run's mean; then the median over runs.
        dev = statistics.median(
            max(abs(r[n] - statistics.mean(r.values())) for n in names)
            / statistics.mean(r.values()) * 100 for r in runs)
        total = statistics.median(sum(r.values()) for r in runs)
        lines.append(f"| {title} | {per_vm} | {mean:.1f} | {dev:.1f}% | {total:.0f} of "
                     f"{1000 * smp} |")
        if "heavy" in names:
            ratio_ = statistics.median(r["heavy"] / r["light"] for r in runs if r["light"])
            weights_row = (f"| weights 100:300 on one hart | {med['light']:.0f} | "
                           f"{med['heavy']:.0f} | {ratio_:.2f} | 3.00 |")
    lines.append("")
    if weights_row:
        lines += ["| setup | light (weight 100) | heavy (weight 300) | ratio heavy / light "
                  "(median of runs) | by the weights |", "|---|---:|---:|---:|---:|",
                  weights_row, ""]
    if notes:
        lines += ["Started after the window's start (raise --fairness-start): "
                  + "; ".join(notes[:10]), ""]
    if problems:
        lines += ["**Fairness runs failed**: " + "; ".join(problems[:10]), ""]
    return lines, not problems


def main():
    ap = argparse.ArgumentParser(description="rustyvisor benchmarks (see docs/performance.md)")
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--fw-jump", default="/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin")
    ap.add_argument("--size-tool", default="riscv64-unknown-elf-size")
    ap.add_argument("--out", help="report file (default <build-dir>/bench/bench.md)")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--guest-ram-mb", type=int, default=128)
    ap.add_argument("--linux-image", help="default <build-dir>/guest-kernels/linux/Image")
    ap.add_argument("--linux-initramfs",
                    help="the Image's /init as a cpio, default <build-dir>/guest-kernels/linux/init.cpio")
    ap.add_argument("--linux-runs", type=int, default=3)
    ap.add_argument("--linux-append", default="console=ttyS0 earlycon=sbi",
                    help="the Linux guest's command line (default: %(default)s)")
    ap.add_argument("--linux-timeout", type=float, default=300)
    ap.add_argument("--no-linux", action="store_true")
    ap.add_argument("--no-disk", action="store_true", help="skip the Linux guest's disk I/O runs")
    ap.add_argument("--disk-runs", type=int, default=3)
    ap.add_argument("--disk-mib", type=int, default=128,
                    help="size of the scratch disk the disk bench reads and writes (MiB)")
    ap.add_argument("--dtc", default="dtc", help="device-tree compiler for the generated configurations")
    ap.add_argument("--no-fairness", action="store_true", help="skip the fairness runs")
    ap.add_argument("--fairness-runs", type=int, default=3)
    ap.add_argument("--fairness-start", type=float, default=1.0,
                    help="seconds after reset when every VM starts measuring (all booted by then)")
    ap.add_argument("--fairness-window", type=float, default=2.0, help="seconds measured")
    ap.add_argument("--logs", action="store_true", help="keep each run's serial log next to the report")
    a = ap.parse_args()
    a.build_dir = os.path.abspath(a.build_dir)
    out = a.out or os.path.join(a.build_dir, "bench", "bench.md")

    version = subprocess.run([a.qemu, "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    results = {}
    for name, cpu in CONFIGS:
        for hv in (False, True):
            results[(name, hv)] = bench_run(a, cpu, hv)
    opensbi = next((r["opensbi"] for r in results.values() if r["opensbi"]), "?")
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")

    L = [f"_{now}, {version}, OpenSBI {opensbi} (fw_jump)_", "",
         "# rustyvisor benchmarks", "",
         "Instructions per operation (median of 64 after 8 warm-up runs), counted in every "
         "privilege mode by `instret` under `-icount shift=0,sleep=off`; guest: "
         "guest-kernels/bench. Ratio: rustyvisor / native.", ""]
    head = "| operation |"
    rule = "|---|"
    for name, _ in CONFIGS:
        head += f" native, {name} | rustyvisor, {name} | ratio |"
        rule += "---:|---:|---:|"
    L += [head, rule]
    for op, what, _ in OPS:
        row = f"| {op}: {what} |"
        for name, _ in CONFIGS:
            nv, nt = cell(results[(name, False)], op)
            hv, ht = cell(results[(name, True)], op)
            row += f" {nt} | {ht} | {ratio(nv, hv)} |"
        L.append(row)
    switch_results = {}
    switch_rows, switch_lines = vmswitch_section(a, switch_results)
    L += switch_rows
    L.append("")
    # The project's goals, checked on these figures.
    met, total = [], []
    for op, _, is_sbi in OPS:
        if not is_sbi:
            continue
        for name, _ in CONFIGS:
            nv = results[(name, False)]["ops"].get(op, (None,))[0]
            hv = results[(name, True)]["ops"].get(op, (None,))[0]
            if nv and hv:
                total.append(op)
                if hv * 2 <= nv:
                    met.append(op)
    L += [f"Goal, an SBI call answered in at most half of OpenSBI's native instructions: met by "
          f"{len(met)} of {len(total)} SBI figures.", ""]
    sstc_exits = " ".join(results[("Sstc", True)]["exits"])
    irq = re.search(r"irq-timer=(\d+)", sstc_exits)
    inj = re.search(r"(?:timer-injected=|injected: timer=)(\d+)", sstc_exits)
    if irq and inj:
        L += [f"Goal, zero exits for a guest timer with Sstc: host timer interrupts while in the "
              f"guest {irq.group(1)}, timer interrupts injected {inj.group(1)}; the set_timer SBI "
              "calls and WFIs the guest makes are exits it asks for (see the counters).", ""]
    L += ["## Exit counters (rustyvisor, printed when the VM stops)", ""]
    for name, _ in CONFIGS:
        L += [f"{name}:", "", "```"] + [f"rustyvisor: VM vm0 exits: {e}"
                                        for e in results[(name, True)]["exits"]] + ["```", ""]
    L += switch_lines
    fairness_ok = True
    if not a.no_fairness:
        fairness_lines, fairness_ok = fairness_section(a)
        L += fairness_lines
    L += footprint(a)
    disk_ok = True
    if not a.no_linux:
        L += linux_section(a)
    if not a.no_linux and not a.no_disk:
        disk_lines, disk_ok = disk_section(a)
        L += disk_lines
    failed = False
    for (name, hv), r in results.items():
        if r["problems"]:
            failed = True
            L += [f"**{'rustyvisor' if hv else 'native'}, {name}: run failed**: "
                  + "; ".join(r["problems"][:5]), "", "```", " ".join(r["cmd"]), "```", ""]
    if not fairness_ok or not disk_ok or any(r["problems"] for r in switch_results.values()):
        failed = True
    report = "\n".join(L)
    sys.stdout.write(report + "\n")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(report + "\n")
    if a.logs:
        for (name, hv), r in results.items():
            tag = ("rustyvisor" if hv else "native") + "-" + name.replace(" ", "-").lower()
            with open(os.path.join(os.path.dirname(out), f"{tag}.log"), "w") as f:
                f.write(r["log"])
        for name, r in switch_results.items():
            tag = "vmswitch-" + name.replace(" ", "-").lower()
            with open(os.path.join(os.path.dirname(out), f"{tag}.log"), "w") as f:
                f.write(r["log"])
    sys.stderr.write(f"report written to {out}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
