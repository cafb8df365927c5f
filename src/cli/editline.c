/* editline.c - module oxlua_cli.editline: line editing and history for the
 * REPL, over libedit's readline interface (BSD licensed; never GNU readline).
 * Only the oxlua executable has it (main.c preloads it); the Lua module
 * core.so does not link libedit.
 *
 *   readline(prompt) -> line, or nil at end of input
 *   add_history(line)
 *   read_history(path) -> true, or nil, message, errno
 *   write_history(path [, max]) -> true, or nil, message, errno
 *                                  (max: keep only the last max entries)
 *   isatty(fd | file) -> boolean
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_oxlua_cli_editline(lua_State *L);

static int el_readline(lua_State *L)
{
	const char *prompt = luaL_optstring(L, 1, "");
	char *line;
	/* Output written by Lua (io.write) must appear before the prompt. */
	fflush(stdout);
	fflush(stderr);
	line = readline(prompt);
	if (!line) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushstring(L, line);
	free(line);
	return 1;
}

static int el_add_history(lua_State *L)
{
	add_history(luaL_checkstring(L, 1));
	return 0;
}

/* libedit returns 0 or an errno value (-1 when it has none). */
static int history_result(lua_State *L, int rc, const char *what, const char *path)
{
	if (rc == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	if (rc < 0)
		rc = EIO;
	lua_pushnil(L);
	lua_pushfstring(L, "%s %s: %s", what, path, strerror(rc));
	lua_pushinteger(L, rc);
	return 3;
}

static int el_read_history(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	errno = 0;
	return history_result(L, read_history(path), "cannot read history from", path);
}

static int el_write_history(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	if (!lua_isnoneornil(L, 2)) {
		lua_Integer max = luaL_checkinteger(L, 2);
		luaL_argcheck(L, max >= 0 && max <= 1000000, 2, "out of range");
		stifle_history((int)max);
	}
	errno = 0;
	return history_result(L, write_history(path), "cannot write history to", path);
}

static int el_isatty(lua_State *L)
{
	int fd;
	luaL_Stream *f = luaL_testudata(L, 1, LUA_FILEHANDLE);
	if (f) {
		luaL_argcheck(L, f->closef != NULL && f->f != NULL, 1, "file is closed");
		fd = fileno(f->f);
	} else {
		lua_Integer n = luaL_checkinteger(L, 1);
		luaL_argcheck(L, n >= 0 && n <= 1 << 30, 1, "not a file descriptor");
		fd = (int)n;
	}
	lua_pushboolean(L, isatty(fd));
	return 1;
}

int luaopen_oxlua_cli_editline(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "readline", el_readline },
		{ "add_history", el_add_history },
		{ "read_history", el_read_history },
		{ "write_history", el_write_history },
		{ "isatty", el_isatty },
		{ NULL, NULL },
	};
	/* "oxlua:" lines of ~/.editrc apply to the REPL only. */
	rl_readline_name = "oxlua";
	luaL_newlib(L, funcs);
	return 1;
}
