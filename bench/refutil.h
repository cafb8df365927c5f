/* refutil.h - what the libbpf reference programs of bench/ share: setting a
 * .rodata variable before load, the producer's FIFOs, libbpf's log level.
 * Define FIFO_TAG (a word for the FIFO names) before including. */
#ifndef OXLUA_BENCH_REFUTIL_H
#define OXLUA_BENCH_REFUTIL_H

/* Write a u32 .rodata variable of the unloaded object, found through BTF. */
static int set_rodata(struct bpf_object *obj, const char *name, uint32_t value)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf_type *sec;
	const struct btf_var_secinfo *vs;
	const void *init;
	size_t size;
	char data[4096];
	int id;
	if (!btf || !map || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) < 0)
		return -1;
	if (!(init = bpf_map__initial_value(map, &size)) || size > sizeof data)
		return -1;
	memcpy(data, init, size);
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		if (!strcmp(btf__name_by_offset(btf, var->name_off), name) &&
		    vs->offset + sizeof value <= size) {
			memcpy(data + vs->offset, &value, sizeof value);
			return bpf_map__set_initial_value(map, data, size);
		}
	}
	return -1;
}

static void release(const char *path)
{
	int fd = open(path, O_WRONLY);
	if (fd >= 0)
		close(fd);
	unlink(path);
}

static int fifo(char *path, size_t size, const char *what)
{
	snprintf(path, size, "/tmp/oxlua-%s-%ld-%s", FIFO_TAG, (long)getpid(), what);
	unlink(path);
	return mkfifo(path, 0600);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

#endif
