/* core_spec.c - CO-RE access specs. A record's access string ("0:1:2") is
 * parsed against the local type into a spec: the raw indexes and the
 * accessors that matter (named fields, array indexes), plus the bit offset
 * they add up to. Matching a local spec against a candidate target type
 * walks the same path through the target's types by field name, giving the
 * target's spec (its raw indexes and bit offset). */
#include <limits.h>
#include <string.h>

#include "btf/relo_core_int.h"

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

int ox_core_spec_parse(const struct btf *btf, const struct bpf_core_relo *r, struct spec *sp,
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
			ok = ox_core_fields_compat(ls->btf, lm->type, tb, m->type);
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
int ox_core_spec_match(struct ox_core_session *s, const struct spec *ls, const struct btf *tb,
		       uint32_t tid, struct spec *ts)
{
	int first = s->fail_how == FAIL_NONE;
	memset(ts, 0, sizeof *ts);
	ts->btf = tb;
	ts->root_id = tid;
	ts->kind = ls->kind;
	if (is_type_kind(ls->kind)) {
		if (ls->kind == BPF_CORE_TYPE_MATCHES)
			return ox_core_types_match(ls->btf, ls->root_id, tb, tid, 0, MATCH_DEPTH);
		return ox_core_types_compat(ls->btf, ls->root_id, tb, tid, MATCH_DEPTH);
	}
	if (is_enumval_kind(ls->kind)) {
		const struct btf_type *tt = skip_mods(tb, tid, &tid);
		if (!tt || !is_any_enum(tt))
			return 0;
		for (uint32_t i = 0; i < btf_vlen(tt); i++) {
			if (ox_core_names_match(ls->acc[0].name, btf_str(tb, enum_name_off(tt, i)))) {
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
