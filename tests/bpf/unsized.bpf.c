// SPDX-License-Identifier: MIT
/* unsized.bpf.c - maps whose size the loader's user sets before load, as
 * libbpf-tools' objects leave it (max_entries 0), and a ring buffer whose
 * size is not a power-of-2 multiple of the page size. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} odd_ring SEC(".maps");

SEC("socket")
int remember(struct __sk_buff *skb)
{
	__u32 k = skb->len;
	__u64 v = 1;
	__u64 *r;
	bpf_map_update_elem(&start, &k, &v, BPF_ANY);
	r = bpf_ringbuf_reserve(&odd_ring, sizeof *r, 0);
	if (r) {
		*r = k;
		bpf_ringbuf_submit(r, 0);
	}
	return 0;
}
