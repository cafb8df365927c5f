/* oxlua.h - embedding oxlua in a C host.
 *
 * oxlua is a Lua 5.4 module. A host that owns a lua_State makes it available
 * with oxlua_preload() and then runs Lua that does `require "oxlua"`:
 *
 *     lua_State *L = luaL_newstate();
 *     luaL_openlibs(L);
 *     oxlua_preload(L);                 // package.preload["oxlua.core"]
 *     luaL_dostring(L, "local ox = require 'oxlua' ...");
 *
 * The Lua half of the module (the files under lua/oxlua/) must be on package.path, or
 * be installed where Lua 5.4 looks for modules. Link with liboxlua.a plus
 * -lelf -lz (pkg-config --libs oxlua).
 */
#ifndef OXLUA_H
#define OXLUA_H

#ifdef __cplusplus
extern "C" {
#endif

#include <lua.h>

#define OXLUA_VERSION "0.1.0"

/* The C module's entry point (what `require "oxlua.core"` calls). */
int luaopen_oxlua_core(lua_State *L);

/* Register luaopen_oxlua_core in package.preload["oxlua.core"]. */
void oxlua_preload(lua_State *L);

#ifdef __cplusplus
}
#endif

#endif
