// SPDX-License-Identifier: MIT
/* loadtime.bpf.c - the object of the load + attach time benchmark: 20
 * tracepoint programs on 20 syscalls' sys_enter tracepoints and 10 maps of
 * 10 types, every map used by some program. Each program counts its calls
 * in hits[slot] (the benchmark checks the counters of the syscalls it makes
 * after attaching) and does one more thing with another map. The same object
 * is loaded by oxlua and by the libbpf reference loader. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct trie_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} by_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_by_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct trie_key);
	__type(value, __u64);
} prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 256);
	__type(value, __u64);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1024);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline __u32 count(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&hits, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
	return (__u32)(bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void pid_hash(__u32 pid)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(&by_pid, &pid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&by_pid, &pid, &one, BPF_NOEXIST);
}

static __always_inline void pcpu(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&pcpu_hits, &slot);
	if (n)
		*n += 1;
}

static __always_inline void pcpu_pid(__u32 pid)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(&pcpu_by_pid, &pid);
	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&pcpu_by_pid, &pid, &one, BPF_ANY);
}

static __always_inline void lru(__u32 pid)
{
	__u64 key = bpf_get_current_pid_tgid(), t = bpf_ktime_get_ns();
	(void)pid;
	bpf_map_update_elem(&recent, &key, &t, BPF_ANY);
}

static __always_inline void ring_note(__u32 pid)
{
	__u64 *r = bpf_ringbuf_reserve(&ring, sizeof *r, 0);
	if (r) {
		*r = pid;
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	}
}

static __always_inline void perf_note(void *ctx, __u32 pid)
{
	__u64 v = pid;
	bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &v, sizeof v);
}

static __always_inline void trie(__u32 pid)
{
	struct trie_key k = { 32, pid };
	__u64 *n = bpf_map_lookup_elem(&prefixes, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void queue(__u32 pid)
{
	__u64 v = pid;
	bpf_map_push_elem(&pending, &v, BPF_EXIST);
}

static __always_inline void bloom(__u32 pid)
{
	__u64 v = pid;
	if (bpf_map_peek_elem(&seen, &v))
		bpf_map_push_elem(&seen, &v, 0);
}

#define TP(name, slot, what)						\
	SEC("tracepoint/syscalls/sys_enter_" #name)			\
	int lt_##name(void *ctx)					\
	{								\
		__u32 pid = count(slot);				\
		(void)ctx;						\
		(void)pid;						\
		what;							\
		return 0;						\
	}

TP(openat, 0, pid_hash(pid))
TP(read, 1, pcpu(1))
TP(write, 2, pcpu_pid(pid))
TP(close, 3, lru(pid))
TP(lseek, 4, trie(pid))
TP(getpid, 5, queue(pid))
TP(getppid, 6, bloom(pid))
TP(getuid, 7, pid_hash(pid))
TP(getgid, 8, pcpu(8))
TP(geteuid, 9, pcpu_pid(pid))
TP(getegid, 10, lru(pid))
TP(gettid, 11, trie(pid))
TP(getpgid, 12, queue(pid))
TP(getsid, 13, bloom(pid))
TP(umask, 14, ring_note(pid))
TP(sched_yield, 15, perf_note(ctx, pid))
TP(newuname, 16, pid_hash(pid))
TP(sysinfo, 17, lru(pid))
TP(getcwd, 18, ring_note(pid))
TP(times, 19, perf_note(ctx, pid))
