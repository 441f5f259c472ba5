#!/usr/bin/env bash
# Static analysis of the hypervisor (hv/, sbi-proxy/): GCC's -fanalyzer
# with the riscv64 compiler and clang's static analyzer (clang --analyze).
# Fails on any report: fix it, or suppress it in the code with its reason.
# Usage: scripts/analyze.sh [riscv64-unknown-elf-gcc] [clang]
set -euo pipefail
cd "$(dirname "$0")/.."
gcc=${1:-riscv64-unknown-elf-gcc}
clang=${2:-clang}
mapfile -t files < <(ls hv/*/*.c hv/*/*/*.c sbi-proxy/*.c 2>/dev/null)
if [ ${#files[@]} -eq 0 ]; then
  echo "analyze: no sources found" >&2
  exit 1
fi
common=(-ffreestanding -fno-builtin -std=c11 -DRV_GUEST_RAM_MB=128
        -Ihv/include -Ihv/arch/riscv -Isbi-proxy/include)
reports=0
for f in "${files[@]}"; do
  out=$("$gcc" -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -O2 "${common[@]}" \
        -fanalyzer -c "$f" -o /dev/null 2>&1 || true)
  if grep -q "warning:\|error:" <<<"$out"; then
    echo "$out"
    reports=$((reports + 1))
  fi
  out=$("$clang" --analyze --target=riscv64-unknown-elf -march=rv64imac "${common[@]}" \
        -Xanalyzer -analyzer-output=text -o /dev/null "$f" 2>&1 || true)
  if grep -q "warning:\|error:" <<<"$out"; then
    echo "$out"
    reports=$((reports + 1))
  fi
done
if [ $reports -ne 0 ]; then
  echo "analyze: $reports report(s) in ${#files[@]} files" >&2
  exit 1
fi
echo "analyze: ${#files[@]} files clean (gcc -fanalyzer, clang --analyze)"
