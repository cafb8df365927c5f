#!/bin/bash
# run-tests.sh - run the busted specs (tests/**/*_spec.lua) from the repo root.
#
#   scripts/run-tests.sh [busted args...] [spec files or dirs]
#
# The last line printed is "N passed, N failed, N skipped"; the exit status is
# non-zero when a test failed or errored. Tests tagged #root are skipped when
# not running as root. STRACE=1 traces bpf() and perf_event_open() into
# $OXLUA_BUILD/strace.log. OXLUA_BUILD (default build) is where the C module
# is; BUSTED and LUA override the busted script and the Lua interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

# require "oxlua" -> lua/, "oxlua.core" -> build/lua/oxlua/core.so,
# "support.helpers" -> tests/support/helpers.lua
build=${OXLUA_BUILD:-build}
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;./tests/?.lua;;"
export LUA_CPATH="$build/lua/?.so;;"

lua=${LUA:-$(command -v lua5.4 || command -v lua || echo lua5.4)}
busted=${BUSTED:-$(command -v busted || echo /usr/bin/busted)}
# Debian's busted is a Lua script; luarocks installs a shell wrapper instead.
if head -n 1 "$busted" 2>/dev/null | grep -q lua; then
	cmd=("$lua" "$busted")
else
	cmd=("$busted")
fi
cmd+=(-o tests/support/summary.lua --pattern='_spec%.lua$')

if [ "$(id -u)" -ne 0 ]; then
	echo "run-tests: not root, skipping tests tagged #root"
	cmd+=(--exclude-tags=root)
fi

# All of tests/ unless a spec file or directory is named.
roots=(tests)
for a in "$@"; do
	if [ -e "$a" ]; then roots=(); fi
done
cmd+=("$@" "${roots[@]}")

if [ "${STRACE:-0}" = 1 ]; then
	mkdir -p "$build"
	echo "run-tests: tracing bpf() and perf_event_open() into $build/strace.log"
	cmd=(strace -f -e 'trace=bpf,perf_event_open' -o "$build/strace.log" "${cmd[@]}")
fi
exec "${cmd[@]}"
