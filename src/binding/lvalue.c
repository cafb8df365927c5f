/* lvalue.c - Lua values to and from the bytes of map keys and values and
 * of globals: plain integers for 1, 2, 4 and 8 bytes when the BTF type (if
 * any) is a plain integer, tables and strings by BTF type (lbtf.c), byte
 * strings otherwise; maps and programs go in as their fds. */
#include <string.h>

#include "binding/lbtf.h"
#include "binding/lcore.h"
#include "binding/linst.h"
#include "object/object.h"

/* What a value is, for messages: built only when there is an error. */
#define WHAT(L, w) lua_pushfstring(L, (w)->fmt, (w)->arg)

static int put_integer(lua_State *L, int idx, uint32_t size, void *out, const struct oxl_what *w)
{
	lua_Integer v;
	int ok;
	if (lua_isboolean(L, idx))
		v = lua_toboolean(L, idx);
	else {
		v = lua_tointegerx(L, idx, &ok);
		if (!ok)
			return luaL_error(L, "%s: number %s has no integer representation", WHAT(L, w),
					  lua_tostring(L, idx));
	}
	if (size < 8) {
		lua_Integer lo = -((lua_Integer)1 << (size * 8 - 1));
		lua_Integer hi = ((lua_Integer)1 << (size * 8)) - 1;
		if (v < lo || v > hi)
			return luaL_error(L, "%s: %I does not fit %d bytes", WHAT(L, w), v, (int)size);
	}
	memcpy(out, &v, size);	/* little-endian hosts: low bytes first */
	return 0;
}

/* A BTF integer (or enum, or pointer) of exactly `size` bytes, which the
 * plain integer paths handle without walking the type: 1 unsigned, 2 signed,
 * 0 something else. */
static int plain_int(const struct btf *btf, uint32_t type, uint32_t size)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, type));
	if (!t || (size != 1 && size != 2 && size != 4 && size != 8))
		return 0;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t w = btf_int_word(t);
		if (t->size != size || BTF_INT_OFFSET(w) || BTF_INT_BITS(w) != size * 8 ||
		    (BTF_INT_ENCODING(w) & BTF_INT_BOOL))
			return 0;
		return BTF_INT_ENCODING(w) & BTF_INT_SIGNED ? 2 : 1;
	}
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		return t->size == size ? (btf_kflag(t) ? 2 : 1) : 0;
	case BTF_KIND_PTR:
		return size == 8;
	default:
		return 0;
	}
}

int oxl_encode(lua_State *L, int idx, const struct ox_object *obj, uint32_t type,
	       uint32_t size, void *out, const struct oxl_what *w)
{
	int t = lua_type(L, idx);
	idx = lua_absindex(L, idx);
	memset(out, 0, size);
	if ((t == LUA_TNUMBER || t == LUA_TBOOLEAN) &&
	    (!obj->btf || !type || plain_int(obj->btf, type, size)) &&
	    (size == 1 || size == 2 || size == 4 || size == 8))
		return put_integer(L, idx, size, out, w);
	if (t == LUA_TUSERDATA) {	/* maps and programs go in as their fds */
		struct oxl_map *m = luaL_testudata(L, idx, OXL_MAP);
		struct oxl_program *p = luaL_testudata(L, idx, OXL_PROGRAM);
		int fd = m && m->owner->inst ? m->owner->inst->maps[m->idx].fd :
			 p && p->owner->inst ? p->owner->inst->progs[p->idx].fd : -1;
		if (fd < 0 || size != 4)
			return luaL_error(L, "%s: a map or program (open) fits only 4-byte values",
					  WHAT(L, w));
		memcpy(out, &fd, 4);
		return 0;
	}
	if (obj->btf && type && btf_type_by_id(obj->btf, type) &&
	    (t == LUA_TTABLE || t == LUA_TSTRING || btf_size(obj->btf, type) == (int64_t)size)) {
		char msg[512];
		if (btf_size(obj->btf, type) != (int64_t)size) {
			if (t == LUA_TSTRING && lua_rawlen(L, idx) == size) {
				memcpy(out, lua_tostring(L, idx), size);
				return 0;
			}
			return luaL_error(L, "%s: BTF type size differs from %d bytes", WHAT(L, w),
					  (int)size);
		}
		if (oxl_btf_encode(L, idx, obj->btf, type, out, size, msg, sizeof msg))
			return luaL_error(L, "%s: %s", WHAT(L, w), msg);
		return 0;
	}
	if (t == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		if (len != size)
			return luaL_error(L, "%s: string of %d bytes, expected %d", WHAT(L, w), (int)len,
					  (int)size);
		memcpy(out, s, size);
		return 0;
	}
	if ((t == LUA_TNUMBER || t == LUA_TBOOLEAN) &&
	    (size == 1 || size == 2 || size == 4 || size == 8))
		return put_integer(L, idx, size, out, w);
	return luaL_error(L, "%s: %s cannot be stored in %d bytes%s", WHAT(L, w),
			  luaL_typename(L, idx), (int)size,
			  t == LUA_TTABLE ? " without a BTF type" : "");
}

int oxl_plain(const struct ox_object *obj, uint32_t type, uint32_t size)
{
	return !obj->btf || !type ? 1 : plain_int(obj->btf, type, size);
}

void oxl_decode(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		uint32_t size)
{
	oxl_decode_as(L, obj, type, data, size, oxl_plain(obj, type, size));
}

void oxl_decode_as(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		   uint32_t size, int plain)
{
	if (!plain && obj->btf && type && btf_size(obj->btf, type) == (int64_t)size) {
		oxl_btf_push(L, obj->btf, type, data, size);
		return;
	}
	switch (size) {
	case 1: { uint8_t v = *(const uint8_t *)data;
		lua_pushinteger(L, plain == 2 ? (lua_Integer)(int8_t)v : v); return; }
	case 2: { uint16_t v; memcpy(&v, data, 2);
		lua_pushinteger(L, plain == 2 ? (lua_Integer)(int16_t)v : v); return; }
	case 4: { uint32_t v; memcpy(&v, data, 4);
		lua_pushinteger(L, plain == 2 ? (lua_Integer)(int32_t)v : v); return; }
	case 8: { int64_t v; memcpy(&v, data, 8); lua_pushinteger(L, (lua_Integer)v); return; }
	default: lua_pushlstring(L, data, size);
	}
}
