/* btf.c - BPF Type Format: parsing, validation, lookups, .BTF.ext.
 *
 * A parsed BTF owns a copy of the blob and an index from type id to record.
 * btf_parse validates everything the rest of the engine relies on, so code
 * that walks types later only needs to guard against depth, never against
 * out-of-range offsets or ids. Only native (little-endian) BTF is accepted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "btf/btf.h"

struct btf {
	uint8_t *data;			/* owned copy of the blob */
	size_t size;
	uint8_t *types_sec;		/* type section inside data */
	const char *strs;		/* string section inside data */
	uint32_t types_len, strs_len;
	uint32_t nr;			/* highest type id */
	struct btf_type **types;	/* types[id - start], own types only; types[0] is NULL */
	int8_t *align;			/* natural alignment per own id (id - start), -1 if none */
	const struct btf *base;		/* split BTF: the BTF it extends (not owned), else NULL */
	uint32_t start;			/* split BTF: the base's highest id, else 0 */
	uint32_t str_start;		/* split BTF: the base's string section length, else 0 */
};

/* An own type record (start < id <= nr). */
#define OWN(btf, id) ((btf)->types[(id) - (btf)->start])


/* ---- record layout ---- */

/* Bytes that follow the common struct btf_type for this record. */
static uint64_t extra_size(const struct btf_type *t)
{
	uint64_t vlen = btf_vlen(t);
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return vlen * sizeof(struct btf_enum64);
	default:	/* PTR FWD TYPEDEF VOLATILE CONST RESTRICT FUNC FLOAT TYPE_TAG */
		return 0;
	}
}

/* Kinds that merely qualify or rename the type they point to. */
static int is_modifier(uint32_t kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT ||
	       kind == BTF_KIND_TYPE_TAG;
}

/* Sets *id to the i-th type id a record refers to and returns 1, or returns
 * 0 when there is no i-th reference. byvalue selects only the references
 * that embed the target (all but pointers): the edges a loop must not close. */
static int type_ref(const struct btf_type *t, uint32_t i, int byvalue, uint32_t *id)
{
	uint32_t kind = btf_kind(t), vlen = btf_vlen(t);
	switch (kind) {
	case BTF_KIND_PTR:
		if (byvalue) return 0;
		/* fall through */
	case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG: case BTF_KIND_TYPE_TAG:
		if (i > 0) return 0;
		*id = t->type;
		return 1;
	case BTF_KIND_ARRAY:
		if (i > 1) return 0;
		*id = i == 0 ? btf_array_info(t)->type : btf_array_info(t)->index_type;
		return 1;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		if (i >= vlen) return 0;
		*id = btf_members(t)[i].type;
		return 1;
	case BTF_KIND_FUNC_PROTO:
		if (i > vlen) return 0;
		*id = i == 0 ? t->type : btf_params(t)[i - 1].type;
		return 1;
	case BTF_KIND_DATASEC:
		if (i >= vlen) return 0;
		*id = btf_secinfos(t)[i].type;
		return 1;
	default:	/* INT ENUM FWD FLOAT ENUM64 */
		return 0;
	}
}


/* ---- validation ---- */

static int name_ok(const struct btf *btf, uint32_t off)
{
	return off < btf->str_start || off - btf->str_start < btf->strs_len;
}

static int check_names(const struct btf *btf, uint32_t id, struct ox_err *err)
{
	const struct btf_type *t = OWN(btf, id);
	uint32_t i, vlen = btf_vlen(t), off = 0;
	if (!name_ok(btf, t->name_off))
		return ox_errf(err, 0, "BTF: type %u name offset %u out of range (strings are %u bytes)",
			       id, t->name_off, btf->str_start + btf->strs_len);
	for (i = 0; i < vlen; i++) {
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: off = btf_members(t)[i].name_off; break;
		case BTF_KIND_ENUM: off = btf_enums(t)[i].name_off; break;
		case BTF_KIND_ENUM64: off = btf_enums64(t)[i].name_off; break;
		case BTF_KIND_FUNC_PROTO: off = btf_params(t)[i].name_off; break;
		default: return 0;	/* vlen means something else (linkage) or nothing */
		}
		if (!name_ok(btf, off))
			return ox_errf(err, 0, "BTF: type %u member %u name offset %u out of range (strings are %u bytes)",
				       id, i, off, btf->str_start + btf->strs_len);
	}
	return 0;
}

static int check_type(const struct btf *btf, uint32_t id, struct ox_err *err)
{
	const struct btf_type *t = OWN(btf, id);
	uint32_t i, ref;
	if (check_names(btf, id, err) < 0)
		return -1;
	for (i = 0; type_ref(t, i, 0, &ref); i++)
		if (ref > btf->nr)
			return ox_errf(err, 0, "BTF: type %u references type %u out of range (max %u)",
				       id, ref, btf->nr);
	if (btf_kind(t) == BTF_KIND_INT) {
		uint32_t w = btf_int_word(t), sz = t->size;
		if (sz != 1 && sz != 2 && sz != 4 && sz != 8 && sz != 16)
			return ox_errf(err, 0, "BTF: type %u int has bad size %u", id, sz);
		if (BTF_INT_BITS(w) > sz * 8 || BTF_INT_OFFSET(w) + BTF_INT_BITS(w) > sz * 8)
			return ox_errf(err, 0, "BTF: type %u int bits %u at offset %u do not fit %u bytes",
				       id, BTF_INT_BITS(w), BTF_INT_OFFSET(w), sz);
	}
	return 0;
}

/* Natural alignment of a type whose by-value references are all known.
 * Like libbpf, a struct is packed (alignment 1) when a member sits at an
 * offset its own alignment does not divide, or its size is not a multiple. */
static int8_t align_at(const struct btf *btf, uint32_t id)
{
	if (id == 0)
		return -1;
	if (id <= btf->start)
		return btf->base ? align_at(btf->base, id) : -1;
	return btf->align[id - btf->start];
}

static int8_t align_of(const struct btf *btf, const struct btf_type *t)
{
	uint32_t i, vlen = btf_vlen(t);
	int8_t a, max = 1;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FLOAT:
		return t->size >= 8 ? 8 : t->size >= 4 ? 4 : t->size >= 2 ? 2 : 1;
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_VAR:
		return align_at(btf, t->type);
	case BTF_KIND_ARRAY:
		return align_at(btf, btf_array_info(t)->type);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (i = 0; i < vlen; i++) {
			if ((a = align_at(btf, btf_members(t)[i].type)) < 0)
				return -1;
			if (btf_member_bitfield_size(t, i) == 0 && btf_member_bit_offset(t, i) % (8u * a) != 0)
				return 1;
			if (a > max) max = a;
		}
		return t->size % (uint32_t)max ? 1 : max;
	default:	/* FWD FUNC FUNC_PROTO DATASEC DECL_TAG */
		return -1;
	}
}

/* Depth-first search over by-value references, iterative so that a hostile
 * chain of a million typedefs cannot exhaust the C stack. A type met again
 * while it is still on the stack closes a loop without a pointer. A type is
 * finished after everything it embeds, which is when its alignment is
 * computed: once per type, so btf_align costs nothing however types nest. */
static int check_loops(struct btf *btf, struct ox_err *err)
{
	enum { WHITE, GREY, BLACK };
	uint32_t n = btf->nr - btf->start;	/* own types; base types are finished */
	uint8_t *color = calloc(n + 1, 1);
	uint32_t *stack = malloc((n + 1) * sizeof *stack);
	uint32_t *edge = malloc((n + 1) * sizeof *edge);
	uint32_t root, sp, ref;
	int rc = 0;
	if (!color || !stack || !edge) {
		rc = ox_errf(err, ENOMEM, "BTF: out of memory");
		goto done;
	}
	color[0] = BLACK;
	btf->align[0] = -1;
	for (root = 1; root <= n && rc == 0; root++) {
		if (color[root] != WHITE)
			continue;
		sp = 0;
		stack[sp] = root; edge[sp] = 0; color[root] = GREY;
		for (;;) {
			uint32_t cur = stack[sp];	/* own index */
			if (!type_ref(btf->types[cur], edge[sp]++, 1, &ref)) {
				color[cur] = BLACK;
				btf->align[cur] = align_of(btf, btf->types[cur]);
				if (sp-- == 0) break;
				continue;
			}
			if (ref <= btf->start)
				continue;	/* void, or a base type */
			ref -= btf->start;
			if (color[ref] == GREY) {
				const char *name = btf_name(btf, ref + btf->start);
				rc = ox_errf(err, 0, "BTF: type %u (%s%s%s%s) refers back to itself through "
					     "type %u without a pointer (reference loop)", ref + btf->start,
					     btf_kind_name(btf_kind(btf->types[ref])), *name ? " '" : "",
					     name, *name ? "'" : "", cur + btf->start);
				break;
			}
			if (color[ref] == WHITE) {
				sp++;
				stack[sp] = ref; edge[sp] = 0; color[ref] = GREY;
			}
		}
	}
done:
	free(color); free(stack); free(edge);
	return rc;
}

/* Split the type section into records and fill the index. */
static int index_types(struct btf *btf, struct ox_err *err)
{
	uint32_t off = 0, cap = 0;
	while (off < btf->types_len) {
		struct btf_type *t = (struct btf_type *)(btf->types_sec + off);
		uint32_t id = btf->nr + 1, kind;
		uint64_t extra;
		if (btf->types_len - off < sizeof *t)
			return ox_errf(err, 0, "BTF: truncated type section at type %u", id);
		kind = btf_kind(t);
		if (kind == BTF_KIND_UNKN || kind > BTF_KIND_ENUM64)
			return ox_errf(err, 0, "BTF: type %u has unknown kind %u", id, kind);
		extra = extra_size(t);
		if (extra > btf->types_len - off - sizeof *t)
			return ox_errf(err, 0, "BTF: truncated type section at type %u", id);
		if (id - btf->start > OX_MAX_BTF_TYPES)
			return ox_errf(err, 0, "BTF: more than %u types", OX_MAX_BTF_TYPES);
		if (id - btf->start >= cap) {
			uint32_t ncap = cap ? cap * 2 : 256;
			struct btf_type **n = realloc(btf->types, ncap * sizeof *n);
			if (!n)
				return ox_errf(err, ENOMEM, "BTF: out of memory");
			btf->types = n;
			btf->types[0] = NULL;
			cap = ncap;
		}
		btf->types[id - btf->start] = t;
		btf->nr = id;
		off += (uint32_t)(sizeof *t + extra);
	}
	return 0;
}

static struct btf *parse(const void *data, size_t size, const struct btf *base,
			 struct ox_err *err)
{
	struct btf_header h;
	struct btf *btf;
	size_t body;
	uint32_t id;
	if (size < sizeof h) {
		ox_errf(err, 0, "BTF: blob of %zu bytes is shorter than its header", size);
		return NULL;
	}
	memcpy(&h, data, sizeof h);
	if (h.magic != BTF_MAGIC) {
		ox_errf(err, 0, "BTF: bad magic 0x%04x%s", h.magic,
			h.magic == 0x9feb ? " (big-endian BTF is not supported)" : "");
		return NULL;
	}
	if (h.version != BTF_VERSION) {
		ox_errf(err, 0, "BTF: unsupported version %u", h.version);
		return NULL;
	}
	if (h.hdr_len < sizeof h || h.hdr_len > size) {
		ox_errf(err, 0, "BTF: bad header length %u (blob is %zu bytes)", h.hdr_len, size);
		return NULL;
	}
	body = size - h.hdr_len;
	if (!ox_range_ok(h.type_off, h.type_len, body)) {
		ox_errf(err, 0, "BTF: type section (offset %u, length %u) outside the blob", h.type_off, h.type_len);
		return NULL;
	}
	if (!ox_range_ok(h.str_off, h.str_len, body)) {
		ox_errf(err, 0, "BTF: string section (offset %u, length %u) outside the blob", h.str_off, h.str_len);
		return NULL;
	}
	if (((uint64_t)h.hdr_len + h.type_off) % 4 != 0) {
		ox_errf(err, 0, "BTF: type section is not 4-byte aligned");
		return NULL;
	}
	if (h.str_len == 0 && !base) {
		ox_errf(err, 0, "BTF: empty string section");
		return NULL;
	}
	if (h.type_len && (uint64_t)h.type_off < (uint64_t)h.str_off + h.str_len &&
	    (uint64_t)h.str_off < (uint64_t)h.type_off + h.type_len) {
		ox_errf(err, 0, "BTF: type and string sections overlap");
		return NULL;
	}
	if (!(btf = calloc(1, sizeof *btf)) || !(btf->data = malloc(size))) {
		free(btf);
		ox_errf(err, ENOMEM, "BTF: out of memory");
		return NULL;
	}
	memcpy(btf->data, data, size);
	btf->size = size;
	if (base) {
		btf->base = base;
		btf->start = btf->nr = base->nr;
		btf->str_start = base->str_start + base->strs_len;
		if ((uint64_t)btf->str_start + h.str_len > UINT32_MAX) {
			ox_errf(err, 0, "BTF: string section too large for a split BTF");
			goto fail;
		}
	}
	btf->types_sec = btf->data + h.hdr_len + h.type_off;
	btf->types_len = h.type_len;
	btf->strs = (const char *)btf->data + h.hdr_len + h.str_off;
	btf->strs_len = h.str_len;
	if (!base && btf->strs[0] != '\0') {
		ox_errf(err, 0, "BTF: string section does not start with NUL");
		goto fail;
	}
	if (btf->strs_len && btf->strs[btf->strs_len - 1] != '\0') {
		ox_errf(err, 0, "BTF: string section does not end with NUL");
		goto fail;
	}
	if (index_types(btf, err) < 0)
		goto fail;
	if (!(btf->align = malloc(btf->nr - btf->start + 1))) {
		ox_errf(err, ENOMEM, "BTF: out of memory");
		goto fail;
	}
	for (id = btf->start + 1; id <= btf->nr; id++)
		if (check_type(btf, id, err) < 0)
			goto fail;
	if (check_loops(btf, err) < 0)
		goto fail;
	return btf;
fail:
	btf_free(btf);
	return NULL;
}

struct btf *btf_parse(const void *data, size_t size, struct ox_err *err)
{
	return parse(data, size, NULL, err);
}

struct btf *btf_parse_split(const void *data, size_t size, const struct btf *base,
			    struct ox_err *err)
{
	if (!base) {
		ox_errf(err, 0, "BTF: a split BTF needs its base BTF");
		return NULL;
	}
	return parse(data, size, base, err);
}

const struct btf *btf_base(const struct btf *btf) { return btf->base; }
uint32_t btf_start_id(const struct btf *btf) { return btf->start + 1; }

void btf_free(struct btf *btf)
{
	if (!btf) return;
	free(btf->types);
	free(btf->align);
	free(btf->data);
	free(btf);
}


/* ---- lookups ---- */

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

int btf_align(const struct btf *btf, uint32_t id)
{
	return id <= btf->nr ? align_at(btf, id) : -1;
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


/* ---- DATASEC fixup ---- */

static int cmp_secinfo(const void *a, const void *b)
{
	const struct btf_var_secinfo *x = a, *y = b;
	if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
	return x->type < y->type ? -1 : x->type > y->type;
}

/* A DATASEC that already has a size was laid out by a linker: its offsets
 * are kept for variables the callback does not know. */
int btf_fixup_datasec(struct btf *btf, uint32_t datasec_id, uint32_t size,
		      btf_sym_off_fn fn, void *ctx, struct ox_err *err)
{
	struct btf_type *t = (struct btf_type *)btf_type_by_id(btf, datasec_id);
	struct btf_var_secinfo *v;
	const char *sec;
	uint32_t i, vlen, linked;
	if (!t || btf_kind(t) != BTF_KIND_DATASEC)
		return ox_errf(err, 0, "BTF: type %u is not a DATASEC", datasec_id);
	sec = btf_name(btf, datasec_id);
	linked = t->size != 0;
	t->size = size;
	v = (struct btf_var_secinfo *)btf_secinfos(t);
	vlen = btf_vlen(t);
	for (i = 0; i < vlen; i++) {
		const struct btf_type *vt = btf_type_by_id(btf, v[i].type);
		const char *name;
		uint32_t off;
		if (!vt || btf_kind(vt) != BTF_KIND_VAR)
			return ox_errf(err, 0, "BTF: DATASEC %s entry %u: type %u is not a VAR", sec, i, v[i].type);
		name = btf_str(btf, vt->name_off);
		if (fn && fn(ctx, name, &off) == 0) {
			v[i].offset = off;
		} else if (btf_var_info(vt)->linkage != BTF_VAR_GLOBAL_EXTERN && !linked) {
			return ox_errf(err, 0, "BTF: DATASEC %s: no symbol for variable '%s'", sec, name);
		}
		if (btf_var_info(vt)->linkage != BTF_VAR_GLOBAL_EXTERN &&
		    !ox_range_ok(v[i].offset, v[i].size, size))
			return ox_errf(err, 0, "BTF: DATASEC %s: variable '%s' (offset %u, size %u) "
				       "outside the section (%u bytes)", sec, name, v[i].offset, v[i].size, size);
	}
	qsort(v, vlen, sizeof *v, cmp_secinfo);
	return 0;
}


/* ---- sanitizing for the kernel ---- */

/* The copy handed to BPF_BTF_LOAD, laid out as header + types + strings.
 *
 * Always: the `.ksyms` DATASEC is made loadable, as libbpf does (the kernel
 * refuses extern linkage and non-VAR members): each extern VAR becomes an
 * allocated VAR of an appended 4-byte INT, each extern FUNC becomes a global
 * FUNC (unnamed parameters get a name) and its entry points to an appended
 * VAR "dummy_ksym"; entries are laid out 4 bytes apart.
 *
 * Then libbpf's rewrites for kinds the kernel does not know (a kernel without
 * datasec or func has no decl_tag either):
 *   VAR, DECL_TAG (no datasec / no decl_tag)  -> INT of 1 byte, 8 bits, same
 *                               name (4 bytes could exceed a small variable)
 *   DATASEC (no datasec)     -> STRUCT of the same size, member per VAR at
 *                               offset*8, named after the VAR; '.' and '?' in
 *                               the section name become '_'
 *   DATASEC "?..." (no qmark_datasec) -> the leading '?' becomes '_'
 *   FUNC_PROTO (no func)     -> ENUM of 4 bytes, one enumerator per param
 *   FUNC (no func)           -> TYPEDEF of the proto
 *   FUNC (no global funcs)   -> FUNC with static linkage
 *   FLOAT (no float)         -> anonymous empty STRUCT of the same size
 *   TYPE_TAG (no type_tag)   -> anonymous CONST
 *   ENUM (no enum64)         -> kflag (signedness) cleared
 *   ENUM64 (no enum64)       -> UNION of the same size whose members are all
 *                               an appended INT "enum64_placeholder" (1 byte) */
#define PLACEHOLDER "enum64_placeholder"
#define KSYM_INT "int"
#define KSYM_VAR "dummy_ksym"

static uint32_t info_enc(uint32_t kind, uint32_t kflag, uint32_t vlen)
{
	return kflag << 31 | kind << 24 | (vlen & 0xffff);
}

static uint32_t int_enc(uint32_t encoding, uint32_t offset, uint32_t bits)
{
	return encoding << 24 | offset << 16 | bits;
}

/* Appends a record of 4 extra bytes (INT or VAR) and its name. */
static void append16(uint8_t *types, uint32_t *tpos, char *strs, uint32_t *spos,
		     const char *name, uint32_t info, uint32_t size_type, uint32_t extra)
{
	struct btf_type t = { .name_off = *spos, .info = info, .size = size_type };
	memcpy(types + *tpos, &t, sizeof t);
	memcpy(types + *tpos + sizeof t, &extra, 4);
	*tpos += sizeof t + 4;
	memcpy(strs + *spos, name, strlen(name) + 1);
	*spos += (uint32_t)strlen(name) + 1;
}

static void fix_ksyms(const struct btf *btf, uint8_t *types, struct btf_type *sec,
		      uint32_t int_id, uint32_t var_id, uint32_t var_name)
{
	struct btf_var_secinfo *v = (struct btf_var_secinfo *)(sec + 1);
	uint32_t n = btf_vlen(sec);
	for (uint32_t j = 0; j < n; j++) {
		/* the entry's record in the copy (an entry of type 0, void, has none) */
		struct btf_type *vt = v[j].type ? (struct btf_type *)(types +
			((uint8_t *)btf->types[v[j].type] - btf->types_sec)) : NULL;
		if (vt && btf_kind(vt) == BTF_KIND_FUNC) {
			const struct btf_type *op = btf_type_by_id(btf, vt->type);
			if (op && btf_kind(op) == BTF_KIND_FUNC_PROTO) {
				struct btf_param *p = (struct btf_param *)(types +
					((uint8_t *)btf->types[vt->type] - btf->types_sec) + sizeof *vt);
				for (uint32_t k = 0; k < btf_vlen(op); k++)
					if (p[k].type && !p[k].name_off)
						p[k].name_off = var_name;
			}
			vt->info = info_enc(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL);
			v[j].type = var_id;
		} else if (vt && btf_kind(vt) == BTF_KIND_VAR) {
			((struct btf_var *)(vt + 1))->linkage = BTF_VAR_GLOBAL_ALLOCATED;
			vt->type = int_id;
		}
		v[j].offset = j * 4;
		v[j].size = 4;
	}
	sec->size = n * 4;
}

void *btf_sanitize(const struct btf *btf, const struct btf_kernel_caps *caps, size_t *size)
{
	struct btf_kernel_caps all = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct btf_header h = { BTF_MAGIC, BTF_VERSION, 0, sizeof h, 0, 0, 0, 0 };
	uint8_t *out, *types;
	char *strs;
	uint32_t id, j, i, tlen = btf->types_len, slen = btf->strs_len, placeholder = 0;
	uint32_t ksyms = btf_find(btf, ".ksyms", BTF_KIND_DATASEC), ksym_int = 0, ksym_var = 0;
	uint32_t nr = btf->nr, tpos = btf->types_len, spos = btf->strs_len;
	if (!caps) caps = &all;
	if (caps->decl_tag && (!caps->datasec || !caps->func)) {
		/* decl_tag (5.16) came after both: a tag on a VAR or FUNC turned
		 * into an INT or TYPEDEF would be refused, so the tags go too */
		all = *caps;
		all.decl_tag = 0;
		caps = &all;
	}
	if (tlen > UINT32_MAX - 128 || slen > UINT32_MAX - 128)
		return NULL;	/* no room for the appended types */
	if (!caps->enum64)
		for (id = 1; id <= btf->nr && !placeholder; id++)
			if (btf_kind(btf->types[id]) == BTF_KIND_ENUM64)
				placeholder = ++nr;
	if (placeholder) {
		tlen += sizeof(struct btf_type) + 4;
		slen += sizeof PLACEHOLDER;
	}
	if (ksyms) {
		ksym_int = ++nr;
		ksym_var = ++nr;
		tlen += 2 * (sizeof(struct btf_type) + 4);
		slen += sizeof KSYM_INT + sizeof KSYM_VAR;
	}
	h.type_len = tlen;
	h.str_off = tlen;
	h.str_len = slen;
	if (!(out = malloc(sizeof h + (size_t)tlen + slen)))
		return NULL;
	types = out + sizeof h;
	strs = (char *)types + tlen;
	memcpy(out, &h, sizeof h);
	memcpy(types, btf->types_sec, btf->types_len);
	memcpy(strs, btf->strs, btf->strs_len);
	if (placeholder)
		append16(types, &tpos, strs, &spos, PLACEHOLDER, info_enc(BTF_KIND_INT, 0, 0), 1,
			 int_enc(0, 0, 8));
	if (ksyms) {
		uint32_t var_name = spos + sizeof KSYM_INT;
		append16(types, &tpos, strs, &spos, KSYM_INT, info_enc(BTF_KIND_INT, 0, 0), 4,
			 int_enc(BTF_INT_SIGNED, 0, 32));
		append16(types, &tpos, strs, &spos, KSYM_VAR, info_enc(BTF_KIND_VAR, 0, 0), ksym_int,
			 BTF_VAR_GLOBAL_ALLOCATED);
		fix_ksyms(btf, types, (struct btf_type *)(types + ((uint8_t *)btf->types[ksyms] -
								   btf->types_sec)),
			  ksym_int, ksym_var, var_name);
	}
	for (id = 1, tpos = 0; id <= nr; id++) {
		/* the record in the copy: originals at their offsets, then the appended */
		struct btf_type *t;
		uint32_t kind, vlen;
		if (id <= btf->nr) {
			t = (struct btf_type *)(types + ((uint8_t *)btf->types[id] - btf->types_sec));
		} else {
			t = (struct btf_type *)(types + btf->types_len + tpos);
			tpos += sizeof *t + 4;
		}
		kind = btf_kind(t), vlen = btf_vlen(t);
		if ((!caps->datasec && kind == BTF_KIND_VAR) || (!caps->decl_tag && kind == BTF_KIND_DECL_TAG)) {
			t->info = info_enc(BTF_KIND_INT, 0, 0);	/* name kept */
			t->size = 1;
			*(uint32_t *)(t + 1) = int_enc(0, 0, 8);
		} else if (!caps->datasec && kind == BTF_KIND_DATASEC) {
			struct btf_var_secinfo *v = (struct btf_var_secinfo *)(t + 1);
			struct btf_member *m = (struct btf_member *)(t + 1);
			char *s;
			for (s = strs + t->name_off; *s; s++)
				if (*s == '.' || *s == '?') *s = '_';
			t->info = info_enc(BTF_KIND_STRUCT, 0, vlen);
			for (j = 0; j < vlen; j++) {	/* same size records: read, then write */
				struct btf_var_secinfo si = v[j];
				const struct btf_type *vt = si.type <= btf->nr ? btf_type_by_id(btf, si.type) : NULL;
				m[j].name_off = vt ? vt->name_off : si.type == ksym_var ? spos - sizeof KSYM_VAR : 0;
				m[j].type = si.type;
				m[j].offset = si.offset * 8;
			}
		} else if (!caps->qmark_datasec && kind == BTF_KIND_DATASEC && strs[t->name_off] == '?') {
			strs[t->name_off] = '_';
		} else if (!caps->func && kind == BTF_KIND_FUNC_PROTO) {
			t->info = info_enc(BTF_KIND_ENUM, 0, vlen);
			t->size = sizeof(uint32_t);
		} else if (!caps->func && kind == BTF_KIND_FUNC) {
			t->info = info_enc(BTF_KIND_TYPEDEF, 0, 0);
		} else if (!caps->func_global && kind == BTF_KIND_FUNC) {
			t->info = info_enc(BTF_KIND_FUNC, 0, BTF_FUNC_STATIC);
		} else if (!caps->float_ && kind == BTF_KIND_FLOAT) {
			t->name_off = 0;
			t->info = info_enc(BTF_KIND_STRUCT, 0, 0);
		} else if (!caps->type_tag && kind == BTF_KIND_TYPE_TAG) {
			t->name_off = 0;
			t->info = info_enc(BTF_KIND_CONST, 0, 0);
		} else if (!caps->enum64 && kind == BTF_KIND_ENUM) {
			t->info = info_enc(BTF_KIND_ENUM, 0, vlen);
		} else if (!caps->enum64 && kind == BTF_KIND_ENUM64) {
			struct btf_member *m = (struct btf_member *)(t + 1);
			t->info = info_enc(BTF_KIND_UNION, 0, vlen);
			for (i = 0; i < vlen; i++) {	/* name_off stays in place */
				m[i].type = placeholder;
				m[i].offset = 0;
			}
		}
	}
	if (size) *size = sizeof h + (size_t)tlen + slen;
	return out;
}


/* ---- .BTF.ext ---- */

struct btf_ext_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;	/* optional */
};
#define EXT_MIN_HDR offsetof(struct btf_ext_header, core_relo_off)

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The three kinds of info block: their minimum record size and where a
 * record keeps a type id and string offsets (0: field absent). */
enum { FUNC_INFO, LINE_INFO, CORE_RELO };
static const struct ext_kind {
	const char *what;
	uint32_t min_rec, type_at, str1_at, str2_at;
} ext_kinds[] = {
	{ "func_info", 8, 4, 0, 0 },	/* insn_off type_id */
	{ "line_info", 16, 0, 4, 8 },	/* insn_off file_name_off line_off line_col */
	{ "core_relo", 16, 4, 8, 0 },	/* insn_off type_id access_str_off kind */
};

/* Per-record checks: ids in range, string offsets valid. */
static int check_record(const struct btf *btf, const struct ext_kind *k, const char *sec,
			uint32_t i, const uint8_t *rec, struct ox_err *err)
{
	const char *what = k->what;
	uint32_t type = k->type_at ? rd32(rec + k->type_at) : 0;
	uint32_t s1 = k->str1_at ? rd32(rec + k->str1_at) : 0;
	uint32_t s2 = k->str2_at ? rd32(rec + k->str2_at) : 0;
	if (type > btf->nr)
		return ox_errf(err, 0, "BTF.ext: %s for section %s record %u references type %u out of range (max %u)",
			       what, sec, i, type, btf->nr);
	if (!name_ok(btf, s1) || !name_ok(btf, s2))
		return ox_errf(err, 0, "BTF.ext: %s for section %s record %u has a string offset out of range",
			       what, sec, i);
	return 0;
}

static int parse_info(struct btf_ext *ext, struct btf_ext_info *info, int kind,
		      uint32_t hdr_len, uint32_t off, uint32_t len,
		      const struct btf *btf, struct ox_err *err)
{
	const struct ext_kind *k = &ext_kinds[kind];
	const char *what = k->what;
	uint32_t min_rec = k->min_rec;
	const uint8_t *p, *end;
	uint32_t pass, nsecs = 0, rec_size;
	if (len == 0)
		return 0;
	if (!ox_range_ok((uint64_t)hdr_len + off, len, ext->size))
		return ox_errf(err, 0, "BTF.ext: %s (offset %u, length %u) outside the section", what, off, len);
	if (off % 4 != 0)
		return ox_errf(err, 0, "BTF.ext: %s is not 4-byte aligned", what);
	if (len < 4)
		return ox_errf(err, 0, "BTF.ext: %s of %u bytes has no record size", what, len);
	p = (const uint8_t *)ext->data + hdr_len + off;
	end = p + len;
	rec_size = rd32(p);
	if (rec_size < min_rec || rec_size % 4 != 0)
		return ox_errf(err, 0, "BTF.ext: %s record size %u is invalid (minimum %u, multiple of 4)",
			       what, rec_size, min_rec);
	/* Pass 0 validates and counts, pass 1 fills the table. */
	for (pass = 0; pass < 2; pass++) {
		const uint8_t *q = p + 4;
		uint32_t n = 0, i;
		while (q < end) {
			uint32_t name_off, num;
			const char *name;
			if ((size_t)(end - q) < 8)
				return ox_errf(err, 0, "BTF.ext: %s truncated at section %u", what, n);
			name_off = rd32(q);
			num = rd32(q + 4);
			q += 8;
			if (!name_ok(btf, name_off) || !*(name = btf_str(btf, name_off)))
				return ox_errf(err, 0, "BTF.ext: %s section %u has invalid name offset %u", what, n, name_off);
			if (num == 0)
				return ox_errf(err, 0, "BTF.ext: %s for section %s has no records", what, name);
			if ((uint64_t)num * rec_size > (size_t)(end - q))
				return ox_errf(err, 0, "BTF.ext: %s for section %s: %u records of %u bytes "
					       "do not fit", what, name, num, rec_size);
			if (pass == 0) {
				for (i = 0; i < num; i++)
					if (check_record(btf, k, name, i, q + (size_t)i * rec_size, err) < 0)
						return -1;
			} else {
				info->secs[n].sec_name = name;
				info->secs[n].nr = num;
				info->secs[n].recs = q;
			}
			q += (size_t)num * rec_size;
			n++;
		}
		if (pass == 0) {
			nsecs = n;
			if (!(info->secs = calloc(nsecs ? nsecs : 1, sizeof *info->secs)))
				return ox_errf(err, ENOMEM, "BTF.ext: out of memory");
		}
	}
	info->rec_size = rec_size;
	info->nr_secs = nsecs;
	return 0;
}

struct btf_ext *btf_ext_parse(const void *data, size_t size, const struct btf *btf,
			      struct ox_err *err)
{
	struct btf_ext_header h;
	struct btf_ext *ext;
	memset(&h, 0, sizeof h);
	if (!btf) {
		ox_errf(err, 0, "BTF.ext: no .BTF to resolve names against");
		return NULL;
	}
	if (size < 8) {
		ox_errf(err, 0, "BTF.ext: section of %zu bytes is shorter than its header", size);
		return NULL;
	}
	memcpy(&h, data, 8);
	if (h.magic != BTF_MAGIC) {
		ox_errf(err, 0, "BTF.ext: bad magic 0x%04x", h.magic);
		return NULL;
	}
	if (h.version != BTF_VERSION) {
		ox_errf(err, 0, "BTF.ext: unsupported version %u", h.version);
		return NULL;
	}
	if (h.hdr_len < EXT_MIN_HDR || h.hdr_len > size) {
		ox_errf(err, 0, "BTF.ext: bad header length %u (section is %zu bytes)", h.hdr_len, size);
		return NULL;
	}
	memcpy(&h, data, h.hdr_len < sizeof h ? h.hdr_len : sizeof h);
	if (!(ext = calloc(1, sizeof *ext)) || !(ext->data = malloc(size))) {
		free(ext);
		ox_errf(err, ENOMEM, "BTF.ext: out of memory");
		return NULL;
	}
	memcpy(ext->data, data, size);
	ext->size = size;
	if (h.hdr_len % 4 != 0) {
		ox_errf(err, 0, "BTF.ext: header length %u is not a multiple of 4", h.hdr_len);
		goto fail;
	}
	if (parse_info(ext, &ext->func_info, FUNC_INFO, h.hdr_len, h.func_info_off,
		       h.func_info_len, btf, err) < 0 ||
	    parse_info(ext, &ext->line_info, LINE_INFO, h.hdr_len, h.line_info_off,
		       h.line_info_len, btf, err) < 0 ||
	    parse_info(ext, &ext->core_relo, CORE_RELO, h.hdr_len, h.core_relo_off,
		       h.core_relo_len, btf, err) < 0)
		goto fail;
	return ext;
fail:
	btf_ext_free(ext);
	return NULL;
}

void btf_ext_free(struct btf_ext *ext)
{
	if (!ext) return;
	free(ext->func_info.secs);
	free(ext->line_info.secs);
	free(ext->core_relo.secs);
	free(ext->data);
	free(ext);
}

const struct btf_ext_sec *btf_ext_find(const struct btf_ext_info *info, const char *sec_name)
{
	uint32_t i;
	for (i = 0; i < info->nr_secs; i++)
		if (strcmp(info->secs[i].sec_name, sec_name) == 0)
			return &info->secs[i];
	return NULL;
}
