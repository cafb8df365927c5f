/* lresult.c - the conventions every part of oxlua.core follows: kernel and
 * OS failures return nil, message, errno (liolib's luaL_fileresult shape);
 * Lua callbacks run under a message handler that adds a traceback; a class
 * is a metatable whose __index holds its methods. */
#include <stdio.h>
#include <string.h>

#include "binding/lcore.h"

int oxl_fail(lua_State *L, const struct ox_err *e)
{
	luaL_pushfail(L);
	lua_pushstring(L, e->msg);
	lua_pushinteger(L, e->errnum);
	return 3;
}

int oxl_errno(lua_State *L, int e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	luaL_pushfail(L);
	lua_pushfstring(L, "%s: %s (%s)", buf, ox_errno_name(e), strerror(e));
	lua_pushinteger(L, e);
	return 3;
}

/* Message handler for lua_pcall: the message (or what the error object is)
 * with a traceback. */
int oxl_traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

void oxl_newclass(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods)
{
	luaL_newmetatable(L, name);
	luaL_setfuncs(L, meta, 0);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}
