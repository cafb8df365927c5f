/* lbtfplan.c - a BTF type compiled once into a flat list of steps, so that
 * decoding each event into a Lua table walks no type graph. Produces the same
 * values as oxl_btf_push; members it does not handle itself (unions, odd
 * arrays, 128-bit integers) are decoded by oxl_btf_push. */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "binding/lbtf.h"

enum {
	OP_UINT, OP_SINT, OP_BOOL, OP_F32, OP_F64,	/* byte-aligned scalars */
	OP_BITS, OP_SBITS,	/* bitfields */
	OP_BITBOOL,		/* a bitfield of a bool type (_Bool flag : 1) */
	OP_TEXT,		/* char array: string up to the first NUL */
	OP_BYTES,		/* array of other 1-byte integers: the bytes */
	OP_TABLE,		/* a nested table: the next `count` steps fill it */
	OP_SLOW,		/* anything else: oxl_btf_push(type) */
};

struct step {
	uint8_t op, size;	/* size: scalar bytes */
	uint16_t nbits;		/* bitfields */
	uint32_t off;		/* byte offset (bit offset for bitfields) */
	uint32_t len;		/* TEXT/BYTES/SLOW bytes; TABLE: steps inside */
	uint32_t type;		/* SLOW */
	const char *name;	/* field to set in the enclosing table; NULL at the top */
};

struct oxl_plan {
	const struct btf *btf;
	uint32_t size, nsteps, cap;
	struct step *steps;
};

static int add(struct oxl_plan *p, struct step s)
{
	if (p->nsteps == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;
		struct step *n;
		if (cap > 4096 || !(n = realloc(p->steps, cap * sizeof *n)))
			return -1;
		p->steps = n;
		p->cap = cap;
	}
	p->steps[p->nsteps++] = s;
	return 0;
}

static int one_byte_int(const struct btf *btf, uint32_t id, int *is_char)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, id));
	const char *name;
	if (!t || btf_kind(t) != BTF_KIND_INT || t->size != 1 ||
	    (BTF_INT_ENCODING(btf_int_word(t)) & BTF_INT_BOOL))
		return 0;
	/* text when the element is named char (through qualifiers, not typedefs) */
	t = btf_type_by_id(btf, id);
	while (t && (btf_kind(t) == BTF_KIND_CONST || btf_kind(t) == BTF_KIND_VOLATILE ||
		     btf_kind(t) == BTF_KIND_RESTRICT || btf_kind(t) == BTF_KIND_TYPE_TAG))
		t = btf_type_by_id(btf, t->type);
	name = t ? btf_str(btf, t->name_off) : "";
	*is_char = t && btf_kind(t) == BTF_KIND_INT &&
		   ((BTF_INT_ENCODING(btf_int_word(t)) & BTF_INT_CHAR) || !strcmp(name, "char") ||
		    !strcmp(name, "signed char") || !strcmp(name, "unsigned char"));
	return 1;
}

/* limit: where the enclosing struct ends (bytes from the record's start).
 * The type walk reads a member only inside its own struct, so the plan does
 * too: a member outside it leaves the record to the walk. */
static int compile(struct oxl_plan *p, uint32_t id, uint64_t bitpos, uint32_t bitsize,
		   const char *name, uint64_t limit, int depth);

static int compile_members(struct oxl_plan *p, const struct btf_type *t, uint64_t base,
			   uint64_t limit, int depth)
{
	const struct btf *btf = p->btf;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf_str(btf, m->name_off);
		uint64_t pos = base + btf_member_bit_offset(t, i);
		uint32_t bits = btf_member_bitfield_size(t, i);
		if (!*name) {	/* anonymous: flatten a struct, give up on the rest */
			const struct btf_type *mt = btf_type_by_id(btf, btf_resolve(btf, m->type));
			int64_t msz = btf_size(btf, m->type);
			if (!mt || btf_kind(mt) != BTF_KIND_STRUCT || bits || pos % 8 || msz < 0 ||
			    pos / 8 > limit || (uint64_t)msz > limit - pos / 8 ||
			    compile_members(p, mt, pos, pos / 8 + (uint64_t)msz, depth + 1))
				return -1;
			continue;
		}
		if (compile(p, m->type, pos, bits, name, limit, depth + 1))
			return -1;
	}
	return 0;
}

static int compile(struct oxl_plan *p, uint32_t id, uint64_t bitpos, uint32_t bitsize,
		   const char *name, uint64_t limit, int depth)
{
	const struct btf *btf = p->btf;
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, id));
	struct step s;
	uint64_t boff;
	int64_t sz = btf_size(btf, id);
	if (!t || depth > OX_MAX_BTF_DEPTH || sz < 0 || sz > UINT32_MAX)
		return -1;
	/* BTF does not promise that members lie inside their struct: a step
	 * reading outside it is left to oxl_btf_push, which checks */
	if (bitpos / 8 > limit || (!bitsize && (uint64_t)sz > limit - bitpos / 8) ||
	    (bitsize && bitpos + bitsize > limit * 8))
		return -1;
	memset(&s, 0, sizeof s);
	s.name = name;
	s.off = (uint32_t)(bitpos / 8);
	if (bitsize || (btf_kind(t) == BTF_KIND_INT && BTF_INT_OFFSET(btf_int_word(t)))) {
		uint32_t w = btf_kind(t) == BTF_KIND_INT ? btf_int_word(t) : 0;
		int sign = btf_kind(t) == BTF_KIND_INT ? !!(BTF_INT_ENCODING(w) & BTF_INT_SIGNED)
						       : btf_kflag(t);
		if (btf_kind(t) != BTF_KIND_INT && btf_kind(t) != BTF_KIND_ENUM)
			return -1;
		s.op = sign ? OP_SBITS : OP_BITS;
		if (btf_kind(t) == BTF_KIND_INT && (BTF_INT_ENCODING(w) & BTF_INT_BOOL))
			s.op = OP_BITBOOL;	/* a boolean, as oxl_btf_push gives it */
		boff = bitpos + (btf_kind(t) == BTF_KIND_INT ? BTF_INT_OFFSET(w) : 0);
		s.nbits = (uint16_t)(bitsize ? bitsize : BTF_INT_BITS(w));
		if (s.nbits > 64 || !s.nbits || boff + s.nbits > limit * 8 ||
		    boff > UINT32_MAX)
			return -1;
		s.off = (uint32_t)boff;
		return add(p, s);
	}
	if (bitpos % 8)
		return -1;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = BTF_INT_ENCODING(btf_int_word(t));
		if (BTF_INT_BITS(btf_int_word(t)) != t->size * 8)
			return -1;
		if (t->size > 8 || !t->size)
			break;	/* 128-bit (or empty): slow path (raw string) */
		s.op = enc & BTF_INT_BOOL ? OP_BOOL : enc & BTF_INT_SIGNED ? OP_SINT : OP_UINT;
		s.size = (uint8_t)t->size;
		return (t->size & (t->size - 1)) ? -1 : add(p, s);
	}
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		if (!t->size || t->size > 8 || (t->size & (t->size - 1)))
			break;	/* as the walk gives it: a raw string */
		s.op = btf_kflag(t) ? OP_SINT : OP_UINT;
		s.size = (uint8_t)t->size;
		return add(p, s);
	case BTF_KIND_PTR:
		s.op = OP_UINT;
		s.size = 8;
		return add(p, s);
	case BTF_KIND_FLOAT:
		if (t->size != 4 && t->size != 8)
			break;
		s.op = t->size == 4 ? OP_F32 : OP_F64;
		return add(p, s);
	case BTF_KIND_ARRAY: {
		int is_char = 0;
		if (one_byte_int(btf, btf_array_info(t)->type, &is_char)) {
			s.op = is_char ? OP_TEXT : OP_BYTES;
			s.len = (uint32_t)sz;
			return add(p, s);
		}
		break;
	}
	case BTF_KIND_STRUCT: {
		uint32_t at = p->nsteps;
		s.op = OP_TABLE;
		if (add(p, s) || compile_members(p, t, bitpos, bitpos / 8 + (uint64_t)sz, depth))
			return -1;
		p->steps[at].len = p->nsteps - at - 1;
		p->steps[at].size = btf_vlen(t) < 255 ? (uint8_t)btf_vlen(t) : 255;
		return 0;
	}
	default:
		break;
	}
	s.op = OP_SLOW;	/* unions, arrays of structs, ... */
	s.type = id;
	s.len = (uint32_t)sz;
	return add(p, s);
}

struct oxl_plan *oxl_plan_compile(const struct btf *btf, uint32_t id)
{
	struct oxl_plan *p = calloc(1, sizeof *p);
	int64_t sz = btf_size(btf, id);
	if (!p || sz <= 0)
		goto fail;
	p->btf = btf;
	p->size = (uint32_t)sz;
	if (compile(p, id, 0, 0, NULL, p->size, 0))
		goto fail;
	return p;
fail:
	oxl_plan_free(p);
	return NULL;
}

void oxl_plan_free(struct oxl_plan *p)
{
	if (p) {
		free(p->steps);
		free(p);
	}
}

uint32_t oxl_plan_size(const struct oxl_plan *p) { return p->size; }

static uint64_t load(const uint8_t *d, unsigned size)
{
	uint8_t v8; uint16_t v16; uint32_t v32; uint64_t v64;
	switch (size) {
	case 1: memcpy(&v8, d, 1); return v8;
	case 2: memcpy(&v16, d, 2); return v16;
	case 4: memcpy(&v32, d, 4); return v32;
	default: memcpy(&v64, d, 8); return v64;
	}
}

/* Run steps [i, end) into the table on top (or, at the top, push the value). */
static uint32_t run(lua_State *L, const struct oxl_plan *p, uint32_t i, uint32_t end,
		    const uint8_t *d)
{
	while (i < end) {
		const struct step *s = &p->steps[i++];
		uint64_t v;
		switch (s->op) {
		case OP_UINT:
			lua_pushinteger(L, (lua_Integer)load(d + s->off, s->size));
			break;
		case OP_SINT:
			v = load(d + s->off, s->size);
			if (s->size < 8 && (v >> (s->size * 8 - 1) & 1))
				v |= ~(uint64_t)0 << (s->size * 8);
			lua_pushinteger(L, (lua_Integer)v);
			break;
		case OP_BOOL:	/* all of its bytes, as oxl_btf_push reads it */
			lua_pushboolean(L, load(d + s->off, s->size) != 0);
			break;
		case OP_F32: {
			float f;
			memcpy(&f, d + s->off, 4);
			lua_pushnumber(L, f);
			break;
		}
		case OP_F64: {
			double f;
			memcpy(&f, d + s->off, 8);
			lua_pushnumber(L, f);
			break;
		}
		case OP_BITS: case OP_SBITS: case OP_BITBOOL:
			v = 0;
			for (uint32_t b = 0; b < s->nbits; b++) {
				uint32_t pos = s->off + b;
				v |= (uint64_t)(d[pos / 8] >> (pos % 8) & 1) << b;
			}
			if (s->op == OP_BITBOOL) {
				lua_pushboolean(L, v != 0);
				break;
			}
			if (s->op == OP_SBITS && s->nbits < 64 && (v >> (s->nbits - 1) & 1))
				v |= ~(uint64_t)0 << s->nbits;
			lua_pushinteger(L, (lua_Integer)v);
			break;
		case OP_TEXT: {
			const uint8_t *nul = memchr(d + s->off, 0, s->len);
			lua_pushlstring(L, (const char *)d + s->off, nul ? (size_t)(nul - d - s->off) : s->len);
			break;
		}
		case OP_BYTES:
			lua_pushlstring(L, (const char *)d + s->off, s->len);
			break;
		case OP_TABLE:
			lua_createtable(L, 0, s->size);
			i = run(L, p, i, i + s->len, d);
			break;
		default:
			oxl_btf_push(L, p->btf, s->type, d + s->off, s->len);
			break;
		}
		if (s->name)
			lua_setfield(L, -2, s->name);
	}
	return i;
}

void oxl_plan_push(lua_State *L, const struct oxl_plan *p, const void *data)
{
	luaL_checkstack(L, OX_MAX_BTF_DEPTH + 4, "decoding");
	run(L, p, 0, p->nsteps, data);
}
