// SPDX-License-Identifier: MIT
/* ksyms.bpf.c - `.ksyms` externs: a typed kernel variable, a typeless kernel
 * symbol, kfuncs, weak externs the kernel lacks, and (each in its own
 * program, loaded alone by the tests) strong externs it lacks. Kernel types
 * are declared by hand: prototype checks compare shapes, not names.
 *
 * Kernels differ: bpf_task_from_pid and bpf_rcu_read_lock appeared in 6.2;
 * the conntrack kfuncs (bpf_xdp_ct_lookup, bpf_skb_ct_lookup, bpf_ct_release)
 * are in vmlinux when netfilter conntrack is built in and in the BTF of the
 * nf_conntrack module when it is a module (Debian's 6.1), which makes the
 * load name that module's BTF object in its fd_array. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

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
extern void bpf_rcu_read_lock(void) __ksym __weak;	/* weak: 6.2 and later */
extern void bpf_rcu_read_unlock(void) __ksym __weak;
extern void oxlua_weak_kfunc(int x) __ksym __weak;	/* no kernel has these */
extern const int oxlua_weak_var __ksym __weak;
extern const void oxlua_weak_sym __ksym __weak;
extern const int oxlua_strong_var __ksym;
extern void oxlua_strong_kfunc(void) __ksym;
extern int bpf_ct_release___badproto(int p, int q) __ksym;	/* wrong shape */

/* Conntrack. struct bpf_ct_opts is 12 bytes on 6.1 and 16 from 6.12 (which
 * take both sizes): the size passed is the kernel's, by CO-RE. */
struct nf_conn { int status; };
struct bpf_ct_opts {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
};
extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym;
extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;

int target_pid, query_pid;
int rcu_lock_exists = -1;
int prog_active = -1;			/* bpf_prog_active seen inside a tracepoint */
__u64 stext_addr;
__u64 weak_var_addr = 1, weak_sym_addr = 1;
int weak_kfunc_exists = -1, weak_called;
int ct_found = -1, ct_error = 1, ct_opts_size = -1;	/* from ct_xdp */
int ct_tc_found = -1, ct_tc_error = 1;			/* from ct_tc */

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

/* Returns 1 when a task with pid query_pid exists (6.2 and later). */
SEC("tc")
int task_exists(struct __sk_buff *skb)
{
	struct task_struct *t = bpf_task_from_pid(query_pid);
	if (!t)
		return 0;
	bpf_task_release(t);
	return 1;
}

/* bpf_ksym_exists() on weak kfuncs: bpf_rcu_read_lock (present from 6.2,
 * whose calls then run) and oxlua_weak_kfunc (never present, its calls are
 * poisoned and dead). */
SEC("tc")
int weak_kfuncs(struct __sk_buff *skb)
{
	rcu_lock_exists = bpf_ksym_exists(bpf_rcu_read_lock);
	if (bpf_ksym_exists(bpf_rcu_read_lock) && bpf_ksym_exists(bpf_rcu_read_unlock)) {
		bpf_rcu_read_lock();
		bpf_rcu_read_unlock();
	}
	weak_kfunc_exists = bpf_ksym_exists(oxlua_weak_kfunc);
	if (bpf_ksym_exists(oxlua_weak_kfunc)) {
		oxlua_weak_kfunc(1);
		weak_called = 1;
	}
	return 0;
}

/* The IPv4/TCP tuple of an Ethernet frame; 0 when it is one. */
static __always_inline int tuple_of(void *data, void *end, struct bpf_sock_tuple *tup)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_TCP)
		return -1;
	tup->ipv4.saddr = ip->saddr;
	tup->ipv4.daddr = ip->daddr;
	tup->ipv4.sport = tcp->source;
	tup->ipv4.dport = tcp->dest;
	return 0;
}

/* Looks up the frame's TCP connection in conntrack: ct_found 1 when it is
 * tracked (the reference is released), 0 when not, with the kernel's error
 * (-ENOENT for an untracked tuple). XDP_PASS, or XDP_ABORTED when the frame
 * is not IPv4/TCP. */
SEC("xdp")
int ct_xdp(struct xdp_md *ctx)
{
	struct bpf_sock_tuple tup = {};
	struct bpf_ct_opts opts = {};
	struct nf_conn *ct;
	if (tuple_of((void *)(long)ctx->data, (void *)(long)ctx->data_end, &tup))
		return XDP_ABORTED;
	opts.netns_id = BPF_F_CURRENT_NETNS;
	opts.l4proto = IPPROTO_TCP;
	ct_opts_size = bpf_core_type_size(struct bpf_ct_opts);
	ct = bpf_xdp_ct_lookup(ctx, &tup, sizeof tup.ipv4, &opts,
			       bpf_core_type_size(struct bpf_ct_opts));
	ct_error = opts.error;
	if (ct) {		/* one test of ct: 6.1 would follow a second's */
		bpf_ct_release(ct);	/* impossible branch and find a leak */
		ct_found = 1;
	} else {
		ct_found = 0;
	}
	return XDP_PASS;
}

/* The same from tc, sharing bpf_ct_release with ct_xdp in one load. */
SEC("tc")
int ct_tc(struct __sk_buff *skb)
{
	struct bpf_sock_tuple tup = {};
	struct bpf_ct_opts opts = {};
	struct nf_conn *ct;
	if (tuple_of((void *)(long)skb->data, (void *)(long)skb->data_end, &tup))
		return 2;
	opts.netns_id = BPF_F_CURRENT_NETNS;
	opts.l4proto = IPPROTO_TCP;
	ct = bpf_skb_ct_lookup(skb, &tup, sizeof tup.ipv4, &opts,
			       bpf_core_type_size(struct bpf_ct_opts));
	ct_tc_error = opts.error;
	if (ct) {
		bpf_ct_release(ct);
		ct_tc_found = 1;
	} else {
		ct_tc_found = 0;
	}
	return 0;
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
	return bpf_ct_release___badproto(1, 2);
}

/* The weak kfunc is called without a bpf_ksym_exists() guard. */
SEC("syscall")
int calls_weak_unguarded(void *ctx)
{
	oxlua_weak_kfunc(2);
	return 0;
}
