// SPDX-License-Identifier: MIT
/* ksyms.bpf.c - `.ksyms` externs: a typed kernel variable, a typeless kernel
 * symbol, kfuncs, weak externs the kernel lacks, and (each in its own
 * program, loaded alone by the tests) strong externs it lacks. Kernel types
 * are declared by hand: prototype checks compare shapes, not names. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({ \
	_Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); \
	!!sym; })
#endif

struct task_struct { int pid; };	/* kernel structs match by kind */

extern const int bpf_prog_active __ksym;		/* typed, per-CPU */
extern const void _stext __ksym;			/* typeless: an address */
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym __weak;	/* weak, and present */
extern void bpf_rcu_read_unlock(void) __ksym;
extern void oxlua_weak_kfunc(int x) __ksym __weak;	/* no kernel has these */
extern const int oxlua_weak_var __ksym __weak;
extern const void oxlua_weak_sym __ksym __weak;
extern const int oxlua_strong_var __ksym;
extern void oxlua_strong_kfunc(void) __ksym;
extern int bpf_task_release___badproto(int p, int q) __ksym;	/* wrong shape */

int target_pid, query_pid;
int rcu_lock_exists = -1;
int prog_active = -1;			/* bpf_prog_active seen inside a tracepoint */
__u64 stext_addr;
__u64 weak_var_addr = 1, weak_sym_addr = 1;
int weak_kfunc_exists = -1, weak_called;

/* The kernel resolves a typed variable to its address through kallsyms:
 * kernels without CONFIG_KALLSYMS_ALL refuse it ("failed to find the
 * address"), after finding the BTF id the loader gave. */
SEC("tracepoint/syscalls/sys_enter_getppid")
int read_var(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)target_pid)
		return 0;
	prog_active = *(const int *)bpf_this_cpu_ptr(&bpf_prog_active);
	return 0;
}

SEC("tc")
int read_addrs(struct __sk_buff *skb)
{
	stext_addr = (__u64)&_stext;
	weak_var_addr = (__u64)&oxlua_weak_var;
	weak_sym_addr = (__u64)&oxlua_weak_sym;
	return 0;
}

/* Returns 1 when a task with pid query_pid exists. */
SEC("tc")
int task_exists(struct __sk_buff *skb)
{
	struct task_struct *t;
	int found;
	rcu_lock_exists = bpf_ksym_exists(bpf_rcu_read_lock);
	bpf_rcu_read_lock();
	t = bpf_task_from_pid(query_pid);
	found = t != 0;
	if (t)
		bpf_task_release(t);
	bpf_rcu_read_unlock();
	weak_kfunc_exists = bpf_ksym_exists(oxlua_weak_kfunc);
	if (bpf_ksym_exists(oxlua_weak_kfunc)) {
		oxlua_weak_kfunc(1);
		weak_called = 1;
	}
	return found;
}

SEC("syscall")
int uses_strong_var(void *ctx)
{
	return *(const int *)bpf_this_cpu_ptr(&oxlua_strong_var);
}

SEC("syscall")
int uses_strong_kfunc(void *ctx)
{
	oxlua_strong_kfunc();
	return 0;
}

SEC("syscall")
int uses_bad_proto(void *ctx)
{
	return bpf_task_release___badproto(1, 2);
}

/* The weak kfunc is called without a bpf_ksym_exists() guard. */
SEC("syscall")
int calls_weak_unguarded(void *ctx)
{
	oxlua_weak_kfunc(2);
	return 0;
}
