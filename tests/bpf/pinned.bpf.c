// SPDX-License-Identifier: MIT
/* pinned.bpf.c - a map pinned by name (LIBBPF_PIN_BY_NAME). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} plain SEC(".maps");

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
	__u32 k = skb->len;
	__u64 one = 1, *v = bpf_map_lookup_elem(&shared_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&shared_counts, &k, &one, BPF_ANY);
	return 0;
}

SEC("socket")
int touch_plain(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&plain, &k);
	if (v)
		*v = 1;
	return 0;
}
