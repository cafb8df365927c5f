/* lloop.c - the event loop from Lua: the loop core (events/loop.c) with
 * readers as its sources and Lua functions as its timers. Every call into
 * Lua from the core runs under pcall: handler and timer errors are reported
 * and the loop goes on; any other error is raised by loop:poll once the
 * core has returned.
 *
 * The loop is created closed and opened by core.loop; close (also __close,
 * __gc) is idempotent, and from a callback of loop:poll it waits for the
 * poll to end. User values: 1 readers (lightuserdata address -> reader),
 * 2 timers (id -> function). */
#include <limits.h>
#include <stdio.h>

#include "binding/lcore.h"
#include "binding/lopen.h"
#include "binding/lreader.h"
#include "events/loop.h"

#define OXL_LOOP "oxlua.loop"

struct oxl_loop { struct ox_loop *lp; };

static struct ox_loop *check_loop(lua_State *L)
{
	struct oxl_loop *ud = luaL_checkudata(L, 1, OXL_LOOP);
	if (!ud->lp)
		luaL_error(L, "loop is closed");
	return ud->lp;
}

/* core.loop() -> loop | nil, msg, errno */
static int l_loop(lua_State *L)
{
	struct oxl_loop *ud = lua_newuserdatauv(L, sizeof *ud, 2);
	struct ox_err err;
	ud->lp = NULL;
	luaL_setmetatable(L, OXL_LOOP);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 2);
	if (!(ud->lp = ox_loop_new(&err)))
		return oxl_fail(L, &err);
	return 1;
}

/* loop:close(), __close, __gc: its readers leave it (they stay open). */
static int lp_close(lua_State *L)
{
	struct oxl_loop *ud = luaL_checkudata(L, 1, OXL_LOOP);
	ox_loop_free(ud->lp);
	ud->lp = NULL;
	return 0;
}

/* ---- polling: the core's callbacks ---- */

struct poll_ctx {
	lua_State *L;
	int readers, timers, msgh;	/* stack slots */
	int error;			/* slot of the first error not a handler's */
	int failed;
};

/* Under pcall: (address, readers) -> records delivered */
static int ready_body(lua_State *L)
{
	int n = 0;
	lua_pushvalue(L, 1);
	if (lua_rawget(L, 2) == LUA_TUSERDATA)
		n = oxl_reader_ready(L, -1);
	lua_pushinteger(L, n);
	return 1;
}

static int on_ready(struct ox_source *src, void *arg)
{
	struct poll_ctx *c = arg;
	lua_State *L = c->L;
	int n = 0;
	if (c->failed)
		return 0;
	lua_pushcfunction(L, ready_body);
	lua_pushlightuserdata(L, src->data);
	lua_pushvalue(L, c->readers);
	if (lua_pcall(L, 2, 1, c->msgh) != LUA_OK) {
		lua_replace(L, c->error);
		c->failed = 1;
		return 0;
	}
	n = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	return n;
}

/* Under pcall: (id, timers, message handler) */
static int timer_body(lua_State *L)
{
	lua_pushvalue(L, 1);
	if (lua_rawget(L, 2) != LUA_TFUNCTION)	/* cancelled by an earlier timer */
		return 0;
	if (lua_pcall(L, 0, 0, 3) != LUA_OK)
		fprintf(stderr, "oxlua: timer failed: %s\n", lua_tostring(L, -1));
	return 0;
}

static void on_timer(void *arg, int id)
{
	struct poll_ctx *c = arg;
	lua_State *L = c->L;
	if (c->failed)
		return;
	lua_pushcfunction(L, timer_body);
	lua_pushinteger(L, id);
	lua_pushvalue(L, c->timers);
	lua_pushvalue(L, c->msgh);
	if (lua_pcall(L, 3, 0, c->msgh) != LUA_OK) {
		lua_replace(L, c->error);
		c->failed = 1;
	}
}

/* loop:poll([ms]) -> events handled. ms < 0 or nil: wait for the first
 * wakeup; 0: never block. */
static int lp_poll(lua_State *L)
{
	struct ox_loop *lp = check_loop(L);
	lua_Integer ms = luaL_optinteger(L, 2, -1);
	struct poll_ctx c;
	struct ox_err err;
	int n;
	if (ms > INT_MAX)
		ms = INT_MAX;
	lua_settop(L, 2);
	c.L = L;
	lua_getiuservalue(L, 1, 1);
	c.readers = lua_gettop(L);
	lua_getiuservalue(L, 1, 2);
	c.timers = lua_gettop(L);
	lua_pushcfunction(L, oxl_traceback);
	c.msgh = lua_gettop(L);
	lua_pushnil(L);
	c.error = lua_gettop(L);
	c.failed = 0;
	luaL_checkstack(L, 8, "loop");
	n = ox_loop_poll(lp, ms < 0 ? -1 : (int)ms, on_timer, &c, &err);
	if (c.failed) {
		lua_pushvalue(L, c.error);
		return lua_error(L);
	}
	if (n < 0)
		return luaL_error(L, "%s", err.msg);
	lua_pushinteger(L, n);
	return 1;
}

/* ---- readers ---- */

/* loop:add(reader) -> true | nil, msg, errno */
static int lp_add(lua_State *L)
{
	struct ox_loop *lp = check_loop(L);
	struct ox_source *src = oxl_reader_source(L, 2);
	struct ox_err err;
	if (ox_loop_add(lp, src, &err)) {
		ox_errprefix(&err, "%s", luaL_tolstring(L, 2, NULL));
		return oxl_fail(L, &err);
	}
	src->ready = on_ready;
	src->data = lua_touserdata(L, 2);
	lua_getiuservalue(L, 1, 1);
	lua_pushlightuserdata(L, lua_touserdata(L, 2));
	lua_pushvalue(L, 2);
	lua_rawset(L, -3);
	oxl_reader_set_home(L, 2, lua_gettop(L));
	lua_pushboolean(L, 1);
	return 1;
}

/* loop:remove(reader): it no longer gets events (close it to release its fds). */
static int lp_remove(lua_State *L)
{
	struct ox_loop *lp = check_loop(L);
	struct ox_source *src = oxl_reader_test_source(L, 2);
	if (src && src->loop == lp) {
		ox_loop_remove(src);
		oxl_reader_set_home(L, 2, 0);
	}
	lua_getiuservalue(L, 1, 1);
	lua_pushlightuserdata(L, lua_touserdata(L, 2));
	lua_pushnil(L);
	lua_rawset(L, -3);
	return 0;
}

/* loop:readers() -> list of readers */
static int lp_readers(lua_State *L)
{
	int n = 0;
	check_loop(L);
	lua_getiuservalue(L, 1, 1);
	lua_newtable(L);
	for (lua_pushnil(L); lua_next(L, -3); lua_pop(L, 1)) {
		lua_pushvalue(L, -1);
		lua_rawseti(L, -4, ++n);
	}
	return 1;
}

/* ---- timers ---- */

/* loop:every(seconds, fn) -> id */
static int lp_every(lua_State *L)
{
	struct ox_loop *lp = check_loop(L);
	double every = luaL_checknumber(L, 2);
	struct ox_err err;
	int id;
	luaL_checktype(L, 3, LUA_TFUNCTION);
	if (!(every > 0))
		return luaL_error(L, "interval must be a positive number of seconds");
	lua_getiuservalue(L, 1, 2);
	if ((id = ox_loop_every(lp, every, &err)) < 0)
		return oxl_fail(L, &err);
	lua_pushvalue(L, 3);
	lua_rawseti(L, -2, id);
	lua_pushinteger(L, id);
	return 1;
}

static int lp_cancel(lua_State *L)
{
	struct ox_loop *lp = check_loop(L);
	lua_Integer id = luaL_checkinteger(L, 2);
	if (id > 0 && id <= INT_MAX)
		ox_loop_cancel(lp, (int)id);
	lua_getiuservalue(L, 1, 2);
	lua_pushnil(L);
	lua_rawseti(L, -2, id);
	return 0;
}

/* ---- signals ---- */

/* loop:signals(on): take SIGINT/SIGTERM through the loop (blocked, read
 * from a signalfd) or give them back. */
static int lp_signals(lua_State *L)
{
	struct ox_loop *lp = check_loop(L);
	struct ox_err err;
	if (ox_loop_signals(lp, lua_toboolean(L, 2), &err))
		return oxl_fail(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

/* loop:stopped_by() -> signal number or nil; loop:clear() forgets it. */
static int lp_stopped_by(lua_State *L)
{
	int sig = ox_loop_stopped_by(check_loop(L));
	if (!sig)
		return 0;
	lua_pushinteger(L, sig);
	return 1;
}

static int lp_clear(lua_State *L)
{
	ox_loop_clear(check_loop(L));
	return 0;
}

static int lp_fd(lua_State *L)
{
	lua_pushinteger(L, ox_loop_fd(check_loop(L)));
	return 1;
}

static int lp_tostring(lua_State *L)
{
	struct oxl_loop *ud = luaL_checkudata(L, 1, OXL_LOOP);
	if (ud->lp)
		lua_pushfstring(L, "oxlua.loop (fd %d)", ox_loop_fd(ud->lp));
	else
		lua_pushliteral(L, "oxlua.loop (closed)");
	return 1;
}

void oxl_open_loop(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", lp_close }, { "__close", lp_close }, { "__tostring", lp_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "add", lp_add }, { "remove", lp_remove }, { "poll", lp_poll }, { "every", lp_every },
		{ "cancel", lp_cancel }, { "signals", lp_signals }, { "stopped_by", lp_stopped_by },
		{ "clear", lp_clear }, { "fd", lp_fd }, { "readers", lp_readers }, { "close", lp_close },
		{ NULL, NULL }
	};
	oxl_newclass(L, OXL_LOOP, meta, methods);
	lua_pushcfunction(L, l_loop);
	lua_setfield(L, -2, "loop");
}
