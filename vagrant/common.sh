# shellcheck shell=bash
# common.sh - helpers for the boxes' bootstrap.sh (sourced; runs as root).
set -euo pipefail
REPO=/home/vagrant/oxlua
export PATH=/usr/local/bin:$PATH	# sudo's secure_path may leave it out

say() { echo "bootstrap: $*"; }

# Install with apt whichever of the packages this release has.
apt_install() {
	local p have=()
	for p in "$@"; do
		if apt-cache show "$p" >/dev/null 2>&1; then
			have+=("$p")
		else
			say "no package $p in this release"
		fi
	done
	say "apt-get install ${have[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${have[@]}"
}

# bpftool: its own package on Debian and newer Ubuntus, else linux-tools.
apt_bpftool() {
	command -v bpftool >/dev/null && return
	if apt-cache show bpftool >/dev/null 2>&1; then
		apt_install bpftool
	else
		apt_install linux-tools-common "linux-tools-$(uname -r)"
	fi
}

# Lua 5.4 from lua.org into /usr/local, with the names Debian's packages use:
# the lua5.4 command, headers in include/lua5.4, liblua5.4.a, pkg-config
# module lua5.4.
lua_from_source() {
	local ver=5.4.6 sum=7d5ea1b9cb6aa0b59ca3dde1c6adcb57ef83a1ba8e5432c0ecd06bf439b3ad88
	command -v lua5.4 >/dev/null && return
	say "building Lua $ver from source"
	curl -fsSL -o "/tmp/lua-$ver.tar.gz" "https://www.lua.org/ftp/lua-$ver.tar.gz"
	echo "$sum  /tmp/lua-$ver.tar.gz" | sha256sum -c -
	tar xzf "/tmp/lua-$ver.tar.gz" -C /tmp
	make -C "/tmp/lua-$ver" linux MYCFLAGS=-fPIC
	make -C "/tmp/lua-$ver" install INSTALL_TOP=/usr/local \
		INSTALL_INC=/usr/local/include/lua5.4
	ln -sf lua /usr/local/bin/lua5.4
	ln -sf liblua.a /usr/local/lib/liblua5.4.a
	mkdir -p /usr/local/lib/pkgconfig
	cat > /usr/local/lib/pkgconfig/lua5.4.pc <<-PC
	prefix=/usr/local
	includedir=\${prefix}/include/lua5.4
	libdir=\${prefix}/lib

	Name: Lua
	Description: Lua 5.4, built from source
	Version: $ver
	Libs: -L\${libdir} -llua -lm -ldl
	Cflags: -I\${includedir}
	PC
}

# busted for Lua 5.4 through LuaRocks (built from source) when the
# distribution's busted does not run under Lua 5.4. $1: Lua's include dir.
busted_from_luarocks() {
	local ver=3.11.1 sum=c3fb3d960dffb2b2fe9de7e3cb004dc4d0b34bb3d342578af84f84325c669102
	lua5.4 -e 'require "busted.runner"' 2>/dev/null && return
	[ -x /usr/local/bin/busted ] && return
	if ! [ -x /usr/local/bin/luarocks ]; then
		say "building LuaRocks $ver for Lua 5.4"
		curl -fsSL -o "/tmp/luarocks-$ver.tar.gz" \
			"https://luarocks.org/releases/luarocks-$ver.tar.gz"
		echo "$sum  /tmp/luarocks-$ver.tar.gz" | sha256sum -c -
		tar xzf "/tmp/luarocks-$ver.tar.gz" -C /tmp
		(cd "/tmp/luarocks-$ver" &&
		 ./configure --prefix=/usr/local --lua-version=5.4 \
			--with-lua-interpreter=lua5.4 --with-lua-include="$1" &&
		 make && make install)
	fi
	say "luarocks install busted"
	/usr/local/bin/luarocks install busted
}

build_and_test() {
	say "make && make test in $REPO"
	make -C "$REPO"
	make -C "$REPO" test
}
