/* relo_core_int.h - what the files behind relo_core.h share: a relocation's
 * access spec, the session's candidate lists, the computed values, and the
 * small BTF helpers they all use. Internal to src/btf.
 *
 *   relo_core.c     one relocation: candidates, the value they agree on, messages
 *   core_spec.c     access strings into specs; a local spec matched to a candidate
 *   core_compat.c   names without flavors; type, field and TYPE_MATCHES rules
 *   core_value.c    the value a spec gives a relocation kind
 *   core_patch.c    instructions checked, patched or poisoned */
#ifndef OXLUA_RELO_CORE_INT_H
#define OXLUA_RELO_CORE_INT_H

#include <stdint.h>
#include <linux/bpf.h>
#include "btf/btf.h"
#include "btf/relo_core.h"
#include "common.h"

#define SPEC_MAX 64		/* libbpf's BPF_CORE_SPEC_MAX_LEN */
#define MATCH_DEPTH 32

struct acc {
	uint32_t type_id;	/* the struct/union (named field) or element type */
	uint32_t idx;		/* member index or array index */
	const char *name;	/* field name, or enumerator name; NULL: array index */
};

struct spec {
	const struct btf *btf;
	uint32_t root_id;
	uint32_t kind;
	uint32_t raw[SPEC_MAX];
	uint32_t raw_len;
	struct acc acc[SPEC_MAX];
	uint32_t len;
	uint64_t bit_offset;
};

struct cand { const struct btf *btf; uint32_t id; };

struct cand_list {
	uint32_t local_id;
	struct cand *c;
	uint32_t n;
};

struct ox_core_session {
	const struct btf *local;
	struct ox_core_target *t;
	struct cand_list *lists;
	uint32_t nr_lists;
	/* why the first candidate did not match: the local accessor, and how */
	int fail_acc;
	int fail_how;		/* FAIL_* */
};

enum { FAIL_NONE, FAIL_MISSING, FAIL_INCOMPAT, FAIL_INDEX };

/* The values a relocation computes from the local spec (orig) and from the
 * target's (val), and what core_patch.c needs to patch them in. */
struct res {
	uint64_t orig, val;
	int poison, validate, fail_memsz;
	uint32_t orig_sz, new_sz;	/* load/store sizes (BYTE_OFFSET of non-bitfields) */
	uint32_t orig_type, new_type;
	const char *why;		/* a value that cannot be computed: message */
};

/* ---- small BTF helpers ---- */

static inline const struct btf_type *type_at(const struct btf *btf, uint32_t id)
{
	static const struct btf_type void_type;	/* id 0, kind UNKN */
	return id == 0 ? &void_type : btf_type_by_id(btf, id);
}

/* Skip typedefs and modifiers; NULL on a bad id or an over-long chain. */
static inline const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *out)
{
	for (int d = 0; d <= OX_MAX_BTF_DEPTH; d++) {
		const struct btf_type *t = type_at(btf, id);
		uint32_t k;
		if (!t)
			return NULL;
		k = btf_kind(t);
		if (k != BTF_KIND_TYPEDEF && k != BTF_KIND_VOLATILE && k != BTF_KIND_CONST &&
		    k != BTF_KIND_RESTRICT && k != BTF_KIND_TYPE_TAG) {
			if (out)
				*out = id;
			return t;
		}
		id = t->type;
	}
	return NULL;
}

static inline int is_composite(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION;
}

static inline int is_any_enum(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_ENUM || btf_kind(t) == BTF_KIND_ENUM64;
}

static inline int kind_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (is_any_enum(a) && is_any_enum(b));
}

static inline uint32_t int_encoding(const struct btf_type *t) { return BTF_INT_ENCODING(btf_int_word(t)); }
static inline uint32_t int_offset(const struct btf_type *t) { return BTF_INT_OFFSET(btf_int_word(t)); }

static inline uint32_t enum_name_off(const struct btf_type *t, uint32_t i)
{
	return btf_kind(t) == BTF_KIND_ENUM ? btf_enums(t)[i].name_off : btf_enums64(t)[i].name_off;
}

static inline int is_field_kind(uint32_t k) { return k <= BPF_CORE_FIELD_RSHIFT_U64; }
static inline int is_type_kind(uint32_t k)
{
	return k == BPF_CORE_TYPE_ID_LOCAL || k == BPF_CORE_TYPE_ID_TARGET ||
	       k == BPF_CORE_TYPE_EXISTS || k == BPF_CORE_TYPE_SIZE || k == BPF_CORE_TYPE_MATCHES;
}
static inline int is_enumval_kind(uint32_t k) { return k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_ENUMVAL_VALUE; }

static inline int is_ldimm64(const struct bpf_insn *in) { return in->code == (BPF_LD | BPF_IMM | BPF_DW); }

/* ---- core_spec.c ---- */

/* Parse a record's access string against the local type into sp; -1 with
 * err when the record is invalid. */
int ox_core_spec_parse(const struct btf *btf, const struct bpf_core_relo *r, struct spec *sp,
		       struct ox_err *err);
/* 1: the candidate tid of tb matches the local spec (ts filled), 0: it does
 * not (the first candidate's reason is kept in s), -1: bad BTF. */
int ox_core_spec_match(struct ox_core_session *s, const struct spec *ls, const struct btf *tb,
		       uint32_t tid, struct spec *ts);

/* ---- core_compat.c ---- */

/* Names equal without their "___flavor" suffixes. */
int ox_core_names_match(const char *a, const char *b);
/* libbpf's bpf_core_types_are_compat: 1, 0, or -1 (bad BTF or too deep). */
int ox_core_types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			 int level);
/* libbpf's bpf_core_fields_are_compat: 1, 0, or -1. */
int ox_core_fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid);
/* libbpf's bpf_core_types_match (TYPE_MATCHES): 1, 0, or -1. */
int ox_core_types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			int behind_ptr, int level);

/* ---- core_value.c ---- */

/* The values of relocation r from the local spec and the target's (ts NULL:
 * no candidate matched); res->poison when the target has no such thing.
 * -1 with err when a value cannot be computed. */
int ox_core_calc(const struct bpf_core_relo *r, const struct spec *ls, const struct spec *ts,
		 struct res *res, struct ox_err *err);

/* ---- core_patch.c ---- */

/* 0 when instruction idx (of nr) can carry a relocation, else -1 with err. */
int ox_core_check_insn(const struct bpf_insn *in, uint32_t idx, uint32_t nr, struct ox_err *err);
/* Patch res->val into the instruction, checking it holds res->orig first. */
int ox_core_patch(struct bpf_insn *in, uint32_t idx, const struct res *res, struct ox_err *err);
/* Make the instruction a call of OX_CORE_POISON_HELPER. */
void ox_core_poison(struct bpf_insn *in);

#endif
