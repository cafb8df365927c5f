/* core.c - the entry point of the C module oxlua.core: one table with every
 * part's functions, each part's class registered (lopen.h), and the
 * version. Everything else lives in the part's own file. */
#include "binding/lopen.h"
#include "../../include/oxlua.h"

#include <lauxlib.h>

int luaopen_oxlua_core(lua_State *L)
{
	luaL_checkversion(L);
	lua_createtable(L, 0, 40);
	oxl_open_object(L);
	oxl_open_instance(L);
	oxl_open_map(L);
	oxl_open_program(L);
	oxl_open_attach(L);	/* adds to the map and program classes */
	oxl_open_reader(L);
	oxl_open_loop(L);
	oxl_open_sock(L);
	oxl_open_probe(L);
	oxl_open_types(L);
	oxl_open_kernel(L);
	oxl_open_files(L);
	lua_pushstring(L, OXLUA_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
