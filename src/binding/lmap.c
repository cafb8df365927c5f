/* lmap.c - maps from Lua: get/set/delete/pairs, batch dump and update.
 * A map value is a view of its instance; it fails once the instance closed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binding/lcore.h"
#include "binding/linst.h"
#include "binding/lopen.h"
#include "object/section.h"
#include "kernel/sys.h"

#ifndef BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
#define BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE 21
#endif

struct mapv {
	int fd;
	const struct ox_object *obj;
	const struct ox_mapdef *def;
	const struct ox_inst_map *im;
	uint32_t ksize, vsize;		/* vsize: the whole value buffer (all CPUs) */
	int ncpu;			/* > 0 for per-CPU maps */
	int kplain, vplain;		/* oxl_plain() of key and value */
};

static int is_percpu(uint32_t t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static uint32_t key_type(const struct mapv *v)
{
	return v->im->key_size == v->def->key_size ? v->def->btf_key : 0;
}

static uint32_t value_type(const struct mapv *v)
{
	return v->im->value_size == v->def->value_size && v->def->kind == OX_MAP_USER ?
	       v->def->btf_value : 0;
}

static struct mapv check_map(lua_State *L, int idx)
{
	struct oxl_map *m = luaL_checkudata(L, idx, OXL_MAP);
	struct mapv v;
	if (!m->owner->inst || m->owner->inst->closed || m->owner->inst->maps[m->idx].fd < 0)
		luaL_error(L, "map is closed");
	v.obj = m->owner->inst->obj;
	v.def = &v.obj->maps[m->idx];
	v.im = &m->owner->inst->maps[m->idx];
	v.fd = v.im->fd;
	v.ksize = v.im->key_size;
	v.ncpu = is_percpu(v.im->type) ? ox_possible_cpus() : 0;
	v.vsize = v.ncpu ? ((v.im->value_size + 7) & ~7u) * (uint32_t)v.ncpu : v.im->value_size;
	v.kplain = oxl_plain(v.obj, key_type(&v), v.ksize);
	v.vplain = oxl_plain(v.obj, value_type(&v), v.im->value_size);
	return v;
}

/* Scratch buffers as userdata: collected even when a conversion raises. */
static void *scratch(lua_State *L, size_t n)
{
	return lua_newuserdatauv(L, n ? n : 1, 0);
}

/* Keys and values that fit use the C stack (nothing to collect). */
#define SMALL 256
#define BUF(L, stackbuf, n) ((n) <= SMALL ? (void *)(stackbuf) : scratch(L, n))

static void encode_key(lua_State *L, const struct mapv *v, int idx, void *out)
{
	struct oxl_what what = { "map '%s': key", v->def->name };
	oxl_encode(L, idx, v->obj, key_type(v), v->ksize, out, &what);
}

static void encode_value(lua_State *L, const struct mapv *v, int idx, uint8_t *out)
{
	struct oxl_what what = { "map '%s': value", v->def->name };
	uint32_t one = v->im->value_size, stride = (one + 7) & ~7u;
	if (!v->ncpu) {
		oxl_encode(L, idx, v->obj, value_type(v), one, out, &what);
		return;
	}
	memset(out, 0, v->vsize);
	idx = lua_absindex(L, idx);
	if (lua_istable(L, idx) && lua_rawlen(L, idx) > 0) {	/* one value per CPU */
		if (lua_rawlen(L, idx) != (size_t)v->ncpu)
			luaL_error(L, "map '%s': value: per-CPU map takes %d values, got %d",
				   v->def->name, v->ncpu, (int)lua_rawlen(L, idx));
		for (int c = 0; c < v->ncpu; c++) {
			lua_rawgeti(L, idx, c + 1);
			oxl_encode(L, -1, v->obj, value_type(v), one, out + (size_t)c * stride, &what);
			lua_pop(L, 1);
		}
		return;
	}
	for (int c = 0; c < v->ncpu; c++)	/* the same value on every CPU */
		oxl_encode(L, idx, v->obj, value_type(v), one, out + (size_t)c * stride, &what);
}

static void push_value(lua_State *L, const struct mapv *v, const uint8_t *data)
{
	uint32_t one = v->im->value_size, stride = (one + 7) & ~7u;
	if (!v->ncpu) {
		oxl_decode_as(L, v->obj, value_type(v), data, one, v->vplain);
		return;
	}
	lua_createtable(L, v->ncpu, 0);
	for (int c = 0; c < v->ncpu; c++) {
		oxl_decode_as(L, v->obj, value_type(v), data + (size_t)c * stride, one, v->vplain);
		lua_rawseti(L, -2, c + 1);
	}
}

static uint64_t update_flags(lua_State *L, int idx)
{
	static const char *const names[] = { "any", "noexist", "exist", NULL };
	if (lua_isnoneornil(L, idx))
		return BPF_ANY;
	if (lua_type(L, idx) == LUA_TSTRING)
		return (uint64_t)luaL_checkoption(L, idx, NULL, names);
	return (uint64_t)luaL_checkinteger(L, idx);
}

/* map:get(key) -> value | nil (absent) | nil, msg, errno */
static int m_get(lua_State *L)
{
	struct mapv v = check_map(L, 1);
	uint64_t kb[SMALL / 8], vb[SMALL / 8];
	void *key = BUF(L, kb, v.ksize);
	uint8_t *val = BUF(L, vb, v.vsize);
	encode_key(L, &v, 2, key);
	if (ox_map_lookup(v.fd, key, val, 0)) {
		if (errno == ENOENT) {
			lua_pushnil(L);
			return 1;
		}
		return oxl_errno(L, errno, "map '%s': lookup", v.def->name);
	}
	push_value(L, &v, val);
	return 1;
}

/* map:set(key, value[, "any"|"noexist"|"exist"]) -> true | nil, msg, errno */
static int m_set(lua_State *L)
{
	struct mapv v = check_map(L, 1);
	uint64_t flags = update_flags(L, 4);
	uint64_t kb[SMALL / 8], vb[SMALL / 8];
	void *key, *val;
	luaL_checkany(L, 3);
	lua_settop(L, 3);
	key = BUF(L, kb, v.ksize);
	val = BUF(L, vb, v.vsize);
	encode_key(L, &v, 2, key);
	encode_value(L, &v, 3, val);
	if (ox_map_update(v.fd, key, val, flags))
		return oxl_errno(L, errno, "map '%s': update", v.def->name);
	lua_pushboolean(L, 1);
	return 1;
}

/* map:delete(key) -> true | false (absent) | nil, msg, errno */
static int m_delete(lua_State *L)
{
	struct mapv v = check_map(L, 1);
	uint64_t kb[SMALL / 8];
	void *key = BUF(L, kb, v.ksize);
	encode_key(L, &v, 2, key);
	if (ox_map_delete(v.fd, key)) {
		if (errno == ENOENT) {
			lua_pushboolean(L, 0);
			return 1;
		}
		return oxl_errno(L, errno, "map '%s': delete", v.def->name);
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* Iterator: upvalue 1 = the map, upvalue 2 = a buffer holding a flag byte
 * (1: a previous key follows) and the previous key. */
static int m_next(lua_State *L)
{
	struct mapv v = check_map(L, lua_upvalueindex(1));
	uint8_t *prev = lua_touserdata(L, lua_upvalueindex(2));
	uint64_t nb[SMALL / 8], vb[SMALL / 8];
	uint8_t *next = BUF(L, nb, v.ksize);
	uint8_t *val = BUF(L, vb, v.vsize);
	for (;;) {
		if (ox_map_next_key(v.fd, prev[0] ? prev + 1 : NULL, next)) {
			if (errno == ENOENT)
				return 0;
			return luaL_error(L, "map '%s': iterating: %s", v.def->name,
					  ox_errno_name(errno));
		}
		memcpy(prev + 1, next, v.ksize);
		prev[0] = 1;
		if (ox_map_lookup(v.fd, next, val, 0) == 0)
			break;
		if (errno != ENOENT)	/* deleted meanwhile: skip it */
			return luaL_error(L, "map '%s': lookup while iterating: %s", v.def->name,
					  ox_errno_name(errno));
	}
	oxl_decode_as(L, v.obj, key_type(&v), next, v.ksize, v.kplain);
	push_value(L, &v, val);
	return 2;
}

/* Push the iterator closure for the map at index idx. */
static void push_iterator(lua_State *L, int idx, uint32_t ksize)
{
	uint8_t *prev;
	idx = lua_absindex(L, idx);
	lua_pushvalue(L, idx);
	prev = lua_newuserdatauv(L, (size_t)ksize + 1, 0);
	prev[0] = 0;
	lua_pushcclosure(L, m_next, 2);
}

/* for k, v in map:pairs() do ... end */
static int m_pairs(lua_State *L)
{
	struct mapv v = check_map(L, 1);
	push_iterator(L, 1, v.ksize);
	return 1;
}

/* map:dump() -> { [key] = value } using BPF_MAP_LOOKUP_BATCH where the kernel
 * has it for this map type, else key iteration. Second result: "batch" or "iterate". */
static int m_dump(lua_State *L)
{
	struct mapv v = check_map(L, 1);
	/* large batches (fewer syscalls), bounded to 4 MiB of scratch */
	uint32_t per = v.ksize + v.vsize ? v.ksize + v.vsize : 1;
	uint32_t chunk = v.im->max_entries ? v.im->max_entries : 1;
	if (chunk > 65536)
		chunk = 65536;
	if ((uint64_t)chunk * per > (4u << 20))
		chunk = (4u << 20) / per ? (4u << 20) / per : 1;
	uint32_t tsize = v.ksize > 8 ? v.ksize : 8;
	uint8_t *keys = scratch(L, (size_t)chunk * v.ksize);
	uint8_t *vals = scratch(L, (size_t)chunk * v.vsize);
	uint8_t *in = scratch(L, tsize), *out = scratch(L, tsize);
	int first = 1, done = 0;
	lua_newtable(L);
	while (!done) {
		uint32_t count = chunk;
		if (ox_map_lookup_batch(v.fd, first ? NULL : in, out, keys, vals, &count)) {
			if (errno == ENOENT)
				done = 1;
			else if (first && (errno == EINVAL || errno == ENOTSUP || errno == 524 ||
					   errno == ENOSYS)) {
				lua_pop(L, 1);	/* not for this map type: iterate */
				lua_newtable(L);
				push_iterator(L, 1, v.ksize);
				for (;;) {
					lua_pushvalue(L, -1);
					lua_call(L, 0, 2);
					if (lua_isnil(L, -2)) {
						lua_pop(L, 3);
						break;
					}
					lua_rawset(L, -4);
				}
				lua_pushliteral(L, "iterate");
				return 2;
			} else if (errno == ENOSPC) {
				return luaL_error(L, "map '%s': batch lookup: ENOSPC", v.def->name);
			} else {
				return oxl_errno(L, errno, "map '%s': batch lookup", v.def->name);
			}
		}
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *k = keys + (size_t)i * v.ksize;
			if (v.kplain == 1 && (v.ksize == 4 || v.ksize == 8)) {
				/* integer keys: the table's integer path */
				uint32_t k32;
				int64_t k64;
				lua_Integer key;
				if (v.ksize == 4)
					memcpy(&k32, k, 4), key = k32;
				else
					memcpy(&k64, k, 8), key = (lua_Integer)k64;
				push_value(L, &v, vals + (size_t)i * v.vsize);
				lua_rawseti(L, -2, key);
				continue;
			}
			oxl_decode_as(L, v.obj, key_type(&v), k, v.ksize, v.kplain);
			push_value(L, &v, vals + (size_t)i * v.vsize);
			lua_rawset(L, -3);
		}
		memcpy(in, out, tsize);
		first = 0;
	}
	lua_pushliteral(L, "batch");
	return 2;
}

/* map:set_many({ [key] = value, ... }[, flags]) -> count | nil, msg, errno */
static int m_set_many(lua_State *L)
{
	struct mapv v = check_map(L, 1);
	uint64_t flags = update_flags(L, 3);
	size_t n = 0, i = 0;
	uint8_t *keys, *vals;
	uint32_t count;
	luaL_checktype(L, 2, LUA_TTABLE);
	for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1))
		n++;
	if (!n) {
		lua_pushinteger(L, 0);
		return 1;
	}
	keys = scratch(L, n * v.ksize);
	vals = scratch(L, n * v.vsize);
	for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1), i++) {
		encode_key(L, &v, -2, keys + i * v.ksize);
		encode_value(L, &v, -1, vals + i * v.vsize);
	}
	count = (uint32_t)n;
	if (ox_map_update_batch(v.fd, keys, vals, &count, flags) == 0) {
		lua_pushinteger(L, (lua_Integer)n);
		return 1;
	}
	if (errno != EINVAL && errno != ENOTSUP && errno != 524 && errno != ENOSYS)
		return oxl_errno(L, errno, "map '%s': batch update (%u of %zu done)", v.def->name,
				 count, n);
	for (i = 0; i < n; i++)	/* no batch ops for this map type */
		if (ox_map_update(v.fd, keys + i * v.ksize, vals + i * v.vsize, flags))
			return oxl_errno(L, errno, "map '%s': update (%zu of %zu done)", v.def->name,
					 i, n);
	lua_pushinteger(L, (lua_Integer)n);
	return 1;
}

static int m_info(lua_State *L)
{
	struct mapv v = check_map(L, 1);
	struct bpf_map_info info;
	lua_createtable(L, 0, 10);
	lua_pushstring(L, v.def->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, ox_map_type_name(v.im->type));
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, v.im->key_size);
	lua_setfield(L, -2, "key_size");
	lua_pushinteger(L, v.im->value_size);
	lua_setfield(L, -2, "value_size");
	lua_pushinteger(L, v.im->max_entries);
	lua_setfield(L, -2, "max_entries");
	lua_pushinteger(L, v.im->map_flags);
	lua_setfield(L, -2, "flags");
	lua_pushinteger(L, v.fd);
	lua_setfield(L, -2, "fd");
	if (v.im->pin) {
		lua_pushstring(L, v.im->pin);
		lua_setfield(L, -2, "pin");
		lua_pushboolean(L, v.im->reused);
		lua_setfield(L, -2, "reused");
	}
	if (ox_map_info(v.fd, &info) == 0) {
		lua_pushinteger(L, info.id);
		lua_setfield(L, -2, "id");
		if (info.btf_id) {
			lua_pushinteger(L, info.btf_id);
			lua_setfield(L, -2, "btf_id");
		}
	}
	return 1;
}

static int m_fd(lua_State *L)
{
	lua_pushinteger(L, check_map(L, 1).fd);
	return 1;
}

static int m_tostring(lua_State *L)
{
	struct oxl_map *m = luaL_checkudata(L, 1, OXL_MAP);
	int open = m->owner->inst && !m->owner->inst->closed;
	lua_pushfstring(L, "oxlua.map (%s%s)", open ? m->owner->inst->obj->maps[m->idx].name : "?",
			open ? "" : ", closed");
	return 1;
}

void oxl_open_map(lua_State *L)
{
	static const luaL_Reg meta[] = { { "__tostring", m_tostring }, { NULL, NULL } };
	static const luaL_Reg methods[] = {
		{ "get", m_get }, { "set", m_set }, { "delete", m_delete }, { "pairs", m_pairs },
		{ "dump", m_dump }, { "set_many", m_set_many }, { "info", m_info }, { "fd", m_fd },
		{ NULL, NULL }
	};
	oxl_newclass(L, OXL_MAP, meta, methods);
}
