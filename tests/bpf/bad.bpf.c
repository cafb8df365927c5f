// SPDX-License-Identifier: MIT
/* bad.bpf.c - programs the verifier rejects, and one it accepts. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* Reads packet memory without a bounds check: EACCES from the verifier. */
SEC("xdp")
int unchecked_read(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	int value = *(int *)(data + 64);
	return value ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int fine(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* A section name no loader knows: no program type. */
SEC("nonsense/section")
int unknown_section(void *ctx)
{
	return 0;
}
