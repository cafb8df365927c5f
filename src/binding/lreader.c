/* lreader.c - perf buffer and ring buffer readers as userdata, and the
 * dispatch of each record to a Lua handler (under pcall, with a traceback).
 * A reader is created closed, opened by core.reader; close (also __close,
 * __gc) is idempotent, and from a handler of the reader it waits for the
 * drain to end. Closing takes the reader out of the loop that holds it.
 *
 * User values: 1 handler, 2 lost handler, 3 string.unpack, 4 unpack format,
 * 5 the map (keeps its instance alive), 6 the readers table of the loop that
 * holds it (or nil). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "binding/lbtf.h"
#include "binding/lcore.h"
#include "binding/linst.h"
#include "binding/lobject.h"
#include "binding/lopen.h"
#include "binding/lreader.h"
#include "events/reader.h"
#include "kernel/sys.h"

enum { DECODE_RAW, DECODE_UNPACK, DECODE_BTF };
#define DEFAULT_WAKEUP 64	/* perf buffer: wake the reader every 64 samples */
#define UV_HOME 6

struct oxl_reader {
	struct ox_perfbuf *pb;	/* one of the two while open */
	struct ox_ringbuf *rb;
	char name[64];
	int decode;
	const struct ox_object *obj;	/* its BTF decodes records; held through object */
	struct oxl_object *object;
	uint32_t type, type_size;
	struct oxl_plan *plan;	/* compiled decoder for type, or NULL */
	uint64_t events, bytes, errors, lost;
	double seconds;		/* time spent draining, handlers included */
	int flush_ms;		/* longest an event may wait when wakeups are batched */
	int stop_on_error, failed;
	int draining, close_pending;	/* closed from a handler: released after the drain */
	char last_error[512];	/* the latest handler error, with its traceback's first line */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void release(lua_State *L, int idx, struct oxl_reader *r);

static struct oxl_reader *check_reader(lua_State *L, int idx)
{
	struct oxl_reader *r = luaL_checkudata(L, idx, OXL_READER);
	if (!r->pb && !r->rb)
		luaL_error(L, "reader is closed");
	return r;
}

static struct ox_source *source_of(struct oxl_reader *r)
{
	return r->pb ? ox_perfbuf_source(r->pb) : r->rb ? ox_ringbuf_source(r->rb) : NULL;
}

struct ox_source *oxl_reader_source(lua_State *L, int idx)
{
	return source_of(check_reader(L, idx));
}

struct ox_source *oxl_reader_test_source(lua_State *L, int idx)
{
	return source_of(luaL_checkudata(L, idx, OXL_READER));
}

void oxl_reader_set_home(lua_State *L, int idx, int table)
{
	idx = lua_absindex(L, idx);
	if (table)
		lua_pushvalue(L, table);
	else
		lua_pushnil(L);
	lua_setiuservalue(L, idx, UV_HOME);
}

/* Out of the table of the loop that holds it. */
static void leave_home(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_getiuservalue(L, idx, UV_HOME) == LUA_TTABLE) {
		lua_pushlightuserdata(L, lua_touserdata(L, idx));
		lua_pushnil(L);
		lua_rawset(L, -3);
	}
	lua_pop(L, 1);
	oxl_reader_set_home(L, idx, 0);
}

/* ---- dispatch ---- */

struct dispatch {
	lua_State *L;
	struct oxl_reader *r;
	int handler, lost, unpack, fmt, msgh;	/* stack slots */
	int failed;		/* a handler raised and the reader stops on error */
};

static void report(lua_State *L, struct oxl_reader *r, const char *what)
{
	const char *msg = lua_tostring(L, -1);
	const char *cut = msg;
	/* the message and the first lines of its traceback are enough */
	for (int lines = 0; cut && *cut && lines < 5; lines++)
		cut = strchr(cut + 1, '\n');
	r->errors++;
	snprintf(r->last_error, sizeof r->last_error, "%s for '%s' failed: %.*s", what, r->name,
		 cut ? (int)(cut - msg) : (int)strlen(msg ? msg : ""), msg ? msg : "?");
	if (r->errors <= 10 || r->errors % 1000 == 0)
		fprintf(stderr, "oxlua: %s (error %llu)\n", r->last_error,
			(unsigned long long)r->errors);
	lua_pop(L, 1);
}

static int on_sample(void *ctx, int cpu, const void *data, uint32_t size)
{
	struct dispatch *d = ctx;
	lua_State *L = d->L;
	struct oxl_reader *r = d->r;
	if (r->close_pending)
		return 1;	/* closed by an earlier handler: stop here */
	lua_pushvalue(L, d->handler);
	switch (r->decode) {
	case DECODE_BTF:
		if (size >= r->type_size) {
			if (r->plan)
				oxl_plan_push(L, r->plan, data);
			else
				oxl_btf_push(L, r->obj->btf, r->type, data, r->type_size);
			break;
		}
		/* a short record is delivered raw */
		__attribute__((fallthrough));
	case DECODE_RAW:
		lua_pushlstring(L, data, size);
		break;
	case DECODE_UNPACK: {
		int base = lua_gettop(L), n;
		lua_pushvalue(L, d->unpack);
		lua_pushvalue(L, d->fmt);
		lua_pushlstring(L, data, size);
		if (lua_pcall(L, 2, LUA_MULTRET, d->msgh) != LUA_OK) {
			lua_remove(L, base);	/* the handler */
			report(L, r, "decoding");
			return r->stop_on_error ? (d->failed = 1) : 0;
		}
		n = lua_gettop(L) - base - 1;	/* drop the position string.unpack returns */
		lua_pop(L, 1);
		lua_createtable(L, n, 0);
		lua_insert(L, base + 1);
		for (int i = n; i >= 1; i--)
			lua_rawseti(L, base + 1, i);
		break;
	}
	}
	if (cpu >= 0)
		lua_pushinteger(L, cpu);
	else
		lua_pushnil(L);
	r->bytes += size;
	r->events++;
	if (lua_pcall(L, 2, 0, d->msgh) != LUA_OK) {
		report(L, r, "handler");
		if (r->stop_on_error)
			return d->failed = 1;
	}
	return 0;
}

static void on_lost(void *ctx, int cpu, uint64_t lost)
{
	struct dispatch *d = ctx;
	lua_State *L = d->L;
	d->r->lost += lost;
	if (lua_isnil(L, d->lost))
		return;
	lua_pushvalue(L, d->lost);
	lua_pushinteger(L, (lua_Integer)lost);
	lua_pushinteger(L, cpu);
	if (lua_pcall(L, 2, 0, d->msgh) != LUA_OK)
		report(L, d->r, "lost handler");
}

/* Deliver up to max (0: all) ready records of the reader at idx. */
static int drain(lua_State *L, int idx, int max)
{
	struct oxl_reader *r = check_reader(L, idx);
	struct dispatch d;
	double t0 = now();
	int top = lua_gettop(L), n;
	idx = lua_absindex(L, idx);
	d.L = L;
	d.r = r;
	d.failed = 0;
	lua_pushcfunction(L, oxl_traceback);
	d.msgh = lua_gettop(L);
	lua_getiuservalue(L, idx, 1);
	d.handler = lua_gettop(L);
	lua_getiuservalue(L, idx, 2);
	d.lost = lua_gettop(L);
	lua_getiuservalue(L, idx, 3);
	d.unpack = lua_gettop(L);
	lua_getiuservalue(L, idx, 4);
	d.fmt = lua_gettop(L);
	luaL_checkstack(L, 16, "reader");
	r->draining = 1;
	if (r->pb)
		n = ox_perfbuf_consume(r->pb, on_sample, on_lost, &d, max);
	else
		n = ox_ringbuf_consume(r->rb, on_sample, &d, max);
	r->draining = 0;
	lua_settop(L, top);
	if (r->close_pending) {
		r->close_pending = 0;
		release(L, idx, r);
	}
	r->seconds += now() - t0;
	if (d.failed)
		r->failed = 1;
	return n < 0 ? 0 : n;
}

int oxl_reader_ready(lua_State *L, int idx)
{
	struct oxl_reader *r = luaL_checkudata(L, idx, OXL_READER);
	if ((!r->pb && !r->rb) || (r->stop_on_error && r->failed))
		return 0;
	return drain(L, idx, 0);
}

/* ---- creation ---- */

static int opt_u32(lua_State *L, int t, const char *k, uint32_t def)
{
	lua_Integer v;
	lua_getfield(L, t, k);
	v = luaL_optinteger(L, -1, def);
	lua_pop(L, 1);
	if (v < 0 || v > UINT32_MAX)
		return luaL_error(L, "reader option '%s' out of range", k);
	return (int)v;
}

/* core.reader(map, handler[, { pages =, wakeup_events =, watermark =, decode =,
 *             lost =, flush_ms =, stop_on_error = }]) -> reader | nil, msg, errno */
static int l_reader(lua_State *L)
{
	struct oxl_map *m = luaL_checkudata(L, 1, OXL_MAP);
	struct ox_instance *inst = m->owner->inst;
	const struct ox_mapdef *def;
	struct oxl_reader *r;
	struct ox_err err;
	int fd, has_opts = lua_istable(L, 3);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (!inst || inst->closed || inst->maps[m->idx].fd < 0)
		return luaL_error(L, "map is closed");
	def = &inst->obj->maps[m->idx];
	fd = inst->maps[m->idx].fd;
	r = lua_newuserdatauv(L, sizeof *r, UV_HOME);
	memset(r, 0, sizeof *r);	/* closed: no rings */
	luaL_setmetatable(L, OXL_READER);
	snprintf(r->name, sizeof r->name, "%s", def->name);
	r->obj = inst->obj;
	if ((r->object = m->owner->object))
		oxl_object_hold(r->object);
	r->flush_ms = 50;
	lua_pushvalue(L, 2);
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 5);
	if (has_opts) {
		lua_getfield(L, 3, "lost");
		if (!lua_isnil(L, -1))
			luaL_checktype(L, -1, LUA_TFUNCTION);
		lua_setiuservalue(L, -2, 2);
		r->flush_ms = opt_u32(L, 3, "flush_ms", 50);
		lua_getfield(L, 3, "stop_on_error");
		r->stop_on_error = lua_toboolean(L, -1);
		lua_pop(L, 1);
		lua_getfield(L, 3, "decode");
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *spec = lua_tostring(L, -1);
			uint32_t id = inst->obj->btf ? btf_find_by_spec(inst->obj->btf, spec) : 0;
			if (id && btf_size(inst->obj->btf, id) > 0) {
				r->decode = DECODE_BTF;
				r->type = id;
				r->type_size = (uint32_t)btf_size(inst->obj->btf, id);
				r->plan = oxl_plan_compile(inst->obj->btf, id);
			} else if (!strncmp(spec, "struct ", 7) || !strncmp(spec, "union ", 6)) {
				return luaL_error(L, "decode: %s has no BTF type '%s'", inst->obj->name, spec);
			} else {	/* a string.unpack format */
				lua_getglobal(L, "string");
				lua_getfield(L, -1, "unpack");
				lua_setiuservalue(L, -4, 3);
				lua_pop(L, 1);
				lua_pushvalue(L, -1);
				lua_setiuservalue(L, -3, 4);
				r->decode = DECODE_UNPACK;
			}
		} else if (!lua_isnil(L, -1)) {
			return luaL_error(L, "decode must be a string.unpack format or a BTF type name");
		}
		lua_pop(L, 1);
	}
	if (def->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		/* Wakeups dominate the cost of events: batch them by default and
		 * let the loop's flush bound the wait. */
		struct ox_perfbuf_opts po = { 0, DEFAULT_WAKEUP, 0 };
		if (has_opts) {
			po.pages = (uint32_t)opt_u32(L, 3, "pages", 0);
			po.wakeup_events = (uint32_t)opt_u32(L, 3, "wakeup_events", DEFAULT_WAKEUP);
			po.watermark = (uint32_t)opt_u32(L, 3, "watermark", 0);
			if (po.pages & (po.pages - 1))
				return luaL_error(L, "pages must be a power of two, not %d", (int)po.pages);
		}
		r->pb = ox_perfbuf_new(fd, &po, &err);
	} else if (def->type == 27 /* BPF_MAP_TYPE_RINGBUF */) {
		r->rb = ox_ringbuf_new(fd, &err);
	} else {
		return luaL_error(L, "map '%s' is a %s map; events come from perf_event_array and "
				  "ringbuf maps", def->name, ox_map_type_name(def->type));
	}
	if (!r->pb && !r->rb) {
		ox_errprefix(&err, "map '%s'", def->name);
		return oxl_fail(L, &err);
	}
	source_of(r)->flush_ms = r->flush_ms;
	return 1;
}

/* The rings (out of their loop first), the plan and the object. */
static void release(lua_State *L, int idx, struct oxl_reader *r)
{
	ox_perfbuf_free(r->pb);
	ox_ringbuf_free(r->rb);
	oxl_plan_free(r->plan);
	r->pb = NULL;
	r->rb = NULL;
	r->plan = NULL;
	if (r->object)
		oxl_object_release(r->object);
	r->object = NULL;
	r->obj = NULL;
	leave_home(L, idx);
}

/* reader:close(), __close, __gc; idempotent. A handler (or a finalizer
 * running inside one) may close the reader that is calling it: then the
 * rings are released when the drain returns. */
static int r_close(lua_State *L)
{
	struct oxl_reader *r = luaL_checkudata(L, 1, OXL_READER);
	if (r->draining)
		r->close_pending = 1;
	else
		release(L, 1, r);
	return 0;
}

static int r_drain(lua_State *L)
{
	int max = (int)luaL_optinteger(L, 2, 0);
	lua_pushinteger(L, drain(L, 1, max));
	return 1;
}

static int r_stats(lua_State *L)
{
	struct oxl_reader *r = luaL_checkudata(L, 1, OXL_READER);
	lua_createtable(L, 0, 8);
	lua_pushstring(L, r->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, r->pb ? "perf" : r->rb ? "ringbuf" : "closed");
	lua_setfield(L, -2, "kind");
	lua_pushinteger(L, (lua_Integer)r->events);
	lua_setfield(L, -2, "events");
	lua_pushinteger(L, (lua_Integer)r->bytes);
	lua_setfield(L, -2, "bytes");
	lua_pushinteger(L, (lua_Integer)r->errors);
	lua_setfield(L, -2, "errors");
	lua_pushnumber(L, r->seconds);
	lua_setfield(L, -2, "seconds");
	if (r->pb) {
		int n = ox_perfbuf_cpus(r->pb);
		lua_pushinteger(L, (lua_Integer)ox_perfbuf_lost(r->pb, -1));
		lua_setfield(L, -2, "lost");
		lua_createtable(L, n, 0);
		for (int c = 0; c < ox_possible_cpus(); c++) {
			lua_pushinteger(L, (lua_Integer)ox_perfbuf_lost(r->pb, c));
			lua_rawseti(L, -2, c + 1);
		}
		lua_setfield(L, -2, "lost_per_cpu");
	} else if (r->rb) {
		struct ox_ringbuf_stats s;
		ox_ringbuf_stats(r->rb, &s);
		lua_pushinteger(L, (lua_Integer)s.discarded);
		lua_setfield(L, -2, "discarded");
		lua_pushinteger(L, 0);
		lua_setfield(L, -2, "lost");
	}
	return 1;
}

/* reader:set_stop_on_error(bool): stop draining at the first handler error */
static int r_set_stop_on_error(lua_State *L)
{
	struct oxl_reader *r = luaL_checkudata(L, 1, OXL_READER);
	r->stop_on_error = lua_toboolean(L, 2);
	r->failed = 0;
	return 0;
}

/* reader:set_lost(fn | nil) */
static int r_set_lost(lua_State *L)
{
	luaL_checkudata(L, 1, OXL_READER);
	if (!lua_isnil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	lua_setiuservalue(L, 1, 2);
	return 0;
}

static int r_last_error(lua_State *L)
{
	struct oxl_reader *r = luaL_checkudata(L, 1, OXL_READER);
	if (!r->last_error[0])
		return 0;
	lua_pushstring(L, r->last_error);
	return 1;
}

static int r_tostring(lua_State *L)
{
	struct oxl_reader *r = luaL_checkudata(L, 1, OXL_READER);
	lua_pushfstring(L, "oxlua.reader (%s%s)", r->name, r->pb || r->rb ? "" : ", closed");
	return 1;
}

static int r_flush_ms(lua_State *L)
{
	lua_pushinteger(L, check_reader(L, 1)->flush_ms);
	return 1;
}

static int r_failed(lua_State *L)
{
	struct oxl_reader *r = luaL_checkudata(L, 1, OXL_READER);
	lua_pushboolean(L, r->failed);
	return 1;
}

void oxl_open_reader(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", r_close }, { "__close", r_close }, { "__tostring", r_tostring },
		{ NULL, NULL }
	};
	static const luaL_Reg methods[] = {
		{ "close", r_close }, { "drain", r_drain }, { "stats", r_stats },
		{ "flush_ms", r_flush_ms }, { "failed", r_failed }, { "set_lost", r_set_lost },
		{ "last_error", r_last_error }, { "set_stop_on_error", r_set_stop_on_error },
		{ NULL, NULL }
	};
	oxl_newclass(L, OXL_READER, meta, methods);
	lua_pushcfunction(L, l_reader);
	lua_setfield(L, -2, "reader");
}
