/* relo_core.c - CO-RE relocations, libbpf's semantics (our own code).
 *
 * A record names an instruction, a local type, an access string and a kind.
 * The access string is parsed against the local type into a spec: the raw
 * indexes ("0:1:2") and the accessors that matter (named fields, array
 * indexes), plus the bit offset they add up to. Candidates are the target's
 * types of a compatible kind whose names equal the local name without its
 * "___flavor" suffix. Each candidate the local spec matches gives a target
 * spec; all of them must agree on the value to patch in, else the
 * relocation is ambiguous. With no match, existence relocations give 0 and
 * the others poison the instruction. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/relo_core.h"

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

static const struct btf_type void_type;	/* id 0, kind UNKN */

/* ---- small BTF helpers ---- */

static const struct btf_type *type_at(const struct btf *btf, uint32_t id)
{
	return id == 0 ? &void_type : btf_type_by_id(btf, id);
}

/* Skip typedefs and modifiers; NULL on a bad id or an over-long chain. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *out)
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

static int is_composite(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION;
}

static int is_any_enum(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_ENUM || btf_kind(t) == BTF_KIND_ENUM64;
}

static int kind_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (is_any_enum(a) && is_any_enum(b));
}

static uint32_t int_encoding(const struct btf_type *t) { return BTF_INT_ENCODING(btf_int_word(t)); }
static uint32_t int_offset(const struct btf_type *t) { return BTF_INT_OFFSET(btf_int_word(t)); }

static uint32_t enum_name_off(const struct btf_type *t, uint32_t i)
{
	return btf_kind(t) == BTF_KIND_ENUM ? btf_enums(t)[i].name_off : btf_enums64(t)[i].name_off;
}

static int is_flavor_sep(const char *s)
{
	return s[0] != '_' && s[1] == '_' && s[2] == '_' && s[3] == '_' && s[4] != '_';
}

size_t ox_core_essential_len(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = n >= 5 ? n - 5 + 1 : 0; i-- > 0;)
		if (is_flavor_sep(name + i))
			return i + 1;
	return n;
}

static int names_match(const char *a, const char *b)
{
	size_t la = ox_core_essential_len(a), lb = ox_core_essential_len(b);
	return la == lb && strncmp(a, b, la) == 0;
}

const char *ox_core_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		"byte_off", "byte_sz", "field_exists", "signed", "lshift_u64", "rshift_u64",
		"local_type_id", "target_type_id", "type_exists", "type_size",
		"enumval_exists", "enumval_value", "type_matches",
	};
	return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

static int is_field_kind(uint32_t k) { return k <= BPF_CORE_FIELD_RSHIFT_U64; }
static int is_type_kind(uint32_t k)
{
	return k == BPF_CORE_TYPE_ID_LOCAL || k == BPF_CORE_TYPE_ID_TARGET ||
	       k == BPF_CORE_TYPE_EXISTS || k == BPF_CORE_TYPE_SIZE || k == BPF_CORE_TYPE_MATCHES;
}
static int is_enumval_kind(uint32_t k) { return k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_ENUMVAL_VALUE; }

/* A zero-length array as the last member of its struct. */
static int is_flex(const struct btf *btf, const struct acc *parent, const struct btf_array *a)
{
	const struct btf_type *t;
	if (!parent->name || a->nelems > 0)
		return 0;
	t = btf_type_by_id(btf, parent->type_id);
	return t && is_composite(t) && parent->idx == btf_vlen(t) - 1;
}

/* ---- the local spec ---- */

static int parse_spec(const struct btf *btf, const struct bpf_core_relo *r, struct spec *sp,
		      struct ox_err *err)
{
	const char *str = btf_str(btf, r->access_str_off), *p;
	const struct btf_type *t;
	uint32_t id;
	int64_t sz;
	memset(sp, 0, sizeof *sp);
	sp->btf = btf;
	sp->root_id = r->type_id;
	sp->kind = r->kind;
	if (!*str || *str == ':')
		return ox_errf(err, 0, "access string '%s' is invalid", str);
	if (is_type_kind(r->kind)) {
		if (strcmp(str, "0"))
			return ox_errf(err, 0, "access string '%s' is invalid for a %s relocation "
				       "(must be \"0\")", str, ox_core_kind_name(r->kind));
		return 0;
	}
	for (p = str; *p;) {
		uint64_t v = 0;
		if (*p == ':')
			p++;
		if (*p < '0' || *p > '9')
			return ox_errf(err, 0, "access string '%s' is invalid", str);
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p++ - '0');
			if (v > INT_MAX)
				return ox_errf(err, 0, "access string '%s': index too large", str);
		}
		if (*p && *p != ':')
			return ox_errf(err, 0, "access string '%s' is invalid", str);
		if (sp->raw_len == SPEC_MAX)
			return ox_errf(err, 0, "access string '%s' is longer than %u accesses", str, SPEC_MAX);
		sp->raw[sp->raw_len++] = (uint32_t)v;
	}
	if (!(t = skip_mods(btf, r->type_id, &id)) || id == 0)
		return ox_errf(err, 0, "type %u does not resolve to a type", r->type_id);
	sp->acc[0].type_id = id;
	sp->acc[0].idx = sp->raw[0];
	sp->len = 1;
	if (is_enumval_kind(r->kind)) {
		if (!is_any_enum(t))
			return ox_errf(err, 0, "type %u is a %s, not an enum", id, btf_kind_name(btf_kind(t)));
		if (sp->raw_len > 1 || sp->raw[0] >= btf_vlen(t))
			return ox_errf(err, 0, "access string '%s': enum %u has %u values", str, id,
				       btf_vlen(t));
		sp->acc[0].name = btf_str(btf, enum_name_off(t, sp->raw[0]));
		return 0;
	}
	if (!is_field_kind(r->kind))
		return ox_errf(err, 0, "unknown relocation kind %u", r->kind);
	if ((sz = btf_size(btf, id)) < 0)
		return ox_errf(err, 0, "type %u has no size", id);
	sp->bit_offset = (uint64_t)sp->raw[0] * (uint64_t)sz * 8;
	for (uint32_t i = 1; i < sp->raw_len; i++) {
		uint32_t ai = sp->raw[i];
		if (!(t = skip_mods(btf, id, &id)))
			return ox_errf(err, 0, "access string '%s': bad type chain at %u", str, i);
		if (is_composite(t)) {
			const struct btf_member *m;
			if (ai >= btf_vlen(t))
				return ox_errf(err, 0, "access string '%s': %s %u has %u members, no member %u",
					       str, btf_kind_name(btf_kind(t)), id, btf_vlen(t), ai);
			sp->bit_offset += btf_member_bit_offset(t, ai);
			m = &btf_members(t)[ai];
			if (m->name_off) {
				const char *name = btf_str(btf, m->name_off);
				if (!*name)
					return ox_errf(err, 0, "access string '%s': member %u has no name", str, ai);
				sp->acc[sp->len].type_id = id;
				sp->acc[sp->len].idx = ai;
				sp->acc[sp->len].name = name;
				sp->len++;
			}
			id = m->type;
		} else if (btf_kind(t) == BTF_KIND_ARRAY) {
			const struct btf_array *a = btf_array_info(t);
			int flex = is_flex(btf, &sp->acc[sp->len - 1], a);
			if (!skip_mods(btf, a->type, &id))
				return ox_errf(err, 0, "access string '%s': bad element type", str);
			if (!flex && ai >= a->nelems)
				return ox_errf(err, 0, "access string '%s': index %u out of an array of %u",
					       str, ai, a->nelems);
			sp->acc[sp->len].type_id = id;
			sp->acc[sp->len].idx = ai;
			sp->acc[sp->len].name = NULL;
			sp->len++;
			if ((sz = btf_size(btf, id)) < 0)
				return ox_errf(err, 0, "access string '%s': element type %u has no size", str, id);
			sp->bit_offset += (uint64_t)ai * (uint64_t)sz * 8;
		} else {
			return ox_errf(err, 0, "access string '%s': access %u goes into a %s (type %u)",
				       str, i, btf_kind_name(btf_kind(t)), id);
		}
	}
	if (sp->bit_offset > UINT32_MAX)
		return ox_errf(err, 0, "access string '%s': offset out of range", str);
	return 0;
}

/* ---- compatibility ---- */

/* Type-based relocations (libbpf's bpf_core_types_are_compat). Returns
 * 1, 0, or -1 (bad BTF or too deep). */
static int types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			int level)
{
	const struct btf_type *lt = type_at(lb, lid), *tt = type_at(tb, tid);
	int depth = MATCH_DEPTH;
	if (!lt || !tt)
		return -1;
	if (!kind_compat(lt, tt))
		return 0;
	for (;;) {
		if (--depth < 0)
			return -1;
		if (!(lt = skip_mods(lb, lid, &lid)) || !(tt = skip_mods(tb, tid, &tid)))
			return -1;
		if (!kind_compat(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_UNKN: case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		case BTF_KIND_ENUM: case BTF_KIND_FWD: case BTF_KIND_ENUM64:
			return 1;
		case BTF_KIND_INT:
			return int_offset(lt) == 0 && int_offset(tt) == 0;
		case BTF_KIND_PTR:
			lid = lt->type, tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = btf_array_info(lt)->type, tid = btf_array_info(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			uint32_t n = btf_vlen(lt);
			if (n != btf_vlen(tt))
				return 0;
			for (uint32_t i = 0; i < n; i++) {
				uint32_t a, b;
				int rc;
				if (level <= 0)
					return -1;
				if (!skip_mods(lb, btf_params(lt)[i].type, &a) ||
				    !skip_mods(tb, btf_params(tt)[i].type, &b))
					return -1;
				if ((rc = types_compat(lb, a, tb, b, level - 1)) <= 0)
					return rc;
			}
			lid = lt->type, tid = tt->type;
			continue;
		}
		default:
			return 0;
		}
	}
}

/* Field types (libbpf's bpf_core_fields_are_compat). */
static int fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
{
	for (int depth = 0; depth <= MATCH_DEPTH; depth++) {
		const struct btf_type *lt = skip_mods(lb, lid, &lid), *tt = skip_mods(tb, tid, &tid);
		if (!lt || !tt)
			return -1;
		if (is_composite(lt) && is_composite(tt))
			return 1;
		if (!kind_compat(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_PTR: case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: {
			const char *ln = btf_str(lb, lt->name_off), *tn = btf_str(tb, tt->name_off);
			return !*ln || !*tn || names_match(ln, tn);
		}
		case BTF_KIND_INT:
			return int_offset(lt) == 0 && int_offset(tt) == 0;
		case BTF_KIND_ARRAY:
			lid = btf_array_info(lt)->type, tid = btf_array_info(tt)->type;
			continue;
		default:
			return 0;
		}
	}
	return -1;
}

/* TYPE_MATCHES (libbpf's bpf_core_types_match). */
static int name_offs_match(const struct btf *lb, uint32_t loff, const struct btf *tb, uint32_t toff)
{
	const char *ln = btf_str(lb, loff), *tn = btf_str(tb, toff);
	if (!*tn)
		return !*ln;
	return names_match(ln, tn);
}

static int enums_match(const struct btf *lb, const struct btf_type *lt,
		       const struct btf *tb, const struct btf_type *tt)
{
	uint32_t ln = btf_vlen(lt), tn = btf_vlen(tt);
	if (lt->size != tt->size || ln > tn)
		return 0;
	for (uint32_t i = 0; i < ln; i++) {
		int found = 0;
		for (uint32_t j = 0; j < tn && !found; j++)
			found = name_offs_match(lb, enum_name_off(lt, i), tb, enum_name_off(tt, j));
		if (!found)
			return 0;
	}
	return 1;
}

static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		       int behind_ptr, int level);

static int composites_match(const struct btf *lb, const struct btf_type *lt,
			    const struct btf *tb, const struct btf_type *tt, int behind_ptr, int level)
{
	uint32_t ln = btf_vlen(lt), tn = btf_vlen(tt);
	if (ln > tn)
		return 0;
	for (uint32_t i = 0; i < ln; i++) {
		const struct btf_member *lm = &btf_members(lt)[i];
		int matched = 0;
		for (uint32_t j = 0; j < tn && !matched; j++) {
			const struct btf_member *tm = &btf_members(tt)[j];
			int rc;
			if (!name_offs_match(lb, lm->name_off, tb, tm->name_off))
				continue;
			if ((rc = types_match(lb, lm->type, tb, tm->type, behind_ptr, level - 1)) < 0)
				return rc;
			matched = rc > 0;
		}
		if (!matched)
			return 0;
	}
	return 1;
}

static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		       int behind_ptr, int level)
{
	int depth = MATCH_DEPTH;
	if (level <= 0)
		return -1;
	for (;;) {
		const struct btf_type *lt, *tt;
		uint32_t lk, tk;
		if (--depth < 0)
			return -1;
		if (!(lt = skip_mods(lb, lid, &lid)) || !(tt = skip_mods(tb, tid, &tid)))
			return -1;
		if (!name_offs_match(lb, lt->name_off, tb, tt->name_off))
			return 0;
		lk = btf_kind(lt), tk = btf_kind(tt);
		switch (lk) {
		case BTF_KIND_UNKN:
			return lk == tk;
		case BTF_KIND_FWD: {
			int lf = btf_kflag(lt);
			if (lk == tk)
				return lf == btf_kflag(tt);
			if (!behind_ptr)
				return 0;
			return (tk == BTF_KIND_STRUCT && !lf) || (tk == BTF_KIND_UNION && lf);
		}
		case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
			return is_any_enum(tt) && enums_match(lb, lt, tb, tt);
		case BTF_KIND_STRUCT: case BTF_KIND_UNION:
			if (behind_ptr) {
				if (lk == tk)
					return 1;
				return tk == BTF_KIND_FWD && (lk == BTF_KIND_UNION) == !!btf_kflag(tt);
			}
			return lk == tk && composites_match(lb, lt, tb, tt, behind_ptr, level);
		case BTF_KIND_INT:
			return lk == tk && lt->size == tt->size &&
			       (int_encoding(lt) & BTF_INT_SIGNED) == (int_encoding(tt) & BTF_INT_SIGNED);
		case BTF_KIND_PTR:
			if (lk != tk)
				return 0;
			behind_ptr = 1;
			lid = lt->type, tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			if (lk != tk || btf_array_info(lt)->nelems != btf_array_info(tt)->nelems)
				return 0;
			lid = btf_array_info(lt)->type, tid = btf_array_info(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			uint32_t n = btf_vlen(lt);
			if (lk != tk || n != btf_vlen(tt))
				return 0;
			for (uint32_t i = 0; i < n; i++) {
				int rc = types_match(lb, btf_params(lt)[i].type, tb, btf_params(tt)[i].type,
						     behind_ptr, level - 1);
				if (rc <= 0)
					return rc;
			}
			lid = lt->type, tid = tt->type;
			continue;
		}
		default:
			return 0;
		}
	}
}

/* ---- matching a local spec against one candidate ---- */

/* Find the local named field (acc) in target composite tid, descending into
 * anonymous members; extends ts (raw indexes, bit offset, accessor). */
static int match_member(struct ox_core_session *s, const struct spec *ls, const struct acc *la,
			const struct btf *tb, uint32_t tid, struct spec *ts, uint32_t *next)
{
	const struct btf_type *tt = skip_mods(tb, tid, &tid), *lt;
	const struct btf_member *lm;
	uint32_t n;
	if (!tt)
		return -1;
	if (!is_composite(tt))
		return 0;
	lt = btf_type_by_id(ls->btf, la->type_id);
	lm = &btf_members(lt)[la->idx];
	n = btf_vlen(tt);
	for (uint32_t i = 0; i < n; i++) {
		const struct btf_member *m = &btf_members(tt)[i];
		uint32_t bo = btf_member_bit_offset(tt, i);
		const char *tn = btf_str(tb, m->name_off);
		if (ts->raw_len == SPEC_MAX)
			return -1;
		ts->bit_offset += bo;
		ts->raw[ts->raw_len++] = i;
		if (!*tn) {
			int found = match_member(s, ls, la, tb, m->type, ts, next);
			if (found)
				return found;
		} else if (!strcmp(la->name, tn)) {
			struct acc *ta = &ts->acc[ts->len++];
			int ok;
			ta->type_id = tid;
			ta->idx = i;
			ta->name = tn;
			*next = m->type;
			ok = fields_compat(ls->btf, lm->type, tb, m->type);
			if (ok == 0) {
				ts->len--;
				if (s->fail_how == FAIL_NONE)
					s->fail_how = FAIL_INCOMPAT;
			}
			return ok;
		}
		ts->bit_offset -= bo;
		ts->raw_len--;
	}
	return 0;
}

/* 1: the candidate matches (ts filled), 0: it does not, -1: bad BTF. The
 * first candidate's reason for not matching is kept for the message. */
static int spec_match(struct ox_core_session *s, const struct spec *ls, const struct btf *tb,
		      uint32_t tid, struct spec *ts)
{
	int first = s->fail_how == FAIL_NONE;
	memset(ts, 0, sizeof *ts);
	ts->btf = tb;
	ts->root_id = tid;
	ts->kind = ls->kind;
	if (is_type_kind(ls->kind)) {
		if (ls->kind == BPF_CORE_TYPE_MATCHES)
			return types_match(ls->btf, ls->root_id, tb, tid, 0, MATCH_DEPTH);
		return types_compat(ls->btf, ls->root_id, tb, tid, MATCH_DEPTH);
	}
	if (is_enumval_kind(ls->kind)) {
		const struct btf_type *tt = skip_mods(tb, tid, &tid);
		if (!tt || !is_any_enum(tt))
			return 0;
		for (uint32_t i = 0; i < btf_vlen(tt); i++) {
			if (names_match(ls->acc[0].name, btf_str(tb, enum_name_off(tt, i)))) {
				ts->acc[0].type_id = tid;
				ts->acc[0].idx = i;
				ts->acc[0].name = btf_str(tb, enum_name_off(tt, i));
				ts->len = 1;
				ts->raw[0] = i;
				ts->raw_len = 1;
				return 1;
			}
		}
		if (first) {
			s->fail_acc = 0;
			s->fail_how = FAIL_MISSING;
		}
		return 0;
	}
	for (uint32_t i = 0; i < ls->len; i++) {
		const struct acc *la = &ls->acc[i];
		struct acc *ta = &ts->acc[i];
		const struct btf_type *tt = skip_mods(tb, tid, &tid);
		int64_t sz;
		if (!tt)
			return -1;
		if (la->name) {
			int rc = match_member(s, ls, la, tb, tid, ts, &tid);
			if (rc <= 0) {
				if (rc == 0 && first) {
					s->fail_acc = (int)i;
					if (s->fail_how == FAIL_NONE)
						s->fail_how = FAIL_MISSING;
				}
				return rc;
			}
			continue;
		}
		if (i > 0) {
			const struct btf_array *a;
			if (btf_kind(tt) != BTF_KIND_ARRAY ||
			    (!is_flex(tb, ta - 1, btf_array_info(tt)) && la->idx >= btf_array_info(tt)->nelems)) {
				if (first) {
					s->fail_acc = (int)i;
					s->fail_how = FAIL_INDEX;
				}
				return 0;
			}
			a = btf_array_info(tt);
			if (!skip_mods(tb, a->type, &tid))
				return -1;
		}
		if (ts->raw_len == SPEC_MAX)
			return -1;
		ta->type_id = tid;
		ta->idx = la->idx;
		ta->name = NULL;
		ts->len++;
		ts->raw[ts->raw_len++] = la->idx;
		if ((sz = btf_size(tb, tid)) < 0)
			return -1;
		ts->bit_offset += (uint64_t)la->idx * (uint64_t)sz * 8;
	}
	return ts->bit_offset > UINT32_MAX ? -1 : 1;
}

/* ---- values ---- */

struct res {
	uint64_t orig, val;
	int poison, validate, fail_memsz;
	uint32_t orig_sz, new_sz;	/* load/store sizes (BYTE_OFFSET of non-bitfields) */
	uint32_t orig_type, new_type;
	const char *why;		/* a value that cannot be computed: message */
};

/* Size of the element type (arrays of arrays down to the element). */
static int elem_size(const struct btf *btf, uint32_t id, uint32_t *sz)
{
	const struct btf_type *t = skip_mods(btf, id, &id);
	int64_t n;
	for (int d = 0; t && btf_kind(t) == BTF_KIND_ARRAY && d <= OX_MAX_BTF_DEPTH; d++)
		t = skip_mods(btf, btf_array_info(t)->type, &id);
	if (!t || (n = btf_size(btf, id)) < 0)
		return -1;
	*sz = (uint32_t)n;
	return 0;
}

/* 0, 1 for "poison", -1 with err. sp NULL: no matching target. */
static int calc_field(const struct spec *sp, uint32_t kind, uint64_t *val, uint32_t *fsz,
		      uint32_t *ftype, int *validate, struct ox_err *err)
{
	const struct acc *a;
	const struct btf_type *t, *mt;
	const struct btf_member *m;
	uint32_t byte_off, byte_sz, bit_off, bit_sz, ftid;
	int bitfield;
	int64_t sz;
	*fsz = 0;
	if (kind == BPF_CORE_FIELD_EXISTS) {
		*val = sp != NULL;
		return 0;
	}
	if (!sp)
		return 1;
	a = &sp->acc[sp->len - 1];
	t = btf_type_by_id(sp->btf, a->type_id);
	if (!a->name) {
		if (validate)
			*validate = 1;
		if (kind == BPF_CORE_FIELD_BYTE_OFFSET) {
			*val = sp->bit_offset / 8;
			if (elem_size(sp->btf, a->type_id, fsz))
				return ox_errf(err, 0, "type %u has no size", a->type_id);
			*ftype = a->type_id;
			return 0;
		}
		if (kind == BPF_CORE_FIELD_BYTE_SIZE) {
			if ((sz = btf_size(sp->btf, a->type_id)) < 0)
				return ox_errf(err, 0, "type %u has no size", a->type_id);
			*val = (uint64_t)sz;
			return 0;
		}
		return ox_errf(err, 0, "a %s relocation cannot apply to an array element",
			       ox_core_kind_name(kind));
	}
	m = &btf_members(t)[a->idx];
	if (!(mt = skip_mods(sp->btf, m->type, &ftid)))
		return ox_errf(err, 0, "field '%s' has a bad type", a->name);
	bit_off = (uint32_t)sp->bit_offset;
	bit_sz = btf_member_bitfield_size(t, a->idx);
	bitfield = bit_sz > 0;
	if (bitfield) {
		byte_sz = mt->size;	/* int or enum: validated sizes */
		if (byte_sz == 0 || (btf_kind(mt) != BTF_KIND_INT && !is_any_enum(mt)))
			return ox_errf(err, 0, "bitfield '%s' is not an integer", a->name);
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return ox_errf(err, 0, "bitfield '%s' cannot be read with one 64-bit load",
					       a->name);
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		if ((sz = btf_size(sp->btf, ftid)) < 0)
			return ox_errf(err, 0, "field '%s' has no size", a->name);
		byte_sz = (uint32_t)sz;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	if (validate)
		*validate = !bitfield;
	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield) {
			if (elem_size(sp->btf, ftid, fsz))
				return ox_errf(err, 0, "field '%s' has no size", a->name);
			*ftype = ftid;
		}
		return 0;
	case BPF_CORE_FIELD_BYTE_SIZE:
		*val = byte_sz;
		return 0;
	case BPF_CORE_FIELD_SIGNED:
		*val = (is_any_enum(mt) && btf_kflag(mt)) ||
		       (btf_kind(mt) == BTF_KIND_INT && (int_encoding(mt) & BTF_INT_SIGNED));
		if (validate)
			*validate = 1;
		return 0;
	case BPF_CORE_FIELD_LSHIFT_U64:
		*val = 64 - (uint64_t)(bit_off + bit_sz - byte_off * 8);	/* little-endian */
		return 0;
	case BPF_CORE_FIELD_RSHIFT_U64:
		*val = 64 - (uint64_t)bit_sz;
		if (validate)
			*validate = 1;
		return 0;
	}
	return ox_errf(err, 0, "unknown relocation kind %u", kind);
}

static int calc_type(const struct spec *sp, uint32_t kind, uint64_t *val, int *validate,
		     struct ox_err *err)
{
	int64_t sz;
	if (validate)
		*validate = 1;
	if (!sp) {
		*val = 0;
		return 0;
	}
	switch (kind) {
	case BPF_CORE_TYPE_ID_TARGET:
		*val = sp->root_id;
		if (validate)
			*validate = 0;	/* ids change when objects are linked */
		return 0;
	case BPF_CORE_TYPE_EXISTS: case BPF_CORE_TYPE_MATCHES:
		*val = 1;
		return 0;
	case BPF_CORE_TYPE_SIZE:
		if ((sz = btf_size(sp->btf, sp->root_id)) < 0)
			return ox_errf(err, 0, "type %u has no size", sp->root_id);
		*val = (uint64_t)sz;
		return 0;
	}
	return ox_errf(err, 0, "unknown relocation kind %u", kind);
}

static int calc_enumval(const struct spec *sp, uint32_t kind, uint64_t *val)
{
	const struct btf_type *t;
	if (kind == BPF_CORE_ENUMVAL_EXISTS) {
		*val = sp != NULL;
		return 0;
	}
	if (!sp)
		return 1;
	t = btf_type_by_id(sp->btf, sp->acc[0].type_id);
	if (btf_kind(t) == BTF_KIND_ENUM) {
		/* like libbpf: the 32-bit value sign-extended */
		*val = (uint64_t)(int64_t)btf_enums(t)[sp->acc[0].idx].val;
	} else {
		const struct btf_enum64 *e = &btf_enums64(t)[sp->acc[0].idx];
		*val = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
	}
	return 0;
}

static int is_unsigned_int(const struct btf_type *t)
{
	return t && btf_kind(t) == BTF_KIND_INT && int_encoding(t) != BTF_INT_SIGNED;
}

static int calc(const struct bpf_core_relo *r, const struct spec *ls, const struct spec *ts,
		struct res *res, struct ox_err *err)
{
	int rc = 0;
	memset(res, 0, sizeof *res);
	res->validate = 1;
	if (is_field_kind(r->kind)) {
		rc = calc_field(ls, r->kind, &res->orig, &res->orig_sz, &res->orig_type, &res->validate, err);
		if (rc == 1)
			return ox_errf(err, 0, "the object's own types do not resolve");
		if (rc == 0)
			rc = calc_field(ts, r->kind, &res->val, &res->new_sz, &res->new_type, NULL, err);
		if (rc == 0 && res->orig_sz != res->new_sz) {
			const struct btf_type *ot = btf_type_by_id(ls->btf, res->orig_type);
			const struct btf_type *nt = btf_type_by_id(ts->btf, res->new_type);
			int ptrs = ot && nt && btf_kind(ot) == BTF_KIND_PTR && btf_kind(nt) == BTF_KIND_PTR;
			if (!ptrs && !(is_unsigned_int(ot) && is_unsigned_int(nt)))
				res->fail_memsz = 1;
		}
	} else if (is_type_kind(r->kind)) {
		rc = calc_type(ls, r->kind, &res->orig, &res->validate, err);
		if (rc == 0)
			rc = calc_type(ts, r->kind, &res->val, NULL, err);
	} else {
		rc = calc_enumval(ls, r->kind, &res->orig);
		if (rc == 1)
			return ox_errf(err, 0, "the object's own types do not resolve");
		if (rc == 0)
			rc = calc_enumval(ts, r->kind, &res->val);
	}
	if (rc == 1) {
		res->poison = 1;
		rc = 0;
	}
	return rc;
}

/* ---- candidates ---- */

static int add_cands(struct cand_list *l, const struct btf *lb, const struct btf_type *lt,
		     const char *lname, const struct btf *tb)
{
	size_t len = ox_core_essential_len(lname);
	for (uint32_t id = btf_start_id(tb); id <= btf_max_id(tb); id++) {
		const struct btf_type *t = btf_type_by_id(tb, id);
		const char *n;
		void *p;
		if (!kind_compat(t, lt))
			continue;
		n = btf_str(tb, t->name_off);
		if (!*n || ox_core_essential_len(n) != len || strncmp(n, lname, len))
			continue;
		if (!(p = realloc(l->c, (l->n + 1) * sizeof *l->c)))
			return -1;
		l->c = p;
		l->c[l->n].btf = tb;
		l->c[l->n].id = id;
		l->n++;
	}
	(void)lb;
	return 0;
}

static struct cand_list *find_cands(struct ox_core_session *s, uint32_t local_id, struct ox_err *err)
{
	struct ox_core_target *t = s->t;
	const struct btf_type *lt = btf_type_by_id(s->local, local_id);
	const char *lname = btf_str(s->local, lt->name_off);
	struct cand_list *l;
	void *p;
	for (uint32_t i = 0; i < s->nr_lists; i++)
		if (s->lists[i].local_id == local_id)
			return &s->lists[i];
	if (!(p = realloc(s->lists, (s->nr_lists + 1) * sizeof *s->lists))) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	s->lists = p;
	l = &s->lists[s->nr_lists++];
	memset(l, 0, sizeof *l);
	l->local_id = local_id;
	if (add_cands(l, s->local, lt, lname, t->base))
		goto oom;
	if (l->n)
		return l;
	if (t->load_mods && !t->mods_tried) {
		t->mods_tried = 1;
		if (t->load_mods(t->ctx, t, err))
			return NULL;
	}
	for (uint32_t m = 0; m < t->nr_mods; m++)
		if (btf_base(t->mods[m]) == t->base && add_cands(l, s->local, lt, lname, t->mods[m]))
			goto oom;
	return l;
oom:
	ox_errf(err, ENOMEM, "out of memory");
	return NULL;
}

struct ox_core_session *ox_core_session_new(const struct btf *local, struct ox_core_target *t)
{
	struct ox_core_session *s = calloc(1, sizeof *s);
	if (s) {
		s->local = local;
		s->t = t;
	}
	return s;
}

void ox_core_session_free(struct ox_core_session *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nr_lists; i++)
		free(s->lists[i].c);
	free(s->lists);
	free(s);
}

/* ---- patching ---- */

static int is_ldimm64(const struct bpf_insn *in) { return in->code == (BPF_LD | BPF_IMM | BPF_DW); }

static void poison(struct bpf_insn *in)
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
static int check_insn(const struct bpf_insn *in, uint32_t idx, uint32_t nr, struct ox_err *err)
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

static int patch(struct bpf_insn *in, uint32_t idx, const struct res *res, struct ox_err *err)
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

/* ---- messages ---- */

static void access_str(const struct spec *sp, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < sp->raw_len && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? ":" : "", sp->raw[i]);
}

static void describe(struct ox_core_session *s, const struct bpf_core_relo *r, const struct spec *ls,
		     int nr_cands, const struct res *res, char *why, size_t len)
{
	const struct btf_type *lt = btf_type_by_id(s->local, r->type_id);
	const char *name = btf_str(s->local, lt->name_off), *what = s->t->what ? s->t->what : "the target BTF";
	const char *kw = btf_kind(lt) == BTF_KIND_STRUCT ? "struct " : btf_kind(lt) == BTF_KIND_UNION ?
		"union " : is_any_enum(lt) ? "enum " : "";
	char acc[160];
	access_str(ls, acc, sizeof acc);
	if (!why || !len)
		return;
	if (is_enumval_kind(r->kind)) {
		snprintf(why, len, "%s%s: value '%s' not found in %s", kw, name, ls->acc[0].name, what);
	} else if (nr_cands == 0) {
		snprintf(why, len, "%s%s: no such type in %s (%s, access %s)", kw, name, what,
			 ox_core_kind_name(r->kind), acc);
	} else if (res && res->fail_memsz) {
		const struct acc *a = &ls->acc[ls->len - 1];
		snprintf(why, len, "%s%s: field '%s' (access %s) is %u bytes in %s and %u bytes in the "
			 "object; only pointers and unsigned integers can be read at another size",
			 kw, name, a->name ? a->name : "[]", acc, res->new_sz, what, res->orig_sz);
	} else {
		int fa = s->fail_acc >= 0 && (uint32_t)s->fail_acc < ls->len ? s->fail_acc : (int)ls->len - 1;
		const struct acc *a = &ls->acc[fa];
		if (s->fail_how == FAIL_INDEX || !a->name)
			snprintf(why, len, "%s%s: index %u (access %s) out of range in %s", kw, name, a->idx,
				 acc, what);
		else if (s->fail_how == FAIL_INCOMPAT)
			snprintf(why, len, "%s%s: field '%s' (access %s) has an incompatible type in %s",
				 kw, name, a->name, acc, what);
		else
			snprintf(why, len, "%s%s: field '%s' (access %s) not found in %s", kw, name,
				 a->name, acc, what);
	}
}

/* ---- one relocation ---- */

/* " of module X" for a candidate found in a module's BTF, "" else. */
static const char *cand_where(const struct ox_core_session *s, const struct btf *btf, char *buf,
			      size_t len)
{
	buf[0] = 0;
	for (uint32_t m = 0; m < s->t->nr_mods; m++)
		if (s->t->mods[m] == btf && s->t->mod_names)
			snprintf(buf, len, " of module %s", s->t->mod_names[m]);
	return buf;
}

int ox_core_apply(struct ox_core_session *s, const struct bpf_core_relo *r,
		  struct bpf_insn *insns, uint32_t nr, uint32_t idx,
		  char *why, size_t why_len, struct ox_err *err)
{
	struct spec ls, cs, ts;
	struct res res, cres;
	const struct btf_type *lt;
	struct cand_list *cl;
	uint32_t j = 0;
	const char *lname;
	if (why && why_len)
		why[0] = 0;
	memset(&ts, 0, sizeof ts);
	memset(&res, 0, sizeof res);
	if (idx >= nr)
		return ox_errf(err, 0, "instruction %u is outside the function (%u instructions)", idx, nr);
	if (r->kind > BPF_CORE_TYPE_MATCHES)
		return ox_errf(err, 0, "unknown relocation kind %u", r->kind);
	if (!(lt = btf_type_by_id(s->local, r->type_id)))
		return ox_errf(err, 0, "type id %u out of range (the object's BTF has %u types)",
			       r->type_id, btf_max_id(s->local));
	if (check_insn(&insns[idx], idx, nr, err))
		return -1;
	if (parse_spec(s->local, r, &ls, err))
		return -1;
	if (r->kind == BPF_CORE_TYPE_ID_LOCAL) {
		memset(&res, 0, sizeof res);
		res.orig = res.val = r->type_id;
		return patch(&insns[idx], idx, &res, err);
	}
	lname = btf_str(s->local, lt->name_off);
	if (!*lname)
		return ox_errf(err, 0, "%s relocation of an anonymous %s (type %u): anonymous types "
			       "cannot be relocated", ox_core_kind_name(r->kind),
			       btf_kind_name(btf_kind(lt)), r->type_id);
	if (!s->t || !s->t->base)
		return ox_errf(err, 0, "no target BTF to relocate against");
	if (!(cl = find_cands(s, r->type_id, err)))
		return -1;
	s->fail_acc = -1;
	s->fail_how = FAIL_NONE;
	for (uint32_t i = 0; i < cl->n; i++) {
		int rc = spec_match(s, &ls, cl->c[i].btf, cl->c[i].id, &cs);
		if (rc < 0)
			return ox_errf(err, 0, "matching %s '%s' against candidate type %u failed "
				       "(bad or too deeply nested BTF)", btf_kind_name(btf_kind(lt)),
				       lname, cl->c[i].id);
		if (rc == 0)
			continue;
		if (calc(r, &ls, &cs, &cres, err))
			return -1;
		if (j == 0) {
			res = cres;
			ts = cs;
		} else if (cs.bit_offset != ts.bit_offset ||
			   cres.poison != res.poison || cres.val != res.val) {
			char w1[96], w2[96];
			int off = cs.bit_offset != ts.bit_offset;
			return ox_errf(err, 0, "%s '%s' is ambiguous: candidate types %u%s and %u%s in %s "
				       "give different %s (%llu and %llu)", btf_kind_name(btf_kind(lt)), lname,
				       ts.root_id, cand_where(s, ts.btf, w1, sizeof w1), cs.root_id,
				       cand_where(s, cs.btf, w2, sizeof w2),
				       s->t->what ? s->t->what : "the target BTF",
				       off ? "bit offsets" : "values",
				       (unsigned long long)(off ? ts.bit_offset : res.val),
				       (unsigned long long)(off ? cs.bit_offset : cres.val));
		}
		cl->c[j++] = cl->c[i];
	}
	if (j > 0)
		cl->n = j;	/* later relocations of this type consider these only */
	else if (calc(r, &ls, NULL, &res, err))
		return -1;
	if (!res.poison && res.fail_memsz && BPF_CLASS(insns[idx].code) != BPF_ALU &&
	    BPF_CLASS(insns[idx].code) != BPF_ALU64 && BPF_CLASS(insns[idx].code) != BPF_LD) {
		if (res.validate && (int64_t)insns[idx].off != (int64_t)res.orig)
			return ox_errf(err, 0, "instruction %u holds offset %d where the object's types give %llu",
				       idx, insns[idx].off, (unsigned long long)res.orig);
		res.poison = 1;
	}
	if (res.poison) {
		describe(s, r, &ls, j > 0 ? (int)j : (int)cl->n, &res, why, why_len);
		if (is_ldimm64(&insns[idx]))
			poison(&insns[idx + 1]);
		poison(&insns[idx]);
		return OX_CORE_POISONED;
	}
	return patch(&insns[idx], idx, &res, err);
}
