/* lcore.h - shared pieces of the oxlua.core bindings. No policy here. */
#ifndef OXLUA_LCORE_H
#define OXLUA_LCORE_H

#include <lua.h>
#include <lauxlib.h>

#include "common.h"
#include "load/load.h"
#include "object/object.h"

#define OXL_OBJECT   "oxlua.object"
#define OXL_INSTANCE "oxlua.instance"
#define OXL_MAP      "oxlua.map"
#define OXL_PROGRAM  "oxlua.program"

struct oxl_object { struct ox_object *obj; };
struct oxl_instance { struct ox_instance *inst; };
/* Views into an instance; the instance userdata is their user value. */
struct oxl_map { struct oxl_instance *owner; int idx; };
struct oxl_program { struct oxl_instance *owner; int idx; };

/* nil, message, errno (and the extra value at `extra` if non-zero). */
int oxl_fail(lua_State *L, const struct ox_err *e);
int oxl_errno(lua_State *L, int e, const char *fmt, ...);

void oxl_open_object(lua_State *L);
void oxl_open_instance(lua_State *L);
void oxl_open_map(lua_State *L);
void oxl_open_program(lua_State *L);
void oxl_open_attach(lua_State *L);
void oxl_open_sock(lua_State *L);	/* adds functions to the table on top */
void oxl_open_probe(lua_State *L);	/* likewise */
void oxl_open_loop(lua_State *L);
int oxl_loop_new(lua_State *L);
int oxl_features_fn(lua_State *L);

/* Push a map / program view of the instance at index `owner`. */
void oxl_push_view(lua_State *L, int owner, int idx, const char *tname);
#define oxl_push_map(L, owner, idx) oxl_push_view(L, owner, idx, OXL_MAP)
#define oxl_push_program(L, owner, idx) oxl_push_view(L, owner, idx, OXL_PROGRAM)

/* Lua value <-> bytes of a map key/value (size bytes), by BTF type when there
 * is one, else integers for 1/2/4/8 bytes and byte strings. */
struct oxl_what { const char *fmt, *arg; };	/* "map '%s': key", name */
int oxl_encode(lua_State *L, int idx, const struct ox_object *obj, uint32_t type,
	       uint32_t size, void *out, const struct oxl_what *what);
void oxl_decode(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		uint32_t size);
/* For loops: how to decode (oxl_plain, once), then oxl_decode_as per value. */
int oxl_plain(const struct ox_object *obj, uint32_t type, uint32_t size);
void oxl_decode_as(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		   uint32_t size, int plain);

/* Message handler for lua_pcall: message plus traceback. */
int oxl_traceback(lua_State *L);

/* Register functions in the table on top: the methods table idiom. */
void oxl_newclass(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods);

#endif
