/* core_patch.c - the instruction a relocation names: checked that it can
 * carry one (an ALU immediate, a memory access's offset, a 64-bit immediate
 * load), checked that it holds what the object's own types give, then
 * patched with the target's value, or poisoned. */
#include <limits.h>

#include "btf/relo_core_int.h"

void ox_core_poison(struct bpf_insn *in)
{
	in->code = BPF_JMP | BPF_CALL;
	in->dst_reg = 0;
	in->src_reg = 0;
	in->off = 0;
	in->imm = OX_CORE_POISON_HELPER;
}

static int size_bytes(const struct bpf_insn *in)
{
	switch (BPF_SIZE(in->code)) {
	case BPF_DW: return 8;
	case BPF_W: return 4;
	case BPF_H: return 2;
	default: return 1;	/* BPF_B */
	}
}

static int bytes_size(uint32_t n)
{
	return n == 8 ? BPF_DW : n == 4 ? BPF_W : n == 2 ? BPF_H : n == 1 ? BPF_B : -1;
}

/* Checks the instruction can carry a relocation (before anything else). */
int ox_core_check_insn(const struct bpf_insn *in, uint32_t idx, uint32_t nr, struct ox_err *err)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU: case BPF_ALU64:
		if (BPF_SRC(in->code) != BPF_K)
			return ox_errf(err, 0, "instruction %u (ALU, code 0x%02x) has no immediate to relocate",
				       idx, in->code);
		return 0;
	case BPF_LDX: case BPF_ST: case BPF_STX:
		if (BPF_MODE(in->code) != BPF_MEM)
			return ox_errf(err, 0, "instruction %u (code 0x%02x) is not a memory access to relocate",
				       idx, in->code);
		return 0;
	case BPF_LD:
		if (!is_ldimm64(in) || idx + 1 >= nr || in[0].src_reg || in[0].off ||
		    in[1].code || in[1].dst_reg || in[1].src_reg || in[1].off)
			return ox_errf(err, 0, "instruction %u (code 0x%02x) is not a plain 64-bit immediate load",
				       idx, in->code);
		return 0;
	default:
		return ox_errf(err, 0, "instruction %u (code 0x%02x) cannot carry a CO-RE relocation",
			       idx, in->code);
	}
}

int ox_core_patch(struct bpf_insn *in, uint32_t idx, const struct res *res, struct ox_err *err)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU: case BPF_ALU64:
		if (res->validate && (uint64_t)(int64_t)in->imm != res->orig && (uint32_t)in->imm != res->orig)
			return ox_errf(err, 0, "instruction %u holds %d where the object's types give %llu",
				       idx, in->imm, (unsigned long long)res->orig);
		in->imm = (int32_t)res->val;
		return 0;
	case BPF_LDX: case BPF_ST: case BPF_STX:
		if (res->validate && (int64_t)in->off != (int64_t)res->orig)
			return ox_errf(err, 0, "instruction %u holds offset %d where the object's types give %llu",
				       idx, in->off, (unsigned long long)res->orig);
		if (res->val > SHRT_MAX)
			return ox_errf(err, 0, "instruction %u: offset %llu does not fit an instruction",
				       idx, (unsigned long long)res->val);
		in->off = (int16_t)res->val;
		if (res->new_sz != res->orig_sz) {
			int bs;
			if ((uint32_t)size_bytes(in) != res->orig_sz)
				return ox_errf(err, 0, "instruction %u accesses %d bytes where the object's "
					       "types give %u", idx, size_bytes(in), res->orig_sz);
			if ((bs = bytes_size(res->new_sz)) < 0)
				return ox_errf(err, 0, "instruction %u: the target's field of %u bytes "
					       "cannot be accessed with one instruction", idx, res->new_sz);
			in->code = (uint8_t)(BPF_MODE(in->code) | bs | BPF_CLASS(in->code));
		}
		return 0;
	default: {	/* LD_IMM64, checked */
		uint64_t imm = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
		if (res->validate && imm != res->orig)
			return ox_errf(err, 0, "instruction %u holds %llu where the object's types give %llu",
				       idx, (unsigned long long)imm, (unsigned long long)res->orig);
		in[0].imm = (int32_t)(uint32_t)res->val;
		in[1].imm = (int32_t)(uint32_t)(res->val >> 32);
		return 0;
	}
	}
}
