#!/usr/bin/env python3
"""Host test of scripts/mkfirmware.py: the layout of the image it writes
(OpenSBI at 0, the payload at +0x200000, one PT_LOAD of it all in the ELF
at the base) and its refusal of a payload that would reach OpenSBI's FDT
copy at +0x2200000."""
import os
import struct
import subprocess
import sys
import tempfile

TOOL = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "mkfirmware.py")
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAILED: {what}")


def run(fw, payload, out):
    return subprocess.run([sys.executable, TOOL, "--fw", fw, "--payload", payload, "--out", out],
                          capture_output=True, text=True)


with tempfile.TemporaryDirectory() as d:
    fw, payload, out = (os.path.join(d, n) for n in ("fw.bin", "hv.bin", "fw-out"))
    open(fw, "wb").write(b"F" * 1000)
    open(payload, "wb").write(b"H" * 5000)
    r = run(fw, payload, out)
    check(r.returncode == 0, f"a small payload is packed: {r.stderr}")
    img = open(out + ".bin", "rb").read()
    check(img[:1000] == b"F" * 1000, "OpenSBI at offset 0")
    check(img[1000:0x200000] == b"\0" * (0x200000 - 1000), "zeros up to the payload")
    check(img[0x200000:] == b"H" * 5000 and len(img) == 0x200000 + 5000, "the payload at 0x200000")
    elf = open(out + ".elf", "rb").read()
    check(elf[:4] == b"\x7fELF" and elf[4] == 2 and elf[5] == 1, "an ELF64 little-endian file")
    e_type, e_machine, _, e_entry, e_phoff = struct.unpack_from("<HHIQQ", elf, 16)
    check((e_type, e_machine, e_entry) == (2, 243, 0x80000000), "EXEC, RISC-V, entry at the base")
    p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, _ = struct.unpack_from(
        "<IIQQQQQQ", elf, e_phoff)
    check((p_type, p_vaddr, p_paddr, p_filesz, p_memsz) == (1, 0x80000000, 0x80000000, len(img),
                                                            len(img)), "one PT_LOAD of the image")
    check(elf[p_offset:p_offset + p_filesz] == img, "the segment holds the image")
    # Exactly up to the FDT copy fits; one byte more does not.
    open(payload, "wb").write(b"H" * (0x2200000 - 0x200000))
    check(run(fw, payload, out).returncode == 0, "a payload ending at the FDT copy fits")
    open(payload, "wb").write(b"H" * (0x2200000 - 0x200000 + 1))
    r = run(fw, payload, out)
    check(r.returncode != 0 and "OpenSBI copies the FDT" in r.stderr,
          f"a payload reaching the FDT copy is refused with a reason: {r.stderr!r}")
    open(fw, "wb").write(b"F" * (0x200000 + 1))
    r = run(fw, payload, out)
    check(r.returncode != 0 and "payload offset" in r.stderr, "an OpenSBI larger than the offset")

print(f"mkfirmware: {'ok' if not failures else f'{failures} failed'}")
sys.exit(1 if failures else 0)
