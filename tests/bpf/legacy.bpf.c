// SPDX-License-Identifier: MIT
/* legacy.bpf.c - maps in the old "maps" section (struct bpf_map_def layout). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";
__u32 VERSION SEC("version") = 0x60000;

struct legacy_map_def {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct legacy_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
};

struct legacy_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 4, .max_entries = 16,
};

SEC("socket")
int legacy_prog(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 key = 7;
	__u32 val = 3;
	__u64 *v = bpf_map_lookup_elem(&legacy_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	bpf_map_update_elem(&legacy_hash, &key, &val, BPF_ANY);
	return 0;
}
