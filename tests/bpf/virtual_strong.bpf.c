// SPDX-License-Identifier: MIT
/* virtual_strong.bpf.c - a LINUX_ virtual extern no loader knows, not
 * __weak: the load must say so. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern int LINUX_MADE_UP_EXTERN __kconfig;

SEC("socket")
int read_made_up(struct __sk_buff *skb)
{
	return LINUX_MADE_UP_EXTERN;
}
