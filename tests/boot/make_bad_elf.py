#!/usr/bin/env python3
"""Write a copy of an ELF64 guest whose first PT_LOAD segment is moved to
guest-physical 0x40000000, below guest RAM: the hypervisor must refuse it
with an error naming the segment."""
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
phoff, = struct.unpack_from("<Q", data, 0x20)
phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
for i in range(phnum):
    off = phoff + i * phentsize
    p_type, = struct.unpack_from("<I", data, off)
    if p_type == 1:  # PT_LOAD
        struct.pack_into("<Q", data, off + 0x10, 0x40000000)  # p_vaddr
        struct.pack_into("<Q", data, off + 0x18, 0x40000000)  # p_paddr
        break
open(dst, "wb").write(data)
