#!/usr/bin/env bash
# Fails when a C source or header of the project is not clang-format clean
# (clang-format 14, .clang-format at the root), or when there is nothing to
# check. In a git checkout the files are the tracked ones plus the untracked
# ones git does not ignore (a new file is checked before it is added);
# anywhere else (a tarball, a copy without .git) they are found under the
# source directories.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
src_dirs=(hv sbi-proxy guest-kernels tests)

files=()
top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$root" ]; then
  how="git: tracked and untracked, not ignored"
  # -z: names with any bytes; a tracked file deleted from the work tree is
  # not there to check.
  while IFS= read -r -d '' f; do
    [ -f "$f" ] && files+=("$f")
  done < <(git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h')
else
  # Not a checkout, or the project sits inside someone else's repository.
  how="no git checkout: found under ${src_dirs[*]}"
  dirs=()
  for d in "${src_dirs[@]}"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  if [ ${#dirs[@]} -gt 0 ]; then
    while IFS= read -r -d '' f; do
      files+=("$f")
    done < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
  fi
fi

if [ ${#files[@]} -eq 0 ]; then
  echo "format: no C files found in $root ($how): nothing checked" >&2
  exit 1
fi
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean ($how)"
