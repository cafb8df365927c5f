/* sys.c - bpf(2) wrappers with debug logging of command, arguments, result. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"
#include "object/section.h"
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
