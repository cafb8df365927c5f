#!/bin/bash
# bootstrap.sh - oxlua's dependencies on Ubuntu 22.04, then build and test.
set -euo pipefail
# shellcheck source=../common.sh
. /home/vagrant/oxlua/vagrant/common.sh

apt-get update -qq
apt_install build-essential pkg-config lua5.4 liblua5.4-dev libelf-dev \
	zlib1g-dev libedit-dev clang llvm libbpf-dev linux-libc-dev lua-busted \
	strace iproute2 tmux curl ca-certificates unzip
apt_bpftool
# 22.04's lua-busted may be built for Lua 5.1-5.3 only.
busted_from_luarocks /usr/include/lua5.4

build_and_test
