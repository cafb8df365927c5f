/* lcore.h - the helpers every part of oxlua.core shares: failure results and
 * error messages, class registration (lresult.c), and the conversion of Lua
 * values to and from the bytes of map keys, values and globals (lvalue.c).
 * No policy here. */
#ifndef OXLUA_LCORE_H
#define OXLUA_LCORE_H

#include <stdint.h>
#include <lua.h>
#include <lauxlib.h>

#include "common.h"

struct ox_object;

/* ---- lresult.c ---- */

/* nil, message, errno. */
int oxl_fail(lua_State *L, const struct ox_err *e);
/* nil, "<fmt...>: ENAME (strerror)", e. */
int oxl_errno(lua_State *L, int e, const char *fmt, ...);
/* Message handler for lua_pcall: message plus traceback. */
int oxl_traceback(lua_State *L);
/* A class: its metatable `name` with meta, and methods as its __index. */
void oxl_newclass(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods);

/* ---- lvalue.c ---- */

/* Lua value <-> bytes of a map key/value (size bytes), by BTF type when there
 * is one, else integers for 1/2/4/8 bytes and byte strings. Maps and
 * programs (open ones) are stored as their fds. */
struct oxl_what { const char *fmt, *arg; };	/* "map '%s': key", name */
int oxl_encode(lua_State *L, int idx, const struct ox_object *obj, uint32_t type,
	       uint32_t size, void *out, const struct oxl_what *what);
void oxl_decode(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		uint32_t size);
/* For loops: how to decode (oxl_plain, once), then oxl_decode_as per value. */
int oxl_plain(const struct ox_object *obj, uint32_t type, uint32_t size);
void oxl_decode_as(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		   uint32_t size, int plain);

#endif
