#!/bin/bash
# kernel-matrix.sh - run oxlua's kernel tests on the running kernel and on
# Debian's packaged kernels booted under qemu (software emulation, no KVM).
#
#   scripts/kernel-matrix.sh            (what `make kernel-matrix` runs)
#
# For each kernel package (MATRIX_KERNELS, default linux-image-cloud-amd64,
# Debian's 6.1 cloud kernel) the package is fetched with `apt-get download`
# (never installed on the host), unpacked under build/matrix/, and booted
# with a busybox initramfs. The host's root filesystem is shared into the
# guest read-only with virtiofs; the guest puts a tmpfs overlay on it, mounts
# proc, sys, dev, tracefs, bpffs and cgroup2, chroots into it and runs the
# same spec files with the host's lua5.4, busted and build. Then the default
# policy (`oxlua run`) runs for a few seconds while execs happen: the version
# it chooses must be the kprobe one where the kernel has kprobes and the
# tracepoint one where it has not, and an exec line must appear.
#
# The guest's console is streamed here prefixed with the kernel's name and
# saved to build/matrix/<kernel>.log; the host's run goes to
# build/matrix/host.log. The last lines are one result per kernel and
#   kernel-matrix: N of M kernels passed
# The exit status is non-zero when any kernel failed.
#
# Environment:
#   MATRIX_SPECS    spec files to run (default: the kernel specs that exist)
#   MATRIX_KERNELS  Debian kernel packages to boot (default linux-image-cloud-amd64)
#   MATRIX_TIMEOUT  seconds one guest may run before it is killed (default 720)
#   MATRIX_HOST     0: do not run on the host's kernel
#   MATRIX_MEM      guest memory (default 2G)
#
# Inside a guest (and for the host's run) the script is called as
#   scripts/kernel-matrix.sh --inside LABEL EXPECTED_VERSION
# with OXLUA_BUILD and MATRIX_SPECS set.
set -euo pipefail
cd "$(dirname "$0")/.."
WT=$(pwd)
BUILD=${OXLUA_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$WT/$BUILD ;; esac
M=$BUILD/matrix

DEFAULT_SPECS="tests/kernel/load_spec.lua tests/kernel/attach_spec.lua tests/kernel/policy_spec.lua
tests/kernel/maps_spec.lua tests/kernel/events_spec.lua tests/kernel/core_spec.lua tests/kernel/ksyms_spec.lua"

default_specs() {
	local s out=""
	for s in $DEFAULT_SPECS; do
		if [ -f "$s" ]; then out="$out $s"; fi
	done
	echo "${out# }"
}

# The version the default policy must choose on this kernel: kprobe where
# the kprobe PMU or kprobe_events exist, else fentry where BTF-attached
# tracing programs load, else the tracepoint.
expected_version() {
	if [ -e /sys/bus/event_source/devices/kprobe/type ] ||
		[ -e /sys/kernel/tracing/kprobe_events ] ||
		[ -e /sys/kernel/debug/tracing/kprobe_events ]; then
		echo kprobe
	elif "$BUILD/oxlua" probe --json 2>/dev/null | grep -q '"fentry":true'; then
		echo fentry
	else
		echo tracepoint
	fi
}

# ---------------------------------------------------------------------------
# The run on one kernel: the spec files, then the default policy.
inside() {
	local label=$1 expect=$2 specs rc summary
	specs=${MATRIX_SPECS:-$(default_specs)}
	if [ "$expect" = auto ]; then expect=$(expected_version); fi
	echo "oxlua-matrix: kernel $(uname -r) ($label), specs: $specs"
	echo "oxlua-matrix: OXLUA_MATRIX=1: the million-event runs are skipped, the attach leak check does 100 cycles"
	local log=/tmp/oxlua-matrix-tests.$$
	rc=0
	# shellcheck disable=SC2086 # the list is split into files
	OXLUA_MATRIX=1 OXLUA_BUILD=$BUILD scripts/run-tests.sh --verbose $specs 2>&1 | tee "$log" || rc=$?
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
	rm -f "$log"
	if [ -z "$summary" ]; then summary="no summary line"; rc=1; fi

	# The default policy: which version it chooses, and that it sees execs.
	local out=/tmp/oxlua-matrix-run.$$ err=/tmp/oxlua-matrix-run-err.$$ pid chosen policy=ok
	"$BUILD/oxlua" run --duration 8 >"$out" 2>"$err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		/bin/echo "oxlua-matrix-exec-$$" >/dev/null
		sleep 0.2
	done
	wait "$pid" || policy="oxlua run exited with $?"
	chosen=$(sed -n "s/^oxlua: exec monitor: using version '\(.*\)'$/\1/p" "$err")
	echo "oxlua-matrix: oxlua run chose version '${chosen:-none}' (expected '$expect')"
	sed 's/^/oxlua-matrix:   /' "$err"
	if [ "$chosen" != "$expect" ]; then
		policy="chose '${chosen:-none}', expected '$expect'"
	elif ! grep -q "/bin/echo oxlua-matrix-exec-$$" "$out"; then
		policy="no exec line for /bin/echo oxlua-matrix-exec-$$"
		head -n 5 "$out" | sed 's/^/oxlua-matrix:   out: /'
	else
		grep -m 1 "/bin/echo oxlua-matrix-exec-$$" "$out" | sed 's/^/oxlua-matrix:   exec seen: /'
	fi
	rm -f "$out" "$err"
	if [ "$policy" = ok ]; then
		policy="oxlua run chose $chosen"
	else
		policy="oxlua run: $policy"; rc=1
	fi
	if [ "$rc" -eq 0 ]; then
		echo "oxlua-matrix-result: PASS $summary; $policy"
	else
		echo "oxlua-matrix-result: FAIL $summary; $policy"
	fi
}

if [ "${1:-}" = "--inside" ]; then
	inside "$2" "$3"
	exit 0
fi

# ---------------------------------------------------------------------------
# The host side.
mkdir -p "$M"

need_pkgs=""
command -v qemu-system-x86_64 >/dev/null || need_pkgs="$need_pkgs qemu-system-x86"
[ -x /usr/lib/qemu/virtiofsd ] || need_pkgs="$need_pkgs qemu-system-common"
dpkg-query -W -f '${db:Status-Status}' busybox-static 2>/dev/null | grep -qx installed ||
	need_pkgs="$need_pkgs busybox-static"
if [ -n "$need_pkgs" ]; then
	echo "kernel-matrix: installing$need_pkgs"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=300 $need_pkgs; then
		apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			-o DPkg::Lock::Timeout=300 $need_pkgs
	fi
fi

# The kernel package a meta package (linux-image-cloud-amd64) stands for.
resolve_pkg() {
	local p=$1 dep
	dep=$(apt-cache depends "$p" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
	echo "${dep:-$p}"
}

# Fetch and unpack a kernel package into $M/<release>/ (cached); prints the
# release (the directory name under /lib/modules).
fetch_kernel() {
	local pkg=$1 deb rel dir
	mkdir -p "$M/debs"
	deb=$(ls "$M/debs/${pkg}_"*.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$deb" ]; then
		(cd "$M/debs" && apt-get download "$pkg" >&2) ||
			{ apt-get update -qq && (cd "$M/debs" && apt-get download "$pkg" >&2); }
		deb=$(ls "$M/debs/${pkg}_"*.deb | tail -n 1)
	fi
	rel=${pkg#linux-image-}
	dir=$M/$rel
	if [ ! -f "$dir/.unpacked" ] || [ "$deb" -nt "$dir/.unpacked" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/root"
		dpkg-deb -x "$deb" "$dir/root"
		rel=$(ls "$dir/root/lib/modules" | head -n 1)
		busybox depmod -b "$dir/root" "$rel"
		touch "$dir/.unpacked"
	fi
	ls "$dir/root/lib/modules" | head -n 1
}

# Modules the guest needs before it can mount the shared root, in load order
# (each is skipped where the kernel has it built in).
BOOT_MODULES="virtio_pci virtiofs overlay"
# Modules the tests use (veth pairs, clsact and tc filters; nf_conntrack for
# kfuncs and CO-RE in a module's BTF), loaded at boot.
TEST_MODULES="veth sch_ingress cls_bpf act_bpf nf_conntrack"

make_initramfs() {
	local dir=$1 rel=$2 ir m f mods
	ir=$dir/initramfs
	mods=$dir/root/lib/modules/$rel
	rm -rf "$ir"
	mkdir -p "$ir/bin" "$ir/sbin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/lower" "$ir/rw" \
		"$ir/newroot" "$ir/lib/modules/$rel"
	cp /bin/busybox "$ir/bin/busybox"
	ln -s ../bin/busybox "$ir/sbin/modprobe"
	cp "$mods/modules.dep" "$ir/lib/modules/$rel/"
	: >"$ir/boot-modules"
	for m in $BOOT_MODULES; do
		# the module and what it depends on, where it is not built in
		for f in $(sed -n "s,^\([^:]*/$m\.ko\):\(.*\),\1 \2,p" "$mods/modules.dep"); do
			mkdir -p "$ir/lib/modules/$rel/$(dirname "$f")"
			cp "$mods/$f" "$ir/lib/modules/$rel/$f"
		done
		if grep -q "/$m\.ko:" "$mods/modules.dep"; then echo "$m" >>"$ir/boot-modules"; fi
	done
	cp scripts/kernel-matrix-init.sh "$ir/init"
	chmod 755 "$ir/init"
	(cd "$ir" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$dir/initramfs.cpio.gz"
}

# After `timeout` ended a run: a result line naming the last test that ended.
timed_out() {
	local rc=$1 log=$2 last
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		last=$(grep -a -E '^(ok|FAIL|skip) ' "$log" | tail -n 1 | sed 's/^[a-zA-Z]* *//' || true)
		echo "oxlua-matrix-result: FAIL timed out after ${MATRIX_TIMEOUT:-720} s (last test to end: ${last:-none})" >>"$log"
	fi
}

declare -a RESULTS=()
failed=0
total=0

# Run one kernel; $1 label, $2 log, rest: the command. Streams its output
# prefixed, keeps the log, and records the result line.
record() {
	local name=$1 how=$2 log=$3 start=$4 rc=$5 line secs
	secs=$(($(date +%s) - start))
	line=$(grep -a 'oxlua-matrix-result: ' "$log" | tail -n 1 | sed 's/.*oxlua-matrix-result: //' | tr -d '\r' || true)
	total=$((total + 1))
	if [ "$rc" -ne 0 ] && [ -z "$line" ]; then line="FAIL $how exited with status $rc"; fi
	[ -n "$line" ] || line="FAIL no result line"
	case "$line" in PASS*) ;; *) failed=$((failed + 1)) ;; esac
	RESULTS+=("kernel $name ($how): $line (${secs} s)")
}

run_guest() {
	local pkg rel dir log sock vpid start rc=0 expect=kprobe env
	pkg=$(resolve_pkg "$1")
	echo "kernel-matrix: $pkg"
	rel=$(fetch_kernel "$pkg")
	dir=$M/$rel
	make_initramfs "$dir" "$rel"
	log=$M/$rel.log
	sock=$dir/virtiofs.sock
	env=$dir/guest.env
	cat >"$env" <<EOF
WT='$WT'
BUILD='$BUILD'
MODDIR='$dir/root/lib/modules'
SPECS='${MATRIX_SPECS:-$(default_specs)}'
EXPECT='$expect'
TEST_MODULES='$TEST_MODULES'
EOF
	rm -f "$sock"
	# (qemu stays in the terminal's process group, so Ctrl-C ends it too)
	/usr/lib/qemu/virtiofsd --socket-path="$sock" -o source=/ -o sandbox=chroot \
		-o cache=auto -o log_level=err >"$dir/virtiofsd.log" 2>&1 &
	vpid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	start=$(date +%s)
	timeout --foreground -k 10 "${MATRIX_TIMEOUT:-720}" qemu-system-x86_64 -accel tcg -cpu max -smp 2 \
		-m "${MATRIX_MEM:-2G}" -display none -serial stdio -monitor none -no-reboot \
		-object memory-backend-memfd,id=mem,size="${MATRIX_MEM:-2G}",share=on -numa node,memdev=mem \
		-chardev socket,id=vfs,path="$sock" -device vhost-user-fs-pci,chardev=vfs,tag=hostroot \
		-kernel "$dir/root/boot/vmlinuz-$rel" -initrd "$dir/initramfs.cpio.gz" \
		-append "console=ttyS0 loglevel=4 panic=-1 oxlua.env=$env" </dev/null 2>&1 |
		sed -u 's/\r$//' | tee "$log" | sed -u "s/^/[$rel] /" || rc=$?
	rc=${PIPESTATUS[0]}
	kill "$vpid" 2>/dev/null || true
	wait "$vpid" 2>/dev/null || true
	rm -f "$sock"
	timed_out "$rc" "$log"
	record "$rel" qemu "$log" "$start" "$rc"
}

run_host() {
	local log=$M/host.log start rc=0
	start=$(date +%s)
	timeout -k 10 "${MATRIX_TIMEOUT:-720}" "$0" --inside host auto 2>&1 | tee "$log" |
		sed -u "s/^/[host] /" || rc=$?
	rc=${PIPESTATUS[0]}
	timed_out "$rc" "$log"
	record "$(uname -r)" host "$log" "$start" "$rc"
}

t0=$(date +%s)
for k in ${MATRIX_KERNELS:-linux-image-cloud-amd64}; do
	run_guest "$k"
done
if [ "${MATRIX_HOST:-1}" != 0 ]; then run_host; fi

echo
for r in "${RESULTS[@]}"; do echo "$r"; done
echo "kernel-matrix: $((total - failed)) of $total kernels passed ($(($(date +%s) - t0)) s)"
[ "$failed" -eq 0 ]
