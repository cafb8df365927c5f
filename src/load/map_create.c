/* map_create.c - a version's maps in the kernel: overrides applied and
 * checked, pinned maps reused when they match, the rest created (with BTF
 * where the kernel takes it), initial values written and .rodata frozen;
 * map-in-map and prog_array slots filled once everything exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/bpffs.h"
#include "kernel/kconfig.h"
#include "kernel/sys.h"
#include "load/internal.h"
#include "object/externs.h"
#include "object/maps.h"

static const struct ox_map_opts *map_opts(const struct ox_load_opts *o, const char *name)
{
	for (uint32_t i = 0; i < o->nr_maps; i++)
		if (!strcmp(o->maps[i].name, name))
			return &o->maps[i];
	return NULL;
}

static int btf_ok_for(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS: case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_CGROUP_ARRAY: case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_QUEUE: case BPF_MAP_TYPE_STACK:	/* keyless */
	case 30 /* BLOOM_FILTER */:
	case 27 /* RINGBUF */: case 31 /* USER_RINGBUF */:
		return 0;
	default:
		return 1;
	}
}

static int reuse_pinned(struct ox_inst_map *im, const char *name, const char *path,
			struct ox_err *err)
{
	struct bpf_map_info info;
	char what[160] = "";
	int fd = ox_obj_get(path);
	if (fd < 0)
		return ox_load_os_err(err, errno, "map '%s'", name, "opening pinned map");
	if (ox_map_info(fd, &info)) {
		int e = errno;
		close(fd);
		return ox_load_os_err(err, e, "map '%s'", name, "reading pinned map info");
	}
#define CHECK(field, wanted) \
	if (!what[0] && info.field != (wanted)) \
		snprintf(what, sizeof what, #field " %u (pinned) vs %u (wanted)", \
			 (unsigned)info.field, (unsigned)(wanted));
	CHECK(type, im->type)
	CHECK(key_size, im->key_size)
	CHECK(value_size, im->value_size)
	CHECK(max_entries, im->max_entries)
	CHECK(map_flags, im->map_flags)
#undef CHECK
	if (what[0]) {
		close(fd);
		return ox_errf(err, EINVAL, "map '%s': pinned map at %s does not match: %s",
			       name, path, what);
	}
	im->fd = fd;
	im->reused = 1;
	ox_log("map '%s': reusing pinned map %s", name, path);
	return 0;
}

static int make_map(struct ox_instance *inst, int idx, int inner_fd, struct ox_err *err)
{
	struct ox_mapdef *d = &inst->obj->maps[idx];
	struct ox_inst_map *im = &inst->maps[idx];
	struct ox_map_create_attr a;
	char name[16];
	int fd, with_btf, e;
	memset(&a, 0, sizeof a);
	a.type = im->type;
	a.key_size = im->key_size;
	a.value_size = im->value_size;
	a.max_entries = im->max_entries;
	a.flags = im->map_flags;
	a.inner_fd = inner_fd;
	if (d->numa_node) {
		a.flags |= BPF_F_NUMA_NODE;
		a.numa_node = d->numa_node;
	}
	a.map_extra = d->map_extra;
	if (d->kind == OX_MAP_USER)
		ox_load_kname(name, d->name, NULL);
	else
		ox_load_kname(name, inst->obj->prefix, d->name);
	a.name = name;
	a.btf_fd = -1;
	if (im->st.value_type) {	/* struct_ops: the kernel's type, with the object's BTF */
		a.btf_vmlinux_value = im->st.value_type;
		a.btf_fd = inst->btf_fd;
	}
	with_btf = inst->btf_fd >= 0 && (d->btf_value || d->btf_key) && btf_ok_for(im->type);
	if (with_btf) {
		a.btf_fd = inst->btf_fd;
		a.btf_key = d->btf_key;
		a.btf_value = d->btf_value;
	}
	fd = ox_map_create(&a);
	if (fd < 0 && with_btf) {	/* some kernels reject BTF for some types */
		a.btf_fd = -1;
		a.btf_key = a.btf_value = 0;
		fd = ox_map_create(&a);
	}
	if (fd < 0) {
		char what[160];
		snprintf(what, sizeof what, "creating %s map (key %u, value %u, max_entries %u, "
			 "flags 0x%x)", ox_map_type_name(im->type), im->key_size, im->value_size,
			 im->max_entries, im->map_flags);
		e = errno;
		ox_load_os_err(err, e, "map '%s'", d->name, what);
		ox_load_size_hint(err, im->key_size, im->value_size, im->max_entries);
		return -1;
	}
	im->fd = fd;
	return 0;
}

static int init_data(struct ox_instance *inst, int idx, const struct ox_load_opts *o,
		     struct ox_err *err)
{
	struct ox_object *obj = inst->obj;
	struct ox_mapdef *d = &obj->maps[idx];
	struct ox_inst_map *im = &inst->maps[idx];
	uint32_t zero = 0;
	uint8_t *buf;
	int rc = 0, dirty = d->kind != OX_MAP_BSS;
	if (d->kind == OX_MAP_USER || d->kind == OX_MAP_STRUCT_OPS || im->reused)
		return 0;	/* (writing a struct_ops map registers it: that is attaching) */
	if (!(buf = calloc(1, im->value_size)))
		return ox_errf(err, ENOMEM, "out of memory");
	if (d->data)
		memcpy(buf, d->data, d->value_size < im->value_size ? d->value_size : im->value_size);
	if (d->kind == OX_MAP_KCONFIG && ox_kconfig_fill(obj, buf, o->kconfig_path, err)) {
		free(buf);
		return -1;
	}
	for (uint32_t i = 0; i < o->nr_globals; i++) {
		const struct ox_global *g = &obj->globals[o->globals[i].global];
		if (g->map != idx)
			continue;
		memcpy(buf + g->off, o->globals[i].data, g->size);
		dirty = 1;
	}
	if (dirty && ox_map_update(im->fd, &zero, buf, 0))
		rc = ox_load_os_err(err, errno, "map '%s'", d->name, "writing initial value");
	free(buf);
	if (!rc && (d->kind == OX_MAP_RODATA || d->kind == OX_MAP_KCONFIG) && ox_map_freeze(im->fd)) {
		if (errno == EINVAL || errno == ENOTSUPP)
			ox_log("map '%s': this kernel cannot freeze maps", d->name);
		else
			rc = ox_load_os_err(err, errno, "map '%s'", d->name, "freezing");
	}
	return rc;
}

int ox_load_create_map(struct ox_instance *inst, int idx, const struct ox_load_opts *o,
		       struct ox_err *err)
{
	struct ox_object *obj = inst->obj;
	struct ox_mapdef *d = &obj->maps[idx];
	struct ox_inst_map *im = &inst->maps[idx];
	const struct ox_map_opts *mo = map_opts(o, d->name);
	char path[4096];
	const char *pin = NULL;
	int inner_fd = -1, rc;
	if (im->fd >= 0)
		return 0;
	im->type = d->type, im->key_size = d->key_size, im->value_size = d->value_size;
	im->max_entries = d->max_entries, im->map_flags = d->map_flags;
	if (d->kind == OX_MAP_STRUCT_OPS)
		im->value_size = im->st.value_size;	/* the kernel's value type */
	if (mo) {
		if (mo->mask & OX_MO_TYPE) im->type = mo->type;
		if (mo->mask & OX_MO_MAX_ENTRIES) im->max_entries = mo->max_entries;
		if (mo->mask & OX_MO_KEY_SIZE) im->key_size = mo->key_size;
		if (mo->mask & OX_MO_VALUE_SIZE) im->value_size = mo->value_size;
		if (mo->mask & OX_MO_FLAGS) im->map_flags = mo->map_flags;
		pin = mo->pin;
	}
	if (im->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		int ncpu = ox_possible_cpus();
		if (!im->key_size) im->key_size = 4;
		if (!im->value_size) im->value_size = 4;
		if (!im->max_entries || im->max_entries > (uint32_t)ncpu)
			im->max_entries = (uint32_t)ncpu;
	}
	if (im->type == OX_MAP_TYPE_RINGBUF || im->type == OX_MAP_TYPE_USER_RINGBUF) {
		uint32_t n = ox_ringbuf_size(im->max_entries);
		if (n != im->max_entries)
			ox_log("map '%s': ring buffer of %u bytes rounded up to %u", d->name,
			       im->max_entries, n);
		im->max_entries = n;
	}
	if (ox_map_check(d->name, im->type, im->key_size, im->value_size, im->max_entries, err))
		return -1;
	if (!pin && d->pinning == 1) {
		if (snprintf(path, sizeof path, "%s/%s", o->pin_root ? o->pin_root : "/sys/fs/bpf",
			     d->name) >= (int)sizeof path)
			return ox_errf(err, ENAMETOOLONG, "map '%s': pin path longer than %zu bytes",
				       d->name, sizeof path - 1);
		pin = path;
	}
	if (pin) {
		if (!(im->pin = strdup(pin)))
			return ox_errf(err, ENOMEM, "out of memory");
		if (access(pin, F_OK) == 0)
			return reuse_pinned(im, d->name, pin, err);
		if (ox_bpffs_ensure(pin, err))
			return ox_errprefix(err, "map '%s'", d->name);
	}
	if (d->inner >= 0) {	/* a template for the inner maps, closed once used */
		if (ox_load_create_map(inst, d->inner, o, err))
			return -1;
		inner_fd = inst->maps[d->inner].fd;
	}
	rc = make_map(inst, idx, inner_fd, err);
	if (inner_fd >= 0) {
		close(inner_fd);
		inst->maps[d->inner].fd = -1;
	}
	return rc ? rc : init_data(inst, idx, o, err);
}

int ox_load_fill_slots(struct ox_instance *inst, struct ox_err *err)
{
	struct ox_object *obj = inst->obj;
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		const struct ox_mapdef *d = &obj->maps[i];
		if (d->kind == OX_MAP_STRUCT_OPS)	/* members, not keys: see ox_struct_ops_* */
			continue;
		for (uint32_t s = 0; inst->maps[i].fd >= 0 && s < d->nr_slots; s++) {
			const struct ox_slot *sl = &d->slots[s];
			int fd = -1;
			if (sl->index >= inst->maps[i].max_entries)
				return ox_errf(err, EINVAL, "map '%s': initial slot %u is beyond "
					       "max_entries %u", d->name, sl->index,
					       inst->maps[i].max_entries);
			if (sl->is_prog) {
				int p = ox_inst_find_prog(inst, sl->target);
				if (p < 0) {
					ox_log("map '%s': slot %u: program '%s' not loaded; left empty",
					       d->name, sl->index, sl->target);
					continue;
				}
				fd = inst->progs[p].fd;
			} else {
				fd = inst->maps[ox_object_find_map(obj, sl->target)].fd;
			}
			if (ox_map_update(inst->maps[i].fd, &sl->index, &fd, 0)) {
				char what[300];
				snprintf(what, sizeof what, "setting slot %u to '%s'", sl->index, sl->target);
				return ox_load_os_err(err, errno, "map '%s'", d->name, what);
			}
		}
	}
	return 0;
}

