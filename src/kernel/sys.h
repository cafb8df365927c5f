/* sys.h - the bpf(2) and perf_event_open(2) boundary: every call the engine
 * makes, logged with OXLUA_LOG=debug. */
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
int ox_btf_info(int fd, struct bpf_btf_info *info);

/* One typed wrapper per command: each returns the new fd (or 0) and -1 with
 * errno set; nothing outside src/kernel/ fills a union bpf_attr. */

struct ox_map_create_attr {
	uint32_t type, key_size, value_size, max_entries, flags;
	int inner_fd;			/* map-in-map template, or -1 */
	uint32_t numa_node;		/* with BPF_F_NUMA_NODE in flags */
	uint64_t map_extra;
	const char *name;		/* at most 15 bytes are taken */
	int btf_fd;			/* -1: none */
	uint32_t btf_key, btf_value;	/* type ids in btf_fd */
	uint32_t btf_vmlinux_value;	/* struct_ops: the kernel's value type (with btf_fd) */
};
int ox_map_create(const struct ox_map_create_attr *m);

struct ox_prog_load_attr {
	uint32_t type, expected_attach_type, attach_btf_id, kern_version, flags;
	const void *insns;		/* struct bpf_insn[insn_cnt] */
	uint32_t insn_cnt;
	const char *license, *name;
	int btf_fd;			/* -1: no func_info/line_info */
	const void *func_info, *line_info;
	uint32_t func_info_cnt, func_info_rec_size, line_info_cnt, line_info_rec_size;
	char *log;			/* NULL: no log */
	uint32_t log_size, log_level;
	const int *fd_array;		/* module BTF fds named by kfunc calls, or NULL */
};
int ox_prog_load(const struct ox_prog_load_attr *p);

/* BPF_BTF_LOAD; log may be NULL (log_size and log_level 0). */
int ox_btf_load(const void *data, uint32_t size, char *log, uint32_t log_size, uint32_t log_level);
int ox_btf_get_next_id(uint32_t id, uint32_t *next);
int ox_btf_get_fd_by_id(uint32_t id);

int ox_link_create(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags,
		   uint64_t cookie);
int ox_prog_attach(int target_fd, int prog_fd, uint32_t attach_type, uint32_t flags);
int ox_prog_detach(int target_fd, int prog_fd, uint32_t attach_type);
/* BPF_RAW_TRACEPOINT_OPEN; name NULL or "" for a tracing program's own target. */
int ox_raw_tp_open(const char *name, int prog_fd);

/* Batches: *count in, how many were done out (also on failure). */
int ox_map_lookup_batch(int fd, const void *in_batch, void *out_batch, void *keys, void *values,
			uint32_t *count);
int ox_map_update_batch(int fd, const void *keys, const void *values, uint32_t *count,
			uint64_t elem_flags);

struct ox_test_run_attr {
	int prog_fd;
	uint32_t repeat, flags, cpu;
	const void *data_in, *ctx_in;
	uint32_t data_size_in, ctx_size_in;
	void *data_out, *ctx_out;	/* with their sizes in, what was written out */
	uint32_t data_size_out, ctx_size_out;
	uint32_t retval, duration;	/* out */
};
int ox_prog_test_run(struct ox_test_run_attr *t);

/* perf_event_open(2) with the logging of the bpf() wrappers. attr is a
 * struct perf_event_attr. */
int ox_perf_event_open(void *attr, int pid, int cpu, int group, unsigned long flags);

/* Number of possible CPUs (/sys/devices/system/cpu/possible), >= 1. */
int ox_possible_cpus(void);

static inline uint64_t ox_ptr(const void *p) { return (uint64_t)(uintptr_t)p; }

#endif
