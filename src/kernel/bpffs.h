/* bpffs.h - the bpf filesystem. */
#ifndef OXLUA_KERNEL_BPFFS_H
#define OXLUA_KERNEL_BPFFS_H

#include "common.h"

/* 0 when path's directory is on bpffs (mounting it at /sys/fs/bpf when
 * that is where the path goes and nothing is mounted there); else -1, err
 * saying so (ENOTDIR). */
int ox_bpffs_ensure(const char *path, struct ox_err *err);

#endif
