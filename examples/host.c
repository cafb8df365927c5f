/* host.c - a C program that embeds oxlua in its own Lua state.
 *
 *   host OBJECT.bpf.o [LUA_DIR]
 *
 * Parses OBJECT with ox.blueprint (no kernel calls, so no root needed) and
 * prints one line per program, sorted by name: "program NAME TYPE".
 * LUA_DIR is where the Lua half of oxlua lives (the directory holding
 * oxlua/init.lua): the second argument, else $OXLUA_LUA_DIR, else ./lua.
 *
 * Exit codes: 0 success, 1 the object could not be parsed, 2 usage error.
 *
 * Build: cc -std=c99 host.c $(pkg-config --cflags --libs oxlua lua5.4)
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <oxlua.h>

/* The policy half of the program: plain Lua, given the object's path.
 * It returns true, or nil and a message; errors it raises are bugs. */
static const char list_programs[] =
	"local path = ...\n"
	"local ox = require 'oxlua'\n"
	"local bp, err = ox.blueprint(path)\n"
	"if not bp then return nil, err end\n"
	"local names = {}\n"
	"for name in pairs(bp.programs) do names[#names + 1] = name end\n"
	"table.sort(names)\n"
	"for _, name in ipairs(names) do\n"
	"  print(('program %s %s'):format(name, bp.programs[name].type))\n"
	"end\n"
	"return true\n";

/* Put DIR/?.lua and DIR/?/init.lua in front of package.path. */
static void add_lua_dir(lua_State *L, const char *dir)
{
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, lua_tostring(L, -1));
	lua_setfield(L, -3, "path");
	lua_pop(L, 2);
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int main(int argc, char **argv)
{
	const char *dir;
	lua_State *L;
	int status, code = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s OBJECT.bpf.o [LUA_DIR]\n", argv[0]);
		return 2;
	}
	dir = argc > 2 ? argv[2] : getenv("OXLUA_LUA_DIR");
	if (!dir || !*dir)
		dir = "./lua";

	L = luaL_newstate();
	if (!L) {
		fputs("host: cannot create a Lua state\n", stderr);
		return 1;
	}
	luaL_openlibs(L);
	oxlua_preload(L);	/* require "oxlua.core" now finds the linked-in module */
	add_lua_dir(L, dir);	/* and require "oxlua" the Lua files */

	lua_pushcfunction(L, traceback);
	status = luaL_loadbuffer(L, list_programs, sizeof list_programs - 1, "=host");
	if (status == LUA_OK) {
		lua_pushstring(L, argv[1]);
		status = lua_pcall(L, 1, 2, 1);
	}
	if (status != LUA_OK) {
		fprintf(stderr, "host: %s\n", lua_tostring(L, -1));
		code = 1;
	} else if (!lua_toboolean(L, -2)) {
		fprintf(stderr, "host: %s\n", lua_tostring(L, -1));
		code = 1;
	}
	lua_close(L);
	return code;
}
