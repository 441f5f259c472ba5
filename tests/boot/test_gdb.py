#!/usr/bin/env python3
"""The gdb commands of scripts/gdb/rustyvisor.py against a real run: QEMU
waits for gdb (-S) with the hello guest, gdb-multiarch (batch) breaks where
the guest asks to shut down (vm_request_stop) and runs rv-vms, rv-vcpus,
rv-vcpu and rv-gpa; their output must name the VM, its vCPU on hart 0, the
SRST call in a7/a6/a0 and the host address of its RAM.

Usage: test_gdb.py QEMU FW_JUMP HV_ELF HV_BIN GUEST_ELF"""
import re
import socket
import subprocess
import sys
import os

qemu, fw, hv_elf, hv_bin, guest = sys.argv[1:6]
gdb_script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "gdb", "rustyvisor.py")

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
q = subprocess.Popen([qemu, "-M", "virt", "-cpu", "rv64", "-smp", "1", "-m", "512M", "-nographic",
                      "-monitor", "none", "-serial", "null", "-bios", fw, "-kernel", hv_bin,
                      "-initrd", guest, "-gdb", f"tcp:127.0.0.1:{port}", "-S"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
try:
    cmds = ["set pagination off", "set confirm off", f"source {gdb_script}",
            f"target remote 127.0.0.1:{port}", "hbreak vm_request_stop", "continue",
            "rv-vms", "rv-vcpus", "rv-vcpu vm0 0", "rv-gpa vm0 0x80200000",
            "rv-gpa 0 0x10000000", "rv-vcpu nosuchvm 0"]
    args = ["gdb-multiarch", "-nx", "-batch", hv_elf]
    for c in cmds:
        args += ["-ex", c]
    # gdb may try to connect before QEMU listens: retry a few times.
    for attempt in range(10):
        r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if "Connection refused" not in r.stdout + r.stderr:
            break
    out = r.stdout + r.stderr
finally:
    q.kill()
    q.wait()

ram = re.search(r"^ 0 vm0\s+running\s+1 0x80000000-0x87ffffff 0x([0-9a-f]+)", out, re.M)
checks = [
    (ram, "rv-vms: vm0, running, one vCPU, its 128 MiB of guest RAM and the host address"),
    (re.search(r"^vm0\s+0\s+0 started\s+none\s+loaded\s+0x8020", out, re.M),
     "rv-vcpus: vCPU 0 on hart 0, started, loaded, pc in the guest's image"),
    (re.search(r"VM vm0 vCPU 0, hart 0, loaded there", out), "rv-vcpu: where the vCPU is"),
    (re.search(r"a7 0x0000000053525354", out), "rv-vcpu: a7 is the SRST extension"),
    (re.search(r"a6 0x0000000000000000", out) and re.search(r"a0 0x0000000000000000", out),
     "rv-vcpu: a6 = system_reset, a0 = shutdown"),
    (re.search(r"VS CSRs, saved", out) and re.search(r"VS CSRs, live on hart 0", out),
     "rv-vcpu: the VS CSRs, saved and live"),
    (ram and re.search(r"VM vm0 gpa 0x80200000 -> host 0x%x \(RAM \+ 0x200000\)" %
                       (int(ram.group(1), 16) + 0x200000), out),
     "rv-gpa: a RAM address to its host address"),
    (re.search(r"gpa 0x10000000: not in its RAM", out), "rv-gpa: the UART is not RAM"),
    (re.search(r"no VM 'nosuchvm'", out), "a bad VM name is named"),
]
failed = [what for ok, what in checks if not ok]
if failed:
    print(out)
    for w in failed:
        print(f"FAILED: {w}")
    sys.exit(1)
if os.environ.get("RV_GDB_TEST_SHOW"):
    print(out)
print(f"gdb commands: {len(checks)} checks ok")
