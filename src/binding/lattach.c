/* lattach.c - attachments as userdata: program:attach(point, opts), and
 * map:attach() for a struct_ops map, return a link that owns what the
 * attach created. A link is created closed (detached) and opened by the
 * attach; :detach() (or :close()), __close and __gc all release it, once. */
#include <errno.h>
#include <string.h>

#include "binding/lcore.h"
#include "binding/linst.h"
#include "binding/lopen.h"
#include "attach/attach.h"

#define OXL_LINK "oxlua.link"
#define FEATURES_KEY "oxlua.features"

struct oxl_link { struct ox_attachment *a; };

/* The kernel features found so far, one set per Lua state. */
static struct ox_features *features(lua_State *L)
{
	struct ox_features *f;
	if (lua_getfield(L, LUA_REGISTRYINDEX, FEATURES_KEY) == LUA_TUSERDATA) {
		f = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return f;
	}
	lua_pop(L, 1);
	f = lua_newuserdatauv(L, sizeof *f, 0);
	ox_features_init(f);
	lua_setfield(L, LUA_REGISTRYINDEX, FEATURES_KEY);
	return f;
}

static int opt_int(lua_State *L, int t, const char *k, int def)
{
	int v;
	lua_getfield(L, t, k);
	v = (int)luaL_optinteger(L, -1, def);
	lua_pop(L, 1);
	return v;
}

/* program:attach(point[, { pid =, maxactive =, xdp_mode =, legacy =, cookie = }])
 * -> link | nil, message, errno */
static int p_attach(lua_State *L)
{
	struct oxl_program *p = luaL_checkudata(L, 1, OXL_PROGRAM);
	const char *point = luaL_checkstring(L, 2);
	struct ox_attach_opts o;
	struct ox_err err;
	struct oxl_link *ud;
	const struct ox_func *f;
	int fd;
	if (!p->owner->inst || p->owner->inst->closed || p->owner->inst->progs[p->idx].fd < 0)
		return luaL_error(L, "program is closed");
	fd = p->owner->inst->progs[p->idx].fd;
	f = &p->owner->inst->obj->funcs[p->owner->inst->progs[p->idx].func];
	memset(&o, 0, sizeof o);
	o.attach_type = f->def.attach_type;
	o.prog_name = f->name;
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		o.pid = opt_int(L, 3, "pid", 0);
		o.maxactive = opt_int(L, 3, "maxactive", 0);
		lua_getfield(L, 3, "legacy");
		o.legacy = lua_toboolean(L, -1);
		lua_getfield(L, 3, "cookie");
		o.cookie = (uint64_t)luaL_optinteger(L, -1, 0);
		lua_getfield(L, 3, "xdp_mode");
		o.xdp_mode = luaL_optstring(L, -1, NULL);	/* anchored in the options table */
		lua_pop(L, 3);
	}
	ud = lua_newuserdatauv(L, sizeof *ud, 1);
	ud->a = NULL;
	luaL_setmetatable(L, OXL_LINK);
	lua_pushvalue(L, 1);	/* the program (and so its instance) outlives the link */
	lua_setiuservalue(L, -2, 1);
	if (!(ud->a = ox_attach(fd, point, &o, features(L), &err)))
		return oxl_fail(L, &err);
	return 1;
}

/* map:attach() -> link | nil, message, errno: registers a struct_ops map
 * (with the programs of its members that the version loaded). */
static int m_attach(lua_State *L)
{
	struct oxl_map *m = luaL_checkudata(L, 1, OXL_MAP);
	const struct ox_inst_map *im;
	const struct ox_mapdef *d;
	struct oxl_link *ud;
	struct ox_err err;
	if (!m->owner->inst || m->owner->inst->closed || m->owner->inst->maps[m->idx].fd < 0)
		return luaL_error(L, "map is closed");
	im = &m->owner->inst->maps[m->idx];
	d = &m->owner->inst->obj->maps[m->idx];
	if (d->kind != OX_MAP_STRUCT_OPS || !im->st.value)
		return luaL_error(L, "map '%s' is not a struct_ops map: only those attach", d->name);
	ud = lua_newuserdatauv(L, sizeof *ud, 1);
	ud->a = NULL;
	luaL_setmetatable(L, OXL_LINK);
	lua_pushvalue(L, 1);	/* the map (and so its instance) outlives the link */
	lua_setiuservalue(L, -2, 1);
	if (!(ud->a = ox_attach_struct_ops(im->fd, im->st.value, (im->map_flags & OX_F_LINK) != 0,
					   d->name, &err)))
		return oxl_fail(L, &err);
	return 1;
}

/* link:detach(), link:close(), __close, __gc */
static int k_detach(lua_State *L)
{
	struct oxl_link *ud = luaL_checkudata(L, 1, OXL_LINK);
	ox_attachment_free(ud->a);
	ud->a = NULL;
	return 0;
}

static int k_info(lua_State *L)
{
	struct oxl_link *ud = luaL_checkudata(L, 1, OXL_LINK);
	if (!ud->a)
		return luaL_error(L, "link is closed (detached)");
	lua_createtable(L, 0, 4);
	lua_pushstring(L, ud->a->point);
	lua_setfield(L, -2, "point");
	lua_pushstring(L, ox_attach_how_name(ud->a->how));
	lua_setfield(L, -2, "how");
	lua_pushinteger(L, ud->a->nr_fds);
	lua_setfield(L, -2, "fds");
	if (ud->a->has_ev) {
		lua_pushstring(L, ud->a->ev.name);
		lua_setfield(L, -2, "tracefs_event");
	}
	return 1;
}

static int k_detached(lua_State *L)
{
	struct oxl_link *ud = luaL_checkudata(L, 1, OXL_LINK);
	lua_pushboolean(L, ud->a == NULL);
	return 1;
}

static int k_tostring(lua_State *L)
{
	struct oxl_link *ud = luaL_checkudata(L, 1, OXL_LINK);
	lua_pushfstring(L, "oxlua.link (%s)", ud->a ? ud->a->point : "detached");
	return 1;
}

/* core.features() -> what attaching has found out so far */
static int l_features(lua_State *L)
{
	struct ox_features *f = features(L);
	lua_createtable(L, 0, 6);
#define F(name) lua_pushinteger(L, f->name); lua_setfield(L, -2, #name);
	F(perf_link) F(tcx) F(xdp_link) F(cgroup_link) F(kprobe_pmu) F(uprobe_pmu)
#undef F
	return 1;
}

void oxl_open_attach(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", k_detach }, { "__close", k_detach }, { "__tostring", k_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "detach", k_detach }, { "close", k_detach }, { "info", k_info },
		{ "detached", k_detached }, { NULL, NULL }
	};
	oxl_newclass(L, OXL_LINK, meta, methods);
	/* program:attach lives in the program's method table */
	luaL_getmetatable(L, OXL_PROGRAM);
	lua_getfield(L, -1, "__index");
	lua_pushcfunction(L, p_attach);
	lua_setfield(L, -2, "attach");
	lua_pop(L, 2);
	/* and map:attach, for struct_ops maps, in the map's */
	luaL_getmetatable(L, OXL_MAP);
	lua_getfield(L, -1, "__index");
	lua_pushcfunction(L, m_attach);
	lua_setfield(L, -2, "attach");
	lua_pop(L, 2);
	lua_pushcfunction(L, l_features);
	lua_setfield(L, -2, "features");
}
