#!/usr/bin/env bash
# Self-test of scripts/check-format.sh (CTest format.selftest): it must fail
# when it checks nothing or finds a badly formatted file, tracked or not, in
# a git checkout or in a copy without git; and pass on clean files.
set -uo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# A project copy holding only the script, .clang-format and the given files.
make_copy() {
  local dir=$1
  shift
  mkdir -p "$dir/scripts"
  cp "$src/scripts/check-format.sh" "$dir/scripts/"
  cp "$src/.clang-format" "$dir/"
  for f in "$@"; do
    mkdir -p "$dir/$(dirname "$f")"
    case $f in
    *bad*) printf 'int  f( void ){return 0 ;}\n' >"$dir/$f" ;;
    *) printf 'int f(void) { return 0; }\n' >"$dir/$f" ;;
    esac
  done
}

expect() { # expect pass|fail <what> <dir> [files it must have checked]
  local want=$1 what=$2 dir=$3 count=${4:-} out rc
  out=$("$dir/scripts/check-format.sh" 2>&1)
  rc=$?
  if { [ "$want" = pass ] && [ $rc -ne 0 ]; } || { [ "$want" = fail ] && [ $rc -eq 0 ]; } ||
    { [ -n "$count" ] && [[ "$out" != *"format: $count files clean"* ]]; }; then
    echo "FAILED: $what: expected $want${count:+ of $count files}, exit status $rc:"
    echo "$out"
    fails=$((fails + 1))
  else
    echo "ok: $what ($want): ${out##*$'\n'}"
  fi
}

git_init() {
  git -C "$1" init -q && git -C "$1" add -A &&
    git -C "$1" -c user.name=t -c user.email=t@t commit -qm t
}

make_copy "$tmp/empty"
expect fail "no git, no C file" "$tmp/empty"
make_copy "$tmp/clean" hv/a.c sbi-proxy/b.h
expect pass "no git, clean files" "$tmp/clean" 2
make_copy "$tmp/dirty" hv/a.c tests/unit/bad.c
expect fail "no git, a bad file" "$tmp/dirty"
make_copy "$tmp/gitempty"
git_init "$tmp/gitempty"
expect fail "git, no C file" "$tmp/gitempty"
make_copy "$tmp/git" hv/a.c
git_init "$tmp/git"
expect pass "git, a clean tracked file" "$tmp/git" 1
printf 'int  g ;\n' >"$tmp/git/hv/new_bad.c"
expect fail "git, a bad untracked file" "$tmp/git"
printf 'hv/new_bad.c\n' >"$tmp/git/.gitignore"
printf 'int h(void);\n' >"$tmp/git/hv/new_good.h"
expect pass "git, a bad ignored file and a clean untracked one" "$tmp/git" 2
# The project inside someone else's repository: its files are found anyway.
make_copy "$tmp/outer/inner" hv/bad.c
git_init "$tmp/outer"
expect fail "inside another repository, a bad file" "$tmp/outer/inner"

[ $fails -eq 0 ] || exit 1
echo "format.selftest: all cases as expected"
