// SPDX-License-Identifier: MIT
/* btfkinds.bpf.c - BTF of every kind a kernel may lack: FUNC (global and
 * static), VAR/DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64, so the loader's
 * sanitizing can be checked kind by kind (OXLUA_BTF_CAPS). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

enum big { BIG_LOW = 1, BIG_HIGH = 0x700000000ULL };	/* ENUM64 */

struct sample {
	float ratio;					/* FLOAT */
	enum big which;
	int __attribute__((btf_type_tag("user"))) *uptr;	/* TYPE_TAG */
	int tagged __attribute__((btf_decl_tag("member")));	/* DECL_TAG */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sample);
} samples SEC(".maps");

float scale = 2.5f;				/* FLOAT global in .data */
enum big big_val = BIG_HIGH;
int calls __attribute__((btf_decl_tag("counter")));
__u64 big_seen;

/* A global (non-static) subprogram: verified on its own when the kernel
 * knows global functions, as a static one when it does not. */
__attribute__((noinline)) __attribute__((btf_decl_tag("helper")))
int bump(int by)
{
	calls += by;
	return calls;
}

SEC("xdp")
int kinds_xdp(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct sample *s = bpf_map_lookup_elem(&samples, &k);
	big_seen = (__u64)big_val >> 32;
	if (s)
		s->tagged = bump(1);
	return XDP_PASS;
}
