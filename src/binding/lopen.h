/* lopen.h - the parts of oxlua.core, each registered by its own file: a
 * class's metatable (where it has one) and its functions, added to the
 * module table on top of the stack. Called by the entry (core.c) alone. */
#ifndef OXLUA_LOPEN_H
#define OXLUA_LOPEN_H

#include <lua.h>

void oxl_open_object(lua_State *L);	/* object; core.open, core.parse */
void oxl_open_instance(lua_State *L);	/* instance */
void oxl_open_map(lua_State *L);	/* map views */
void oxl_open_program(lua_State *L);	/* program views */
void oxl_open_attach(lua_State *L);	/* link; program:attach, map:attach, core.features
					 * (after map and program) */
void oxl_open_reader(lua_State *L);	/* reader; core.reader */
void oxl_open_loop(lua_State *L);	/* loop; core.loop */
void oxl_open_sock(lua_State *L);	/* socket; core.socketpair, core.packet_send */
void oxl_open_probe(lua_State *L);	/* core.probe_* */
void oxl_open_types(lua_State *L);	/* core.btf, core.btf_sanitize, core.kernel_type,
					 * core.kernel_offset */
void oxl_open_kernel(lua_State *L);	/* core.kernel_version, core.now, ... */
void oxl_open_files(lua_State *L);	/* core.stat, core.realpath, core.uids */

#endif
