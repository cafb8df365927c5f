/* btf_query.c - looking types up in a parsed BTF: by id, by name, through
 * modifiers and typedefs; sizes; names as C writes them. A split BTF answers
 * for its base's ids and strings too. Everything here trusts what btf_parse
 * validated (btf.c) and guards only against depth. */
#include <stdio.h>
#include <string.h>
#include "btf/btf_int.h"

/* ---- lookups ---- */

/* Kinds that merely qualify or rename the type they point to. */
static int is_modifier(uint32_t kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT ||
	       kind == BTF_KIND_TYPE_TAG;
}

uint32_t btf_max_id(const struct btf *btf) { return btf->nr; }

const struct btf_type *btf_type_by_id(const struct btf *btf, uint32_t id)
{
	if (id == 0 || id > btf->nr)
		return NULL;
	if (id <= btf->start)
		return btf->base ? btf_type_by_id(btf->base, id) : NULL;
	return OWN(btf, id);
}

const char *btf_str(const struct btf *btf, uint32_t off)
{
	if (off < btf->str_start)
		return btf->base ? btf_str(btf->base, off) : "";
	off -= btf->str_start;
	return off < btf->strs_len ? btf->strs + off : "";
}

const char *btf_name(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	return t ? btf_str(btf, t->name_off) : "";
}

const void *btf_raw(const struct btf *btf, size_t *size)
{
	if (size) *size = btf->size;
	return btf->data;
}

uint32_t btf_member_bit_offset(const struct btf_type *t, uint32_t i)
{
	uint32_t off = btf_members(t)[i].offset;
	return btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(off) : off;
}

uint32_t btf_member_bitfield_size(const struct btf_type *t, uint32_t i)
{
	return btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(btf_members(t)[i].offset) : 0;
}

const char *btf_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		"unknown", "int", "ptr", "array", "struct", "union", "enum", "fwd",
		"typedef", "volatile", "const", "restrict", "func", "func_proto",
		"var", "datasec", "float", "decl_tag", "type_tag", "enum64",
	};
	return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

uint32_t btf_find(const struct btf *btf, const char *name, int kind)
{
	uint32_t id;
	for (id = 1; id <= btf->nr; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		if ((kind < 0 || btf_kind(t) == (uint32_t)kind) &&
		    strcmp(btf_str(btf, t->name_off), name) == 0)
			return id;
	}
	return 0;
}

uint32_t btf_find_by_spec(const struct btf *btf, const char *spec)
{
	static const struct { const char *word; int kind, alt; } tags[] = {
		{ "struct", BTF_KIND_STRUCT, -1 }, { "union", BTF_KIND_UNION, -1 },
		{ "enum", BTF_KIND_ENUM, BTF_KIND_ENUM64 },
	};
	size_t i, n;
	uint32_t id;
	while (*spec == ' ') spec++;
	for (i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		n = strlen(tags[i].word);
		if (strncmp(spec, tags[i].word, n) == 0 && spec[n] == ' ') {
			spec += n;
			while (*spec == ' ') spec++;
			if (*spec == '\0') return 0;
			id = btf_find(btf, spec, tags[i].kind);
			return id || tags[i].alt < 0 ? id : btf_find(btf, spec, tags[i].alt);
		}
	}
	if (*spec == '\0')
		return 0;
	/* A plain name lives in C's ordinary namespace: typedefs, base types. */
	if ((id = btf_find(btf, spec, BTF_KIND_TYPEDEF)) || (id = btf_find(btf, spec, BTF_KIND_INT)) ||
	    (id = btf_find(btf, spec, BTF_KIND_FLOAT)))
		return id;
	return btf_find(btf, spec, -1);
}

uint32_t btf_find_datasec(const struct btf *btf, const char *secname)
{
	return *secname ? btf_find(btf, secname, BTF_KIND_DATASEC) : 0;
}

uint32_t btf_resolve(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t;
	int depth;
	for (depth = 0; depth <= OX_MAX_BTF_DEPTH; depth++) {
		if (!(t = btf_type_by_id(btf, id)) || !is_modifier(btf_kind(t)))
			return id;
		id = t->type;
	}
	return 0;
}

static int64_t size_of(const struct btf *btf, uint32_t id, int depth)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	int64_t esz;
	uint32_t n;
	if (!t || depth > OX_MAX_BTF_DEPTH)
		return -1;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: case BTF_KIND_DATASEC: case BTF_KIND_FLOAT:
		return t->size;
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_VAR:
		return size_of(btf, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		n = btf_array_info(t)->nelems;
		esz = size_of(btf, btf_array_info(t)->type, depth + 1);
		if (esz < 0 || (n && (uint64_t)esz > UINT32_MAX / n))
			return -1;	/* nothing real is 4 GiB or more */
		return esz * n;
	default:	/* FWD FUNC FUNC_PROTO DECL_TAG */
		return -1;
	}
}

int64_t btf_size(const struct btf *btf, uint32_t id)
{
	return size_of(btf, id, 0);
}


/* ---- C-like type names ---- */

/* Writes the type as C would declare `decl` with it: ptr(array(int, 3)) with
 * decl "" gives "int (*)[3]". Truncates silently. Depth-limited, and a work
 * budget bounds prototypes whose parameters are prototypes whose... */
static void type_str(const struct btf *btf, uint32_t id, const char *decl,
		     char *out, size_t len, int depth, int *budget)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	const char *name, *kw = NULL, *sep = *decl && *decl != '[' ? " " : "";
	char d[256], buf[256];
	uint32_t kind, i, vlen;
	size_t n;
	if (depth > OX_MAX_BTF_DEPTH || --*budget < 0) {
		snprintf(out, len, "?");
		return;
	}
	if (!t) {
		snprintf(out, len, "void%s%s", *decl ? " " : "", decl);
		return;
	}
	kind = btf_kind(t);
	name = btf_str(btf, t->name_off);
	switch (kind) {
	case BTF_KIND_PTR: {
		const struct btf_type *pt = btf_type_by_id(btf, btf_resolve(btf, t->type));
		int paren = pt && (btf_kind(pt) == BTF_KIND_ARRAY || btf_kind(pt) == BTF_KIND_FUNC_PROTO);
		snprintf(d, sizeof d, paren ? "(*%s)" : "*%s", decl);
		type_str(btf, t->type, d, out, len, depth + 1, budget);
		return;
	}
	case BTF_KIND_ARRAY:
		snprintf(d, sizeof d, "%s[%u]", decl, btf_array_info(t)->nelems);
		type_str(btf, btf_array_info(t)->type, d, out, len, depth + 1, budget);
		return;
	case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: {
		const struct btf_type *qt = btf_type_by_id(btf, t->type);
		const char *q = kind == BTF_KIND_CONST ? "const" : kind == BTF_KIND_VOLATILE ? "volatile" : "restrict";
		if (qt && btf_kind(qt) == BTF_KIND_PTR) {
			snprintf(d, sizeof d, "%s%s%s", q, *decl ? " " : "", decl);	/* int *const p */
			type_str(btf, t->type, d, out, len, depth + 1, budget);
		} else {
			type_str(btf, t->type, decl, buf, sizeof buf, depth + 1, budget);
			snprintf(out, len, "%s %s", q, buf);
		}
		return;
	}
	case BTF_KIND_TYPE_TAG:
		type_str(btf, t->type, decl, out, len, depth + 1, budget);
		return;
	case BTF_KIND_VAR:
		snprintf(d, sizeof d, "%s", name);
		type_str(btf, t->type, d, out, len, depth + 1, budget);
		return;
	case BTF_KIND_FUNC:
		snprintf(d, sizeof d, "%s%s", name, decl);
		type_str(btf, t->type, d, out, len, depth + 1, budget);
		return;
	case BTF_KIND_FUNC_PROTO:
		vlen = btf_vlen(t);
		n = (size_t)snprintf(d, sizeof d, "%s(%s", decl, vlen ? "" : "void");
		for (i = 0; i < vlen && n < sizeof d; i++) {
			const struct btf_param *p = &btf_params(t)[i];
			if (p->type == 0 && i == vlen - 1)
				snprintf(buf, sizeof buf, "...");
			else
				type_str(btf, p->type, "", buf, sizeof buf, depth + 1, budget);
			n += (size_t)snprintf(d + n, sizeof d - n, "%s%s", i ? ", " : "", buf);
		}
		if (n < sizeof d)
			snprintf(d + n, sizeof d - n, ")");
		type_str(btf, t->type, d, out, len, depth + 1, budget);
		return;
	case BTF_KIND_STRUCT: kw = "struct"; break;
	case BTF_KIND_UNION: kw = "union"; break;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: kw = "enum"; break;
	case BTF_KIND_FWD: kw = btf_kflag(t) ? "union" : "struct"; break;
	case BTF_KIND_DATASEC: kw = "datasec"; break;
	case BTF_KIND_DECL_TAG: kw = "decl_tag"; break;
	default: break;	/* INT TYPEDEF FLOAT: the name alone */
	}
	if (kw && !*name && kind != BTF_KIND_FWD)
		name = "{...}";
	if (kw)
		snprintf(out, len, "%s %s%s%s", kw, name, sep, decl);
	else
		snprintf(out, len, "%s%s%s", *name ? name : "?", sep, decl);
}

const char *btf_type_str(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	int budget = 256;
	if (len == 0) return buf;
	type_str(btf, id, "", buf, len, 0, &budget);
	return buf;
}
