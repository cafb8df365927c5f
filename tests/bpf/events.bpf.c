// SPDX-License-Identifier: MIT
/* events.bpf.c - programs for the attach and event tests: each counts what
 * it sees and, where it emits events, counts what it tried to emit. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct event {
	__u32 pid;
	__u32 cpu;
	__u64 seq;
	char comm[16];
	__u8 pad[32];
};	/* 64 bytes */

/* keeps struct event in the object's BTF, for decode = "struct event" */
struct event *unused_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} ring_events SEC(".maps");

/* 0 tracepoint, 1 raw_tp, 2 uprobe, 3 uretprobe, 4 lib uprobe, 5 perf_event,
 * 6 xdp, 7 tc ingress, 8 cgroup egress, 9 socket, 10 kprobe, 11 produced
 * perf, 12 produced ring, 13 ring drops, 14 fentry */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

volatile __u32 target_pid = 0;	/* only this process's events, when set (.data: settable after load) */
const volatile __u32 emit = 0;		/* 1: perf events, 2: ring events */

static __always_inline void bump(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &i);
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline int mine(void)
{
	return !target_pid || (bpf_get_current_pid_tgid() >> 32) == target_pid;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	struct event e = {};
	if (!mine())
		return 0;
	bump(0);
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e.comm, sizeof e.comm);
	if (emit == 1) {
		__u32 k = 11;
		__u64 *seq = bpf_map_lookup_elem(&counts, &k);
		if (seq)
			e.seq = __sync_fetch_and_add(seq, 1);
		bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &e, sizeof e);
	} else if (emit == 2) {
		struct event *r;
		bump(12);
		r = bpf_ringbuf_reserve(&ring_events, sizeof *r, 0);
		if (!r) {
			bump(13);
			return 0;
		}
		*r = e;
		bpf_ringbuf_submit(r, 0);
	}
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if (mine() && ctx->args[1] == 110 /* __NR_getppid on x86_64 */)
		bump(1);
	return 0;
}

SEC("uprobe")
int up_target(void *ctx)
{
	if (mine())
		bump(2);
	return 0;
}

SEC("uretprobe")
int uret_target(void *ctx)
{
	if (mine())
		bump(3);
	return 0;
}

SEC("uprobe")
int up_lib(void *ctx)
{
	if (mine())
		bump(4);
	return 0;
}

SEC("perf_event")
int on_sample(void *ctx)
{
	bump(5);
	return 0;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	bump(6);
	return XDP_PASS;
}

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	bump(7);
	return TC_ACT_OK;
}

SEC("cgroup_skb/egress")
int cg_count(struct __sk_buff *skb)
{
	bump(8);
	return 1;
}

SEC("socket")
int sock_count(struct __sk_buff *skb)
{
	bump(9);
	return skb->len;	/* keep the whole packet */
}

SEC("kprobe/do_sys_openat2")
int kp_open(void *ctx)
{
	bump(10);
	return 0;
}

/* the same count as kp_open, for one process's getppid() calls */
SEC("kprobe/__x64_sys_getppid")
int kp_getppid(void *ctx)
{
	if (mine())
		bump(10);
	return 0;
}

SEC("fentry/do_unlinkat")
int fentry_unlink(void *ctx)
{
	return 0;
}

SEC("fentry/__do_sys_getppid")
int fentry_getppid(void *ctx)
{
	if (mine())
		bump(14);
	return 0;
}
