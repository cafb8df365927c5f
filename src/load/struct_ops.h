/* struct_ops.h - struct_ops maps laid out for the running kernel. */
#ifndef OXLUA_STRUCT_OPS_H
#define OXLUA_STRUCT_OPS_H

#include "object/object.h"

struct ox_struct_ops {
	uint32_t kern_type;	/* the kernel's struct (tcp_congestion_ops): the programs'
				 * attach_btf_id */
	uint32_t value_type;	/* bpf_struct_ops_<name>: the map's btf_vmlinux_value_type_id */
	uint32_t value_size;
	uint8_t *value;		/* what registering writes: the object's values in the
				 * kernel's layout, program fds in the function members */
	uint32_t *member;	/* per slot of the map: the kernel member's index (the
				 * program's expected attach type) */
	uint32_t *offset;	/* per slot: where its program fd goes in value */
};

/* Lay out map idx (a struct_ops map) by the kernel's BTF kbtf. Members the
 * object leaves unset may be missing from the kernel's struct; set ones must
 * be there with the same size. Errors name the map and the member. */
int ox_struct_ops_prepare(const struct ox_object *obj, int idx, const struct btf *kbtf,
			  struct ox_struct_ops *so, struct ox_err *err);
/* The struct_ops map and slot whose member is program prog; -1 if none. */
int ox_struct_ops_slot_of(const struct ox_object *obj, const char *prog, int *map, int *slot);
/* Put a loaded program's fd (or nothing, for -1) in its slot's member. */
void ox_struct_ops_set_prog(struct ox_struct_ops *so, int slot, int prog_fd);
void ox_struct_ops_free(struct ox_struct_ops *so);

#endif
