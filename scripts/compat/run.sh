#!/bin/bash
# run.sh - `make compat`: load every program of the compatibility corpus alone
# with oxlua and with libbpf, and compare (scripts/compat/compat.lua).
#
#   scripts/compat/run.sh BUILD [PATTERN]
#
# BUILD holds the oxlua module ($BUILD/lua/oxlua/core.so) and the libbpf
# reference loader ($BUILD/compat/ref); the corpus is built first by
# scripts/compat/corpus.sh into $BUILD/compat. PATTERN (a shell glob, e.g.
# 'selftests/test_*') keeps only the objects it matches. The table goes to
# standard output and to $BUILD/compat/report.txt; the last line is
#   compat: oxlua loads N of the M programs libbpf loads (+K libbpf refuses)
# Needs root. Pins of both loaders go under a directory of their own on bpffs,
# removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: run.sh BUILD [PATTERN]}
pattern=${2:-*}
out=$build/compat

scripts/compat/corpus.sh "$out" >&2

if ! mountpoint -q /sys/fs/bpf; then mount -t bpf bpf /sys/fs/bpf; fi
# (bpffs takes no '.' in names)
pins=/sys/fs/bpf/oxlua_compat_$$
mkdir -m 0700 "$pins"
trap 'rm -rf "$pins"' EXIT
mkdir -p "$out/ref-cache"

objs=()
for o in "$out"/objs/*/*.bpf.o; do
	rel=${o#"$out"/objs/}
	# shellcheck disable=SC2053 # the pattern is a glob on purpose
	if [[ $rel == $pattern ]]; then objs+=("$o"); fi
done
if [ ${#objs[@]} -eq 0 ]; then
	echo "compat: no objects match '$pattern' under $out/objs" >&2
	exit 1
fi

export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;"
export LUA_CPATH="$build/lua/?.so;;"
rc=0
lua5.4 scripts/compat/compat.lua "$build/compat/ref" "$pins" "$out/ref-cache" docs/compat.md \
	"${objs[@]}" | tee "$out/report.txt" || rc=${PIPESTATUS[0]}
exit "$rc"
