/* main.c - the oxlua executable: a Lua 5.4 interpreter with oxlua built in.
 * Everything it does is in Lua (module oxlua_cli.main, lua/oxlua_cli/); this
 * file only sets up the state, the embedded modules and `arg`, and turns
 * errors into exit codes. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "../../include/oxlua.h"

struct oxlua_embedded { const char *name; const char *src; size_t len; };
extern const struct oxlua_embedded oxlua_embedded[];
int luaopen_oxlua_cli_editline(lua_State *L); /* editline.c, for the REPL */

static int load_embedded(lua_State *L)
{
	const struct oxlua_embedded *m = lua_touserdata(L, lua_upvalueindex(1));
	char chunk[256];
	snprintf(chunk, sizeof chunk, "=[oxlua] %s", m->name);
	if (luaL_loadbuffer(L, m->src, m->len, chunk) != LUA_OK)
		return lua_error(L);
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	return 1;
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static int run(lua_State *L)
{
	int argc = (int)lua_tointeger(L, 1);
	char **argv = lua_touserdata(L, 2);
	luaL_openlibs(L);
	oxlua_preload(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	for (const struct oxlua_embedded *m = oxlua_embedded; m->name; m++) {
		lua_pushlightuserdata(L, (void *)m);
		lua_pushcclosure(L, load_embedded, 1);
		lua_setfield(L, -2, m->name);
	}
	lua_pushcfunction(L, luaopen_oxlua_cli_editline);
	lua_setfield(L, -2, "oxlua_cli.editline");
	lua_pop(L, 1);
	lua_createtable(L, argc, 1);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_setglobal(L, "arg");
	lua_getglobal(L, "require");
	lua_pushliteral(L, "oxlua_cli.main");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "main");
	lua_getglobal(L, "arg");
	lua_call(L, 1, 1);
	return 1;
}

int main(int argc, char **argv)
{
	lua_State *L;
	int status, code;
	/* Loading reads and parses multi-megabyte files (the kernel's BTF) and
	 * frees them. glibc would raise its mmap threshold after such a free and
	 * keep later large buffers in a heap it never returns: a fixed threshold
	 * lets a long-running agent give that memory back. */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	L = luaL_newstate();
	if (!L) {
		fputs("oxlua: cannot create Lua state: out of memory\n", stderr);
		return 1;
	}
	lua_pushcfunction(L, traceback);
	lua_pushcfunction(L, run);
	lua_pushinteger(L, argc);
	lua_pushlightuserdata(L, argv);
	status = lua_pcall(L, 2, 1, 1);
	if (status != LUA_OK) {
		fprintf(stderr, "oxlua: %s\n", lua_tostring(L, -1));
		code = 1;
	} else {
		code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
	}
	lua_close(L);
	return code;
}
