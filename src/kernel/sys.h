/* sys.h - thin bpf(2) wrappers. Every call is logged with OXLUA_LOG=debug. */
#ifndef OXLUA_SYS_H
#define OXLUA_SYS_H

#include <stdint.h>
#include <stddef.h>
#include <linux/bpf.h>

/* bpf(cmd, attr, size); returns the syscall result, errno set on failure.
 * size is the number of attr bytes the caller filled (the rest must be 0). */
long ox_bpf(int cmd, union bpf_attr *attr, unsigned size);

int ox_map_lookup(int fd, const void *key, void *value, uint64_t flags);
int ox_map_update(int fd, const void *key, const void *value, uint64_t flags);
int ox_map_delete(int fd, const void *key);
int ox_map_next_key(int fd, const void *key, void *next);
int ox_map_freeze(int fd);
int ox_obj_pin(int fd, const char *path);
int ox_obj_get(const char *path);
int ox_map_info(int fd, struct bpf_map_info *info);
int ox_prog_info(int fd, struct bpf_prog_info *info);

/* Number of possible CPUs (/sys/devices/system/cpu/possible), >= 1. */
int ox_possible_cpus(void);

static inline uint64_t ox_ptr(const void *p) { return (uint64_t)(uintptr_t)p; }

#endif
