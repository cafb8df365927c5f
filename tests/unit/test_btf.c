/* test_btf.c - BTF parsing (src/btf) on blobs built by hand: a valid one and
 * its lookups (btf_find, btf_size, btf_resolve, btf_align, C-like names),
 * a split BTF on it, blobs each broken in one way with the exact message
 * btf_parse gives, .BTF.ext records, the DATASEC fixup and the sanitized
 * copy. No files, no kernel.
 *
 *   build/tests/unit/test_btf */
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "btf/btf.h"
#include "btf_build.h"
#include "unit.h"

static uint8_t blob[BB_BLOB_MAX];

/* ---- a valid BTF and its lookups ---- */

enum {
	T_INT = 1, T_CHAR, T_UINT, T_U32, T_CONST_U32, T_PTR_INT, T_CHARS, T_TASK, T_PTR_TASK,
	T_TASK_T, T_VAL, T_COLOR, T_VOL_TASK_T, T_PACKED, T_PROTO, T_MAIN, T_FWD, T_DOUBLE,
	T_BITS, T_NR = T_BITS
};

/* struct task { int pid; const u32 flags; char comm[16]; struct task *next; } and
 * friends, with ids as in the enum above. */
static void build_types(struct bb *b)
{
	bb_init(b);
	CHECK_INT(bb_int(b, "int", 4, BTF_INT_SIGNED), T_INT);
	bb_int(b, "char", 1, BTF_INT_CHAR);
	bb_int(b, "unsigned int", 4, 0);
	bb_ref(b, BTF_KIND_TYPEDEF, "u32", T_UINT);
	bb_ref(b, BTF_KIND_CONST, "", T_U32);
	bb_ref(b, BTF_KIND_PTR, "", T_INT);
	bb_array(b, T_CHAR, T_INT, 16);
	bb_struct(b, BTF_KIND_STRUCT, "task", 32, 0, 4);
	bb_member(b, "pid", T_INT, 0, 0);
	bb_member(b, "flags", T_CONST_U32, 32, 0);
	bb_member(b, "comm", T_CHARS, 64, 0);
	bb_member(b, "next", T_PTR_TASK, 192, 0);
	bb_ref(b, BTF_KIND_PTR, "", T_TASK);		/* a loop through a pointer: legal */
	bb_ref(b, BTF_KIND_TYPEDEF, "task_t", T_TASK);
	bb_struct(b, BTF_KIND_UNION, "val", 8, 0, 2);
	bb_member(b, "i", T_INT, 0, 0);
	bb_member(b, "p", T_PTR_INT, 0, 0);
	bb_enum(b, "color", 4, 2);
	bb_enumerator(b, "RED", 0);
	bb_enumerator(b, "GREEN", 1);
	bb_ref(b, BTF_KIND_VOLATILE, "", T_TASK_T);
	bb_struct(b, BTF_KIND_STRUCT, "packed", 5, 0, 2);	/* int at byte 1 */
	bb_member(b, "c", T_CHAR, 0, 0);
	bb_member(b, "i", T_INT, 8, 0);
	bb_proto(b, T_INT, 1);
	bb_param(b, "argc", T_INT);
	bb_type(b, "main", BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL, T_PROTO);
	bb_type(b, "later", BTF_KIND_FWD, 0, 0, 0);
	bb_type(b, "double", BTF_KIND_FLOAT, 0, 0, 8);
	bb_struct(b, BTF_KIND_STRUCT, "bits", 4, 1, 2);
	bb_member(b, "a", T_UINT, 0, 3);
	bb_member(b, "b", T_UINT, 3, 5);
	CHECK_INT(b->nr, T_NR);
}

static void test_lookups(const struct btf *btf, size_t size)
{
	char buf[128];
	size_t raw_size = 0;
	const struct btf_type *t;

	CHECK_INT(btf_max_id(btf), T_NR);
	CHECK_INT(btf_start_id(btf), 1);
	CHECK(btf_base(btf) == NULL);
	CHECK(btf_raw(btf, &raw_size) != NULL);
	CHECK_INT(raw_size, size);

	CHECK(btf_type_by_id(btf, 0) == NULL);
	CHECK(btf_type_by_id(btf, T_NR + 1) == NULL);
	t = btf_type_by_id(btf, T_TASK);
	CHECK(t && btf_kind(t) == BTF_KIND_STRUCT && btf_vlen(t) == 4 && t->size == 32);
	if (t) {
		CHECK_INT(btf_member_bit_offset(t, 3), 192);
		CHECK_INT(btf_member_bitfield_size(t, 3), 0);
	}
	t = btf_type_by_id(btf, T_BITS);
	if (CHECK(t && btf_kflag(t))) {
		CHECK_INT(btf_member_bit_offset(t, 1), 3);
		CHECK_INT(btf_member_bitfield_size(t, 1), 5);
	}
	CHECK_STR(btf_name(btf, T_TASK), "task");
	CHECK_STR(btf_name(btf, T_PTR_TASK), "");
	CHECK_STR(btf_name(btf, 0), "");
	CHECK_STR(btf_str(btf, 1), "int");
	CHECK_STR(btf_str(btf, 100000), "");
	CHECK_STR(btf_kind_name(BTF_KIND_STRUCT), "struct");
	CHECK_STR(btf_kind_name(BTF_KIND_ENUM64), "enum64");
	CHECK_STR(btf_kind_name(99), "unknown");

	CHECK_INT(btf_find(btf, "task", BTF_KIND_STRUCT), T_TASK);
	CHECK_INT(btf_find(btf, "task", BTF_KIND_UNION), 0);
	CHECK_INT(btf_find(btf, "u32", -1), T_U32);
	CHECK_INT(btf_find(btf, "nope", -1), 0);
	CHECK_INT(btf_find_by_spec(btf, "struct task"), T_TASK);
	CHECK_INT(btf_find_by_spec(btf, "  struct   task"), T_TASK);
	CHECK_INT(btf_find_by_spec(btf, "union val"), T_VAL);
	CHECK_INT(btf_find_by_spec(btf, "enum color"), T_COLOR);
	CHECK_INT(btf_find_by_spec(btf, "u32"), T_U32);
	CHECK_INT(btf_find_by_spec(btf, "task_t"), T_TASK_T);
	CHECK_INT(btf_find_by_spec(btf, "double"), T_DOUBLE);
	CHECK_INT(btf_find_by_spec(btf, "struct val"), 0);
	CHECK_INT(btf_find_by_spec(btf, "struct "), 0);
	CHECK_INT(btf_find_by_spec(btf, ""), 0);

	CHECK_INT(btf_resolve(btf, T_CONST_U32), T_UINT);
	CHECK_INT(btf_resolve(btf, T_VOL_TASK_T), T_TASK);
	CHECK_INT(btf_resolve(btf, T_INT), T_INT);
	CHECK_INT(btf_resolve(btf, T_PTR_INT), T_PTR_INT);
	CHECK_INT(btf_resolve(btf, 0), 0);

	CHECK_INT(btf_size(btf, T_INT), 4);
	CHECK_INT(btf_size(btf, T_CHAR), 1);
	CHECK_INT(btf_size(btf, T_CONST_U32), 4);
	CHECK_INT(btf_size(btf, T_PTR_INT), 8);
	CHECK_INT(btf_size(btf, T_CHARS), 16);
	CHECK_INT(btf_size(btf, T_TASK), 32);
	CHECK_INT(btf_size(btf, T_VOL_TASK_T), 32);
	CHECK_INT(btf_size(btf, T_VAL), 8);
	CHECK_INT(btf_size(btf, T_COLOR), 4);
	CHECK_INT(btf_size(btf, T_PACKED), 5);
	CHECK_INT(btf_size(btf, T_DOUBLE), 8);
	CHECK_INT(btf_size(btf, T_PROTO), -1);
	CHECK_INT(btf_size(btf, T_MAIN), -1);
	CHECK_INT(btf_size(btf, T_FWD), -1);
	CHECK_INT(btf_size(btf, 0), -1);
	CHECK_INT(btf_size(btf, T_NR + 1), -1);

	CHECK_INT(btf_align(btf, T_INT), 4);
	CHECK_INT(btf_align(btf, T_CHAR), 1);
	CHECK_INT(btf_align(btf, T_PTR_INT), 8);
	CHECK_INT(btf_align(btf, T_CHARS), 1);
	CHECK_INT(btf_align(btf, T_TASK), 8);
	CHECK_INT(btf_align(btf, T_TASK_T), 8);
	CHECK_INT(btf_align(btf, T_PACKED), 1);
	CHECK_INT(btf_align(btf, T_BITS), 4);
	CHECK_INT(btf_align(btf, T_MAIN), -1);
	CHECK_INT(btf_align(btf, T_NR + 1), -1);

	CHECK_STR(btf_type_str(btf, T_PTR_INT, buf, sizeof buf), "int *");
	CHECK_STR(btf_type_str(btf, T_CHARS, buf, sizeof buf), "char[16]");
	CHECK_STR(btf_type_str(btf, T_TASK, buf, sizeof buf), "struct task");
	CHECK_STR(btf_type_str(btf, T_PTR_TASK, buf, sizeof buf), "struct task *");
	CHECK_STR(btf_type_str(btf, T_CONST_U32, buf, sizeof buf), "const u32");
	CHECK_STR(btf_type_str(btf, T_MAIN, buf, sizeof buf), "int main(int)");
	CHECK_STR(btf_type_str(btf, T_FWD, buf, sizeof buf), "struct later");
	CHECK_STR(btf_type_str(btf, 0, buf, sizeof buf), "void");
	CHECK_STR(btf_type_str(btf, T_TASK, buf, 7), "struct");	/* truncated, terminated */
}

static void test_valid(void)
{
	struct bb b;
	struct ox_err err = { 0, "" };
	struct btf *btf;
	size_t n;
	build_types(&b);
	n = bb_blob(&b, blob);
	btf = btf_parse(blob, n, &err);
	if (!CHECK(btf != NULL)) {
		printf("# btf_parse: %s\n", err.msg);
		return;
	}
	test_lookups(btf, n);
	btf_free(btf);
}

/* ---- a split BTF on it ---- */

static void test_split(void)
{
	struct bb base, split;
	struct ox_err err = { 0, "" };
	struct btf *b, *s;
	uint8_t *sblob = malloc(BB_BLOB_MAX);
	char buf[128];
	uint32_t ptr, thing;
	size_t n;
	build_types(&base);
	b = btf_parse(blob, bb_blob(&base, blob), &err);
	if (!CHECK(b != NULL) || !sblob) {
		btf_free(b);
		free(sblob);
		return;
	}
	bb_init_split(&split, base.nr, base.slen);
	ptr = bb_ref(&split, BTF_KIND_PTR, "", T_TASK);
	thing = bb_struct(&split, BTF_KIND_STRUCT, "mod_thing", 8, 0, 1);
	bb_member(&split, "t", ptr, 0, 0);
	CHECK_INT(ptr, T_NR + 1);
	n = bb_blob(&split, sblob);
	s = btf_parse_split(sblob, n, b, &err);
	if (CHECK(s != NULL)) {
		CHECK(btf_base(s) == b);
		CHECK_INT(btf_start_id(s), T_NR + 1);
		CHECK_INT(btf_max_id(s), thing);
		CHECK_INT(btf_find(s, "task", BTF_KIND_STRUCT), T_TASK);
		CHECK_INT(btf_find(s, "mod_thing", BTF_KIND_STRUCT), thing);
		CHECK_STR(btf_name(s, thing), "mod_thing");
		CHECK_STR(btf_name(s, T_TASK), "task");
		CHECK_INT(btf_size(s, thing), 8);
		CHECK_INT(btf_align(s, thing), 8);
		CHECK_STR(btf_type_str(s, ptr, buf, sizeof buf), "struct task *");
		btf_free(s);
	} else {
		printf("# btf_parse_split: %s\n", err.msg);
	}

	CHECK(btf_parse_split(sblob, n, NULL, &err) == NULL);
	CHECK_STR(err.msg, "BTF: a split BTF needs its base BTF");

	bb_init_split(&split, base.nr, base.slen);
	bb_ref(&split, BTF_KIND_PTR, "", T_NR + 5);
	CHECK(btf_parse_split(sblob, bb_blob(&split, sblob), b, &err) == NULL);
	CHECK_STR(err.msg, "BTF: type 20 references type 24 out of range (max 20)");
	btf_free(b);
	free(sblob);
}

/* ---- broken blobs: the exact message ---- */

/* Parse n bytes of blob, expecting failure with message want. */
static void expect_error(const char *what, size_t n, const char *want)
{
	struct ox_err err = { 0, "" };
	struct btf *btf = btf_parse(blob, n, &err);
	char line[256];
	snprintf(line, sizeof line, "%s: btf_parse fails", what);
	CHECK_AS(line, btf == NULL);
	btf_free(btf);
	snprintf(line, sizeof line, "%s: message", what);
	unit_str(err.msg, want, line, __FILE__, __LINE__);
}

static void put32(size_t off, uint32_t v) { memcpy(blob + off, &v, 4); }
static void put16(size_t off, uint16_t v) { memcpy(blob + off, &v, 2); }

static void test_broken(void)
{
	struct bb b;
	size_t n, h = sizeof(struct btf_header);
	char want[256];

	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	bb_ref(&b, BTF_KIND_PTR, "", 1);
	n = bb_blob(&b, blob);
	expect_error("short blob", 10, "BTF: blob of 10 bytes is shorter than its header");
	put16(0, 0x1234);
	expect_error("bad magic", n, "BTF: bad magic 0x1234");
	put16(0, 0x9feb);
	expect_error("big-endian", n, "BTF: bad magic 0x9feb (big-endian BTF is not supported)");
	n = bb_blob(&b, blob);
	blob[2] = 2;
	expect_error("version", n, "BTF: unsupported version 2");
	n = bb_blob(&b, blob);
	put32(4, 8);
	snprintf(want, sizeof want, "BTF: bad header length 8 (blob is %zu bytes)", n);
	expect_error("header length", n, want);
	n = bb_blob(&b, blob);
	put32(12, 100000);	/* type_len */
	expect_error("type section", n, "BTF: type section (offset 0, length 100000) outside the blob");
	n = bb_blob(&b, blob);
	put32(20, 0);		/* str_len */
	expect_error("no strings", n, "BTF: empty string section");
	n = bb_blob(&b, blob);
	blob[h + b.tlen] = 'x';
	expect_error("strings start", n, "BTF: string section does not start with NUL");
	n = bb_blob(&b, blob);
	blob[n - 1] = 'x';
	expect_error("strings end", n, "BTF: string section does not end with NUL");
	n = bb_blob(&b, blob);
	put32(8, 2);		/* type_off: not 4-byte aligned */
	put32(12, b.tlen - 4);
	expect_error("alignment", n, "BTF: type section is not 4-byte aligned");

	/* type records */
	n = bb_blob(&b, blob);
	blob[h + 7] = 25;	/* kind of type 1 */
	expect_error("unknown kind", n, "BTF: type 1 has unknown kind 25");
	n = bb_blob(&b, blob);
	put32(h + 16 + 8, 99);	/* type 2 (after int's 16 bytes) points to 99 */
	expect_error("type id out of range", n, "BTF: type 2 references type 99 out of range (max 2)");
	n = bb_blob(&b, blob);
	put32(h, 500);		/* name of type 1 */
	snprintf(want, sizeof want, "BTF: type 1 name offset 500 out of range (strings are %u bytes)",
		 b.slen);
	expect_error("name offset", n, want);
	n = bb_blob(&b, blob);
	put32(h + 8, 3);	/* int size */
	expect_error("int size", n, "BTF: type 1 int has bad size 3");
	n = bb_blob(&b, blob);
	put32(h + 12, 40);	/* int of 40 bits in 4 bytes */
	expect_error("int bits", n, "BTF: type 1 int bits 40 at offset 0 do not fit 4 bytes");

	bb_init(&b);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 8, 0, 3);	/* claims 3 members, has 1 */
	bb_member(&b, "x", 0, 0, 0);
	expect_error("truncated record", bb_blob(&b, blob), "BTF: truncated type section at type 1");

	bb_init(&b);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 8, 0, 1);
	bb_member(&b, "x", 0, 0, 0);
	n = bb_blob(&b, blob);
	put32(h + 12, 900);	/* the member's name */
	snprintf(want, sizeof want, "BTF: type 1 member 0 name offset 900 out of range (strings are %u bytes)",
		 b.slen);
	expect_error("member name offset", n, want);

	/* loops that do not go through a pointer */
	bb_init(&b);
	bb_ref(&b, BTF_KIND_TYPEDEF, "a", 2);
	bb_ref(&b, BTF_KIND_TYPEDEF, "b", 1);
	expect_error("typedef loop", bb_blob(&b, blob), "BTF: type 1 (typedef 'a') refers back to "
		     "itself through type 2 without a pointer (reference loop)");
	bb_init(&b);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 8, 0, 1);
	bb_member(&b, "self", 1, 0, 0);
	expect_error("struct in itself", bb_blob(&b, blob), "BTF: type 1 (struct 's') refers back to "
		     "itself through type 1 without a pointer (reference loop)");
	bb_init(&b);
	bb_int(&b, "int", 4, 0);
	bb_array(&b, 3, 1, 2);
	bb_ref(&b, BTF_KIND_CONST, "", 2);
	expect_error("array loop", bb_blob(&b, blob), "BTF: type 2 (array) refers back to itself "
		     "through type 3 without a pointer (reference loop)");
}

/* ---- .BTF.ext ---- */

struct ext_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, func_off, func_len, line_off, line_len, core_off, core_len;
};

/* A .BTF.ext of one func_info and one core_relo record for section "xdp". */
static size_t build_ext(uint8_t *out, uint32_t xdp, uint32_t acc, uint32_t func_type,
			uint32_t relo_type)
{
	struct ext_hdr hd = { BTF_MAGIC, 1, 0, sizeof hd, 0, 20, 20, 0, 20, 28 };
	uint32_t func[] = { 8, xdp, 1, 0, func_type };
	uint32_t core[] = { 16, xdp, 1, 8, relo_type, acc, 0 };
	memcpy(out, &hd, sizeof hd);
	memcpy(out + sizeof hd, func, sizeof func);
	memcpy(out + sizeof hd + sizeof func, core, sizeof core);
	return sizeof hd + sizeof func + sizeof core;
}

static void test_ext(void)
{
	struct bb b;
	struct ox_err err = { 0, "" };
	struct btf *btf;
	struct btf_ext *ext;
	uint8_t e[256];
	uint32_t xdp, acc;
	size_t n;
	build_types(&b);
	xdp = bb_str(&b, "xdp");
	acc = bb_str(&b, "0:1");
	btf = btf_parse(blob, bb_blob(&b, blob), &err);
	if (!CHECK(btf != NULL))
		return;
	n = build_ext(e, xdp, acc, T_MAIN, T_TASK);
	ext = btf_ext_parse(e, n, btf, &err);
	if (CHECK(ext != NULL)) {
		const struct btf_ext_sec *s = btf_ext_find(&ext->core_relo, "xdp");
		CHECK_INT(ext->func_info.rec_size, 8);
		CHECK_INT(ext->func_info.nr_secs, 1);
		CHECK_STR(ext->func_info.secs[0].sec_name, "xdp");
		CHECK_INT(ext->line_info.rec_size, 0);
		CHECK_INT(ext->core_relo.rec_size, 16);
		if (CHECK(s != NULL && s->nr == 1)) {
			struct bpf_core_relo r;
			memcpy(&r, s->recs, sizeof r);
			CHECK_INT(r.insn_off, 8);
			CHECK_INT(r.type_id, T_TASK);
			CHECK_STR(btf_str(btf, r.access_str_off), "0:1");
		}
		CHECK(btf_ext_find(&ext->core_relo, "tc") == NULL);
		btf_ext_free(ext);
	}

	CHECK(btf_ext_parse(e, n, NULL, &err) == NULL);
	CHECK_STR(err.msg, "BTF.ext: no .BTF to resolve names against");
	CHECK(btf_ext_parse(e, 4, btf, &err) == NULL);
	CHECK_STR(err.msg, "BTF.ext: section of 4 bytes is shorter than its header");
	e[0] = 0x34, e[1] = 0x12;
	CHECK(btf_ext_parse(e, n, btf, &err) == NULL);
	CHECK_STR(err.msg, "BTF.ext: bad magic 0x1234");
	build_ext(e, xdp, acc, T_MAIN, 999);
	CHECK(btf_ext_parse(e, n, btf, &err) == NULL);
	CHECK_STR(err.msg, "BTF.ext: core_relo for section xdp record 0 references type 999 out of "
		  "range (max 19)");
	build_ext(e, xdp, 5000, T_MAIN, T_TASK);
	CHECK(btf_ext_parse(e, n, btf, &err) == NULL);
	CHECK_STR(err.msg, "BTF.ext: core_relo for section xdp record 0 has a string offset out of range");
	build_ext(e, xdp, acc, T_MAIN, T_TASK);
	memcpy(e + sizeof(struct ext_hdr), &(uint32_t){ 4 }, 4);	/* func_info record size */
	CHECK(btf_ext_parse(e, n, btf, &err) == NULL);
	CHECK_STR(err.msg, "BTF.ext: func_info record size 4 is invalid (minimum 8, multiple of 4)");
	build_ext(e, xdp, acc, T_MAIN, T_TASK);
	memcpy(e + sizeof(struct ext_hdr) + 8, &(uint32_t){ 0 }, 4);	/* func_info: 0 records */
	CHECK(btf_ext_parse(e, n, btf, &err) == NULL);
	CHECK_STR(err.msg, "BTF.ext: func_info for section xdp has no records");
	btf_free(btf);
}

/* ---- DATASEC fixup and the sanitized copy ---- */

static int sym_off(void *ctx, const char *name, uint32_t *off)
{
	(void)ctx;
	if (!strcmp(name, "x")) { *off = 0; return 0; }
	if (!strcmp(name, "y")) { *off = 4; return 0; }
	return -1;
}

static void test_kernel_copy(void)
{
	struct bb b;
	struct ox_err err = { 0, "" };
	struct btf *btf, *copy;
	const struct btf_type *t;
	uint32_t x, y, z, sec, flt, tag;
	void *raw;
	size_t n, rn = 0;
	bb_init(&b);
	bb_int(&b, "int", 4, BTF_INT_SIGNED);
	x = bb_var(&b, "x", 1, BTF_VAR_GLOBAL_ALLOCATED);
	y = bb_var(&b, "y", 1, BTF_VAR_GLOBAL_ALLOCATED);
	z = bb_var(&b, "z", 1, BTF_VAR_GLOBAL_ALLOCATED);
	sec = bb_datasec(&b, ".data", 0, 2);	/* as the compiler leaves it: no size, no offsets */
	bb_secinfo(&b, y, 0, 4);
	bb_secinfo(&b, x, 0, 4);
	flt = bb_type(&b, "float", BTF_KIND_FLOAT, 0, 0, 4);
	tag = bb_ref(&b, BTF_KIND_TYPE_TAG, "user", 1);
	n = bb_blob(&b, blob);
	btf = btf_parse(blob, n, &err);
	if (!CHECK(btf != NULL))
		return;
	CHECK_INT(btf_find_datasec(btf, ".data"), sec);
	CHECK_INT(btf_find_datasec(btf, ""), 0);
	CHECK_INT(btf_fixup_datasec(btf, sec, 8, sym_off, NULL, &err), 0);
	t = btf_type_by_id(btf, sec);
	CHECK_INT(t->size, 8);
	CHECK_INT(btf_secinfos(t)[0].type, x);	/* sorted by offset */
	CHECK_INT(btf_secinfos(t)[0].offset, 0);
	CHECK_INT(btf_secinfos(t)[1].type, y);
	CHECK_INT(btf_secinfos(t)[1].offset, 4);
	CHECK_INT(btf_fixup_datasec(btf, 1, 8, sym_off, NULL, &err), -1);
	CHECK_STR(err.msg, "BTF: type 1 is not a DATASEC");
	CHECK_INT(btf_fixup_datasec(btf, sec, 6, sym_off, NULL, &err), -1);
	CHECK_STR(err.msg, "BTF: DATASEC .data: variable 'y' (offset 4, size 4) outside the section "
		  "(6 bytes)");
	btf_free(btf);

	/* no symbol for a variable of a section the compiler left unsized:
	 * the first secinfo (after int and three VARs, 16 bytes each, and the
	 * DATASEC's 12) names z */
	memcpy(blob + sizeof(struct btf_header) + 16 * 4 + 12, &z, 4);
	btf = btf_parse(blob, n, &err);
	if (CHECK(btf != NULL)) {
		CHECK_INT(btf_fixup_datasec(btf, sec, 8, sym_off, NULL, &err), -1);
		CHECK_STR(err.msg, "BTF: DATASEC .data: no symbol for variable 'z'");
		btf_free(btf);
	}

	/* sanitizing: every kind supported leaves the blob as it is */
	n = bb_blob(&b, blob);
	btf = btf_parse(blob, n, &err);
	if (!CHECK(btf != NULL))
		return;
	raw = btf_sanitize(btf, NULL, &rn);
	CHECK_INT(rn, n);
	CHECK(raw && memcmp(raw, blob, n) == 0);
	free(raw);
	/* a kernel without FLOAT, TYPE_TAG and DATASEC */
	raw = btf_sanitize(btf, &(struct btf_kernel_caps){ .decl_tag = 0, .type_tag = 0, .enum64 = 1,
		.float_ = 0, .datasec = 0, .func = 1, .func_global = 1, .qmark_datasec = 1 }, &rn);
	copy = raw ? btf_parse(raw, rn, &err) : NULL;
	if (CHECK(copy != NULL)) {
		t = btf_type_by_id(copy, flt);
		CHECK(btf_kind(t) == BTF_KIND_STRUCT && t->size == 4 && btf_vlen(t) == 0);
		CHECK_STR(btf_name(copy, flt), "");
		CHECK_INT(btf_kind(btf_type_by_id(copy, tag)), BTF_KIND_CONST);
		t = btf_type_by_id(copy, x);
		CHECK(btf_kind(t) == BTF_KIND_INT && t->size == 1);
		CHECK_STR(btf_name(copy, x), "x");
		t = btf_type_by_id(copy, sec);
		CHECK(btf_kind(t) == BTF_KIND_STRUCT && btf_vlen(t) == 2);
		CHECK_STR(btf_name(copy, sec), "_data");
		btf_free(copy);
	}
	free(raw);
	btf_free(btf);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: test_btf (no arguments)\n");
		return 2;
	}
	test_valid();
	test_split();
	test_broken();
	test_ext();
	test_kernel_copy();
	return unit_done();
}
