// SPDX-License-Identifier: MIT
/* iproute.bpf.c - iproute2's longer map definition (struct bpf_elf_map). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct bpf_elf_map {
	__u32 type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx;
};

struct bpf_elf_map SEC("maps") tc_counts = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 2,
};

SEC("classifier")
int cls_count(struct __sk_buff *skb)
{
	__u32 k = 1;
	__u64 *v = bpf_map_lookup_elem(&tc_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return TC_ACT_OK;
}
