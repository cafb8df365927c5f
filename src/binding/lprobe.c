/* lprobe.c - feature probes for Lua: core.probe_prog_type(name),
 * core.probe_map_type(name), core.probe_helper(prog_type, id),
 * core.probe_fentry(function). Each returns true, false, or nil, errno-name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binding/lcore.h"
#include "binding/lopen.h"
#include "btf/btf.h"
#include "kernel/probe.h"
#include "object/section.h"

static int result(lua_State *L, int r)
{
	if (r >= 0) {
		lua_pushboolean(L, r);
		return 1;
	}
	luaL_pushfail(L);
	lua_pushstring(L, ox_errno_name(-r));
	return 2;
}

static int l_prog_type(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	int t = ox_prog_type_from_name(name);
	if (t < 0)
		return luaL_error(L, "unknown program type '%s'", name);
	return result(L, ox_probe_prog_type((uint32_t)t, (uint32_t)luaL_optinteger(L, 2, 0)));
}

static int l_map_type(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	int t = ox_map_type_from_name(name);
	if (t < 0)
		return luaL_error(L, "unknown map type '%s'", name);
	return result(L, ox_probe_map_type((uint32_t)t));
}

static int l_helper(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	int t = ox_prog_type_from_name(name);
	if (t < 0)
		return luaL_error(L, "unknown program type '%s'", name);
	return result(L, ox_probe_helper((uint32_t)t, (uint32_t)luaL_checkinteger(L, 2)));
}

static int l_fentry(lua_State *L)
{
	const char *fn = luaL_checkstring(L, 1);
	struct ox_blob blob;
	struct ox_err err;
	struct btf *btf;
	uint32_t id;
	if (ox_read_file("/sys/kernel/btf/vmlinux", &blob, &err))
		return result(L, -(err.errnum ? err.errnum : ENOENT));
	btf = btf_parse(blob.data, blob.size, &err);
	free(blob.data);
	if (!btf)
		return result(L, -EINVAL);
	id = btf_find(btf, fn, BTF_KIND_FUNC);
	btf_free(btf);
	if (!id)
		return result(L, -ENOENT);
	return result(L, ox_probe_fentry(id) == 1 ? 1 : ox_probe_fentry(id));
}

void oxl_open_probe(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "probe_prog_type", l_prog_type }, { "probe_map_type", l_map_type },
		{ "probe_helper", l_helper }, { "probe_fentry", l_fentry }, { NULL, NULL }
	};
	luaL_setfuncs(L, funcs, 0);
}
