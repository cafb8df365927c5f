#!/bin/bash
# bootstrap.sh - oxlua's dependencies on Ubuntu 20.04, then build and test.
set -euo pipefail
# shellcheck source=../common.sh
. /home/vagrant/oxlua/vagrant/common.sh

apt-get update -qq
apt_install build-essential pkg-config libelf-dev zlib1g-dev libedit-dev \
	clang llvm libbpf-dev linux-libc-dev strace iproute2 tmux \
	curl ca-certificates unzip
apt_bpftool

# 20.04 ships Lua 5.3 only (lua5.4 arrived in 20.10) and its lua-busted does
# not run under 5.4: use the lua5.4 packages if a backport provides them,
# else build Lua 5.4 from lua.org's source into /usr/local, then busted
# through LuaRocks.
if apt-cache show liblua5.4-dev >/dev/null 2>&1; then
	apt_install lua5.4 liblua5.4-dev
	busted_from_luarocks /usr/include/lua5.4
else
	lua_from_source
	busted_from_luarocks /usr/local/include/lua5.4
fi

build_and_test
