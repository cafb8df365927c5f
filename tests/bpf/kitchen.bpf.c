// SPDX-License-Identifier: MIT
/* kitchen.bpf.c - one object using every loader feature the engine supports:
 * BTF maps of many types (with a map-in-map and initial slots), .data,
 * .rodata and .bss globals, static and global subprograms, .kconfig externs,
 * and programs of many types, several in one section. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";


struct stats { __u64 packets; __u64 bytes; };
struct flow_key { __u32 addr; __u16 port; __u16 proto; };
struct event { __u32 pid; __u32 kind; char comm[16]; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct stats);
} stats_by_proto SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} percpu_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, struct flow_key);
	__type(value, __u64);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = { &inner_a, [2] = &inner_b },
};

/* .rodata: set from Lua before load */
const volatile int xdp_verdict = XDP_PASS;
const volatile char greeting[16] = "hello";
/* .data */
int data_counter = 40;
struct config { __u32 a; __u16 b; __u8 flag; char name[8]; } settings = { 1, 2, 3, "cfg" };
/* .bss */
__u64 bss_hits;
__u32 seen_kversion;
int seen_hz;
int seen_syscall;
int seen_jit;
int seen_missing = -1;
char seen_localversion[16];

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern int CONFIG_HZ __kconfig;
extern char CONFIG_LOCALVERSION[16] __kconfig __weak;
extern int CONFIG_OXLUA_DOES_NOT_EXIST __kconfig __weak;

static __noinline int bump(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

__noinline int global_add(int a, int b)
{
	return a + b;
}

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *p = bpf_map_lookup_elem(&percpu_hits, &zero);
	if (p)
		*p += 1;
	bump(0);
	bss_hits++;
	data_counter++;
	seen_kversion = LINUX_KERNEL_VERSION;
	seen_hz = CONFIG_HZ;
	seen_syscall = CONFIG_BPF_SYSCALL;
	seen_jit = CONFIG_BPF_JIT;
	seen_missing = CONFIG_OXLUA_DOES_NOT_EXIST;
	__builtin_memcpy(seen_localversion, CONFIG_LOCALVERSION, sizeof seen_localversion);
	return global_add(xdp_verdict, 0);
}

/* A second program in the same section, using the same subprograms. */
SEC("xdp")
int xdp_second(struct xdp_md *ctx)
{
	bump(1);
	return global_add(settings.a, settings.b) == 3 ? XDP_PASS : XDP_DROP;
}

/* Reads inner map slot 0 through the map-in-map. */
SEC("xdp")
int xdp_outer(struct xdp_md *ctx)
{
	__u32 zero = 0, slot = 0;
	void *inner = bpf_map_lookup_elem(&outer, &slot);
	__u32 *v;
	if (!inner)
		return XDP_ABORTED;
	v = bpf_map_lookup_elem(inner, &zero);
	return v ? *v : XDP_ABORTED;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof *e, 0);
	bump(2);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->kind = 1;
	bpf_get_current_comm(e->comm, sizeof e->comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_enter(void *ctx)
{
	struct event e = { .kind = 2 };
	bump(3);
	bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &e, sizeof e);
	return 0;
}

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	__u32 proto = skb->protocol;
	struct stats *s = bpf_map_lookup_elem(&stats_by_proto, &proto);
	struct flow_key k = { .addr = 1, .port = 2, .proto = (__u16)proto };
	__u64 one = 1;
	if (s) {
		__sync_fetch_and_add(&s->packets, 1);
		__sync_fetch_and_add(&s->bytes, skb->len);
	} else {
		struct stats n = { 1, skb->len };
		bpf_map_update_elem(&stats_by_proto, &proto, &n, BPF_NOEXIST);
	}
	bpf_map_update_elem(&flows, &k, &one, BPF_ANY);
	return TC_ACT_OK;
}

SEC("cgroup_skb/egress")
int cg_egress(struct __sk_buff *skb)
{
	bump(4);
	return 1;
}

SEC("socket")
int sock_len(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("kprobe/do_sys_openat2")
int kp_open(void *ctx)
{
	bump(5);
	return 0;
}

SEC("uprobe")
int up_func(void *ctx)
{
	bump(6);
	return 0;
}

SEC("?tp/syscalls/sys_enter_getpid")
int lazy_getpid(void *ctx)
{
	bump(7);
	return 0;
}
