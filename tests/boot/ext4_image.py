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

  ext4_image.py run [--image PRISTINE=COPY]... [--expect-file COPY:/PATH=TAG:SIZE]...
                    [--absent COPY:/PATH]... [--blank COPY=SIZE_MIB]... [--unchanged COPY]...
                    -- COMMAND...
      Copies each PRISTINE image to COPY (a fresh disk for every run), writes each --blank
      scratch disk, runs COMMAND (a boot
      test: tests/boot/run_qemu.py ... -- qemu ... -drive file=COPY), and if it passed checks
      each COPY on the host: `e2fsck -fn` finds it clean, `debugfs -R "cat /PATH"` gives
      exactly SIZE bytes of TAG's pattern, /PATH of --absent is not there, a COPY of
      --unchanged is byte for byte its PRISTINE (a read-only disk). Exit status: that
      of COMMAND if it failed, else 1 when a check fails, else 0.
"""
import hashlib
import os
import shutil
import subprocess
import sys

KNOWN_TAG = 0x6B6E6F776E  # "known"
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
    return 0


def blank(image, size_mib):
    chunk = pattern(size_mib, 1 << 20)
    with open(image, "wb") as f:
        for _ in range(size_mib):
            f.write(chunk)
    return 0


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
    bad = 0
    for img in sorted({c for _, c in copies}):
        p = subprocess.run([tool("e2fsck"), "-f", "-n", img], capture_output=True, text=True)
        if p.returncode:
            bad += 1
            print(f"FAIL: e2fsck -fn {img}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        else:
            print(f"host: e2fsck -fn {os.path.basename(img)}: clean")
    for img, path, tag, size in files:
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
        p = subprocess.run([tool("debugfs"), "-R", f"stat {path}", img], capture_output=True,
                           text=True)
        if "File not found" not in p.stdout + p.stderr:
            bad += 1
            print(f"FAIL: {path} is in {img}, it should not be")
    pristine_of = {c: p for p, c in copies}
    for img in unchanged:
        with open(img, "rb") as f, open(pristine_of[img], "rb") as g:
            same = f.read() == g.read()
        if not same:
            bad += 1
            print(f"FAIL: {img} differs from {pristine_of[img]}: a read-only disk was written")
        else:
            print(f"host: {os.path.basename(img)} unchanged, byte for byte")
    print("host: image checks " + ("FAILED" if bad else "passed"))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "make":
        return make(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    if len(sys.argv) == 4 and sys.argv[1] == "blank":
        return blank(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) >= 2 and sys.argv[1] == "run":
        return run(sys.argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
