// SPDX-License-Identifier: MIT
/* cc.bpf.c - a TCP congestion control as struct_ops: registered by a map
 * update (.struct_ops) or by a link (.struct_ops.link). It keeps Reno's
 * window; what it adds is a count of the connections it started. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

int inits;

SEC("struct_ops/ox_init")
void BPF_PROG(ox_init, struct sock *sk)
{
	__sync_fetch_and_add(&inits, 1);
}

SEC("struct_ops/ox_ssthresh")
__u32 BPF_PROG(ox_ssthresh, struct sock *sk)
{
	return 2;
}

SEC("struct_ops/ox_cong_avoid")
void BPF_PROG(ox_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/ox_undo_cwnd")
__u32 BPF_PROG(ox_undo_cwnd, struct sock *sk)
{
	return 10;
}

/* the same programs behind two names, registered the two ways */
#define OX_CC(cc_name) {			\
	.init = (void *)ox_init,		\
	.ssthresh = (void *)ox_ssthresh,	\
	.cong_avoid = (void *)ox_cong_avoid,	\
	.undo_cwnd = (void *)ox_undo_cwnd,	\
	.name = cc_name,			\
}

SEC(".struct_ops")
struct tcp_congestion_ops oxlua_cc = OX_CC("oxlua_cc");

SEC(".struct_ops.link")
struct tcp_congestion_ops oxlua_cc_link = OX_CC("oxlua_cc_link");

/* in no struct_ops variable: nothing says which member it fills */
SEC("struct_ops/ox_orphan")
void BPF_PROG(ox_orphan, struct sock *sk)
{
}
