/* lloop.c - the event loop: one epoll for every reader, a timerfd for
 * timers and the flush of batched readers, a signalfd for SIGINT/SIGTERM.
 * A foreign loop can watch loop:fd() and call loop:poll(0) when it is ready.
 *
 * User values: 1 readers (lightuserdata -> reader), 2 timers (id -> {at, every, fn}). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "binding/lcore.h"
#include "binding/lopen.h"
#include "binding/lreader.h"
#include "events/reader.h"

#define OXL_LOOP "oxlua.loop"

struct oxl_loop {
	int epfd, tfd, sfd;
	int signals_on, stopped_by;
	sigset_t oldmask;
	double next_flush;
	int timer_seq;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct oxl_loop *check_loop(lua_State *L)
{
	struct oxl_loop *lp = luaL_checkudata(L, 1, OXL_LOOP);
	if (lp->epfd < 0)
		luaL_error(L, "loop is closed");
	return lp;
}

static void watch(struct oxl_loop *lp, int fd, void *tag)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = tag;
	epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* core.loop() -> loop */
static int l_loop(lua_State *L)
{
	struct oxl_loop *lp = lua_newuserdatauv(L, sizeof *lp, 2);
	lp->epfd = lp->tfd = lp->sfd = -1;
	lp->signals_on = lp->stopped_by = 0;
	lp->next_flush = 0;
	lp->timer_seq = 0;
	luaL_setmetatable(L, OXL_LOOP);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 2);
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	lp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (lp->epfd < 0 || lp->tfd < 0)
		return oxl_errno(L, errno, "creating the event loop");
	watch(lp, lp->tfd, &lp->tfd);
	return 1;
}

static int lp_close(lua_State *L)
{
	struct oxl_loop *lp = luaL_checkudata(L, 1, OXL_LOOP);
	if (lp->signals_on)
		sigprocmask(SIG_SETMASK, &lp->oldmask, NULL);
	lp->signals_on = 0;
	if (lp->sfd >= 0) close(lp->sfd);
	if (lp->tfd >= 0) close(lp->tfd);
	if (lp->epfd >= 0) close(lp->epfd);
	lp->sfd = lp->tfd = lp->epfd = -1;
	return 0;
}

/* loop:add(reader) */
static int lp_add(lua_State *L)
{
	struct oxl_loop *lp = check_loop(L);
	struct oxl_reader *r = oxl_check_reader(L, 2);
	struct ox_err err;
	int rc = r->pb ? ox_perfbuf_epoll_add(r->pb, lp->epfd, r, &err)
		       : ox_ringbuf_epoll_add(r->rb, lp->epfd, r, &err);
	if (rc)
		return oxl_fail(L, &err);
	lua_getiuservalue(L, 1, 1);
	lua_pushlightuserdata(L, r);
	lua_pushvalue(L, 2);
	lua_rawset(L, -3);
	if (!lp->next_flush)
		lp->next_flush = now() + r->flush_ms / 1000.0;
	lua_pushboolean(L, 1);
	return 1;
}

/* loop:remove(reader): it no longer gets events (close it to release its fds). */
static int lp_remove(lua_State *L)
{
	check_loop(L);
	luaL_checkudata(L, 2, OXL_READER);
	lua_getiuservalue(L, 1, 1);
	lua_pushlightuserdata(L, lua_touserdata(L, 2));
	lua_pushnil(L);
	lua_rawset(L, -3);
	return 0;
}

/* Smallest flush interval of the readers (seconds), 0 when none. */
static double flush_interval(lua_State *L, int readers)
{
	double best = 0;
	for (lua_pushnil(L); lua_next(L, readers); lua_pop(L, 1)) {
		struct oxl_reader *r = lua_touserdata(L, -1);
		double s = r->flush_ms / 1000.0;
		if ((r->pb || r->rb) && s > 0 && (best == 0 || s < best))
			best = s;
	}
	return best;
}

static int drain_all(lua_State *L, int readers)
{
	int n = 0;
	for (lua_pushnil(L); lua_next(L, readers); lua_pop(L, 1)) {
		struct oxl_reader *r = lua_touserdata(L, -1);
		if ((r->pb || r->rb) && !(r->stop_on_error && r->failed))
			n += oxl_reader_drain(L, -1, 0);
	}
	return n;
}

/* Run due timers; return the next deadline (0: none). */
static double run_timers(lua_State *L, int timers, double t)
{
	double next = 0;
	int h;
	lua_pushcfunction(L, oxl_traceback);
	h = lua_gettop(L);
	for (lua_pushnil(L); lua_next(L, timers); lua_pop(L, 1)) {
		double at, every;
		lua_getfield(L, -1, "at");
		lua_getfield(L, -2, "every");
		at = lua_tonumber(L, -2);
		every = lua_tonumber(L, -1);
		lua_pop(L, 2);
		if (at <= t) {
			at = at + every > t ? at + every : t + every;
			lua_pushnumber(L, at);
			lua_setfield(L, -2, "at");
			lua_getfield(L, -1, "fn");
			if (lua_pcall(L, 0, 0, h) != LUA_OK) {
				fprintf(stderr, "oxlua: timer failed: %s\n", lua_tostring(L, -1));
				lua_pop(L, 1);
			}
		}
		if (next == 0 || at < next)
			next = at;
	}
	lua_pop(L, 1);
	return next;
}

static void arm(struct oxl_loop *lp, double deadline)
{
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	if (deadline > 0) {
		its.it_value.tv_sec = (time_t)deadline;
		its.it_value.tv_nsec = (long)((deadline - floor(deadline)) * 1e9);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(lp->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* loop:poll([ms]) -> events handled. ms < 0 or nil: wait for the first
 * wakeup; 0: never block. */
static int lp_poll(lua_State *L)
{
	struct oxl_loop *lp = check_loop(L);
	lua_Integer ms = luaL_optinteger(L, 2, -1);
	struct epoll_event evs[64];
	int readers, timers, n, handled = 0, timeout;
	double t = now(), flush, deadline = 0, next_timer;
	lua_settop(L, 2);
	lua_getiuservalue(L, 1, 1);
	readers = lua_gettop(L);
	lua_getiuservalue(L, 1, 2);
	timers = lua_gettop(L);
	flush = flush_interval(L, readers);
	next_timer = run_timers(L, timers, t);
	if (flush > 0)
		deadline = lp->next_flush;
	if (next_timer > 0 && (deadline == 0 || next_timer < deadline))
		deadline = next_timer;
	timeout = (int)ms;
	if (deadline > 0) {
		double wait = deadline - t;
		int wms = wait <= 0 ? 0 : (int)ceil(wait * 1000);
		if (timeout < 0 || wms < timeout)
			timeout = wms;
	}
	arm(lp, deadline);
	n = epoll_wait(lp->epfd, evs, 64, timeout);
	if (n < 0 && errno != EINTR)
		return luaL_error(L, "epoll_wait: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		void *tag = evs[i].data.ptr;
		if (tag == &lp->tfd) {
			uint64_t x;
			if (read(lp->tfd, &x, sizeof x) < 0) { /* EAGAIN: already consumed */ }
		} else if (tag == &lp->sfd) {
			struct signalfd_siginfo si;
			if (read(lp->sfd, &si, sizeof si) == (ssize_t)sizeof si)
				lp->stopped_by = (int)si.ssi_signo;
		} else {
			struct oxl_reader *r = tag;
			lua_pushlightuserdata(L, tag);
			if (lua_rawget(L, readers) == LUA_TUSERDATA && !(r->stop_on_error && r->failed))
				handled += oxl_reader_drain(L, -1, 0);
			lua_pop(L, 1);
		}
	}
	t = now();
	if (flush > 0 && t >= lp->next_flush) {
		handled += drain_all(L, readers);
		/* a fixed cadence: no event waits longer than the flush interval */
		lp->next_flush += flush;
		if (lp->next_flush <= t)
			lp->next_flush = t + flush;
	}
	run_timers(L, timers, t);
	lua_pushinteger(L, handled);
	return 1;
}

/* loop:every(seconds, fn) -> id */
static int lp_every(lua_State *L)
{
	struct oxl_loop *lp = check_loop(L);
	double every = luaL_checknumber(L, 2);
	luaL_checktype(L, 3, LUA_TFUNCTION);
	if (!(every > 0))
		return luaL_error(L, "interval must be a positive number of seconds");
	lua_getiuservalue(L, 1, 2);
	lua_createtable(L, 0, 3);
	lua_pushnumber(L, now() + every);
	lua_setfield(L, -2, "at");
	lua_pushnumber(L, every);
	lua_setfield(L, -2, "every");
	lua_pushvalue(L, 3);
	lua_setfield(L, -2, "fn");
	lua_rawseti(L, -2, ++lp->timer_seq);
	lua_pushinteger(L, lp->timer_seq);
	return 1;
}

static int lp_cancel(lua_State *L)
{
	check_loop(L);
	lua_getiuservalue(L, 1, 2);
	lua_pushnil(L);
	lua_rawseti(L, -2, luaL_checkinteger(L, 2));
	return 0;
}

/* loop:signals(on): take SIGINT/SIGTERM through the loop (blocked, read
 * from a signalfd) or give them back. */
static int lp_signals(lua_State *L)
{
	struct oxl_loop *lp = check_loop(L);
	int on = lua_toboolean(L, 2);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (on && !lp->signals_on) {
		if (sigprocmask(SIG_BLOCK, &set, &lp->oldmask))
			return oxl_errno(L, errno, "blocking signals");
		if (lp->sfd < 0) {
			lp->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
			if (lp->sfd < 0)
				return oxl_errno(L, errno, "signalfd");
			watch(lp, lp->sfd, &lp->sfd);
		}
		lp->signals_on = 1;
	} else if (!on && lp->signals_on) {
		sigprocmask(SIG_SETMASK, &lp->oldmask, NULL);
		lp->signals_on = 0;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* loop:stopped_by() -> signal number or nil; loop:clear() forgets it. */
static int lp_stopped_by(lua_State *L)
{
	struct oxl_loop *lp = check_loop(L);
	if (!lp->stopped_by)
		return 0;
	lua_pushinteger(L, lp->stopped_by);
	return 1;
}

static int lp_clear(lua_State *L)
{
	check_loop(L)->stopped_by = 0;
	return 0;
}

static int lp_fd(lua_State *L)
{
	lua_pushinteger(L, check_loop(L)->epfd);
	return 1;
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

void oxl_open_loop(lua_State *L)
{
	static const luaL_Reg meta[] = { { "__gc", lp_close }, { "__close", lp_close }, { NULL, NULL } };
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
