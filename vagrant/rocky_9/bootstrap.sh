#!/bin/bash
# bootstrap.sh - oxlua's dependencies on Rocky Linux 9, then build and test.
set -euo pipefail
# shellcheck source=../common.sh
. /home/vagrant/oxlua/vagrant/common.sh

# lua-devel, libedit-devel and libbpf-devel live in the CRB repository.
dnf -y -q install dnf-plugins-core
dnf config-manager --set-enabled crb
say "dnf install"
dnf -y -q install gcc make pkgconf-pkg-config lua lua-devel \
	elfutils-libelf-devel zlib-devel libedit-devel clang llvm bpftool \
	libbpf-devel kernel-headers strace iproute tmux curl tar gzip unzip

# Debian's names for Lua 5.4 (Rocky's lua is 5.4): the lua5.4 command, the
# lua5.4 pkg-config module and the static liblua5.4.a the CLI links.
dnf -y -q install lua-static || say "no lua-static: the oxlua CLI will not link"
ln -sf /usr/bin/lua /usr/local/bin/lua5.4
ln -sf lua.pc /usr/lib64/pkgconfig/lua5.4.pc
if [ -f /usr/lib64/liblua.a ]; then ln -sf liblua.a /usr/lib64/liblua5.4.a; fi

# No busted package: LuaRocks from source, then busted.
busted_from_luarocks /usr/include

build_and_test
