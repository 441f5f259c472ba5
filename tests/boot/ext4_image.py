#!/usr/bin/env python3
"""ext4 images for the Linux guest's disk tests (tests/boot/ext4.cmake), and the host side of
their round trip.

  ext4_image.py make IMAGE SIZE_MIB SHA256
      Writes a directory IMAGE.d with /known.bin (KNOWN_BYTES of the pattern of tag
      KNOWN_TAG, the bytes guest-kernels/linux/init.c's pattern_fill() makes) and /README, and
      makes IMAGE from it with `mke2fs -t ext4 -d` (fixed UUID, hash seed and time: the same
      image every build). Fails unless /known.bin's SHA-256 is SHA256, the value the tests
      also give the guest (rv.disk.sha256), so that the two cannot drift apart.

  ext4_image.py blank IMAGE SIZE_MIB
      Writes IMAGE: SIZE_MIB MiB of the pattern of tag SIZE_MIB (a scratch disk for the disk
      benchmark, rv.disk=bench, which reads and overwrites it; not sparse, so that reads are
      real reads).

  ext4_image.py gpt IMAGE EXT4_IMAGE
      Writes IMAGE: a GPT disk (protective MBR, primary and backup headers and entries, UEFI
      5.3) with partition 1 "boot" (1 MiB of the pattern of tag BOOT_TAG) and partition 2
      "root" holding EXT4_IMAGE, 1 MiB-aligned, 1 MiB free at the end.

  ext4_image.py run [--image PRISTINE=COPY]... [--expect-file COPY:/PATH=TAG:SIZE]...
                    [--absent COPY:/PATH]... [--blank COPY=SIZE_MIB]... [--unchanged COPY]...
                    -- COMMAND...
      Copies each PRISTINE image to COPY (a fresh disk for every run), writes each --blank
      scratch disk, runs COMMAND (a boot
      test: tests/boot/run_qemu.py ... -- qemu ... -drive file=COPY), and if it passed checks
      each COPY on the host: `e2fsck -fn` finds it clean, `debugfs -R "cat /PATH"` gives
      exactly SIZE bytes of TAG's pattern, /PATH of --absent is not there, a COPY of
      --unchanged is byte for byte its PRISTINE (a read-only disk). A COPY written COPY#N
      in the checks means partition N of that GPT disk (extracted for debugfs and e2fsck);
      --unchanged COPY#N: everything outside partition N is unchanged (a guest given only
      that partition wrote nowhere else). Exit status: that
      of COMMAND if it failed, else 1 when a check fails, else 0.
"""
import hashlib
import os
import shutil
import subprocess
import sys

KNOWN_TAG = 0x6B6E6F776E  # "known"
BOOT_TAG = 0x626F6F74  # "boot"
SECTOR = 512
KNOWN_BYTES = (1 << 20) + 123
MASK = (1 << 64) - 1


def pattern(tag, n):
    """n bytes of tag's xorshift64* stream, 8 little-endian bytes per step (init.c)."""
    x = ((tag * 0x9E3779B97F4A7C15) & MASK) ^ 0xD1B54A32D192ED03
    x = x or 1
    out = bytearray()
    while len(out) < n:
        x ^= x >> 12
        x ^= (x << 25) & MASK
        x ^= x >> 27
        out += ((x * 0x2545F4914F6CDD1D) & MASK).to_bytes(8, "little")
    return bytes(out[:n])


def tool(name):
    for d in ("", "/usr/sbin/", "/sbin/"):
        path = shutil.which(name) if not d else d + name
        if path and os.path.exists(path):
            return path
    sys.exit(f"ext4_image.py: {name} not found: run scripts/setup.sh (package e2fsprogs)")


def make(image, size_mib, sha):
    src = image + ".d"
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    known = pattern(KNOWN_TAG, KNOWN_BYTES)
    got = hashlib.sha256(known).hexdigest()
    if got != sha:
        sys.exit(f"ext4_image.py: /known.bin has sha256 {got}, the tests say {sha}: "
                 "update one of them")
    with open(os.path.join(src, "known.bin"), "wb") as f:
        f.write(known)
    with open(os.path.join(src, "README"), "w") as f:
        f.write("Made by tests/boot/ext4_image.py for the Linux guest's disk tests.\n")
    for p in (os.path.join(src, n) for n in ("known.bin", "README", "")):
        os.utime(p, (1700000000, 1700000000))
    if os.path.exists(image):
        os.unlink(image)
    env = dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000")
    subprocess.run([tool("mke2fs"), "-q", "-F", "-t", "ext4", "-d", src, "-L", "rvtest",
                    "-U", "6c0c2e5e-7b1e-4a57-9f3c-0123456789ab",
                    "-E", "hash_seed=2c5a3e8f-9d11-4f6b-8c2e-abcdef012345,root_owner=0:0",
                    image, f"{size_mib}M"], check=True, env=env)
    # mke2fs -d copies each file's ctime, which utime() cannot set: fix it in the image too.
    cmds = "".join(f"sif {p} {field} 20231114221320\n" for p in ("/", "/known.bin", "/README")
                   for field in ("ctime", "crtime"))
    subprocess.run([tool("debugfs"), "-w", "-f", "-", image], input=cmds.encode(), check=True,
                   capture_output=True, env=env)
    return 0


def blank(image, size_mib):
    chunk = pattern(size_mib, 1 << 20)
    with open(image, "wb") as f:
        for _ in range(size_mib):
            f.write(chunk)
    return 0


def guid(text):
    import uuid
    return uuid.UUID(text).bytes_le


LINUX_FS = guid("0fc63daf-8483-4772-8e79-3d69d8477de4")  # Linux filesystem data


def gpt(image, ext4):
    import zlib
    with open(ext4, "rb") as f:
        root = f.read()
    boot = pattern(BOOT_TAG, 1 << 20)
    parts = [("boot", 2048, boot), ("root", 4096, root)]
    total = 4096 + len(root) // SECTOR + 2048
    entries = bytearray(128 * 128)
    for i, (name, first, data) in enumerate(parts):
        e = LINUX_FS + guid(f"6c0c2e5e-0000-4a57-9f3c-00000000000{i + 1}")
        e += first.to_bytes(8, "little") + (first + len(data) // SECTOR - 1).to_bytes(8, "little")
        e += bytes(8) + name.encode("utf-16-le").ljust(72, b"\0")
        entries[128 * i:128 * (i + 1)] = e
    ecrc = zlib.crc32(entries)

    def header(my, alt, entries_lba):
        h = bytearray(b"EFI PART" + (0x10000).to_bytes(4, "little") + (92).to_bytes(4, "little")
                      + bytes(8) + my.to_bytes(8, "little") + alt.to_bytes(8, "little")
                      + (34).to_bytes(8, "little") + (total - 34).to_bytes(8, "little")
                      + guid("6c0c2e5e-7b1e-4a57-9f3c-00000000d15c") + entries_lba.to_bytes(8, "little")
                      + (128).to_bytes(4, "little") + (128).to_bytes(4, "little")
                      + ecrc.to_bytes(4, "little"))
        h[16:20] = zlib.crc32(h).to_bytes(4, "little")
        return bytes(h).ljust(SECTOR, b"\0")

    mbr = bytearray(SECTOR)
    mbr[446:462] = (bytes([0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF]) + (1).to_bytes(4, "little")
                    + min(total - 1, 0xFFFFFFFF).to_bytes(4, "little"))
    mbr[510:512] = b"\x55\xaa"
    disk = bytearray(total * SECTOR)
    disk[0:SECTOR] = mbr
    disk[SECTOR:2 * SECTOR] = header(1, total - 1, 2)
    disk[2 * SECTOR:34 * SECTOR] = entries
    for _, first, data in parts:
        disk[first * SECTOR:first * SECTOR + len(data)] = data
    disk[(total - 33) * SECTOR:(total - 1) * SECTOR] = entries
    disk[(total - 1) * SECTOR:] = header(total - 1, 1, total - 33)
    with open(image, "wb") as f:
        f.write(disk)
    return 0


def gpt_range(image, number):
    """(offset, length) in bytes of partition <number> of a GPT disk this script wrote."""
    with open(image, "rb") as f:
        f.seek(2 * SECTOR + 128 * (number - 1) + 32)
        e = f.read(16)
    first, last = int.from_bytes(e[:8], "little"), int.from_bytes(e[8:], "little")
    return first * SECTOR, (last - first + 1) * SECTOR


def resolve(spec, tmp):
    """COPY or COPY#N: the file to give debugfs/e2fsck (partition N extracted into tmp)."""
    if "#" not in spec:
        return spec
    img, n = spec.rsplit("#", 1)
    off, length = gpt_range(img, int(n))
    out = os.path.join(tmp, f"{os.path.basename(img)}.p{n}")
    with open(img, "rb") as f, open(out, "wb") as g:
        f.seek(off)
        g.write(f.read(length))
    return out


def debugfs_cat(image, path):
    p = subprocess.run([tool("debugfs"), "-R", f"cat {path}", image], capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def run(argv):
    if "--" not in argv:
        sys.exit("ext4_image.py run: want -- COMMAND")
    opts, cmd = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    copies, files, absent, unchanged = [], [], [], []
    it = iter(opts)
    for o in it:
        v = next(it, None)
        if v is None:
            sys.exit(f"ext4_image.py run: {o} needs a value")
        if o == "--image":
            copies.append(v.split("=", 1))
        elif o == "--expect-file":
            where, what = v.rsplit("=", 1)
            img, path = where.split(":", 1)
            tag, size = what.split(":")
            files.append((img, path, int(tag, 0), int(size, 0)))
        elif o == "--absent":
            absent.append(v.split(":", 1))
        elif o == "--unchanged":
            unchanged.append(v)
        elif o == "--blank":
            path, mib = v.rsplit("=", 1)
            blank(path, int(mib))
        else:
            sys.exit(f"ext4_image.py run: unknown option {o}")
    for pristine, copy in copies:
        shutil.copyfile(pristine, copy)
    sys.stdout.flush()
    rc = subprocess.run(cmd).returncode
    if rc:
        return rc
    import tempfile
    tmp = tempfile.mkdtemp(prefix="ext4_image.")
    try:
        return judge(copies, files, absent, unchanged, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def judge(copies, files, absent, unchanged, tmp):
    bad = 0
    # A copy named COPY#N anywhere is a GPT disk whose file system is partition N.
    specs = [f[0] for f in files] + [a[0] for a in absent] + unchanged
    parts = {spec.rsplit("#", 1)[0]: spec for spec in specs if "#" in spec}
    fs_images = [parts.get(c, c) for _, c in copies]
    for img in sorted(set(fs_images)):
        img = resolve(img, tmp)
        p = subprocess.run([tool("e2fsck"), "-f", "-n", img], capture_output=True, text=True)
        if p.returncode:
            bad += 1
            print(f"FAIL: e2fsck -fn {img}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        else:
            print(f"host: e2fsck -fn {os.path.basename(img)}: clean")
    for img, path, tag, size in files:
        img = resolve(img, tmp)
        code, data, err = debugfs_cat(img, path)
        want = pattern(tag, size)
        if code or data != want:
            bad += 1
            diff = next((i for i, (a, b) in enumerate(zip(data, want)) if a != b), None)
            print(f"FAIL: debugfs cat {path} in {img}: exit {code}, {len(data)} bytes, want "
                  f"{size} of tag {tag}'s pattern; first difference at byte {diff}; {err.strip()}")
        else:
            print(f"host: debugfs cat {path} in {os.path.basename(img)}: {size} bytes of tag "
                  f"{tag}'s pattern, as the guest wrote")
    for img, path in absent:
        img = resolve(img, tmp)
        p = subprocess.run([tool("debugfs"), "-R", f"stat {path}", img], capture_output=True,
                           text=True)
        if "File not found" not in p.stdout + p.stderr:
            bad += 1
            print(f"FAIL: {path} is in {img}, it should not be")
    pristine_of = {c: p for p, c in copies}
    for spec in unchanged:
        img, _, n = spec.partition("#")
        with open(img, "rb") as f, open(pristine_of[img], "rb") as g:
            now, before = bytearray(f.read()), bytearray(g.read())
        where = "byte for byte"
        if n:  # outside partition n only
            off, length = gpt_range(img, int(n))
            now[off:off + length] = before[off:off + length] = b""
            where = f"outside partition {n}"
        if now != before:
            bad += 1
            print(f"FAIL: {img} differs from {pristine_of[img]} {where}: written where the "
                  "guest was given no access")
        else:
            print(f"host: {os.path.basename(img)} unchanged {where}")
    print("host: image checks " + ("FAILED" if bad else "passed"))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "make":
        return make(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    if len(sys.argv) == 4 and sys.argv[1] == "gpt":
        return gpt(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 4 and sys.argv[1] == "blank":
        return blank(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) >= 2 and sys.argv[1] == "run":
        return run(sys.argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
