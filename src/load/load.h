/* load.h - creating a version's maps and loading its programs into the kernel. */
#ifndef OXLUA_LOAD_H
#define OXLUA_LOAD_H

#include "object/object.h"
#include "load/struct_ops.h"

/* Overrides for one map, applied before it is created. */
#define OX_MO_MAX_ENTRIES 0x01
#define OX_MO_KEY_SIZE    0x02
#define OX_MO_VALUE_SIZE  0x04
#define OX_MO_FLAGS       0x08
#define OX_MO_NUMA_NODE   0x10
#define OX_MO_TYPE        0x20
struct ox_map_opts {
	const char *name;
	unsigned mask;		/* OX_MO_* */
	uint32_t type, max_entries, key_size, value_size, map_flags, numa_node;
	const char *pin;	/* pin path: reuse when compatible, else create and pin */
};

/* A global's initial value (bytes of its size), set before load. */
struct ox_global_init {
	int global;		/* index in obj->globals */
	const void *data;
};

struct ox_load_opts {
	const char *const *progs;	/* entry functions to load */
	uint32_t nr_progs;
	const struct ox_map_opts *maps;
	uint32_t nr_maps;
	const struct ox_global_init *globals;
	uint32_t nr_globals;
	const char *pin_root;		/* for LIBBPF_PIN_BY_NAME; default /sys/fs/bpf */
	const char *kconfig_path;	/* NULL: the running kernel's */
	uint32_t log_level;		/* 0: log only on failure */
	uint32_t log_size;		/* first log buffer size; 0: 64 KiB */
	const char *btf_path;		/* BTF for CO-RE relocations in place of the kernel's
					 * (raw BTF or an ELF file with .BTF); NULL: the kernel's */
	const char *sysfs_btf_dir;	/* where the kernel's BTF is; NULL: /sys/kernel/btf */
};

struct ox_inst_map {
	int fd;			/* -1: not created by this instance */
	uint32_t type, key_size, value_size, max_entries, map_flags;
	char *pin;		/* pinned at */
	int reused;		/* taken from an existing pin */
	struct ox_struct_ops st;	/* struct_ops maps: the value registering writes */
};

struct ox_inst_prog {
	int func;		/* index in obj->funcs */
	int fd;
	uint32_t insn_cnt;
	char *log;		/* verifier log when log_level > 0 */
};

struct ox_instance {
	struct ox_object *obj;
	int btf_fd;
	int btf_func;		/* the kernel knows BTF FUNCs: func_info and line_info go along */
	int closed;		/* set by ox_instance_close */
	uint32_t kver;		/* the running kernel's version code */
	struct ox_inst_map *maps;	/* obj->nr_maps entries */
	struct ox_inst_prog *progs;
	uint32_t nr_progs;
};

/* Load the given programs and the maps they use. On failure nothing created
 * stays behind; err names the program or map, the errno and the reason, and
 * *log (malloc'd, may be NULL) holds the whole verifier log. */
struct ox_instance *ox_load(struct ox_object *obj, const struct ox_load_opts *opts,
			    struct ox_err *err, char **log);
/* Close every fd; idempotent. Pinned maps stay pinned. */
void ox_instance_close(struct ox_instance *inst);
void ox_instance_free(struct ox_instance *inst);

int ox_inst_find_prog(const struct ox_instance *inst, const char *name);

#endif
