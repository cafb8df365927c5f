/* lobject.c - a parsed object as Lua userdata: opening or parsing one
 * (core.open, core.parse), what it holds (info) and loading a chosen set of
 * its programs (load). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binding/lbtf.h"
#include "binding/lcore.h"
#include "binding/linst.h"
#include "binding/lobject.h"
#include "binding/lopen.h"
#include "object/section.h"

static struct oxl_object *check_object(lua_State *L)
{
	struct oxl_object *o = luaL_checkudata(L, 1, OXL_OBJECT);
	if (o->closed || !o->obj)
		luaL_error(L, "object is closed");
	return o;
}

/* A new object userdata, closed until the caller stores the parsed object. */
static struct oxl_object *new_object(lua_State *L)
{
	struct oxl_object *o = lua_newuserdatauv(L, sizeof *o, 0);
	o->obj = NULL;
	o->closed = 0;
	o->users = 0;
	luaL_setmetatable(L, OXL_OBJECT);
	return o;
}

static void free_object(struct oxl_object *o)
{
	ox_object_free(o->obj);
	o->obj = NULL;
}

void oxl_object_hold(struct oxl_object *o)
{
	o->users++;
}

void oxl_object_release(struct oxl_object *o)
{
	if (--o->users == 0 && o->closed)
		free_object(o);
}

/* object:close(), __close, __gc: idempotent; what was loaded from it keeps
 * the parsed object until it closes too. */
static int o_close(lua_State *L)
{
	struct oxl_object *o = luaL_checkudata(L, 1, OXL_OBJECT);
	o->closed = 1;
	if (!o->users)
		free_object(o);
	return 0;
}

static int o_tostring(lua_State *L)
{
	struct oxl_object *o = luaL_checkudata(L, 1, OXL_OBJECT);
	lua_pushfstring(L, "oxlua.object (%s)", o->obj && !o->closed ? o->obj->name : "closed");
	return 1;
}

/* core.open(path) -> object | nil, msg, errno */
static int l_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct oxl_object *o = new_object(L);
	struct ox_err err;
	if (!(o->obj = ox_object_open(path, &err)))
		return oxl_fail(L, &err);
	return 1;
}

/* core.parse(bytes[, name]) -> object | nil, msg, errno */
static int l_parse(lua_State *L)
{
	size_t len;
	const char *data = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "(memory)");
	struct oxl_object *o = new_object(L);
	struct ox_err err;
	if (!(o->obj = ox_object_parse(data, len, name, &err)))
		return oxl_fail(L, &err);
	return 1;
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static const char *map_kind(int kind)
{
	static const char *const names[] = { "user", "data", "rodata", "bss", "kconfig",
					     "struct_ops" };
	return names[kind];
}

static void push_type_str(lua_State *L, const struct ox_object *obj, uint32_t type)
{
	char buf[256];
	if (obj->btf && type)
		lua_pushstring(L, btf_type_str(obj->btf, type, buf, sizeof buf));
	else
		lua_pushnil(L);
}

/* object:info() -> { name, license, kversion, btf, programs, subprograms, maps, globals, externs } */
static int o_info(lua_State *L)
{
	struct ox_object *obj = check_object(L)->obj;
	int n = 0, s = 0;
	lua_newtable(L);
	set_str(L, "name", obj->name);
	set_str(L, "license", obj->license);
	set_int(L, "kversion", obj->kversion);
	set_int(L, "core_relos", obj->nr_core_relos);
	if (obj->btf) {
		lua_createtable(L, 0, 3);
		set_int(L, "types", btf_max_id(obj->btf));
		{
			size_t sz;
			btf_raw(obj->btf, &sz);
			set_int(L, "size", (lua_Integer)sz);
		}
		lua_pushboolean(L, obj->btf_ext != NULL);
		lua_setfield(L, -2, "ext");
		lua_setfield(L, -2, "btf");
	}
	lua_newtable(L);	/* programs */
	lua_newtable(L);	/* subprograms */
	for (uint32_t i = 0; i < obj->nr_funcs; i++) {
		const struct ox_func *f = &obj->funcs[i];
		lua_createtable(L, 0, 9);
		set_str(L, "name", f->name);
		set_str(L, "section", f->sec_name);
		set_int(L, "insns", f->cnt);
		if (f->is_prog) {
			set_str(L, "type", f->known ? ox_prog_type_name(f->def.prog_type) : "unknown");
			set_str(L, "attach_type", f->known && f->def.attach_type ?
				ox_attach_type_name(f->def.attach_type) : "");
			set_str(L, "kind", f->def.kind);
			set_str(L, "target", f->def.target);
			lua_pushboolean(L, f->autoload);
			lua_setfield(L, -2, "autoload");
			lua_rawseti(L, -3, ++n);
		} else {
			lua_rawseti(L, -2, ++s);
		}
	}
	lua_setfield(L, -3, "subprograms");
	lua_setfield(L, -2, "programs");
	lua_newtable(L);
	n = 0;
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		const struct ox_mapdef *m = &obj->maps[i];
		if (m->is_inner)
			continue;
		lua_createtable(L, 0, 12);
		set_str(L, "name", m->name);
		set_str(L, "type", ox_map_type_name(m->type));
		set_int(L, "key_size", m->key_size);
		set_int(L, "value_size", m->value_size);
		set_int(L, "max_entries", m->max_entries);
		set_int(L, "flags", m->map_flags);
		set_str(L, "kind", map_kind(m->kind));
		if (m->numa_node) set_int(L, "numa_node", m->numa_node);
		if (m->map_extra) set_int(L, "map_extra", (lua_Integer)m->map_extra);
		if (m->pinning) set_str(L, "pinning", "by_name");
		push_type_str(L, obj, m->btf_key);
		lua_setfield(L, -2, "key_type");
		push_type_str(L, obj, m->kind == OX_MAP_USER ? m->btf_value :
				  m->kind == OX_MAP_STRUCT_OPS ? m->def_type : 0);
		lua_setfield(L, -2, "value_type");
		if (m->inner >= 0) {
			const struct ox_mapdef *in = &obj->maps[m->inner];
			lua_createtable(L, 0, 4);
			set_str(L, "type", ox_map_type_name(in->type));
			set_int(L, "key_size", in->key_size);
			set_int(L, "value_size", in->value_size);
			set_int(L, "max_entries", in->max_entries);
			lua_setfield(L, -2, "inner");
		}
		if (m->nr_slots) {
			lua_createtable(L, 0, (int)m->nr_slots);
			for (uint32_t k = 0; k < m->nr_slots; k++) {
				lua_pushstring(L, m->slots[k].target);
				if (m->kind == OX_MAP_STRUCT_OPS)	/* by member name */
					lua_setfield(L, -2, btf_str(obj->btf, btf_members(
						btf_type_by_id(obj->btf, m->def_type))[m->slots[k].index].name_off));
				else
					lua_rawseti(L, -2, m->slots[k].index);
			}
			lua_setfield(L, -2, "slots");
		}
		lua_rawseti(L, -2, ++n);
	}
	lua_setfield(L, -2, "maps");
	lua_createtable(L, (int)obj->nr_globals, 0);
	for (uint32_t i = 0; i < obj->nr_globals; i++) {
		const struct ox_global *g = &obj->globals[i];
		lua_createtable(L, 0, 5);
		set_str(L, "name", g->name);
		set_str(L, "section", obj->maps[g->map].name);
		set_int(L, "offset", g->off);
		set_int(L, "size", g->size);
		push_type_str(L, obj, g->type);
		lua_setfield(L, -2, "type");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "globals");
	lua_createtable(L, (int)obj->nr_exts, 0);
	for (uint32_t i = 0; i < obj->nr_exts; i++) {
		const struct ox_extern *x = &obj->exts[i];
		lua_createtable(L, 0, 4);
		set_str(L, "name", x->name);
		set_str(L, "section", x->is_kconfig ? ".kconfig" : ".ksyms");
		lua_pushboolean(L, x->weak);
		lua_setfield(L, -2, "weak");
		push_type_str(L, obj, x->type);
		lua_setfield(L, -2, "type");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "externs");
	return 1;
}

/* ---- load ---- */

static uint32_t opt_u32(lua_State *L, int t, const char *k, unsigned *mask, unsigned bit)
{
	lua_Integer v;
	int ok;
	lua_getfield(L, t, k);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	v = lua_tointegerx(L, -1, &ok);
	if (!ok || v < 0 || v > UINT32_MAX)
		luaL_error(L, "map option '%s' must be an integer from 0 to 2^32-1", k);
	lua_pop(L, 1);
	*mask |= bit;
	return (uint32_t)v;
}

struct load_scratch {
	const char **progs;
	struct ox_map_opts *maps;
	struct ox_global_init *globals;
	uint8_t *gdata;
};

static int scratch_gc(lua_State *L)
{
	struct load_scratch *s = lua_touserdata(L, 1);
	free(s->progs);
	free(s->maps);
	free(s->globals);
	free(s->gdata);
	memset(s, 0, sizeof *s);
	return 0;
}

/* object:load{ programs = {names}, maps = {name = {...}}, globals = {name = value},
 *              pin_root =, kconfig =, log_level =, log_size =, btf =, btf_dir = }
 * -> instance | nil, message, errno, verifier log */
static int o_load(lua_State *L)
{
	struct oxl_object *o = check_object(L);
	struct ox_object *obj = o->obj;
	struct ox_load_opts opts;
	struct load_scratch *s;
	struct oxl_instance *ud;
	struct ox_err err;
	char *log = NULL;
	size_t n, gsize = 0;
	luaL_checktype(L, 2, LUA_TTABLE);
	memset(&opts, 0, sizeof opts);
	/* scratch memory owned by a userdata, so errors raised below free it */
	s = lua_newuserdatauv(L, sizeof *s, 0);
	memset(s, 0, sizeof *s);
	lua_newtable(L);
	lua_pushcfunction(L, scratch_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_insert(L, 3);	/* keep it at index 3 */

	lua_getfield(L, 2, "programs");
	n = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
	s->progs = calloc(n + 1, sizeof *s->progs);
	if (!s->progs)
		return luaL_error(L, "out of memory");
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, -1, (lua_Integer)i + 1);
		s->progs[i] = luaL_checkstring(L, -1);	/* anchored by the spec table */
		lua_pop(L, 1);
	}
	opts.progs = s->progs;
	opts.nr_progs = (uint32_t)n;
	lua_pop(L, 1);

	lua_getfield(L, 2, "maps");
	if (lua_istable(L, -1)) {
		int t = lua_gettop(L);
		for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
			struct ox_map_opts *mo;
			void *p = realloc(s->maps, (opts.nr_maps + 1) * sizeof *s->maps);
			if (!p)
				return luaL_error(L, "out of memory");
			s->maps = p;
			mo = &s->maps[opts.nr_maps++];
			memset(mo, 0, sizeof *mo);
			mo->name = luaL_checkstring(L, -2);
			luaL_checktype(L, -1, LUA_TTABLE);
			mo->max_entries = opt_u32(L, -1, "max_entries", &mo->mask, OX_MO_MAX_ENTRIES);
			mo->key_size = opt_u32(L, -1, "key_size", &mo->mask, OX_MO_KEY_SIZE);
			mo->value_size = opt_u32(L, -1, "value_size", &mo->mask, OX_MO_VALUE_SIZE);
			mo->map_flags = opt_u32(L, -1, "flags", &mo->mask, OX_MO_FLAGS);
			lua_getfield(L, -1, "type");
			if (!lua_isnil(L, -1)) {
				int ty = ox_map_type_from_name(luaL_checkstring(L, -1));
				if (ty < 0)
					return luaL_error(L, "map '%s': unknown map type '%s'", mo->name,
							  lua_tostring(L, -1));
				mo->type = (uint32_t)ty;
				mo->mask |= OX_MO_TYPE;
			}
			lua_pop(L, 1);
			lua_getfield(L, -1, "pin");
			mo->pin = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
			lua_pop(L, 1);
		}
		opts.maps = s->maps;
	}
	lua_pop(L, 1);

	lua_getfield(L, 2, "globals");
	if (lua_istable(L, -1)) {
		int t = lua_gettop(L);
		size_t off = 0;
		for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
			int g = ox_object_find_global(obj, luaL_checkstring(L, -2));
			if (g < 0)
				return luaL_error(L, "%s has no global variable '%s'", obj->name,
						  lua_tostring(L, -2));
			gsize += (obj->globals[g].size + 7) & ~7u;
			opts.nr_globals++;
		}
		s->globals = calloc(opts.nr_globals + 1, sizeof *s->globals);
		s->gdata = calloc(gsize + 1, 1);
		if (!s->globals || !s->gdata)
			return luaL_error(L, "out of memory");
		opts.nr_globals = 0;
		for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
			const char *name = lua_tostring(L, -2);
			int g = ox_object_find_global(obj, name);
			const struct ox_global *gl = &obj->globals[g];
			struct oxl_what w = { "global '%s'", name };
			if (obj->maps[gl->map].kind == OX_MAP_KCONFIG)
				return luaL_error(L, "global '%s' is a kconfig extern", name);
			oxl_encode(L, -1, obj, gl->type, gl->size, s->gdata + off, &w);
			s->globals[opts.nr_globals].global = g;
			s->globals[opts.nr_globals].data = s->gdata + off;
			opts.nr_globals++;
			off += (gl->size + 7) & ~7u;
		}
		opts.globals = s->globals;
	}
	lua_pop(L, 1);

	lua_getfield(L, 2, "pin_root");
	opts.pin_root = luaL_optstring(L, -1, NULL);
	lua_getfield(L, 2, "kconfig");
	opts.kconfig_path = luaL_optstring(L, -1, NULL);
	lua_getfield(L, 2, "log_level");
	opts.log_level = (uint32_t)luaL_optinteger(L, -1, 0);
	lua_getfield(L, 2, "log_size");
	opts.log_size = (uint32_t)luaL_optinteger(L, -1, 0);
	lua_getfield(L, 2, "btf");
	opts.btf_path = luaL_optstring(L, -1, NULL);
	lua_getfield(L, 2, "btf_dir");
	opts.sysfs_btf_dir = luaL_optstring(L, -1, NULL);
	lua_pop(L, 6);	/* strings stay anchored in the spec table */

	ud = lua_newuserdatauv(L, sizeof *ud, 1);
	ud->inst = NULL;
	ud->object = NULL;
	luaL_setmetatable(L, OXL_INSTANCE);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);	/* the instance keeps its object alive */
	ud->inst = ox_load(obj, &opts, &err, &log);
	if (ud->inst) {
		ud->object = o;
		oxl_object_hold(o);
	} else {
		oxl_fail(L, &err);
		if (log)
			lua_pushstring(L, log);
		else
			lua_pushnil(L);
		free(log);
		return 4;
	}
	return 1;
}

void oxl_open_object(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", o_close }, { "__close", o_close }, { "__tostring", o_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "info", o_info }, { "load", o_load }, { "close", o_close }, { NULL, NULL }
	};
	static const luaL_Reg funcs[] = { { "open", l_open }, { "parse", l_parse }, { NULL, NULL } };
	oxl_newclass(L, OXL_OBJECT, meta, methods);
	luaL_setfuncs(L, funcs, 0);
}
