#!/usr/bin/env python3
"""Write a GPT disk image (UEFI 2.10 section 5.3: protective MBR, primary and backup headers
and entry arrays, CRC32s) whose partitions each hold the pattern guest-kernels/vblk checks,
from the partition's own first byte (byte i is (7 * i + 3) mod 251).

usage: make_gpt.py [--fuzz-seed] OUT NAME:SECTORS [NAME:SECTORS ...]
With --fuzz-seed, OUT is tests/fuzz/fuzz_gpt.c's input instead: the disk's size in sectors
(4 bytes, little-endian), its LBA 1 and its entry array.
"""
import struct
import sys
import uuid
import zlib

SECTOR = 512
ENTRIES, ENTRY_SIZE = 128, 128
ARRAY_SECTORS = ENTRIES * ENTRY_SIZE // SECTOR  # 32
FIRST = 64  # first usable LBA, past the primary array
LINUX_DATA = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4")


def pattern(n):
    return bytes((7 * i + 3) % 251 for i in range(n))


def header(my_lba, alt_lba, first, last, array_lba, disk_guid, array_crc):
    h = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, my_lba, alt_lba, first,
                    last, disk_guid.bytes_le, array_lba, ENTRIES, ENTRY_SIZE, array_crc)
    crc = zlib.crc32(h)
    h = h[:16] + struct.pack("<I", crc) + h[20:]
    return h + bytes(SECTOR - len(h))


def main():
    args = sys.argv[1:]
    seed = args[:1] == ["--fuzz-seed"]
    if seed:
        args = args[1:]
    out, parts = args[0], [p.split(":") for p in args[1:]]
    lba, entries, data = FIRST, b"", []
    for n, (name, sectors) in enumerate(parts):
        sectors = int(sectors)
        part_guid = uuid.UUID(int=0x1000 + n)
        entries += struct.pack("<16s16sQQQ72s", LINUX_DATA.bytes_le, part_guid.bytes_le, lba,
                               lba + sectors - 1, 0, name.encode("utf-16-le").ljust(72, b"\0"))
        data.append((lba, pattern(sectors * SECTOR)))
        lba += sectors
    entries = entries.ljust(ENTRIES * ENTRY_SIZE, b"\0")
    last_usable = lba - 1
    total = lba + ARRAY_SECTORS + 1
    disk_guid = uuid.UUID(int=0xd15c)
    crc = zlib.crc32(entries)
    img = bytearray(total * SECTOR)
    # Protective MBR: one partition of type 0xEE over the disk.
    mbr = struct.pack("<8sII", b"\x00\x00\x02\x00\xee\xff\xff\xff", 1, min(total - 1, 0xffffffff))
    img[446:446 + 16] = mbr
    img[510:512] = b"\x55\xaa"
    img[SECTOR:2 * SECTOR] = header(1, total - 1, FIRST, last_usable, 2, disk_guid, crc)
    img[2 * SECTOR:2 * SECTOR + len(entries)] = entries
    backup_array = total - 1 - ARRAY_SECTORS
    img[backup_array * SECTOR:(backup_array + ARRAY_SECTORS) * SECTOR] = entries
    img[(total - 1) * SECTOR:] = header(total - 1, 1, FIRST, last_usable, backup_array, disk_guid,
                                        crc)
    for start, blob in data:
        img[start * SECTOR:start * SECTOR + len(blob)] = blob
    with open(out, "wb") as f:
        if seed:
            f.write(struct.pack("<I", total) + bytes(img[SECTOR:2 * SECTOR + len(entries)]))
        else:
            f.write(img)


if __name__ == "__main__":
    main()
