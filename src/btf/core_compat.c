/* core_compat.c - which target types a local type may be relocated to.
 * Names are compared without their "___flavor" suffix; then libbpf's rules:
 * types_compat for type-based relocations, fields_compat for a field's
 * type, types_match for TYPE_MATCHES. Each returns 1, 0, or -1 for BTF too
 * bad or too deeply nested to decide. */
#include <string.h>

#include "btf/relo_core_int.h"

/* ---- names ---- */

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

int ox_core_names_match(const char *a, const char *b)
{
	size_t la = ox_core_essential_len(a), lb = ox_core_essential_len(b);
	return la == lb && strncmp(a, b, la) == 0;
}

/* ---- compatibility ---- */

/* Type-based relocations (libbpf's bpf_core_types_are_compat). Returns
 * 1, 0, or -1 (bad BTF or too deep). */
int ox_core_types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
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
				if ((rc = ox_core_types_compat(lb, a, tb, b, level - 1)) <= 0)
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
int ox_core_fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
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
			return !*ln || !*tn || ox_core_names_match(ln, tn);
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
	return ox_core_names_match(ln, tn);
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
			rc = ox_core_types_match(lb, lm->type, tb, tm->type, behind_ptr, level - 1);
			if (rc < 0)
				return rc;
			matched = rc > 0;
		}
		if (!matched)
			return 0;
	}
	return 1;
}

int ox_core_types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
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
				int rc = ox_core_types_match(lb, btf_params(lt)[i].type, tb,
							     btf_params(tt)[i].type, behind_ptr, level - 1);
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
