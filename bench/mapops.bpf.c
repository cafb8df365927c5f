// SPDX-License-Identifier: MIT
/* mapops.bpf.c - the maps of the map-operation benchmark: a hash map and an
 * array map of 100,000 entries each, u32 keys and u64 values, declared with
 * BTF types as libbpf users declare them. The program only keeps the maps
 * referenced; it is loaded, never attached. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 100000);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 100000);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int touch(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&hash, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&array, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
