#!/usr/bin/env bash
# Installs what rustyvisor needs on Debian 12 that is not there yet.
# Needs root or sudo for apt-get; does nothing when everything is present.
set -euo pipefail

PACKAGES=(
  cmake ninja-build make gcc libc6-dev python3 git
  gcc-riscv64-unknown-elf                      # hypervisor and bare-metal guests
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross # Linux guest and its static init
  linux-source-6.1 bc flex bison libssl-dev cpio xz-utils libelf-dev
  qemu-system-misc opensbi                     # the machine and its M-mode firmware
  device-tree-compiler libfdt-dev              # dtc, and libfdt for the unit tests
  clang clang-format                           # fuzzing, formatting check
  gdb-multiarch                                # debugging, benchmark footprint
  u-boot-qemu                                  # U-Boot as a guest (test boot.uboot: polled UART input)
  e2fsprogs                                    # mke2fs -d, debugfs: the Linux guest's ext4 images
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
