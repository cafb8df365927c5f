/* struct_ops.c - a struct_ops map as the kernel wants it: the object's
 * struct (struct tcp_congestion_ops, with some members set) laid out again
 * as the running kernel's, inside the kernel's value type
 * (struct bpf_struct_ops_tcp_congestion_ops, whose member `data` is the
 * struct). Its programs load with the kernel struct's BTF id and, as
 * expected attach type, the index of the member they fill. No kernel calls
 * here but what load.c makes with the results. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/struct_ops.h"

/* A local type name without its ___flavor suffix. */
static void base_name(const char *name, char *out, size_t len)
{
	const char *f = strstr(name, "___");
	size_t n = f ? (size_t)(f - name) : strlen(name);
	snprintf(out, len, "%.*s", (int)n, name);
}

static int member_named(const struct btf *btf, const struct btf_type *st, const char *name)
{
	for (uint32_t i = 0; i < btf_vlen(st); i++)
		if (!strcmp(btf_str(btf, btf_members(st)[i].name_off), name))
			return (int)i;
	return -1;
}

static int is_func_ptr(const struct btf *btf, uint32_t type)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, type));
	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return 0;
	t = btf_type_by_id(btf, btf_resolve(btf, t->type));
	return t && btf_kind(t) == BTF_KIND_FUNC_PROTO;
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

int ox_struct_ops_prepare(const struct ox_object *obj, int idx, const struct btf *kbtf,
			  struct ox_struct_ops *so, struct ox_err *err)
{
	const struct ox_mapdef *d = &obj->maps[idx];
	const struct btf *btf = obj->btf;
	const struct btf_type *lt = btf_type_by_id(btf, d->def_type), *kt, *vt;
	char name[128], vname[160];
	int data_m;
	uint32_t data_off;
	int64_t vsize;

	memset(so, 0, sizeof *so);
	base_name(btf_name(btf, d->def_type), name, sizeof name);
	if (!(so->kern_type = btf_find(kbtf, name, BTF_KIND_STRUCT)))
		return ox_errf(err, ENOENT, "struct_ops '%s': the kernel's BTF has no struct %s",
			       d->name, name);
	snprintf(vname, sizeof vname, "bpf_struct_ops_%s", name);
	if (!(so->value_type = btf_find(kbtf, vname, BTF_KIND_STRUCT)))
		return ox_errf(err, ENOENT, "struct_ops '%s': the kernel has no struct_ops of type "
			       "struct %s (no struct %s in its BTF)", d->name, name, vname);
	kt = btf_type_by_id(kbtf, so->kern_type);
	vt = btf_type_by_id(kbtf, so->value_type);
	if ((data_m = member_named(kbtf, vt, "data")) < 0)
		return ox_errf(err, EINVAL, "struct_ops '%s': struct %s has no member 'data'",
			       d->name, vname);
	data_off = btf_member_bit_offset(vt, (uint32_t)data_m) / 8;
	vsize = btf_size(kbtf, so->value_type);
	if (vsize <= 0 || vsize > (1 << 20) || data_off + (uint64_t)kt->size > (uint64_t)vsize)
		return ox_errf(err, EINVAL, "struct_ops '%s': struct %s has an unusable layout",
			       d->name, vname);
	so->value_size = (uint32_t)vsize;
	if (!(so->value = calloc(1, so->value_size)) ||
	    !(so->member = calloc(d->nr_slots + 1, sizeof *so->member)) ||
	    !(so->offset = calloc(d->nr_slots + 1, sizeof *so->offset))) {
		ox_struct_ops_free(so);
		return ox_errf(err, ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < btf_vlen(lt); i++) {
		const struct btf_member *lm = &btf_members(lt)[i];
		const char *mname = btf_str(btf, lm->name_off);
		uint32_t loff = btf_member_bit_offset(lt, i) / 8, koff;
		int64_t lsize = btf_size(btf, lm->type), ksize;
		int j = member_named(kbtf, kt, mname), slot = -1;
		for (uint32_t s = 0; s < d->nr_slots; s++)
			if (d->slots[s].index == i)
				slot = (int)s;
		if (btf_member_bitfield_size(lt, i) || lsize <= 0 ||
		    loff + (uint64_t)lsize > lt->size) {
			uint32_t bits = btf_member_bitfield_size(lt, i);
			uint32_t n = (btf_member_bit_offset(lt, i) % 8 + bits + 7) / 8;
			if (slot < 0 && (!bits || (loff + (uint64_t)n <= lt->size &&
						   all_zero(d->data + loff, n))))
				continue;	/* unset (or nothing to copy) */
			ox_struct_ops_free(so);
			return ox_errf(err, EINVAL, "struct_ops '%s': member '%s' is a bitfield; set "
				       "it from the program instead", d->name, mname);
		}
		if (j < 0) {
			if (slot < 0 && all_zero(d->data + loff, (size_t)lsize))
				continue;	/* unset: the kernel need not have it */
			ox_struct_ops_free(so);
			return ox_errf(err, EINVAL, "struct_ops '%s': member '%s' is set, but the "
				       "kernel's struct %s has no such member", d->name, mname, name);
		}
		koff = btf_member_bit_offset(kt, (uint32_t)j) / 8;
		ksize = btf_size(kbtf, btf_members(kt)[j].type);
		if (is_func_ptr(kbtf, btf_members(kt)[j].type)) {
			if (slot >= 0) {
				so->member[slot] = (uint32_t)j;
				so->offset[slot] = data_off + koff;
			} else if (!all_zero(d->data + loff, (size_t)lsize)) {
				ox_struct_ops_free(so);
				return ox_errf(err, EINVAL, "struct_ops '%s': member '%s' is a function "
					       "that points to no program", d->name, mname);
			}
			continue;
		}
		if (slot >= 0 || ksize != lsize) {
			if (slot < 0 && all_zero(d->data + loff, (size_t)lsize))
				continue;
			ox_struct_ops_free(so);
			return ox_errf(err, EINVAL, "struct_ops '%s': member '%s' has %lld bytes here "
				       "and %lld in the kernel's struct %s%s", d->name, mname,
				       (long long)lsize, (long long)ksize, name,
				       slot >= 0 ? " (a program where the kernel has data)" : "");
		}
		memcpy(so->value + data_off + koff, d->data + loff, (size_t)lsize);
	}
	return 0;
}

int ox_struct_ops_slot_of(const struct ox_object *obj, const char *prog, int *map, int *slot)
{
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		const struct ox_mapdef *d = &obj->maps[i];
		if (d->kind != OX_MAP_STRUCT_OPS)
			continue;
		for (uint32_t s = 0; s < d->nr_slots; s++)
			if (!strcmp(d->slots[s].target, prog)) {
				*map = (int)i;
				*slot = (int)s;
				return 0;
			}
	}
	return -1;
}

void ox_struct_ops_set_prog(struct ox_struct_ops *so, int slot, int prog_fd)
{
	uint64_t v = prog_fd >= 0 ? (uint64_t)prog_fd : 0;	/* the kernel reads an fd there */
	memcpy(so->value + so->offset[slot], &v, sizeof v);
}

void ox_struct_ops_free(struct ox_struct_ops *so)
{
	free(so->value);
	free(so->member);
	free(so->offset);
	memset(so, 0, sizeof *so);
}
