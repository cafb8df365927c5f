// SPDX-License-Identifier: MIT
/* core_bits.bpf.c - bitfield CO-RE relocations (FIELD_SIGNED, LSHIFT_U64,
 * RSHIFT_U64, BYTE_OFFSET, BYTE_SIZE) resolved against a BTF file whose
 * struct ox_bits is laid out differently (core_target.bpf.c). The test
 * fills buf with the target's layout, has a process call getppid() and
 * reads the decoded values. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct ox_bits {
	unsigned int a : 3;
	int b : 5;
	unsigned int c : 12;
	int d : 7;
	unsigned long long e : 40;
	int plain;
	unsigned short small;	/* an unsigned int in the target: the load is widened */
} __attribute__((preserve_access_index));

const volatile int target_pid = 0;
unsigned char buf[32];
long long out_a, out_b, out_c, out_d, out_e, out_plain;
long long probed_b, probed_e, out_small;

SEC("tp/syscalls/sys_enter_getppid")
int read_bits(void *ctx)
{
	struct ox_bits *s = (void *)buf;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)target_pid)
		return 0;
	out_a = BPF_CORE_READ_BITFIELD(s, a);
	out_b = BPF_CORE_READ_BITFIELD(s, b);
	out_c = BPF_CORE_READ_BITFIELD(s, c);
	out_d = BPF_CORE_READ_BITFIELD(s, d);
	out_e = BPF_CORE_READ_BITFIELD(s, e);
	out_plain = s->plain;
	out_small = s->small;
	probed_b = BPF_CORE_READ_BITFIELD_PROBED(s, b);
	probed_e = BPF_CORE_READ_BITFIELD_PROBED(s, e);
	return 0;
}
