// SPDX-License-Identifier: MIT
/* hidden.bpf.c - two of libbpf's rules that objects rely on: a global
 * subprogram of hidden visibility is verified as a static one (in its
 * caller's context), and a __weak LINUX_ virtual extern that the loader
 * does not know reads as 0. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern int LINUX_UNKNOWN_VIRTUAL_EXTERN __kconfig __weak;

/* Verified alone, as a global function, the write through p is refused
 * (p may be NULL); in the caller's context p is its stack. */
__attribute__((visibility("hidden"))) __attribute__((noinline)) int set_one(int *p)
{
	*p = 1;
	return 0;
}

SEC("socket")
int hidden_call(struct __sk_buff *skb)
{
	int v = 0;
	set_one(&v);
	return v + LINUX_UNKNOWN_VIRTUAL_EXTERN;
}
