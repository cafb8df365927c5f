/* test_core.c - CO-RE relocations (src/btf/relo_core.c and its parts) of
 * core_bits.bpf.o's program read_bits, applied to copies of its
 * instructions the way the loader applies them:
 *   - against a BTF file (core_target.bpf.o's .BTF, whose struct ox_bits has
 *     another layout): every bitfield's byte offset, load size, shifts and
 *     signedness as the target's layout gives them, a 2-byte load widened;
 *   - against a BTF built here, whose struct ox_bits has no field 'c' (those
 *     instructions are poisoned) and a wider 'small';
 *   - type relocations and invalid records on instructions of our own, and
 *     two candidate types that disagree.
 * Expected values are worked out by hand from the layouts. No kernel.
 *
 *   build/tests/unit/test_core DIR [TARGET]
 *     DIR: the compiled test objects (build/bpf); TARGET: the BTF file to
 *     relocate against, default DIR/core_target.bpf.o */
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "btf/btf_target.h"
#include "btf/relo_core.h"
#include "object/object.h"
#include "btf_build.h"
#include "unit.h"

#define SEC_NAME "tp/syscalls/sys_enter_getppid"

static struct ox_object *obj;		/* core_bits.bpf.o */
static const struct ox_func *prog;	/* read_bits */
static const struct btf_ext_sec *relos;	/* its section's CO-RE records */
static uint32_t rec_size;
static uint32_t local_bits;		/* struct ox_bits in the object's BTF */

/* What a field gives each relocation kind in a target. byte_sz: the load's
 * size; lshift < 0: not a bitfield. */
struct field {
	const char *name;
	int64_t byte_off, byte_sz, is_signed, lshift, rshift;
};

/* core_target.bpf.c's struct ox_bits: pad@0 (2 bytes), small@4, d:9 at bit
 * 64, plain@12, a:4 at bit 128, e:44 at bit 132 (in the 8-byte unit at 16),
 * b:6 at bit 176, c:13 at bit 192 (it does not fit the int at 20). */
static const struct field file_fields[] = {
	{ "a", 16, 4, 0, 60, 60 },	/* lshift: 64 - (bit_off + bits - byte_off * 8) */
	{ "b", 20, 4, 1, 42, 58 },	/* rshift: 64 - bits */
	{ "c", 24, 4, 0, 51, 51 },
	{ "d", 8, 4, 1, 55, 55 },
	{ "e", 16, 8, 0, 16, 20 },
	{ "plain", 12, 4, 1, -1, -1 },
	{ "small", 4, 4, 0, -1, -1 },	/* unsigned short in the object: load widened */
	{ NULL, 0, 0, 0, 0, 0 },
};

/* The hand-built target: a:3@0, b:5@3, d:7@8, e:40@64, plain@16, small@24
 * as unsigned long long, no c. */
static const struct field hand_fields[] = {
	{ "a", 0, 4, 0, 61, 61 },
	{ "b", 0, 4, 1, 56, 59 },
	{ "d", 0, 4, 1, 49, 57 },
	{ "e", 8, 8, 0, 24, 24 },
	{ "plain", 16, 4, 1, -1, -1 },
	{ "small", 24, 8, 0, -1, -1 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct field *field_named(const struct field *fs, const char *name)
{
	for (; fs->name; fs++)
		if (!strcmp(fs->name, name))
			return fs;
	return NULL;
}

/* The value an instruction carries: an ALU immediate, a memory access's
 * offset, a 64-bit immediate. */
static int64_t insn_value(const struct bpf_insn *in)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU: case BPF_ALU64:
		return in->imm;
	case BPF_LDX: case BPF_ST: case BPF_STX:
		return in->off;
	default:
		return (int64_t)((uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32);
	}
}

static int load_bytes(const struct bpf_insn *in)
{
	switch (BPF_SIZE(in->code)) {
	case BPF_DW: return 8;
	case BPF_W: return 4;
	case BPF_H: return 2;
	default: return 1;
	}
}

static struct bpf_core_relo record(uint32_t i)
{
	struct bpf_core_relo r;
	memcpy(&r, relos->recs + (size_t)i * rec_size, sizeof r);
	return r;
}

/* The local field a record's access string "0:N" names. */
static const char *record_field(const struct bpf_core_relo *r)
{
	const char *acc = btf_str(obj->btf, r->access_str_off);
	const struct btf_type *t = btf_type_by_id(obj->btf, local_bits);
	unsigned n;
	if (r->type_id != local_bits || sscanf(acc, "0:%u", &n) != 1 || n >= btf_vlen(t))
		return NULL;
	return btf_str(obj->btf, btf_members(t)[n].name_off);
}

static int64_t field_value(const struct field *f, uint32_t kind)
{
	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET: return f->byte_off;
	case BPF_CORE_FIELD_BYTE_SIZE: return f->byte_sz;
	case BPF_CORE_FIELD_EXISTS: return 1;
	case BPF_CORE_FIELD_SIGNED: return f->is_signed;
	case BPF_CORE_FIELD_LSHIFT_U64: return f->lshift;
	case BPF_CORE_FIELD_RSHIFT_U64: return f->rshift;
	default: return -1000;
	}
}

/* Apply every record of read_bits against target (one session: the second
 * pass runs with its candidate cache warm) and check each patched
 * instruction against fields; records of fields not in fields must be
 * poisoned with the reason missing_why. Returns the records applied. */
static uint32_t relocate_all(const struct btf *target, const char *what,
			     const struct field *fields, const char *missing_why)
{
	struct ox_core_target t = { .base = target, .what = what };
	struct ox_core_session *s = ox_core_session_new(obj->btf, &t);
	struct bpf_insn *insns = malloc(prog->cnt * sizeof *insns);
	uint32_t applied = 0;
	if (!CHECK(s && insns)) {
		ox_core_session_free(s);
		free(insns);
		return 0;
	}
	for (int pass = 0; pass < 2; pass++) {
		memcpy(insns, prog->insns, prog->cnt * sizeof *insns);
		for (uint32_t i = 0; i < relos->nr; i++) {
			struct bpf_core_relo r = record(i);
			struct ox_err err = { 0, "" };
			uint32_t idx = r.insn_off / 8 - prog->off;
			const char *name = record_field(&r);
			const struct field *f = name ? field_named(fields, name) : NULL;
			struct bpf_insn before = insns[idx];
			char what_line[256], why[512] = "";
			int rc;
			snprintf(what_line, sizeof what_line, "%s, pass %d: %s of '%s' (insn %u, code 0x%02x)",
				 what, pass + 1, ox_core_kind_name(r.kind), name ? name : "?", idx,
				 before.code);
			rc = ox_core_apply(s, &r, insns, prog->cnt, idx, why, sizeof why, &err);
			if (!f) {
				char line[300];
				snprintf(line, sizeof line, "%s: poisoned", what_line);
				CHECK_AS(line, rc == OX_CORE_POISONED &&
					 insns[idx].code == (BPF_JMP | BPF_CALL) &&
					 insns[idx].imm == OX_CORE_POISON_HELPER);
				snprintf(line, sizeof line, "%s: reason", what_line);
				unit_str(why, missing_why ? missing_why : "", line, __FILE__, __LINE__);
				continue;
			}
			if (rc != OX_CORE_APPLIED) {
				char line[300];
				snprintf(line, sizeof line, "%s: applied (rc %d: %s%s)", what_line, rc,
					 err.msg, why);
				CHECK_AS(line, 0);
				continue;
			}
			applied++;
			CHECK_INT_AS(what_line, insn_value(&insns[idx]), field_value(f, r.kind));
			if (BPF_CLASS(before.code) == BPF_LDX) {
				char line[300];
				snprintf(line, sizeof line, "%s: load size", what_line);
				CHECK_INT_AS(line, load_bytes(&insns[idx]), f->byte_sz);
			}
		}
	}
	ox_core_session_free(s);
	free(insns);
	return applied;
}

/* ---- against the BTF file ---- */

/* The target's layout is what file_fields says (else the values checked
 * later would prove nothing). */
static void check_file_layout(const struct btf *btf)
{
	static const struct { const char *name; uint32_t bit_off, bits; } want[] = {
		{ "pad", 0, 0 }, { "small", 32, 0 }, { "d", 64, 9 }, { "plain", 96, 0 },
		{ "a", 128, 4 }, { "e", 132, 44 }, { "b", 176, 6 }, { "c", 192, 13 },
	};
	uint32_t id = btf_find(btf, "ox_bits", BTF_KIND_STRUCT);
	const struct btf_type *t = btf_type_by_id(btf, id);
	if (!CHECK(t != NULL && btf_vlen(t) == sizeof want / sizeof want[0]))
		return;
	CHECK_INT(t->size, 32);
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		char what[96];
		snprintf(what, sizeof what, "target member %u is '%s' at bit %u, %u bits", i, want[i].name,
			 want[i].bit_off, want[i].bits);
		CHECK_AS(what, !strcmp(btf_str(btf, btf_members(t)[i].name_off), want[i].name) &&
			 btf_member_bit_offset(t, i) == want[i].bit_off &&
			 btf_member_bitfield_size(t, i) == want[i].bits);
	}
}

static void test_file(const char *path)
{
	struct ox_err err = { 0, "" };
	struct btf *btf = ox_btf_read_file(path, &err);
	if (!CHECK(btf != NULL)) {
		printf("# %s\n", err.msg);
		return;
	}
	check_file_layout(btf);
	/* every record of every field, twice */
	CHECK_INT(relocate_all(btf, "BTF file", file_fields, NULL), 2 * relos->nr);
	btf_free(btf);
}

/* ---- against a BTF built here ---- */

static struct btf *hand_target(uint8_t *blob, int flavors)
{
	struct bb b;
	struct ox_err err = { 0, "" };
	struct btf *btf;
	uint32_t uint, sint, ull;
	bb_init(&b);
	uint = bb_int(&b, "unsigned int", 4, 0);
	sint = bb_int(&b, "int", 4, BTF_INT_SIGNED);
	ull = bb_int(&b, "unsigned long long", 8, 0);
	bb_struct(&b, BTF_KIND_STRUCT, "ox_bits", 32, 1, 6);
	bb_member(&b, "a", uint, 0, 3);
	bb_member(&b, "b", sint, 3, 5);
	bb_member(&b, "d", sint, 8, 7);
	bb_member(&b, "e", ull, 64, 40);
	bb_member(&b, "plain", sint, 128, 0);
	bb_member(&b, "small", ull, 192, 0);
	if (flavors) {	/* a second candidate: plain elsewhere */
		bb_struct(&b, BTF_KIND_STRUCT, "ox_bits___v2", 16, 0, 1);
		bb_member(&b, "plain", sint, 96, 0);
	}
	btf = btf_parse(blob, bb_blob(&b, blob), &err);
	if (!btf)
		printf("# hand-built target: %s\n", err.msg);
	return btf;
}

static void test_hand(void)
{
	static uint8_t blob[BB_BLOB_MAX];
	struct btf *btf = hand_target(blob, 0);
	uint32_t nc = 0;
	if (!CHECK(btf != NULL))
		return;
	for (uint32_t i = 0; i < relos->nr; i++) {
		struct bpf_core_relo r = record(i);
		const char *name = record_field(&r);
		nc += name && !strcmp(name, "c");
	}
	CHECK(nc > 0);
	/* all but the records of c, twice */
	CHECK_INT(relocate_all(btf, "the hand-built BTF", hand_fields,
			       "struct ox_bits: field 'c' (access 0:2) not found in the hand-built BTF"),
		  2 * (relos->nr - nc));
	btf_free(btf);
}

/* ---- records of our own ---- */

/* The offset of string s in the object's BTF (also as a suffix), 0 if none. */
static uint32_t str_off(const char *s)
{
	size_t size;
	const uint8_t *raw = btf_raw(obj->btf, &size);
	struct btf_header h;
	memcpy(&h, raw, sizeof h);
	for (uint32_t off = 1; off < h.str_len; off++)
		if (!strcmp(btf_str(obj->btf, off), s))
			return off;
	return 0;
}

/* r0 = imm; exit */
static void two_insns(struct bpf_insn *in, int32_t imm)
{
	memset(in, 0, 2 * sizeof *in);
	in[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	in[0].imm = imm;
	in[1].code = BPF_JMP | BPF_EXIT;
}

static int apply(struct ox_core_session *s, uint32_t kind, uint32_t type_id, uint32_t acc,
		 struct bpf_insn *in, uint32_t idx, char *why, struct ox_err *err)
{
	struct bpf_core_relo r = { .insn_off = 0, .type_id = type_id, .access_str_off = acc,
				   .kind = kind };
	err->msg[0] = 0;
	return ox_core_apply(s, &r, in, 2, idx, why, 256, err);
}

static void test_records(const char *path)
{
	static uint8_t blob[BB_BLOB_MAX];
	struct ox_err err = { 0, "" };
	struct btf *file = ox_btf_read_file(path, &err), *hand = hand_target(blob, 0);
	struct btf *two = NULL;
	struct ox_core_target tf = { .base = file, .what = "BTF file" };
	struct ox_core_target th = { .base = hand, .what = "the hand-built BTF" };
	struct ox_core_target none = { .base = NULL, .what = "nothing" };
	struct ox_core_session *s = NULL, *sh = NULL, *sn = NULL;
	uint32_t zero = str_off("0"), c_acc = str_off("0:2"), plain_acc = str_off("0:5");
	uint32_t name_acc = str_off("ox_bits"), local_size;
	struct bpf_insn in[2];
	char why[256], want[256];
	static uint8_t blob2[BB_BLOB_MAX];

	if (!CHECK(file && hand && zero && c_acc && plain_acc && name_acc))
		goto out;
	s = ox_core_session_new(obj->btf, &tf);
	sh = ox_core_session_new(obj->btf, &th);
	sn = ox_core_session_new(obj->btf, &none);
	if (!CHECK(s && sh && sn))
		goto out;
	local_size = (uint32_t)btf_size(obj->btf, local_bits);
	CHECK_INT(local_size, 24);	/* a..d in 4 bytes, e at 8, plain at 16, small at 20 */

	two_insns(in, (int32_t)local_size);
	CHECK_INT(apply(s, BPF_CORE_TYPE_SIZE, local_bits, zero, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, 32);
	two_insns(in, 1);
	CHECK_INT(apply(s, BPF_CORE_TYPE_EXISTS, local_bits, zero, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, 1);
	/* 'small' is 2 bytes here and 4 there: the types do not match */
	two_insns(in, 1);
	CHECK_INT(apply(s, BPF_CORE_TYPE_MATCHES, local_bits, zero, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, 0);
	two_insns(in, 7);
	CHECK_INT(apply(s, BPF_CORE_TYPE_ID_TARGET, local_bits, zero, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, btf_find(file, "ox_bits", BTF_KIND_STRUCT));
	two_insns(in, (int32_t)local_bits);
	CHECK_INT(apply(s, BPF_CORE_TYPE_ID_LOCAL, local_bits, zero, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, local_bits);
	two_insns(in, 1);
	CHECK_INT(apply(s, BPF_CORE_FIELD_EXISTS, local_bits, c_acc, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, 1);
	/* existence of a field the target lacks: 0, not poison */
	two_insns(in, 1);
	CHECK_INT(apply(sh, BPF_CORE_FIELD_EXISTS, local_bits, c_acc, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, 0);
	two_insns(in, (int32_t)local_size);
	CHECK_INT(apply(sh, BPF_CORE_TYPE_SIZE, local_bits, zero, in, 0, why, &err), OX_CORE_APPLIED);
	CHECK_INT(in[0].imm, 32);

	/* invalid records: -1 and the message */
	two_insns(in, (int32_t)local_size);
	CHECK_INT(apply(s, BPF_CORE_TYPE_SIZE, local_bits, zero, in, 5, why, &err), -1);
	CHECK_STR(err.msg, "instruction 5 is outside the function (2 instructions)");
	CHECK_INT(apply(s, 99, local_bits, zero, in, 0, why, &err), -1);
	CHECK_STR(err.msg, "unknown relocation kind 99");
	CHECK_INT(apply(s, BPF_CORE_TYPE_SIZE, 99999, zero, in, 0, why, &err), -1);
	snprintf(want, sizeof want, "type id 99999 out of range (the object's BTF has %u types)",
		 btf_max_id(obj->btf));
	CHECK_STR(err.msg, want);
	CHECK_INT(apply(s, BPF_CORE_TYPE_SIZE, local_bits, zero, in, 1, why, &err), -1);
	CHECK_STR(err.msg, "instruction 1 (code 0x95) cannot carry a CO-RE relocation");
	two_insns(in, 12345);
	CHECK_INT(apply(s, BPF_CORE_TYPE_SIZE, local_bits, zero, in, 0, why, &err), -1);
	snprintf(want, sizeof want, "instruction 0 holds 12345 where the object's types give %u",
		 local_size);
	CHECK_STR(err.msg, want);
	CHECK_INT(in[0].imm, 12345);	/* left as it was */
	two_insns(in, 0);
	CHECK_INT(apply(s, BPF_CORE_FIELD_BYTE_OFFSET, local_bits, name_acc, in, 0, why, &err), -1);
	CHECK_STR(err.msg, "access string 'ox_bits' is invalid");
	CHECK_INT(apply(s, BPF_CORE_TYPE_SIZE, local_bits, c_acc, in, 0, why, &err), -1);
	CHECK_STR(err.msg, "access string '0:2' is invalid for a type_size relocation (must be \"0\")");
	two_insns(in, (int32_t)local_size);
	CHECK_INT(apply(sn, BPF_CORE_TYPE_SIZE, local_bits, zero, in, 0, why, &err), -1);
	CHECK_STR(err.msg, "no target BTF to relocate against");

	/* two candidates (ox_bits, ox_bits___v2) that put 'plain' apart */
	if (CHECK((two = hand_target(blob2, 1)) != NULL)) {
		struct ox_core_target t2 = { .base = two, .what = "the two-flavor BTF" };
		struct ox_core_session *s2 = ox_core_session_new(obj->btf, &t2);
		uint32_t a = btf_find(two, "ox_bits", BTF_KIND_STRUCT);
		uint32_t b = btf_find(two, "ox_bits___v2", BTF_KIND_STRUCT);
		struct bpf_insn ld[2] = { { .code = BPF_LDX | BPF_MEM | BPF_W, .off = 0 },
					  { .code = BPF_JMP | BPF_EXIT } };
		const struct btf_type *lt = btf_type_by_id(obj->btf, local_bits);
		for (uint32_t i = 0; i < btf_vlen(lt); i++)
			if (!strcmp(btf_str(obj->btf, btf_members(lt)[i].name_off), "plain"))
				ld[0].off = (int16_t)(btf_member_bit_offset(lt, i) / 8);
		if (CHECK(s2 != NULL)) {
			CHECK_INT(apply(s2, BPF_CORE_FIELD_BYTE_OFFSET, local_bits, plain_acc, ld, 0, why,
					&err), -1);
			snprintf(want, sizeof want, "struct 'ox_bits' is ambiguous: candidate types %u and %u "
				 "in the two-flavor BTF give different bit offsets (128 and 96)", a, b);
			CHECK_STR(err.msg, want);
		}
		ox_core_session_free(s2);
	}

	CHECK_INT(ox_core_essential_len("ox_bits___v2"), 7);
	CHECK_INT(ox_core_essential_len("ox_bits"), 7);
	CHECK_INT(ox_core_essential_len("a___b___c"), 5);
	CHECK_INT(ox_core_essential_len("a____b"), 6);
	CHECK_STR(ox_core_kind_name(BPF_CORE_FIELD_BYTE_OFFSET), "byte_off");
	CHECK_STR(ox_core_kind_name(BPF_CORE_TYPE_MATCHES), "type_matches");
	CHECK_STR(ox_core_kind_name(13), "unknown");
out:
	ox_core_session_free(s);
	ox_core_session_free(sh);
	ox_core_session_free(sn);
	btf_free(file);
	btf_free(hand);
	btf_free(two);
}

int main(int argc, char **argv)
{
	char path[4200], target[4200];
	struct ox_err err = { 0, "" };
	int f;
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: test_core DIR [TARGET] (DIR: the compiled test objects, "
			"build/bpf; TARGET: a BTF file, default DIR/core_target.bpf.o)\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/core_bits.bpf.o", argv[1]);
	if (argc == 3)
		snprintf(target, sizeof target, "%s", argv[2]);
	else
		snprintf(target, sizeof target, "%s/core_target.bpf.o", argv[1]);
	obj = ox_object_open(path, &err);
	if (!CHECK(obj != NULL)) {
		printf("# %s\n", err.msg);
		return unit_done();
	}
	f = ox_object_find_func(obj, "read_bits");
	local_bits = obj->btf ? btf_find(obj->btf, "ox_bits", BTF_KIND_STRUCT) : 0;
	relos = obj->btf_ext ? btf_ext_find(&obj->btf_ext->core_relo, SEC_NAME) : NULL;
	if (CHECK(f >= 0 && local_bits && relos && relos->nr >= 20)) {
		prog = &obj->funcs[f];
		rec_size = obj->btf_ext->core_relo.rec_size;
		CHECK_INT(obj->nr_core_relos, relos->nr);
		test_file(target);
		test_hand();
		test_records(target);
	}
	ox_object_free(obj);
	return unit_done();
}
