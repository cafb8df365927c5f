/* fuzz_decode.c - libFuzzer target: decoding bytes into Lua values by a BTF
 * type, the way events and map values are decoded (src/binding/lbtf.c, and the
 * compiled plans of src/binding/lbtfplan.c), and encoding the value back.
 *
 * Input: u32 N, N bytes of BTF, u32 type id (taken modulo the BTF's ids),
 * then the data. The data sits in a buffer of its exact size, so any read
 * past it is caught. Besides the sanitizers the harness checks that a
 * compiled plan gives the same value as the type walk. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "binding/lbtf.h"

#define CHECK(cond, ...) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_decode: invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
	abort(); } } while (0)

static lua_State *L;	/* one interpreter for the run */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	L = luaL_newstate();
	return L ? 0 : -1;
}

/* Deep equality of two decoded values (NaN equals NaN). */
static int same(int a, int b, int depth)
{
	a = lua_absindex(L, a), b = lua_absindex(L, b);
	if (lua_type(L, a) != lua_type(L, b))
		return 0;
	switch (lua_type(L, a)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, a) != lua_isinteger(L, b))
			return 0;
		if (!lua_isinteger(L, a) && isnan(lua_tonumber(L, a)))
			return isnan(lua_tonumber(L, b));
		return lua_rawequal(L, a, b);
	case LUA_TTABLE: {
		int ok = depth < 64;
		lua_pushnil(L);
		while (ok && lua_next(L, a)) {	/* every key of a, equal in b */
			lua_pushvalue(L, -2);
			lua_rawget(L, b);
			ok = same(-2, -1, depth + 1);
			lua_pop(L, 2);
		}
		if (!ok) {
			lua_pop(L, 1);
			return 0;
		}
		lua_pushnil(L);
		while (lua_next(L, b)) {	/* and no key of b missing from a */
			lua_pushvalue(L, -2);
			lua_rawget(L, a);
			ok = !lua_isnil(L, -1);
			lua_pop(L, 2);
			if (!ok) {
				lua_pop(L, 1);
				return 0;
			}
		}
		return 1;
	}
	default:
		return lua_rawequal(L, a, b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ox_err err;
	struct btf *btf;
	struct oxl_plan *plan;
	uint32_t n, id;
	uint8_t *buf;
	int64_t tsz;
	if (!L || size < 8)
		return 0;
	memcpy(&n, data, 4);
	data += 4, size -= 4;
	if (n > size - 4)
		n = (uint32_t)(size - 4);
	if (!(btf = btf_parse(data, n, &err)))
		return 0;
	memcpy(&id, data + n, 4);
	id %= btf_max_id(btf) + 1;
	data += n + 4, size -= n + 4;
	if (!(buf = malloc(size ? size : 1))) {
		btf_free(btf);
		return 0;
	}
	memcpy(buf, data, size);
	lua_settop(L, 0);
	oxl_btf_push(L, btf, id, buf, size);
	tsz = btf_size(btf, id);
	if (tsz > 0 && tsz <= (1 << 20)) {	/* the value back into bytes */
		uint8_t *out = calloc(1, (size_t)tsz);
		char msg[256];
		if (out) {
			(void)oxl_btf_encode(L, 1, btf, id, out, (size_t)tsz, msg, sizeof msg);
			free(out);
		}
	}
	if ((plan = oxl_plan_compile(btf, id))) {
		uint32_t psz = oxl_plan_size(plan);
		CHECK(tsz == psz, "plan size %u, type size %lld", psz, (long long)tsz);
		if (size >= psz) {	/* as an event of exactly the type's size */
			uint8_t *ev = malloc(psz ? psz : 1);
			if (ev) {
				memcpy(ev, buf, psz);
				lua_settop(L, 0);
				oxl_btf_push(L, btf, id, ev, psz);
				oxl_plan_push(L, plan, ev);
				CHECK(same(1, 2, 0), "type %u: the plan's value differs from the type walk's", id);
				free(ev);
			}
		}
		oxl_plan_free(plan);
	}
	lua_settop(L, 0);
	lua_gc(L, LUA_GCCOLLECT);
	free(buf);
	btf_free(btf);
	return 0;
}
