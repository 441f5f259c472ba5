#!/usr/bin/env python3
"""Write SIZE bytes of the pattern guest-kernels/initramfs checks (byte i is (7 * i + 3) mod 251)
to OUT: test data for a VM's initramfs.

usage: make_pattern.py OUT SIZE
"""
import sys

out, size = sys.argv[1], int(sys.argv[2], 0)
with open(out, "wb") as f:
    f.write(bytes((7 * i + 3) % 251 for i in range(size)))
