/* btf.c - BPF Type Format: parsing and validation.
 *
 * A parsed BTF owns a copy of the blob and an index from type id to record.
 * btf_parse validates everything the rest of the engine relies on, so code
 * that walks types later only needs to guard against depth, never against
 * out-of-range offsets or ids. Only native (little-endian) BTF is accepted.
 * Each type's natural alignment is computed here too, once, while the
 * types are checked for loops.
 *
 * Lookups are in btf_query.c, .BTF.ext in btf_ext.c, the rewrites for the
 * kernel in btf_sanitize.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "btf/btf_int.h"

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

static int check_names(const struct btf *btf, uint32_t id, struct ox_err *err)
{
	const struct btf_type *t = OWN(btf, id);
	uint32_t i, vlen = btf_vlen(t), off = 0;
	if (!btf_name_ok(btf, t->name_off))
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
		if (!btf_name_ok(btf, off))
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

/* The alignment check_loops computed. */
int btf_align(const struct btf *btf, uint32_t id)
{
	return id <= btf->nr ? align_at(btf, id) : -1;
}
