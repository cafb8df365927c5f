// SPDX-License-Identifier: MIT
/* execmon.bpf.c - the default policy's exec monitor. Three ways to see an
 * exec, one per version of the policy, all emitting the same event:
 *   kprobe    on the execve syscall's entry (kprobe PMU or kprobe_events)
 *   fentry    on the same function (BPF trampoline, 5.5+)
 *   tracepoint syscalls:sys_enter_execve (works everywhere tracepoints do)
 * x86_64 register layout for the syscall wrapper's user registers. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define ARGS 6
#define ARG_LEN 48

struct exec_event {
	__u32 pid;
	__u32 tid;
	__u32 ppid;		/* 0 when the kernel's layout is unknown */
	__u32 uid;
	__u32 nargs;		/* arguments read, at most ARGS */
	__u32 pad;
	char comm[16];
	char filename[128];
	char argv[ARGS][ARG_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

/* scratch space: the event is too large for the BPF stack */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_event);
} scratch SEC(".maps");

struct exec_event *unused_exec_event __attribute__((unused));

/* Offsets in struct task_struct, set by the policy from the running
 * kernel's BTF before load (0: unknown). */
const volatile __u32 off_real_parent = 0;
const volatile __u32 off_tgid = 0;

static __always_inline __u32 parent_pid(void)
{
	const char *task = (const char *)bpf_get_current_task(), *parent = 0;
	__u32 ppid = 0;
	if (!off_real_parent || !off_tgid)
		return 0;
	if (bpf_probe_read_kernel(&parent, sizeof parent, task + off_real_parent) || !parent)
		return 0;
	bpf_probe_read_kernel(&ppid, sizeof ppid, parent + off_tgid);
	return ppid;
}

/* user pt_regs on x86_64: rsi at 104, rdi at 112 */
#define UREG_SI 104
#define UREG_DI 112

static __always_inline int emit(void *ctx, const char *filename, const char *const *argv)
{
	__u32 zero = 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct exec_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ppid = parent_pid();
	e->nargs = 0;
	bpf_get_current_comm(e->comm, sizeof e->comm);
	if (bpf_probe_read_user_str(e->filename, sizeof e->filename, filename) < 0)
		e->filename[0] = 0;
#pragma unroll
	for (int i = 0; i < ARGS; i++) {
		const char *arg = 0;
		e->argv[i][0] = 0;
		if (bpf_probe_read_user(&arg, sizeof arg, &argv[i]) || !arg)
			break;
		if (bpf_probe_read_user_str(e->argv[i], ARG_LEN, arg) < 0)
			break;
		e->nargs = i + 1;
	}
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, sizeof *e);
	return 0;
}

/* The syscall wrapper's argument is a pointer to the user registers. */
static __always_inline int from_uregs(void *ctx, const void *uregs)
{
	const char *filename = 0;
	const char *const *argv = 0;
	bpf_probe_read_kernel(&filename, sizeof filename, (const char *)uregs + UREG_DI);
	bpf_probe_read_kernel(&argv, sizeof argv, (const char *)uregs + UREG_SI);
	return emit(ctx, filename, argv);
}

SEC("kprobe/__x64_sys_execve")
int kprobe_execve(void *ctx)
{
	/* the kprobe's own registers: rdi holds the wrapper's argument */
	return from_uregs(ctx, (const void *)((const __u64 *)ctx)[UREG_DI / 8]);
}

SEC("fentry/__x64_sys_execve")
int fentry_execve(__u64 *ctx)
{
	return from_uregs(ctx, (const void *)ctx[0]);
}

struct sys_enter_execve {
	__u64 common;
	__s32 nr;
	__u32 pad;
	const char *filename;
	const char *const *argv;
	const char *const *envp;
};

SEC("tracepoint/syscalls/sys_enter_execve")
int tp_execve(struct sys_enter_execve *ctx)
{
	return emit(ctx, ctx->filename, ctx->argv);
}
