/* preload.c - registering oxlua.core in a host's lua_State. */
#include <lauxlib.h>

#include "../../include/oxlua.h"

void oxlua_preload(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_oxlua_core);
	lua_setfield(L, -2, "oxlua.core");
	lua_pop(L, 1);
}
