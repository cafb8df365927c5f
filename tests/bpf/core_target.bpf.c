// SPDX-License-Identifier: MIT
/* core_target.bpf.c - not a program: its .BTF stands in for a kernel's
 * (BTFHub style) in the bitfield tests. struct ox_bits here has another
 * layout than in core_bits.bpf.c: other order, widths, a padding member. */
struct ox_bits {
	unsigned short pad;
	unsigned int small;
	int d : 9;
	int plain;
	unsigned int a : 4;
	unsigned long long e : 44;
	int b : 6;
	unsigned int c : 13;
};

struct ox_bits ox_bits_keep;
