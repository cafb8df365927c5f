#!/bin/bash
# corpus.sh - build the compatibility corpus: real-world BPF objects for
# scripts/compat/run.sh to load with oxlua and with libbpf.
#
#   scripts/compat/corpus.sh [OUTDIR]        (default build/compat)
#
# Two sources, both from Debian packages fetched with `apt-get download`
# (never installed), everything kept under OUTDIR:
#
#  1. The kernel's BPF selftests. linux-source-6.1 is unpacked just far
#     enough for tools/testing/selftests/bpf/ and the headers it includes
#     from tools/include/, vmlinux.h is generated from the running kernel's
#     BTF, and every progs/*.c is compiled the way the selftests' Makefile
#     compiles it, into OUTDIR/objs/selftests/NAME.bpf.o. Many files are
#     written for a kernel other than the running one and do not compile;
#     they are listed in OUTDIR/compile-failures.txt as `NAME: first error`,
#     and the compiler's full output is in OUTDIR/logs/selftests/NAME.log.
#  2. libbpf-tools (execsnoop, biolatency, ...). Each tool is a libbpf
#     skeleton program that carries its BPF object inside it;
#     scripts/compat/extract.lua copies the objects out into
#     OUTDIR/objs/libbpf-tools/TOOL.bpf.o.
#
# Finally OUTDIR/corpus.txt gets one summary line per source, and is printed
# on standard output. Progress goes to standard error.
#
# Reruns are cheap: each step records what it was made from in
# OUTDIR/.stamps/ and is skipped while that still holds; a step that did not
# finish, or whose inputs changed (another kernel's BTF, another compiler,
# a changed extract.lua), is done again from scratch. Objects that are not
# rebuilt keep their modification times.
#
# Environment:
#   CLANG   the compiler for the selftests (default clang)
set -euo pipefail
cd "$(dirname "$0")/../.."
WT=$(pwd)
out=${1:-build/compat}
mkdir -p "$out"
out=$(cd "$out" && pwd)
CLANG=${CLANG:-clang}
jobs=$(nproc)

log() { echo "compat-corpus: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in "$CLANG" bpftool lua5.4 apt-get dpkg-deb xz flock sha256sum; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs the build tools)"
done

# One run at a time per OUTDIR.
exec 9>"$out/.lock"
flock 9

# A step is done when OUTDIR/.stamps/STEP holds the key given here, a line
# naming the step's inputs.
step_done() { [ -f "$out/.stamps/$1" ] && [ "$(cat "$out/.stamps/$1")" = "$2" ]; }
mark_done() {
	mkdir -p "$out/.stamps"
	printf '%s\n' "$2" >"$out/.stamps/$1.tmp"
	mv "$out/.stamps/$1.tmp" "$out/.stamps/$1"
}
sha() { sha256sum | cut -c1-16; }
# The number of entries of folder $1 that match the find tests after it.
count() { find "$1" -mindepth 1 -maxdepth 1 "${@:2}" | wc -l; }

# The path of PKG's .deb in OUTDIR/debs, downloading it the first time. The
# download goes to a folder of its own and is moved into place once whole.
# When it fails, the package lists are refreshed once and it is tried again.
fetch_deb() {
	local pkg=$1 dl=$out/debs/.download debs
	debs=("$out/debs/${pkg}_"*.deb)
	if [ ! -e "${debs[-1]}" ]; then
		log "downloading $pkg"
		rm -rf "$dl"
		mkdir -p "$dl"
		# Run as root, apt downloads as its own user _apt where that user may
		# write the folder (and warns otherwise).
		if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$dl"; fi
		if ! (cd "$dl" && apt-get download "$pkg" >&2); then
			log "download failed; updating the package lists and trying again"
			apt-get update -qq >&2
			(cd "$dl" && apt-get download "$pkg" >&2) || die "cannot download $pkg"
		fi
		mv "$dl/${pkg}_"*.deb "$out/debs/"
		rm -rf "$dl"
		debs=("$out/debs/${pkg}_"*.deb)
	fi
	echo "${debs[-1]}"
}

# ---------------------------------------------------------------------------
# 1. Kernel selftests.

# The kernel source package holds one tarball, usr/src/linux-source-6.1.tar.xz,
# whose top folder has the tarball's name (linux-source-6.1/). Of its 80,000-odd
# files only these are unpacked (about 8 MB): the selftests' own folder (the
# programs, and the headers next to them: bpf_misc.h, bpf_legacy.h,
# bpf_util.h, test_*.h, network_helpers.h, bpf_testmod/bpf_testmod.h), the
# tools' copy of the UAPI headers (the selftests' APIDIR), and
# tools/include/linux/filter.h, which progs/syscall.c includes as
# <../../../tools/include/linux/filter.h>, found through APIDIR.
src_deb=$(fetch_deb linux-source-6.1)
src_key=$(basename "$src_deb")
if ! step_done sources "$src_key"; then
	log "unpacking the BPF selftests from $(basename "$src_deb")"
	rm -rf "$out/src" "$out/src.tmp"
	mkdir -p "$out/src.tmp"
	tarball=$(dpkg-deb -c "$src_deb" | awk '$NF ~ /^\.\/usr\/src\/linux-source-.*\.tar\.xz$/ { print $NF }')
	tarball=${tarball%%$'\n'*}
	[ -n "$tarball" ] || die "no kernel source tarball in $src_deb"
	top=$(basename "$tarball" .tar.xz)
	dpkg-deb --fsys-tarfile "$src_deb" | tar -xO "$tarball" |
		tar -xJ -C "$out/src.tmp" --wildcards \
			"$top/tools/testing/selftests/bpf/*" \
			"$top/tools/include/uapi/*" \
			"$top/tools/include/linux/filter.h"
	[ -d "$out/src.tmp/$top/tools/testing/selftests/bpf/progs" ] ||
		die "$tarball has no $top/tools/testing/selftests/bpf/progs"
	mv "$out/src.tmp" "$out/src"
	mark_done sources "$src_key"
fi
found=("$out"/src/linux-source-*/tools)
ktools=${found[0]}
selftests=$ktools/testing/selftests/bpf

# vmlinux.h from the running kernel's BTF, made again when the kernel changes.
[ -r /sys/kernel/btf/vmlinux ] || die "the running kernel has no BTF (/sys/kernel/btf/vmlinux)"
btf_key=$(sha </sys/kernel/btf/vmlinux)
if ! step_done vmlinux "$btf_key" || [ ! -f "$out/vmlinux.h" ]; then
	log "generating vmlinux.h from /sys/kernel/btf/vmlinux"
	bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out/vmlinux.h.tmp"
	mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
	mark_done vmlinux "$btf_key"
fi

# The compiler flags: those of the selftests' Makefile (6.1) for test_progs,
# its main flavour,
#   BPF_CFLAGS  = -g -Werror -D__TARGET_ARCH_x86 -mlittle-endian
#                 -I$(INCLUDE_DIR) -I$(CURDIR) -I$(APIDIR) -I<installed UAPI>
#   CLANG_CFLAGS = <clang's system folders as -idirafter>
#                 -Wno-compare-distinct-pointer-types
#   plus -DENABLE_ATOMICS_TESTS, and -O2 -target bpf -mcpu=v3 in the rule,
# with these differences:
#  - no -Werror: the programs are compiled against a newer kernel's
#    vmlinux.h than the one they were written for, and a warning that comes
#    from that alone should not cost the corpus a program;
#  - INCLUDE_DIR, where the Makefile puts vmlinux.h and a freshly installed
#    libbpf's headers, is OUTDIR (vmlinux.h) and the system's libbpf-dev
#    (/usr/include/bpf, reached through the -idirafter /usr/include);
#  - the installed UAPI folder is the system's linux-libc-dev (6.1 as well),
#    also reached through the -idirafter folders, which include
#    /usr/include/x86_64-linux-gnu as they are taken from clang's host
#    target (clang -target bpf alone would not search it).
# The Makefile's order is kept. Four orders were measured on the 497 files
# of 6.1.192 with a 6.18 vmlinux.h: this one; -I/usr/include/x86_64-linux-gnu
# as an -I instead of the -idirafter folders; APIDIR before the selftests'
# folder; the system's /usr/include before APIDIR. All four compiled the
# same 488 files, and every object came out byte for byte the same.
flags=(-g -D__TARGET_ARCH_x86 -mlittle-endian -I"$out" -I"$selftests" -I"$ktools/include/uapi")
while read -r dir; do
	flags+=(-idirafter "$dir")
done < <("$CLANG" -v -E - </dev/null 2>&1 |
	sed -n '/<...> search starts here:/,/End of search list./s|^ \(/.*\)|\1|p')
flags+=(-Wno-compare-distinct-pointer-types -DENABLE_ATOMICS_TESTS)

# Compile one program, from inside the selftests' folder as the Makefile
# does (so messages name progs/NAME.c). clang writes its output under a
# temporary name and removes it on failure, so a NAME.bpf.o is always whole.
compile_one() {
	local name=$1 flags extra=()
	mapfile -t flags <<<"$CORPUS_FLAGS"
	# The Makefile builds these two without inlining, as their names say.
	case $name in test_l4lb_noinline | test_xdp_noinline) extra=(-fno-inline) ;; esac
	if (cd "$CORPUS_SELFTESTS" && "$CLANG" "${flags[@]}" "${extra[@]}" -O2 -target bpf -mcpu=v3 \
		-c "progs/$name.c" -o "$CORPUS_OBJS/$name.bpf.o") >"$CORPUS_LOGS/$name.log" 2>&1; then
		[ -s "$CORPUS_LOGS/$name.log" ] || rm -f "$CORPUS_LOGS/$name.log"
	else
		touch "$CORPUS_LOGS/$name.failed"
	fi
}

# Every progs/*.c is compiled, as in the Makefile: each is a program of its
# own (a few, such as test_sk_assign.c, are also included by another
# program). The shared code there is in headers (progs/*.h), not compiled.
compile_key=$(printf '%s\n' "$src_key" "$btf_key" "$("$CLANG" --version | head -n 1)" "${flags[*]}" | sha)
if ! step_done selftests "$compile_key"; then
	total=$(count "$selftests/progs" -name '*.c')
	log "compiling $total selftest programs ($jobs at a time)"
	rm -rf "$out/objs/selftests" "$out/logs/selftests"
	mkdir -p "$out/objs/selftests" "$out/logs/selftests"
	export -f compile_one
	export CLANG CORPUS_SELFTESTS=$selftests CORPUS_OBJS=$out/objs/selftests CORPUS_LOGS=$out/logs/selftests
	CORPUS_FLAGS=$(printf '%s\n' "${flags[@]}")
	export CORPUS_FLAGS
	# shellcheck disable=SC2016 # "$1" is the inner bash's
	for c in "$selftests"/progs/*.c; do
		n=${c##*/}
		printf '%s\0' "${n%.c}"
	done | xargs -0 -n 1 -P "$jobs" bash -c 'compile_one "$1"' _

	# One line per failed file: its name and the compiler's first error.
	: >"$out/compile-failures.txt.tmp"
	for marker in "$out"/logs/selftests/*.failed; do
		[ -e "$marker" ] || continue
		name=$(basename "$marker" .failed)
		rm -f "$marker"
		first=$(grep -m1 -E '(fatal )?error:' "$out/logs/selftests/$name.log" ||
			head -n 1 "$out/logs/selftests/$name.log")
		echo "$name: ${first:-no error message}" >>"$out/compile-failures.txt.tmp"
	done
	LC_ALL=C sort -o "$out/compile-failures.txt" "$out/compile-failures.txt.tmp"
	rm -f "$out/compile-failures.txt.tmp"
	mark_done selftests "$compile_key"
fi

# ---------------------------------------------------------------------------
# 2. libbpf-tools.

# The package puts its tools in /usr/sbin under their plain names (no prefix
# or suffix, unlike bpfcc-tools' execsnoop-bpfcc). The symbolic links there
# (ext4dist -> fsdist, killsnoop -> sigsnoop, ...) are other names for the
# same programs and are left out.
tools_deb=$(fetch_deb libbpf-tools)
pkg=$out/libbpf-tools-pkg
tools_key="$(basename "$tools_deb") $(sha <"$WT/scripts/compat/extract.lua")"
if ! step_done libbpf-tools "$tools_key"; then
	log "extracting the BPF objects of $(basename "$tools_deb")"
	rm -rf "$pkg" "$out/objs/libbpf-tools"
	mkdir -p "$out/objs/libbpf-tools"
	dpkg-deb -x "$tools_deb" "$pkg"
	find "$pkg/usr/sbin" -maxdepth 1 -type f -print0 | sort -z |
		while IFS= read -r -d '' bin; do
			n=$(lua5.4 "$WT/scripts/compat/extract.lua" "$bin" "$out/objs/libbpf-tools")
			[ "$n" -gt 0 ] || log "libbpf-tools: no BPF object in ${bin##*/}"
		done
	mark_done libbpf-tools "$tools_key"
fi

# ---------------------------------------------------------------------------
# 3. The summary.

st_total=$(count "$selftests/progs" -name '*.c')
st_ok=$(count "$out/objs/selftests" -name '*.bpf.o')
st_failed=$(wc -l <"$out/compile-failures.txt")
lt_objs=$(count "$out/objs/libbpf-tools" -name '*.bpf.o')
lt_bins=$(count "$pkg/usr/sbin" -type f)
{
	echo "selftests: $st_ok compiled, $st_failed failed to compile (of $st_total files)"
	echo "libbpf-tools: $lt_objs objects from $lt_bins binaries"
} >"$out/corpus.txt"
cat "$out/corpus.txt"
