#!/bin/busybox sh
# kernel-matrix-init.sh - /init of the guest's initramfs (scripts/kernel-matrix.sh).
#
# Loads the modules needed to reach the host's root filesystem (virtiofs, tag
# hostroot), mounts it read-only with a tmpfs overlay on top, mounts the
# kernel filesystems the tests use, then chroots into it and runs
# `scripts/kernel-matrix.sh --inside`. The settings come from the file named
# by oxlua.env= on the kernel command line. Powers the machine off at the end.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "oxlua-matrix-result: FAIL guest setup: $*"
	poweroff -f
}

while read -r m; do
	modprobe "$m" || fail "modprobe $m"
done </boot-modules

mount -t virtiofs -o ro hostroot /lower || fail "mount virtiofs hostroot"
mount -t tmpfs -o size=1g,mode=755 rw /rw || fail "mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	fail "mount overlay"

env=$(sed -n 's/.*oxlua\.env=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$env" ] && [ -f "/newroot$env" ] || fail "no oxlua.env file ($env)"
. "/newroot$env"

# The package's modules, for the tests' modules and the kernel's autoloading
# (/sbin/modprobe here is busybox's).
mount --bind "/newroot$MODDIR/$(uname -r)" "/lib/modules/$(uname -r)" || fail "bind modules"
for m in $TEST_MODULES; do modprobe "$m" || echo "oxlua-matrix: modprobe $m failed"; done

R=/newroot
# the kernel's config where a Debian system keeps it (for CONFIG_* externs)
mkdir -p $R/boot
cp "/newroot$MODDIR/../../boot/config-$(uname -r)" $R/boot/ || echo "oxlua-matrix: no kernel config"
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs tmpfs $R/run
mount -t tracefs tracefs $R/sys/kernel/tracing
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mount -t bpf bpf $R/sys/fs/bpf
# the host's layout: cgroup v2 at /sys/fs/cgroup/unified
mount -t tmpfs -o mode=755 cgroup $R/sys/fs/cgroup
mkdir -p $R/sys/fs/cgroup/unified
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup/unified
ip link set lo up
hostname oxlua-matrix

echo "oxlua-matrix: guest up after $(cut -d' ' -f1 /proc/uptime) s"
chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 OXLUA_BUILD="$BUILD" MATRIX_SPECS="$SPECS" \
	/bin/bash "$WT/scripts/kernel-matrix.sh" --inside qemu "$EXPECT" ||
	echo "oxlua-matrix-result: FAIL the run in the guest exited with $?"
poweroff -f
