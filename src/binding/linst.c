/* linst.c - a loaded instance (a version's maps and programs) as userdata.
 * It owns every fd; maps and programs handed to Lua are views of it, and
 * raise once it is closed. Instances are made by object:load (lobject.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binding/lbtf.h"
#include "binding/lcore.h"
#include "binding/linst.h"
#include "binding/lobject.h"
#include "binding/lopen.h"
#include "kernel/sys.h"

static struct oxl_instance *check_inst(lua_State *L)
{
	struct oxl_instance *ud = luaL_checkudata(L, 1, OXL_INSTANCE);
	if (!ud->inst)
		luaL_error(L, "instance is closed");
	return ud;
}

/* inst:close(), __close, __gc: every fd closed, the memory freed, the
 * object let go; idempotent. */
static int i_close(lua_State *L)
{
	struct oxl_instance *ud = luaL_checkudata(L, 1, OXL_INSTANCE);
	ox_instance_free(ud->inst);	/* it reads the object: before the release */
	ud->inst = NULL;
	if (ud->object)
		oxl_object_release(ud->object);
	ud->object = NULL;
	return 0;
}

static int i_closed(lua_State *L)
{
	struct oxl_instance *ud = luaL_checkudata(L, 1, OXL_INSTANCE);
	lua_pushboolean(L, !ud->inst);
	return 1;
}

static int i_program(lua_State *L)
{
	struct oxl_instance *ud = check_inst(L);
	int p = ox_inst_find_prog(ud->inst, luaL_checkstring(L, 2));
	if (p < 0)
		return 0;
	oxl_push_program(L, 1, p);
	return 1;
}

static int i_map(lua_State *L)
{
	struct oxl_instance *ud = check_inst(L);
	int m = ox_object_find_map(ud->inst->obj, luaL_checkstring(L, 2));
	if (m < 0 || ud->inst->maps[m].fd < 0)
		return 0;
	oxl_push_map(L, 1, m);
	return 1;
}

/* instance:programs() / instance:maps(): names of what was loaded/created. */
static int i_programs(lua_State *L)
{
	struct oxl_instance *ud = check_inst(L);
	lua_createtable(L, (int)ud->inst->nr_progs, 0);
	for (uint32_t i = 0; i < ud->inst->nr_progs; i++) {
		lua_pushstring(L, ud->inst->obj->funcs[ud->inst->progs[i].func].name);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int i_maps(lua_State *L)
{
	struct oxl_instance *ud = check_inst(L);
	int n = 0;
	lua_newtable(L);
	for (uint32_t i = 0; i < ud->inst->obj->nr_maps; i++)
		if (ud->inst->maps[i].fd >= 0) {
			lua_pushstring(L, ud->inst->obj->maps[i].name);
			lua_rawseti(L, -2, ++n);
		}
	return 1;
}

/* The data map and global for `name`, raising when there is none. */
static const struct ox_global *find_global(lua_State *L, struct ox_instance *inst,
					   const char *name, int *fd)
{
	int g = ox_object_find_global(inst->obj, name);
	const struct ox_global *gl;
	if (g < 0)
		luaL_error(L, "%s has no global variable '%s'", inst->obj->name, name);
	gl = &inst->obj->globals[g];
	*fd = inst->maps[gl->map].fd;
	return gl;
}

/* instance:global(name) -> value | nil, msg, errno (its section's map not created). */
static int i_global(lua_State *L)
{
	struct oxl_instance *ud = check_inst(L);
	const char *name = luaL_checkstring(L, 2);
	int fd;
	const struct ox_global *g = find_global(L, ud->inst, name, &fd);
	const struct ox_mapdef *d = &ud->inst->obj->maps[g->map];
	uint32_t zero = 0;
	uint8_t *buf;
	if (fd < 0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "global '%s': section %s is not used by the loaded programs",
				name, d->name);
		return 2;
	}
	buf = malloc(ud->inst->maps[g->map].value_size);
	if (!buf)
		return luaL_error(L, "out of memory");
	if (ox_map_lookup(fd, &zero, buf, 0)) {
		int e = errno;
		free(buf);
		return oxl_errno(L, e, "global '%s': reading %s", name, d->name);
	}
	lua_pushlstring(L, (const char *)buf + g->off, g->size);	/* copy, then decode */
	free(buf);
	oxl_decode(L, ud->inst->obj, g->type, lua_tostring(L, -1), g->size);
	return 1;
}

/* instance:set_global(name, value) -> true | nil, msg, errno. Only .data/.bss. */
static int i_set_global(lua_State *L)
{
	struct oxl_instance *ud = check_inst(L);
	const char *name = luaL_checkstring(L, 2);
	int fd;
	const struct ox_global *g = find_global(L, ud->inst, name, &fd);
	const struct ox_mapdef *d = &ud->inst->obj->maps[g->map];
	uint32_t zero = 0, vsize = ud->inst->maps[g->map].value_size;
	struct oxl_what w = { "global '%s'", name };
	uint8_t *buf;
	luaL_checkany(L, 3);
	if (d->kind != OX_MAP_DATA && d->kind != OX_MAP_BSS)
		return luaL_error(L, "global '%s' is in %s, read-only once loaded (set it in the "
				  "version's globals)", name, d->name);
	if (fd < 0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "global '%s': section %s is not used by the loaded programs",
				name, d->name);
		return 2;
	}
	buf = lua_newuserdatauv(L, vsize, 0);	/* freed by the GC even if encode raises */
	if (ox_map_lookup(fd, &zero, buf, 0))
		return oxl_errno(L, errno, "global '%s': reading %s", name, d->name);
	oxl_encode(L, 3, ud->inst->obj, g->type, g->size, buf + g->off, &w);
	if (ox_map_update(fd, &zero, buf, 0))
		return oxl_errno(L, errno, "global '%s': writing %s", name, d->name);
	lua_pushboolean(L, 1);
	return 1;
}

static int i_tostring(lua_State *L)
{
	struct oxl_instance *ud = luaL_checkudata(L, 1, OXL_INSTANCE);
	lua_pushfstring(L, "oxlua.instance (%s)", ud->inst ? ud->inst->obj->name : "closed");
	return 1;
}

/* A view (map or program) of the instance at index owner; the instance is
 * its user value, so it lives as long as any view. */
void oxl_push_view(lua_State *L, int owner, int idx, const char *tname)
{
	struct oxl_map *v;	/* struct oxl_program has the same layout */
	owner = lua_absindex(L, owner);
	v = lua_newuserdatauv(L, sizeof *v, 1);
	v->owner = lua_touserdata(L, owner);
	v->idx = idx;
	luaL_setmetatable(L, tname);
	lua_pushvalue(L, owner);
	lua_setiuservalue(L, -2, 1);
}

void oxl_open_instance(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", i_close }, { "__close", i_close }, { "__tostring", i_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "close", i_close }, { "closed", i_closed }, { "program", i_program },
		{ "map", i_map }, { "programs", i_programs }, { "maps", i_maps },
		{ "global", i_global }, { "set_global", i_set_global }, { NULL, NULL }
	};
	oxl_newclass(L, OXL_INSTANCE, meta, methods);
}
