// SPDX-License-Identifier: MIT
/* permap.bpf.c - one legacy map definition per "maps/NAME" section, in the
 * layout oxidebpf and gobpf objects use (struct bpf_map_def plus pinning and
 * namespace[256]: 280 bytes). The map is named by its section; a section
 * holding two definitions names them by their symbols. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct oxide_map_def {
	unsigned int type, key_size, value_size, max_entries, map_flags, pinning;
	char namespace[256];
};

/* kernel name "hit_counts", C name hit_counts_def */
struct oxide_map_def SEC("maps/hit_counts") hit_counts_def = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
};

/* a static definition: relocations name the section's symbol */
static struct oxide_map_def SEC("maps/last_len") last_len_def = {
	.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 4, .max_entries = 8,
};

struct oxide_map_def SEC("maps/pair") pair_a = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1,
};
struct oxide_map_def SEC("maps/pair") pair_b = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1,
};

SEC("socket")
int count_len(struct __sk_buff *skb)
{
	__u32 k = 0, len = skb->len, one = 1;
	__u64 *v = bpf_map_lookup_elem(&hit_counts_def, &k);
	if (v)
		*v += 1;
	bpf_map_update_elem(&last_len_def, &k, &len, BPF_ANY);
	bpf_map_update_elem(&pair_a, &k, &one, BPF_ANY);
	one = 2;
	bpf_map_update_elem(&pair_b, &k, &one, BPF_ANY);
	return 0;
}
