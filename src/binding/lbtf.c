/* lbtf.c - converting between Lua values and bytes laid out by a BTF type.
 *
 * Multi-byte values and bitfields are read and written little-endian, the
 * byte order of every host oxlua runs on (x86_64, arm64) and so of the data
 * BPF programs produce there. Bit n of a bitfield is bit n%8 of byte n/8.
 *
 * Values are addressed as (base, avail, bitpos): the bytes of the enclosing
 * object, how many of them exist, and the bit offset of the value in them.
 * Every access is checked against avail, so a type that claims more than the
 * data holds is skipped (push) or refused (encode), never read past. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "binding/lbtf.h"


/* ---- types ---- */

/* Strip qualifiers but not typedefs: `char comm[16]` is text, `__u8 addr[4]`
 * (a typedef of unsigned char) is bytes. */
static const struct btf_type *unqualified(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	int depth;
	for (depth = 0; t && depth < OX_MAX_BTF_DEPTH; depth++) {
		uint32_t k = btf_kind(t);
		if (k != BTF_KIND_CONST && k != BTF_KIND_VOLATILE &&
		    k != BTF_KIND_RESTRICT && k != BTF_KIND_TYPE_TAG)
			return t;
		t = btf_type_by_id(btf, t->type);
	}
	return NULL;
}

/* An array of this element is a string: a 1-byte char by encoding or name. */
static int is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = unqualified(btf, id);
	const char *name;
	if (!t || btf_kind(t) != BTF_KIND_INT || t->size != 1)
		return 0;
	name = btf_str(btf, t->name_off);
	return (BTF_INT_ENCODING(btf_int_word(t)) & BTF_INT_CHAR) || strcmp(name, "char") == 0 ||
	       strcmp(name, "signed char") == 0 || strcmp(name, "unsigned char") == 0;
}

/* Any 1-byte integer other than bool: arrays of it also accept strings. */
static int is_byte(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, id));
	return t && btf_kind(t) == BTF_KIND_INT && t->size == 1 &&
	       !(BTF_INT_ENCODING(btf_int_word(t)) & BTF_INT_BOOL);
}

static int is_record(const struct btf_type *t)
{
	return t && (btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION);
}


/* ---- scalars ---- */

enum { S_INT, S_BOOL, S_FLOAT, S_PTR };
struct scalar {
	int kind, is_signed;
	int any_sign;		/* encode accepts negatives even when unsigned */
	uint32_t nbits;		/* 1..64 */
	uint64_t bitpos;	/* from the enclosing object's base */
};

/* Describe a scalar of resolved type t at bitpos; bitsize is the member's
 * bitfield width (0: none). Returns 0 for non-scalars and for integers wider
 * than 64 bits (those travel as raw strings). */
static int scalar_of(const struct btf_type *t, uint64_t bitpos, uint32_t bitsize, struct scalar *s)
{
	uint64_t bits = (uint64_t)t->size * 8;
	s->bitpos = bitpos;
	s->is_signed = s->any_sign = 0;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t w = btf_int_word(t), enc = BTF_INT_ENCODING(w);
		s->kind = enc & BTF_INT_BOOL ? S_BOOL : S_INT;
		s->is_signed = (enc & BTF_INT_SIGNED) != 0;
		s->bitpos += BTF_INT_OFFSET(w);
		bits = bitsize ? bitsize : BTF_INT_BITS(w);
		break;
	}
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		s->kind = S_INT;
		s->is_signed = btf_kflag(t);
		s->any_sign = 1;	/* clang before 15 marks no enum signed */
		if (bitsize) bits = bitsize;
		break;
	case BTF_KIND_PTR:
		s->kind = S_PTR;
		bits = 64;
		break;
	case BTF_KIND_FLOAT:
		s->kind = S_FLOAT;
		if (bitsize || bitpos % 8 || (bits != 32 && bits != 64))
			return 0;
		break;
	default:
		return 0;
	}
	if (bits == 0 || bits > 64)
		return 0;
	s->nbits = (uint32_t)bits;
	return 1;
}

static int scalar_fits(const struct scalar *s, size_t avail)
{
	return (s->bitpos + s->nbits + 7) / 8 <= avail;
}

static uint64_t get_bits(const uint8_t *p, uint64_t pos, uint32_t n)
{
	uint64_t v = 0;
	uint32_t i;
	if (pos % 8 == 0 && n % 8 == 0) {
		memcpy(&v, p + pos / 8, n / 8);
		return v;
	}
	for (i = 0; i < n; i++, pos++)
		v |= (uint64_t)(p[pos / 8] >> (pos % 8) & 1) << i;
	return v;
}

static void set_bits(uint8_t *p, uint64_t pos, uint32_t n, uint64_t v)
{
	uint32_t i;
	if (pos % 8 == 0 && n % 8 == 0) {
		memcpy(p + pos / 8, &v, n / 8);
		return;
	}
	for (i = 0; i < n; i++, pos++) {
		uint8_t bit = (uint8_t)(1u << (pos % 8));
		if (v >> i & 1) p[pos / 8] |= bit;
		else p[pos / 8] &= (uint8_t)~bit;
	}
}


/* ---- bytes -> Lua ---- */

struct dec {
	lua_State *L;
	const struct btf *btf;
	uint64_t budget;	/* values left to visit (see oxl_btf_push) */
};

static int push_at(struct dec *d, uint32_t id, const uint8_t *base, size_t avail,
		   uint64_t bitpos, uint32_t bitsize, int depth);

static void push_scalar(lua_State *L, const struct scalar *s, const uint8_t *base)
{
	uint64_t v = get_bits(base, s->bitpos, s->nbits);
	if (s->is_signed && s->nbits < 64 && (v >> (s->nbits - 1) & 1))
		v |= ~(uint64_t)0 << s->nbits;
	if (s->kind == S_BOOL) {
		lua_pushboolean(L, v != 0);
	} else if (s->kind == S_FLOAT) {
		float f;
		double d;
		uint32_t w = (uint32_t)v;
		if (s->nbits == 32) { memcpy(&f, &w, 4); d = f; }
		else memcpy(&d, &v, 8);
		lua_pushnumber(L, (lua_Number)d);
	} else {
		lua_pushinteger(L, (lua_Integer)v);	/* u64 above 2^63 wraps, like "J" */
	}
}

/* Set the members of struct/union t (at p) into the table on top; anonymous
 * struct/union members are flattened into it. */
static void fill_members(struct dec *d, const struct btf_type *t, const uint8_t *p,
			 size_t avail, int depth)
{
	const struct btf *btf = d->btf;
	uint32_t i, vlen = btf_vlen(t);
	for (i = 0; i < vlen && d->budget > 0; i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf_str(btf, m->name_off);
		uint64_t bitpos = btf_member_bit_offset(t, i);
		uint32_t bitsize = btf_member_bitfield_size(t, i);
		if (*name == '\0') {	/* anonymous: flatten records, skip padding */
			const struct btf_type *mt = btf_type_by_id(btf, btf_resolve(btf, m->type));
			int64_t sz = btf_size(btf, m->type);
			d->budget--;	/* a visit that pushes nothing still costs */
			if (is_record(mt) && !bitsize && bitpos % 8 == 0 && depth < OX_MAX_BTF_DEPTH &&
			    sz >= 0 && ox_range_ok(bitpos / 8, (uint64_t)sz, avail))
				fill_members(d, mt, p + bitpos / 8, (size_t)sz, depth + 1);
			continue;
		}
		if (push_at(d, m->type, p, avail, bitpos, bitsize, depth + 1))
			lua_setfield(d->L, -2, name);
	}
}

static void push_array(struct dec *d, const struct btf_type *t, const uint8_t *p,
		       size_t sz, int depth)
{
	lua_State *L = d->L;
	const struct btf *btf = d->btf;
	const struct btf_array *a = btf_array_info(t);
	int64_t esz = btf_size(btf, a->type);
	uint32_t i;
	if (is_char(btf, a->type)) {
		const uint8_t *nul = memchr(p, 0, sz);
		lua_pushlstring(L, (const char *)p, nul ? (size_t)(nul - p) : sz);
		return;
	}
	if (is_byte(btf, a->type)) {	/* __u8 addr[4]: the bytes, NULs included */
		lua_pushlstring(L, (const char *)p, sz);
		return;
	}
	if (esz <= 0) {		/* zero-sized elements: nothing to show */
		lua_createtable(L, 0, 0);
		return;
	}
	lua_createtable(L, a->nelems < 1024 ? (int)a->nelems : 1024, 0);
	for (i = 0; i < a->nelems && d->budget > 0; i++)
		if (push_at(d, a->type, p, sz, (uint64_t)i * (uint64_t)esz * 8, 0, depth + 1))
			lua_rawseti(L, -2, (lua_Integer)i + 1);
}

static void push_datasec(struct dec *d, const struct btf_type *t, const uint8_t *p,
			 size_t sz, int depth)
{
	lua_State *L = d->L;
	const struct btf *btf = d->btf;
	uint32_t i, vlen = btf_vlen(t);
	lua_createtable(L, 0, vlen < 16 ? (int)vlen : 16);
	for (i = 0; i < vlen && d->budget > 0; i++) {
		const struct btf_var_secinfo *v = &btf_secinfos(t)[i];
		const struct btf_type *vt = btf_type_by_id(btf, v->type);
		if (vt && btf_kind(vt) == BTF_KIND_VAR &&
		    push_at(d, vt->type, p, sz, (uint64_t)v->offset * 8, 0, depth + 1))
			lua_setfield(L, -2, btf_str(btf, vt->name_off));
	}
}

/* Push the value of type id at bitpos in base[0..avail). Returns 0 (nothing
 * pushed) when the value does not lie inside the data, has no size, or the
 * budget is spent. */
static int push_at(struct dec *d, uint32_t id, const uint8_t *base, size_t avail,
		   uint64_t bitpos, uint32_t bitsize, int depth)
{
	lua_State *L = d->L;
	const struct btf *btf = d->btf;
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, id));
	struct scalar s;
	const uint8_t *p;
	int64_t sz;
	if (d->budget == 0)
		return 0;
	d->budget--;
	if (t && btf_kind(t) == BTF_KIND_VAR && depth < OX_MAX_BTF_DEPTH)
		return push_at(d, t->type, base, avail, bitpos, bitsize, depth + 1);
	if (t && scalar_of(t, bitpos, bitsize, &s)) {
		if (!scalar_fits(&s, avail))
			return 0;
		push_scalar(L, &s, base);
		return 1;
	}
	sz = btf_size(btf, id);
	if (!t || bitsize || bitpos % 8 || sz < 0 || !ox_range_ok(bitpos / 8, (uint64_t)sz, avail))
		return 0;
	p = base + bitpos / 8;
	luaL_checkstack(L, 4, "BTF value nesting");
	if (depth > OX_MAX_BTF_DEPTH) {
		lua_pushlstring(L, (const char *)p, (size_t)sz);
		return 1;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		lua_createtable(L, 0, btf_vlen(t) < 16 ? (int)btf_vlen(t) : 16);
		fill_members(d, t, p, (size_t)sz, depth);
		break;
	case BTF_KIND_ARRAY:
		push_array(d, t, p, (size_t)sz, depth);
		break;
	case BTF_KIND_DATASEC:
		push_datasec(d, t, p, (size_t)sz, depth);
		break;
	default:	/* 128-bit integers, long double, ... */
		lua_pushlstring(L, (const char *)p, (size_t)sz);
		break;
	}
	return 1;
}

/* A buffer longer than the type (perf records are padded) decodes its prefix.
 * Members of unions overlap, so BTF can describe far more values than there
 * are bytes (a union of unions of ...); a budget of values per byte, well
 * above what real types need, keeps hostile BTF from making this slow. */
void oxl_btf_push(lua_State *L, const struct btf *btf, uint32_t id,
		  const void *data, size_t size)
{
	int64_t sz = btf_size(btf, id);
	struct dec d;
	d.L = L;
	d.btf = btf;
	d.budget = 4096 + 32 * (uint64_t)(sz > 0 ? sz : 0);	/* vmlinux needs < 11/byte */
	if (sz < 0 || (uint64_t)sz > size || !push_at(&d, id, data, size, 0, 0, 0))
		lua_pushlstring(L, data, size);
}


/* ---- Lua -> bytes ---- */

struct enc {
	lua_State *L;
	const struct btf *btf;
	char *err;
	size_t errlen;
	size_t plen;		/* length of path */
	char path[256];		/* field path for messages: "inner.comm", "arr[2]" */
};

static int fail(struct enc *e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (e->err && e->errlen) {
		if (e->plen) snprintf(e->err, e->errlen, "field '%s': %s", e->path, msg);
		else snprintf(e->err, e->errlen, "%s", msg);
	}
	return -1;
}

/* Extend the path by ".name" (or "[i]" when name is NULL); returns the old
 * length for path_pop. A path too long for the buffer is cut. */
static size_t path_push(struct enc *e, const char *name, lua_Integer i)
{
	size_t old = e->plen, room = sizeof e->path - old;
	int n;
	if (name) n = snprintf(e->path + old, room, "%s%s", old ? "." : "", name);
	else n = snprintf(e->path + old, room, "[%lld]", (long long)i);
	e->plen = n < 0 ? old : (size_t)n < room ? old + (size_t)n : sizeof e->path - 1;
	return old;
}

static void path_pop(struct enc *e, size_t old)
{
	e->plen = old;
	e->path[old] = '\0';
}

static const char *tstr(struct enc *e, uint32_t id, char *buf, size_t len)
{
	return btf_type_str(e->btf, id, buf, len);
}

static int encode_at(struct enc *e, int idx, uint32_t id, uint8_t *base, size_t avail,
		     uint64_t bitpos, uint32_t bitsize, int depth);

/* A string of exactly the type's size is raw bytes, for any type. */
static const char *raw_string(lua_State *L, int idx, int64_t sz)
{
	size_t len;
	const char *s;
	if (lua_type(L, idx) != LUA_TSTRING || sz < 0)
		return NULL;
	s = lua_tolstring(L, idx, &len);
	return len == (uint64_t)sz ? s : NULL;
}

/* The type as messages name it: "__u32", or "int:3" for a bitfield (nbits
 * narrower than the type). Only built when a message needs it. */
#define WHAT_LEN 192
static const char *what(struct enc *e, uint32_t id, uint32_t nbits, char *buf)
{
	char ts[160];
	int64_t sz = btf_size(e->btf, id);
	tstr(e, id, ts, sizeof ts);
	if (sz < 0 || (uint64_t)nbits != (uint64_t)sz * 8) snprintf(buf, WHAT_LEN, "%s:%u", ts, nbits);
	else snprintf(buf, WHAT_LEN, "%s", ts);
	return buf;
}

static int encode_scalar(struct enc *e, int idx, uint32_t id, const struct scalar *s, uint8_t *base)
{
	lua_State *L = e->L;
	char w[WHAT_LEN];
	lua_Integer i;
	int isint;
	if (s->kind == S_FLOAT) {
		lua_Number x;
		uint64_t v;
		if (lua_type(L, idx) != LUA_TNUMBER)
			return fail(e, "expected number for %s, got %s", what(e, id, s->nbits, w), luaL_typename(L, idx));
		x = lua_tonumber(L, idx);
		if (s->nbits == 32) {
			float f;
			uint32_t u;
			if (x == x && x != HUGE_VAL && x != -HUGE_VAL && (x > FLT_MAX || x < -FLT_MAX))
				return fail(e, "%g out of range for %s", (double)x, what(e, id, s->nbits, w));
			f = (float)x;
			memcpy(&u, &f, 4);
			v = u;
		} else {
			double d = (double)x;
			memcpy(&v, &d, 8);
		}
		set_bits(base, s->bitpos, s->nbits, v);
		return 0;
	}
	if (lua_type(L, idx) == LUA_TBOOLEAN) {
		i = lua_toboolean(L, idx);
	} else if (lua_type(L, idx) == LUA_TNUMBER) {
		i = lua_tointegerx(L, idx, &isint);
		if (!isint)
			return fail(e, "number %g has no integer representation (for %s)",
				    (double)lua_tonumber(L, idx), what(e, id, s->nbits, w));
	} else {
		return fail(e, "expected %s for %s, got %s", s->kind == S_BOOL ? "boolean" : "integer",
			    what(e, id, s->nbits, w), luaL_typename(L, idx));
	}
	if (s->nbits < 64 && s->kind != S_PTR) {
		uint64_t half = (uint64_t)1 << (s->nbits - 1);
		lua_Integer lo = s->is_signed || s->any_sign ? -(lua_Integer)half : 0;
		uint64_t hi = s->is_signed ? half - 1 : 2 * half - 1;
		if (i < lo || (i > 0 && (uint64_t)i > hi))
			return fail(e, "%lld out of range for %s (%lld..%llu)", (long long)i,
				    what(e, id, s->nbits, w), (long long)lo, (unsigned long long)hi);
	}
	set_bits(base, s->bitpos, s->nbits, (uint64_t)i);
	return 0;
}

/* Find a member by name, looking inside anonymous struct/union members.
 * *bitpos accumulates the offset of the member from t's start. *budget
 * bounds the members visited (anonymous members can nest exponentially). */
static const struct btf_member *find_member(const struct btf *btf, const struct btf_type *t,
					    const char *name, uint64_t *bitpos, uint32_t *bitsize,
					    int depth, uint32_t *budget)
{
	uint32_t i, vlen = btf_vlen(t);
	if (depth > OX_MAX_BTF_DEPTH)
		return NULL;
	for (i = 0; i < vlen && *budget > 0; i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *mname = btf_str(btf, m->name_off);
		uint64_t off = btf_member_bit_offset(t, i);
		--*budget;
		if (strcmp(mname, name) == 0 && *mname) {
			*bitpos += off;
			*bitsize = btf_member_bitfield_size(t, i);
			return m;
		}
		if (*mname == '\0' && !btf_member_bitfield_size(t, i)) {
			const struct btf_type *mt = btf_type_by_id(btf, btf_resolve(btf, m->type));
			uint64_t sub = *bitpos + off;
			const struct btf_member *r;
			if (is_record(mt) && (r = find_member(btf, mt, name, &sub, bitsize, depth + 1, budget))) {
				*bitpos = sub;
				return r;
			}
		}
	}
	return NULL;
}

static int encode_record(struct enc *e, int idx, uint32_t id, const struct btf_type *t,
			 uint8_t *p, size_t sz, int depth)
{
	lua_State *L = e->L;
	char ts[160];
	if (lua_type(L, idx) != LUA_TTABLE)
		return fail(e, "expected table for %s, got %s", tstr(e, id, ts, sizeof ts), luaL_typename(L, idx));
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const struct btf_member *m;
		const char *name;
		uint64_t bitpos = 0;
		uint32_t bitsize = 0, budget = 1u << 16;
		size_t old;
		int rc;
		if (lua_type(L, -2) != LUA_TSTRING) {
			rc = fail(e, "%s: keys must be field names, got a %s key",
				  tstr(e, id, ts, sizeof ts), luaL_typename(L, -2));
			lua_pop(L, 2);
			return rc;
		}
		name = lua_tostring(L, -2);
		if (!(m = find_member(e->btf, t, name, &bitpos, &bitsize, depth, &budget))) {
			rc = fail(e, "%s has no field '%s'", tstr(e, id, ts, sizeof ts), name);
			lua_pop(L, 2);
			return rc;
		}
		old = path_push(e, name, 0);
		rc = encode_at(e, lua_gettop(L), m->type, p, sz, bitpos, bitsize, depth + 1);
		path_pop(e, old);
		lua_pop(L, 1);
		if (rc < 0) {
			lua_pop(L, 1);
			return rc;
		}
	}
	return 0;
}

static int encode_array(struct enc *e, int idx, uint32_t id, const struct btf_type *t,
			uint8_t *p, size_t sz, int depth)
{
	lua_State *L = e->L;
	const struct btf_array *a = btf_array_info(t);
	int64_t esz = btf_size(e->btf, a->type);
	char ts[160];
	size_t len, i;
	if (lua_type(L, idx) == LUA_TSTRING && is_byte(e->btf, a->type)) {
		const char *s = lua_tolstring(L, idx, &len);
		if (len > sz)
			return fail(e, "string of %zu bytes does not fit %s", len, tstr(e, id, ts, sizeof ts));
		memcpy(p, s, len);
		memset(p + len, 0, sz - len);
		return 0;
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		return fail(e, "expected table for %s, got %s", tstr(e, id, ts, sizeof ts), luaL_typename(L, idx));
	len = (size_t)lua_rawlen(L, idx);
	if (len > a->nelems)
		return fail(e, "table of %zu elements does not fit %s", len, tstr(e, id, ts, sizeof ts));
	if (esz <= 0 && len > 0)
		return fail(e, "cannot encode elements of %s", tstr(e, id, ts, sizeof ts));
	for (i = 0; i < len; i++) {
		int rc = 0;
		lua_rawgeti(L, idx, (lua_Integer)i + 1);
		if (!lua_isnil(L, -1)) {
			size_t old = path_push(e, NULL, (lua_Integer)i + 1);
			rc = encode_at(e, lua_gettop(L), a->type, p, sz, (uint64_t)i * (uint64_t)esz * 8, 0, depth + 1);
			path_pop(e, old);
		}
		lua_pop(L, 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int encode_datasec(struct enc *e, int idx, uint32_t id, const struct btf_type *t,
			  uint8_t *p, size_t sz, int depth)
{
	lua_State *L = e->L;
	char ts[160];
	if (lua_type(L, idx) != LUA_TTABLE)
		return fail(e, "expected table for %s, got %s", tstr(e, id, ts, sizeof ts), luaL_typename(L, idx));
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const struct btf_var_secinfo *v = NULL;
		const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		uint32_t i, vlen = btf_vlen(t);
		size_t old;
		int rc;
		for (i = 0; name && i < vlen && !v; i++) {
			const struct btf_type *vt = btf_type_by_id(e->btf, btf_secinfos(t)[i].type);
			if (vt && btf_kind(vt) == BTF_KIND_VAR && strcmp(btf_str(e->btf, vt->name_off), name) == 0)
				v = &btf_secinfos(t)[i];
		}
		if (!v) {
			rc = name ? fail(e, "%s has no variable '%s'", tstr(e, id, ts, sizeof ts), name)
				  : fail(e, "%s: keys must be variable names, got a %s key",
					 tstr(e, id, ts, sizeof ts), luaL_typename(L, -2));
			lua_pop(L, 2);
			return rc;
		}
		old = path_push(e, name, 0);
		rc = encode_at(e, lua_gettop(L), v->type, p, sz, (uint64_t)v->offset * 8, 0, depth + 1);
		path_pop(e, old);
		lua_pop(L, 1);
		if (rc < 0) {
			lua_pop(L, 1);
			return rc;
		}
	}
	return 0;
}

static int encode_at(struct enc *e, int idx, uint32_t id, uint8_t *base, size_t avail,
		     uint64_t bitpos, uint32_t bitsize, int depth)
{
	lua_State *L = e->L;
	const struct btf_type *t = btf_type_by_id(e->btf, btf_resolve(e->btf, id));
	struct scalar s;
	const char *raw;
	char ts[160];
	int64_t sz;
	uint8_t *p;
	if (depth > OX_MAX_BTF_DEPTH)
		return fail(e, "nested deeper than %d levels", OX_MAX_BTF_DEPTH);
	if (t && btf_kind(t) == BTF_KIND_VAR)
		return encode_at(e, idx, t->type, base, avail, bitpos, bitsize, depth + 1);
	if (t && scalar_of(t, bitpos, bitsize, &s)) {
		if (!scalar_fits(&s, avail))
			return fail(e, "%s lies outside its container", tstr(e, id, ts, sizeof ts));
		sz = btf_size(e->btf, id);
		if (!bitsize && bitpos % 8 == 0 && (raw = raw_string(L, idx, sz)) &&
		    ox_range_ok(bitpos / 8, (uint64_t)sz, avail)) {
			memcpy(base + bitpos / 8, raw, (size_t)sz);
			return 0;
		}
		return encode_scalar(e, idx, id, &s, base);
	}
	sz = btf_size(e->btf, id);
	if (!t || sz < 0)
		return fail(e, "cannot encode into %s", tstr(e, id, ts, sizeof ts));
	if (bitsize || bitpos % 8)
		return fail(e, "cannot encode a bitfield of %s", tstr(e, id, ts, sizeof ts));
	if (!ox_range_ok(bitpos / 8, (uint64_t)sz, avail))
		return fail(e, "%s lies outside its container", tstr(e, id, ts, sizeof ts));
	p = base + bitpos / 8;
	if ((raw = raw_string(L, idx, sz))) {
		memcpy(p, raw, (size_t)sz);
		return 0;
	}
	luaL_checkstack(L, 6, "BTF value nesting");
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		return encode_record(e, idx, id, t, p, (size_t)sz, depth);
	case BTF_KIND_ARRAY:
		return encode_array(e, idx, id, t, p, (size_t)sz, depth);
	case BTF_KIND_DATASEC:
		return encode_datasec(e, idx, id, t, p, (size_t)sz, depth);
	default:
		return fail(e, "expected a string of %lld bytes for %s, got %s", (long long)sz,
			    tstr(e, id, ts, sizeof ts), luaL_typename(L, idx));
	}
}

int oxl_btf_encode(lua_State *L, int idx, const struct btf *btf, uint32_t id,
		   void *out, size_t size, char *err, size_t errlen)
{
	struct enc e;
	char ts[160];
	int64_t sz = btf_size(btf, id);
	e.L = L; e.btf = btf; e.err = err; e.errlen = errlen;
	e.plen = 0; e.path[0] = '\0';
	if (err && errlen) err[0] = '\0';
	idx = lua_absindex(L, idx);
	if (sz < 0)
		return fail(&e, "cannot encode into %s", tstr(&e, id, ts, sizeof ts));
	if ((uint64_t)sz > size)
		return fail(&e, "%s needs %lld bytes, the buffer has %zu", tstr(&e, id, ts, sizeof ts),
			    (long long)sz, size);
	return encode_at(&e, idx, id, out, size, 0, 0, 0);
}
