/* bpffs.c - the bpf filesystem pins live on: mounted at /sys/fs/bpf when
 * it is missing there. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "kernel/bpffs.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

int ox_bpffs_ensure(const char *path, struct ox_err *err)
{
	char dir[4096];
	struct statfs fs;
	char *slash;
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = 0;
	if (statfs(dir, &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (!strcmp(dir, "/sys/fs/bpf") &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") == 0)
		return 0;
	return ox_errf(err, ENOTDIR, "pin path %s: %s is not on a bpf filesystem (mount -t bpf "
		       "bpf /sys/fs/bpf)", path, dir);
}
