// SPDX-License-Identifier: MIT
/* core.bpf.c - CO-RE relocations against the running kernel's BTF: nested
 * reads, sizes, enum values, existence checks, type ids, type matches, a
 * subprogram with relocations, a guarded read of a field the kernel lacks,
 * and types only a module's BTF has. Built against build/vmlinux.h. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* A flavor of task_struct with a field no kernel has. */
struct task_struct___ox {
	int pid;
	int no_such_field;
} __attribute__((preserve_access_index));

/* A type no kernel has, and a list_head that does not match the kernel's
 * (the test turns this object's TYPE_EXISTS records of section "tc" into
 * TYPE_MATCHES ones: clang 14 cannot emit those). */
struct ox_no_such_type { int x; };
struct list_head___ox { int next; } __attribute__((preserve_access_index));

/* An enum value no kernel has. */
enum bpf_map_type___ox { BPF_MAP_TYPE_NOPE___ox = 7 };

/* Only a module BTF given by the tests has this type (with another layout). */
struct ox_mod_only {
	int a;
	long long b;
} __attribute__((preserve_access_index));

const volatile int target_pid = 0;

int ran, ppid, tgid, sub_tgid, comm_size, pid_exists, missing_exists, missing_value = -1;
__u64 task_size, ringbuf_value, array_value, nope_exists, ringbuf_exists;
__u64 task_exists, nosuch_exists;
__u64 task_local_id, task_kernel_id;

static __attribute__((noinline)) int read_tgid(struct task_struct *t)
{
	return BPF_CORE_READ(t, tgid);
}

SEC("tp/syscalls/sys_enter_getppid")
int core_read(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct task_struct___ox *tox = (void *)task;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)target_pid)
		return 0;
	ppid = BPF_CORE_READ(task, real_parent, tgid);
	tgid = BPF_CORE_READ(task, tgid);
	sub_tgid = read_tgid(task);
	comm_size = bpf_core_field_size(task->comm);
	pid_exists = bpf_core_field_exists(tox->pid);
	missing_exists = bpf_core_field_exists(tox->no_such_field);
	if (bpf_core_field_exists(tox->no_such_field))
		missing_value = BPF_CORE_READ(tox, no_such_field);
	task_size = bpf_core_type_size(struct task_struct);
	ringbuf_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	array_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_ARRAY);
	ringbuf_exists = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	nope_exists = bpf_core_enum_value_exists(enum bpf_map_type___ox, BPF_MAP_TYPE_NOPE___ox);
	task_exists = bpf_core_type_exists(struct task_struct);
	nosuch_exists = bpf_core_type_exists(struct ox_no_such_type);
	task_local_id = bpf_core_type_id_local(struct task_struct);
	task_kernel_id = bpf_core_type_id_kernel(struct task_struct);
	ran++;
	return 0;
}

/* Reads the field the kernel lacks without checking: cannot load. */
SEC("tp/syscalls/sys_enter_getppid")
int core_unguarded(void *ctx)
{
	struct task_struct___ox *tox = (void *)bpf_get_current_task();

	missing_value = BPF_CORE_READ(tox, no_such_field);
	return 0;
}

/* Offsets of a module's type (resolved in module BTF: vmlinux has none). */
__u64 mod_b_off, mod_b_size, mod_exists;

SEC("xdp")
int core_module(struct xdp_md *ctx)
{
	mod_b_off = bpf_core_field_offset(struct ox_mod_only, b);
	mod_b_size = bpf_core_field_size(struct ox_mod_only, b);
	mod_exists = bpf_core_type_exists(struct ox_mod_only);
	return XDP_PASS;
}

/* TYPE_EXISTS records the test rewrites into TYPE_MATCHES. */
__u64 list_matches, list_ox_matches;

SEC("tc")
int core_matches(struct __sk_buff *skb)
{
	list_matches = bpf_core_type_exists(struct list_head);
	list_ox_matches = bpf_core_type_exists(struct list_head___ox);
	return 0;
}
