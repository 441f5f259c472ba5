#!/usr/bin/env python3
"""Host test of tests/boot/ext4_image.py, the host side of the Linux guest's disk tests: the
image it makes holds /known.bin with the SHA-256 the tests give the guest, and `run` passes
only when the file the guest should have written is in the image, exactly (the guest stood in
for by a shell command that writes it, or a wrong one, with debugfs), the file system is
clean, a read-only disk is unchanged and a partition's neighbours are untouched."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "ext4_image.py")
sys.path.insert(0, HERE)
import ext4_image  # noqa: E402

SHA = "a15aee00810c52a6ff1f533e8a7e286a8d9ca4e60206a706dd47eba66b8823d4"  # tests/boot/ext4.cmake
failures = 0


def check(what, ok):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)


def main():
    tmp = tempfile.mkdtemp(prefix="test_ext4_image.")
    try:
        img = os.path.join(tmp, "ext4.img")
        check("make: refuses a SHA-256 that is not /known.bin's",
              run("make", img, "16", "0" * 64).returncode != 0)
        check("make: an image with the expected /known.bin", run("make", img, "16", SHA).returncode == 0)
        code, data, _ = ext4_image.debugfs_cat(img, "/known.bin")
        check("/known.bin in the image has the SHA-256 the guest is given",
              code == 0 and hashlib.sha256(data).hexdigest() == SHA)
        again = os.path.join(tmp, "again.img")
        time.sleep(1.1)  # another second: no time of the host's may show in the image
        run("make", again, "16", SHA)
        with open(img, "rb") as f, open(again, "rb") as g:
            check("make: the same image every time", f.read() == g.read())
        check("pattern: tag 7's first bytes (as init.c's pattern_fill)",
              ext4_image.pattern(7, 8).hex() == "3fd62497d1ebde3b")

        # The guest stood in for by a shell command that writes into the copy with debugfs.
        want = os.path.join(tmp, "want.bin")
        with open(want, "wb") as f:
            f.write(ext4_image.pattern(3, 300001))
        wrong = os.path.join(tmp, "wrong.bin")
        with open(wrong, "wb") as f:
            f.write(ext4_image.pattern(4, 300001))
        copy = os.path.join(tmp, "copy.img")

        def guest(src):
            return ["sh", "-c", f"debugfs -w -R 'write {src} newfile' {copy} >/dev/null 2>&1"]

        base = ["run", "--image", f"{img}={copy}", "--expect-file", f"{copy}:/newfile=3:300001",
                "--"]
        check("run: passes when the guest wrote the file", run(*base, *guest(want)).returncode == 0)
        check("run: fails when the guest wrote other bytes", run(*base, *guest(wrong)).returncode == 1)
        check("run: fails when the guest wrote nothing", run(*base, "true").returncode == 1)
        check("run: a fresh copy each run (the last run's file is gone)",
              run(*base, "true").returncode == 1)
        check("run: the boot test's failure is its status", run(*base, "sh", "-c", "exit 3").returncode == 3)
        check("run: --absent fails when the file is there",
              run("run", "--image", f"{img}={copy}", "--absent", f"{copy}:/newfile", "--",
                  *guest(want)).returncode == 1)
        check("run: --unchanged fails when the disk was written",
              run("run", "--image", f"{img}={copy}", "--unchanged", copy, "--",
                  *guest(want)).returncode == 1)
        check("run: --unchanged passes when it was not",
              run("run", "--image", f"{img}={copy}", "--unchanged", copy, "--", "true").returncode == 0)
        corrupt = ["sh", "-c", f"printf 'XXXXXXXX' | dd of={copy} bs=1 seek=1100 conv=notrunc 2>/dev/null"]
        check("run: fails when the file system is damaged (e2fsck -fn)",
              run("run", "--image", f"{img}={copy}", "--", *corrupt).returncode == 1)

        # GPT: partition 2 holds the file system; writes outside it are caught.
        gpt = os.path.join(tmp, "gpt.img")
        check("gpt: a disk", run("gpt", gpt, img).returncode == 0)
        off, length = ext4_image.gpt_range(gpt, 2)
        with open(gpt, "rb") as f, open(img, "rb") as g:
            f.seek(off)
            check("gpt: partition 2 is the ext4 image", f.read(length) == g.read())
        gcopy = os.path.join(tmp, "gcopy.img")
        part = ["run", "--image", f"{gpt}={gcopy}", "--unchanged", f"{gcopy}#2", "--"]
        inside = ["sh", "-c", f"printf 'x' | dd of={gcopy} bs=1 seek={off + 5000000} conv=notrunc 2>/dev/null"]
        outside = ["sh", "-c", f"printf 'x' | dd of={gcopy} bs=1 seek={off - 1} conv=notrunc 2>/dev/null"]
        check("gpt: a write inside partition 2 is allowed", run(*part, *inside).returncode == 0)
        check("gpt: a write outside it is caught", run(*part, *outside).returncode == 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"test_ext4_image: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
