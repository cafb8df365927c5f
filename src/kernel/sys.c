/* sys.c - the bpf(2) and perf_event_open(2) wrappers, one per command, with
 * debug logging of command, arguments and result. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <unistd.h>

#include "common.h"
#include "kernel/names.h"
#include "kernel/sys.h"

static void log_call(int cmd, const union bpf_attr *a, long ret, int err)
{
	char args[256] = "";
	switch (cmd) {
	case BPF_MAP_CREATE:
		snprintf(args, sizeof args, "type=%s name=%.16s key=%u value=%u max=%u flags=0x%x",
			 ox_map_type_name(a->map_type), a->map_name, a->key_size,
			 a->value_size, a->max_entries, a->map_flags);
		break;
	case BPF_PROG_LOAD:
		snprintf(args, sizeof args, "type=%s name=%.16s insns=%u attach=%s log_level=%u btf_fd=%d",
			 ox_prog_type_name(a->prog_type), a->prog_name, a->insn_cnt,
			 ox_attach_type_name(a->expected_attach_type), a->log_level,
			 (int)a->prog_btf_fd);
		break;
	case BPF_MAP_LOOKUP_ELEM: case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM: case BPF_MAP_GET_NEXT_KEY: case BPF_MAP_FREEZE:
		snprintf(args, sizeof args, "map_fd=%u", a->map_fd);
		break;
	case BPF_OBJ_PIN: case BPF_OBJ_GET:
		snprintf(args, sizeof args, "path=%s fd=%u",
			 (const char *)(uintptr_t)a->pathname, a->bpf_fd);
		break;
	case BPF_BTF_LOAD:
		snprintf(args, sizeof args, "size=%u log_level=%u", a->btf_size, a->btf_log_level);
		break;
	case BPF_PROG_TEST_RUN:
		snprintf(args, sizeof args, "prog_fd=%u data_in=%u repeat=%u",
			 a->test.prog_fd, a->test.data_size_in, a->test.repeat);
		break;
	default:
		break;
	}
	if (ret < 0)
		ox_log("bpf(%s, %s) = -1 %s (%s)", ox_bpf_cmd_name(cmd), args,
		       ox_errno_name(err), strerror(err));
	else
		ox_log("bpf(%s, %s) = %ld", ox_bpf_cmd_name(cmd), args, ret);
}

long ox_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
	long ret;
	do
		ret = syscall(__NR_bpf, cmd, attr, size);
	while (ret < 0 && errno == EINTR);
	if (ox_log_enabled()) {
		int e = errno;
		log_call(cmd, attr, ret, e);
		errno = e;
	}
	return ret;
}

#define ATTR_SIZE(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

static int elem_op(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = fd;
	a.key = ox_ptr(key);
	a.value = ox_ptr(value);
	a.flags = flags;
	return ox_bpf(cmd, &a, ATTR_SIZE(flags)) < 0 ? -1 : 0;
}

int ox_map_lookup(int fd, const void *key, void *value, uint64_t flags)
{ return elem_op(BPF_MAP_LOOKUP_ELEM, fd, key, value, flags); }

int ox_map_update(int fd, const void *key, const void *value, uint64_t flags)
{ return elem_op(BPF_MAP_UPDATE_ELEM, fd, key, (void *)value, flags); }

int ox_map_delete(int fd, const void *key)
{ return elem_op(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0); }

int ox_map_next_key(int fd, const void *key, void *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = fd;
	a.key = ox_ptr(key);
	a.next_key = ox_ptr(next);
	return ox_bpf(BPF_MAP_GET_NEXT_KEY, &a, ATTR_SIZE(next_key)) < 0 ? -1 : 0;
}

int ox_map_freeze(int fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = fd;
	return ox_bpf(BPF_MAP_FREEZE, &a, ATTR_SIZE(map_fd)) < 0 ? -1 : 0;
}

int ox_obj_pin(int fd, const char *path)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = ox_ptr(path);
	a.bpf_fd = fd;
	return ox_bpf(BPF_OBJ_PIN, &a, ATTR_SIZE(file_flags)) < 0 ? -1 : 0;
}

int ox_obj_get(const char *path)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = ox_ptr(path);
	return (int)ox_bpf(BPF_OBJ_GET, &a, ATTR_SIZE(file_flags));
}

static int obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	memset(info, 0, len);
	a.info.bpf_fd = fd;
	a.info.info_len = len;
	a.info.info = ox_ptr(info);
	return ox_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, ATTR_SIZE(info)) < 0 ? -1 : 0;
}

int ox_map_info(int fd, struct bpf_map_info *info) { return obj_info(fd, info, sizeof *info); }
int ox_prog_info(int fd, struct bpf_prog_info *info) { return obj_info(fd, info, sizeof *info); }

int ox_btf_info(int fd, struct bpf_btf_info *info)
{	/* the caller's name buffer (info->name, name_len) is kept */
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof *info;
	a.info.info = ox_ptr(info);
	return ox_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, ATTR_SIZE(info)) < 0 ? -1 : 0;
}

static void copy_name(char dst[BPF_OBJ_NAME_LEN], const char *name)
{
	size_t n = name ? strnlen(name, BPF_OBJ_NAME_LEN - 1) : 0;
	memcpy(dst, name, n);
	dst[n] = 0;
}

int ox_map_create(const struct ox_map_create_attr *m)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = m->type;
	a.key_size = m->key_size;
	a.value_size = m->value_size;
	a.max_entries = m->max_entries;
	a.map_flags = m->flags;
	a.inner_map_fd = m->inner_fd > 0 ? (uint32_t)m->inner_fd : 0;
	a.numa_node = m->numa_node;
	a.map_extra = m->map_extra;
	copy_name(a.map_name, m->name);
	if (m->btf_fd >= 0) {
		a.btf_fd = (uint32_t)m->btf_fd;
		a.btf_key_type_id = m->btf_key;
		a.btf_value_type_id = m->btf_value;
		a.btf_vmlinux_value_type_id = m->btf_vmlinux_value;
	}
	return (int)ox_bpf(BPF_MAP_CREATE, &a, ATTR_SIZE(map_extra));
}

int ox_prog_load(const struct ox_prog_load_attr *p)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = p->type;
	a.expected_attach_type = p->expected_attach_type;
	a.attach_btf_id = p->attach_btf_id;
	a.insns = ox_ptr(p->insns);
	a.insn_cnt = p->insn_cnt;
	a.license = ox_ptr(p->license);
	a.kern_version = p->kern_version;
	a.prog_flags = p->flags;
	copy_name(a.prog_name, p->name);
	if (p->btf_fd >= 0) {
		a.prog_btf_fd = (uint32_t)p->btf_fd;
		a.func_info = ox_ptr(p->func_info);
		a.func_info_cnt = p->func_info_cnt;
		a.func_info_rec_size = p->func_info_rec_size;
		a.line_info = ox_ptr(p->line_info);
		a.line_info_cnt = p->line_info_cnt;
		a.line_info_rec_size = p->line_info_rec_size;
	}
	if (p->log) {
		a.log_buf = ox_ptr(p->log);
		a.log_size = p->log_size;
		a.log_level = p->log_level;
	}
	a.fd_array = ox_ptr(p->fd_array);
	return (int)ox_bpf(BPF_PROG_LOAD, &a, ATTR_SIZE(fd_array));
}

int ox_btf_load(const void *data, uint32_t size, char *log, uint32_t log_size, uint32_t log_level)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf = ox_ptr(data);
	a.btf_size = size;
	if (log) {
		a.btf_log_buf = ox_ptr(log);
		a.btf_log_size = log_size;
		a.btf_log_level = log_level;
	}
	return (int)ox_bpf(BPF_BTF_LOAD, &a, ATTR_SIZE(btf_log_level));
}

int ox_btf_get_next_id(uint32_t id, uint32_t *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.start_id = id;
	if (ox_bpf(BPF_BTF_GET_NEXT_ID, &a, ATTR_SIZE(open_flags)) < 0)
		return -1;
	*next = a.next_id;
	return 0;
}

int ox_btf_get_fd_by_id(uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf_id = id;
	return (int)ox_bpf(BPF_BTF_GET_FD_BY_ID, &a, ATTR_SIZE(open_flags));
}

int ox_link_create(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags,
		   uint64_t cookie)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.link_create.prog_fd = (uint32_t)prog_fd;	/* (map_fd for struct_ops) */
	a.link_create.target_fd = (uint32_t)target_fd;
	a.link_create.attach_type = attach_type;
	a.link_create.flags = flags;
	a.link_create.perf_event.bpf_cookie = cookie;
	return (int)ox_bpf(BPF_LINK_CREATE, &a, sizeof a.link_create);
}

int ox_prog_attach(int target_fd, int prog_fd, uint32_t attach_type, uint32_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)target_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = attach_type;
	a.attach_flags = flags;
	return ox_bpf(BPF_PROG_ATTACH, &a, ATTR_SIZE(replace_bpf_fd)) < 0 ? -1 : 0;
}

int ox_prog_detach(int target_fd, int prog_fd, uint32_t attach_type)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)target_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = attach_type;
	return ox_bpf(BPF_PROG_DETACH, &a, ATTR_SIZE(replace_bpf_fd)) < 0 ? -1 : 0;
}

int ox_raw_tp_open(const char *name, int prog_fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.raw_tracepoint.name = name && *name ? ox_ptr(name) : 0;
	a.raw_tracepoint.prog_fd = (uint32_t)prog_fd;
	return (int)ox_bpf(BPF_RAW_TRACEPOINT_OPEN, &a, sizeof a.raw_tracepoint);
}

int ox_map_lookup_batch(int fd, const void *in_batch, void *out_batch, void *keys, void *values,
			uint32_t *count)
{
	union bpf_attr a;
	int rc;
	memset(&a, 0, sizeof a);
	a.batch.map_fd = (uint32_t)fd;
	a.batch.in_batch = ox_ptr(in_batch);
	a.batch.out_batch = ox_ptr(out_batch);
	a.batch.keys = ox_ptr(keys);
	a.batch.values = ox_ptr(values);
	a.batch.count = *count;
	rc = ox_bpf(BPF_MAP_LOOKUP_BATCH, &a, ATTR_SIZE(batch)) < 0 ? -1 : 0;
	*count = a.batch.count;
	return rc;
}

int ox_map_update_batch(int fd, const void *keys, const void *values, uint32_t *count,
			uint64_t elem_flags)
{
	union bpf_attr a;
	int rc;
	memset(&a, 0, sizeof a);
	a.batch.map_fd = (uint32_t)fd;
	a.batch.keys = ox_ptr(keys);
	a.batch.values = ox_ptr(values);
	a.batch.count = *count;
	a.batch.elem_flags = elem_flags;
	rc = ox_bpf(BPF_MAP_UPDATE_BATCH, &a, ATTR_SIZE(batch)) < 0 ? -1 : 0;
	*count = a.batch.count;
	return rc;
}

int ox_prog_test_run(struct ox_test_run_attr *t)
{
	union bpf_attr a;
	int rc;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)t->prog_fd;
	a.test.repeat = t->repeat;
	a.test.flags = t->flags;
	a.test.cpu = t->cpu;
	a.test.data_in = ox_ptr(t->data_in);
	a.test.data_size_in = t->data_size_in;
	a.test.data_out = ox_ptr(t->data_out);
	a.test.data_size_out = t->data_size_out;
	a.test.ctx_in = ox_ptr(t->ctx_in);
	a.test.ctx_size_in = t->ctx_size_in;
	a.test.ctx_out = ox_ptr(t->ctx_out);
	a.test.ctx_size_out = t->ctx_size_out;
	rc = ox_bpf(BPF_PROG_TEST_RUN, &a, ATTR_SIZE(test.batch_size)) < 0 ? -1 : 0;
	t->data_size_out = a.test.data_size_out;
	t->ctx_size_out = a.test.ctx_size_out;
	t->retval = a.test.retval;
	t->duration = a.test.duration;
	return rc;
}

int ox_perf_event_open(void *attr, int pid, int cpu, int group, unsigned long flags)
{
	struct perf_event_attr *pa = attr;
	int fd = (int)syscall(__NR_perf_event_open, pa, pid, cpu, group, flags);
	if (ox_log_enabled()) {
		int e = errno;
		if (fd < 0)
			ox_log("perf_event_open(type=%u, config=0x%llx, pid=%d, cpu=%d) = -1 %s (%s)",
			       pa->type, (unsigned long long)pa->config, pid, cpu, ox_errno_name(e),
			       strerror(e));
		else
			ox_log("perf_event_open(type=%u, config=0x%llx, pid=%d, cpu=%d) = %d",
			       pa->type, (unsigned long long)pa->config, pid, cpu, fd);
		errno = e;
	}
	return fd;
}

int ox_possible_cpus(void)
{
	char buf[256];
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int max = -1;
	if (fd < 0)
		goto fallback;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		goto fallback;
	buf[n] = 0;
	/* Format: "0-3,5,7-9": the highest number + 1 is what per-CPU maps use. */
	for (char *p = buf; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v > max)
			max = (int)v;
		p = end;
		while (*p == '-' || *p == ',' || *p == '\n')
			p++;
	}
	if (max >= 0)
		return max + 1;
fallback:
	n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? (int)n : 1;
}
