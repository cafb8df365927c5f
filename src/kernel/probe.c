/* probe.c - feature probes: load the smallest program of a type, create the
 * smallest map of a type, call a helper from a program, and see what the
 * kernel says. Every fd made is closed before returning. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kernel/probe.h"
#include "kernel/sys.h"

#define ATTR_END(f) (offsetof(union bpf_attr, f) + sizeof(((union bpf_attr *)0)->f))

static int load(uint32_t type, uint32_t attach, uint32_t btf_id, const struct bpf_insn *insns,
		uint32_t n, char *log, uint32_t log_size)
{
	union bpf_attr a;
	int fd;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.expected_attach_type = attach;
	a.attach_btf_id = btf_id;
	a.insns = ox_ptr(insns);
	a.insn_cnt = n;
	a.license = ox_ptr("GPL");
	if (log) {
		log[0] = 0;
		a.log_buf = ox_ptr(log);
		a.log_size = log_size;
		a.log_level = 1;
	}
	fd = (int)ox_bpf(BPF_PROG_LOAD, &a, ATTR_END(fd_array));
	if (fd >= 0)
		close(fd);
	return fd;
}

static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

int ox_probe_prog_type(uint32_t type, uint32_t attach)
{
	if (load(type, attach, 0, ret0, 2, NULL, 0) >= 0)
		return 1;
	return errno == EPERM ? -EPERM : 0;
}

int ox_probe_map_type(uint32_t type)
{
	union bpf_attr a;
	int fd;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	switch (type) {
	case BPF_MAP_TYPE_RINGBUF:
		a.key_size = a.value_size = 0;
		a.max_entries = (uint32_t)sysconf(_SC_PAGESIZE);
		break;
	case 31:	/* BPF_MAP_TYPE_USER_RINGBUF */
		a.key_size = a.value_size = 0;
		a.max_entries = (uint32_t)sysconf(_SC_PAGESIZE);
		break;
	case BPF_MAP_TYPE_QUEUE: case BPF_MAP_TYPE_STACK:
		a.key_size = 0;
		break;
	case BPF_MAP_TYPE_LPM_TRIE:
		a.key_size = 8;
		a.map_flags = BPF_F_NO_PREALLOC;
		break;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		a.key_size = 0;
		break;
	case BPF_MAP_TYPE_SK_STORAGE: case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE: case 32 /* CGRP_STORAGE */:
		a.map_flags = BPF_F_NO_PREALLOC;
		a.max_entries = 0;
		return 0;	/* need BTF with a spin lock-free value; not probed */
	case BPF_MAP_TYPE_CGROUP_STORAGE: case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		a.key_size = sizeof(struct bpf_cgroup_storage_key);
		a.max_entries = 0;
		break;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS: case BPF_MAP_TYPE_HASH_OF_MAPS: {
		union bpf_attr in;
		int inner;
		memset(&in, 0, sizeof in);
		in.map_type = BPF_MAP_TYPE_ARRAY;
		in.key_size = in.value_size = 4;
		in.max_entries = 1;
		inner = (int)ox_bpf(BPF_MAP_CREATE, &in, ATTR_END(map_extra));
		if (inner < 0)
			return errno == EPERM ? -EPERM : 0;
		a.inner_map_fd = (uint32_t)inner;
		fd = (int)ox_bpf(BPF_MAP_CREATE, &a, ATTR_END(map_extra));
		close(inner);
		goto done;
	}
	case BPF_MAP_TYPE_STRUCT_OPS: case 33 /* ARENA */:
		return 0;	/* need a kernel type / mmap; not probed */
	default:
		break;
	}
	fd = (int)ox_bpf(BPF_MAP_CREATE, &a, ATTR_END(map_extra));
done:
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EPERM ? -EPERM : 0;
}

int ox_probe_helper(uint32_t type, uint32_t helper)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = (int32_t)helper },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096];
	if (load(type, 0, 0, insns, 3, log, sizeof log) >= 0)
		return 1;
	if (errno == EPERM && !log[0])
		return -EPERM;
	/* Only an unknown or forbidden helper makes it a "no"; other complaints
	 * (arguments not set up) mean the helper exists. */
	return strstr(log, "invalid func") || strstr(log, "unknown func") ||
	       strstr(log, "program of this type cannot use helper") ? 0 : 1;
}

int ox_probe_fentry(uint32_t btf_id)
{
	if (load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, btf_id, ret0, 2, NULL, 0) >= 0)
		return 1;
	return -errno;
}
