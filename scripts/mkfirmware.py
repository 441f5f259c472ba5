#!/usr/bin/env python3
"""Make one firmware image: OpenSBI's fw_jump with the hypervisor as its
payload, laid out as OpenSBI's own fw_payload is (docs/boot.md).

fw_jump (Debian's opensbi package, platform generic) starts at the base of
RAM, jumps to base + 0x200000 (FW_JUMP_ADDR) in S-mode and copies the FDT
to base + 0x2200000 (FW_JUMP_FDT_ADDR). So the image is fw_jump, zeros up
to the payload offset, the hypervisor image (with whatever guests and
configuration are embedded in it); the payload must end below the FDT
copy. Writes <out>.bin (for -bios, or a board's first-stage loader) and
<out>.elf (one PT_LOAD segment at the base, entry at the base).

Usage: mkfirmware.py --fw fw_jump.bin --payload rustyvisor.bin --out build/rustyvisor-fw
"""
import argparse
import struct
import sys


def elf64(image, base):
    """A minimal ELF64 RISC-V executable: one RWX PT_LOAD holding image."""
    ehsize, phentsize = 64, 56
    offset = 0x1000  # page-aligned file offset of the segment
    ehdr = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0,
                       2,            # e_type: EXEC
                       243,          # e_machine: RISC-V
                       1, base, ehsize, 0,
                       0x5,          # e_flags: RVC, double-float ABI
                       ehsize, phentsize, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 7, offset, base, base, len(image), len(image), 0x1000)
    head = ehdr + phdr
    return head + b"\0" * (offset - len(head)) + image


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fw", required=True, help="OpenSBI fw_jump.bin")
    ap.add_argument("--payload", required=True, help="the hypervisor's raw image")
    ap.add_argument("--out", required=True, help="output path without .bin/.elf")
    ap.add_argument("--base", type=lambda s: int(s, 0), default=0x80000000)
    ap.add_argument("--payload-offset", type=lambda s: int(s, 0), default=0x200000)
    ap.add_argument("--fdt-offset", type=lambda s: int(s, 0), default=0x2200000)
    a = ap.parse_args()
    fw = open(a.fw, "rb").read()
    payload = open(a.payload, "rb").read()
    if len(fw) > a.payload_offset:
        sys.exit(f"mkfirmware: {a.fw} is {len(fw)} bytes, more than the payload offset "
                 f"0x{a.payload_offset:x}")
    end = a.payload_offset + len(payload)
    if end > a.fdt_offset:
        sys.exit(f"mkfirmware: the hypervisor image ({len(payload)} bytes, with its embedded "
                 f"guests) would reach 0x{a.base + end:x}, past 0x{a.base + a.fdt_offset:x} where "
                 f"OpenSBI copies the FDT: embed less, or boot it with -kernel")
    image = fw + b"\0" * (a.payload_offset - len(fw)) + payload
    with open(a.out + ".bin", "wb") as f:
        f.write(image)
    with open(a.out + ".elf", "wb") as f:
        f.write(elf64(image, a.base))
    print(f"mkfirmware: {a.out}.bin and .elf: OpenSBI at 0x{a.base:x} ({len(fw)} bytes), "
          f"the hypervisor at 0x{a.base + a.payload_offset:x} ({len(payload)} bytes)")


if __name__ == "__main__":
    main()
