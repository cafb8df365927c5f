/* lprog.c - loaded programs from Lua: identity and BPF_PROG_TEST_RUN. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binding/lcore.h"
#include "binding/linst.h"
#include "binding/lopen.h"
#include "object/section.h"
#include "kernel/sys.h"


struct progv {
	const struct ox_func *f;
	struct ox_inst_prog *ip;
};

static struct progv check_prog(lua_State *L, int idx)
{
	struct oxl_program *p = luaL_checkudata(L, idx, OXL_PROGRAM);
	struct progv v;
	if (!p->owner->inst || p->owner->inst->closed || p->owner->inst->progs[p->idx].fd < 0)
		luaL_error(L, "program is closed");
	v.ip = &p->owner->inst->progs[p->idx];
	v.f = &p->owner->inst->obj->funcs[v.ip->func];
	return v;
}

/* prog:test_run{ data = bytes, ctx = bytes, ["repeat"] = n, data_size_out = n }
 * -> { retval =, data =, duration = (ns per run), ctx = } | nil, msg, errno */
static int p_test_run(lua_State *L)
{
	struct progv v = check_prog(L, 1);
	size_t dlen = 0, clen = 0, out_size;
	const char *data = NULL, *ctx = NULL;
	lua_Integer rep;
	struct ox_test_run_attr t;
	uint8_t *out, *ctx_out = NULL;
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TTABLE);
	else
		lua_newtable(L), lua_replace(L, 2);
	lua_getfield(L, 2, "data");
	data = luaL_optlstring(L, -1, NULL, &dlen);
	lua_getfield(L, 2, "ctx");
	ctx = luaL_optlstring(L, -1, NULL, &clen);
	lua_getfield(L, 2, "repeat");
	rep = luaL_optinteger(L, -1, 1);
	lua_getfield(L, 2, "data_size_out");
	out_size = (size_t)luaL_optinteger(L, -1, (lua_Integer)dlen + 512);
	if (rep < 0 || rep > UINT32_MAX)
		return luaL_error(L, "repeat must be from 0 to 2^32-1");
	out = lua_newuserdatauv(L, out_size ? out_size : 1, 0);
	if (ctx)
		ctx_out = lua_newuserdatauv(L, clen, 0);
	memset(&t, 0, sizeof t);
	t.prog_fd = v.ip->fd;
	t.data_in = data;
	t.data_size_in = (uint32_t)dlen;
	t.data_out = data ? out : NULL;
	t.data_size_out = data ? (uint32_t)out_size : 0;
	t.repeat = (uint32_t)rep;
	t.ctx_in = ctx;
	t.ctx_size_in = (uint32_t)clen;
	t.ctx_out = ctx_out;
	t.ctx_size_out = ctx ? (uint32_t)clen : 0;
	if (ox_prog_test_run(&t))
		return oxl_errno(L, errno, "program '%s' (%s): test run", v.f->name,
				 ox_prog_type_name(v.f->def.prog_type));
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, t.retval);
	lua_setfield(L, -2, "retval");
	lua_pushinteger(L, t.duration);
	lua_setfield(L, -2, "duration");
	if (data) {
		lua_pushlstring(L, (const char *)out,
				t.data_size_out < out_size ? t.data_size_out : out_size);
		lua_setfield(L, -2, "data");
	}
	if (ctx) {
		lua_pushlstring(L, (const char *)ctx_out,
				t.ctx_size_out < clen ? t.ctx_size_out : clen);
		lua_setfield(L, -2, "ctx");
	}
	return 1;
}

static int p_info(lua_State *L)
{
	struct progv v = check_prog(L, 1);
	struct bpf_prog_info info;
	lua_createtable(L, 0, 8);
	lua_pushstring(L, v.f->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, v.f->sec_name);
	lua_setfield(L, -2, "section");
	lua_pushstring(L, ox_prog_type_name(v.f->def.prog_type));
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, v.ip->insn_cnt);
	lua_setfield(L, -2, "insns");
	lua_pushinteger(L, v.ip->fd);
	lua_setfield(L, -2, "fd");
	if (ox_prog_info(v.ip->fd, &info) == 0) {
		lua_pushinteger(L, info.id);
		lua_setfield(L, -2, "id");
		lua_pushlstring(L, (const char *)info.tag, sizeof info.tag);
		lua_setfield(L, -2, "tag");
		if (info.btf_id) {
			lua_pushinteger(L, info.btf_id);
			lua_setfield(L, -2, "btf_id");
		}
	}
	return 1;
}

static int p_fd(lua_State *L)
{
	lua_pushinteger(L, check_prog(L, 1).ip->fd);
	return 1;
}

/* The verifier log of a successful load requested with log_level. */
static int p_log(lua_State *L)
{
	struct progv v = check_prog(L, 1);
	lua_pushstring(L, v.ip->log);
	return 1;
}

static int p_tostring(lua_State *L)
{
	struct oxl_program *p = luaL_checkudata(L, 1, OXL_PROGRAM);
	int open = p->owner->inst && !p->owner->inst->closed;
	lua_pushfstring(L, "oxlua.program (%s%s)",
			open ? p->owner->inst->obj->funcs[p->owner->inst->progs[p->idx].func].name : "?",
			open ? "" : ", closed");
	return 1;
}

void oxl_open_program(lua_State *L)
{
	static const luaL_Reg meta[] = { { "__tostring", p_tostring }, { NULL, NULL } };
	static const luaL_Reg methods[] = {
		{ "test_run", p_test_run }, { "info", p_info }, { "fd", p_fd }, { "log", p_log },
		{ NULL, NULL }
	};
	oxl_newclass(L, OXL_PROGRAM, meta, methods);
}
