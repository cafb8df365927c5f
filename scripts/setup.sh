#!/bin/sh
# setup.sh - install oxlua's build and test dependencies (Debian, Ubuntu).
# Does nothing but check when everything is already installed.
#   scripts/setup.sh --fuzz   clang's libFuzzer runtime instead (make fuzz)
set -eu

PACKAGES="build-essential pkg-config lua5.4 liblua5.4-dev libelf-dev zlib1g-dev
libedit-dev clang llvm bpftool libbpf-dev linux-libc-dev lua-busted strace
iproute2 tmux"
if [ "${1:-}" = --fuzz ]; then
	ver=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
	PACKAGES="libclang-rt-${ver:-14}-dev"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "setup: no dpkg-query: not a Debian system; see vagrant/*/bootstrap.sh for other distributions" >&2
	exit 1
fi

# shellcheck disable=SC2086 # word splitting wanted
installed=" $(dpkg-query -W -f '${Package}:${db:Status-Status} ' $PACKAGES 2>/dev/null || true)"
missing=""
for p in $PACKAGES; do
	case "$installed" in
	*" $p:installed "*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "setup: all dependencies installed"
	exit 0
fi

echo "setup: missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "setup: not root; install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

echo "setup: apt-get update"
apt-get update -qq
echo "setup: apt-get install$missing"
# shellcheck disable=SC2086 # word splitting wanted
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
echo "setup: done"
