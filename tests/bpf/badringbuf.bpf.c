// SPDX-License-Identifier: MIT
/* badringbuf.bpf.c - a ring buffer whose size is not a power of two pages. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} odd_rb SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int emit(void *ctx)
{
	__u32 *v = bpf_ringbuf_reserve(&odd_rb, 4, 0);
	if (v)
		bpf_ringbuf_submit(v, 0);
	return 0;
}
