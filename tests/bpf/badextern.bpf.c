// SPDX-License-Identifier: MIT
/* badextern.bpf.c - references a variable defined nowhere. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern int defined_nowhere;

SEC("socket")
int uses_missing(struct __sk_buff *skb)
{
	return defined_nowhere;
}
