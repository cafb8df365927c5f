/* foreign_loop.c - a C program with its own poll(2) loop that drives oxlua.
 *
 *   foreign_loop POLICY.lua SECONDS [LUA_DIR]
 *
 * Runs POLICY, which loads groups and registers handlers with group:on()
 * but does not call ox.run: this program owns the loop. Loaded groups stay
 * loaded until closed; the host also keeps whatever the policy returns until
 * it exits.
 *
 * Then, for SECONDS, it waits in poll(2) on ox.fd() and calls ox.poll(0)
 * whenever that fd is readable or the wait times out, and finally prints
 * "handled N", the number of events ox.poll delivered to handlers.
 * SIGINT and SIGTERM end the loop early. LUA_DIR is the directory holding
 * oxlua/init.lua: the third argument, else $OXLUA_LUA_DIR, else ./lua.
 *
 * Exit codes: 0 success, 1 the policy or ox.poll failed, 2 usage error.
 * Loading BPF programs needs root (or CAP_BPF and CAP_PERFMON).
 */
#define _POSIX_C_SOURCE 200809L	/* poll, sigaction, clock_gettime under -std=c99 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <oxlua.h>

#define MAX_WAIT_MS 100	/* wake at least this often, readable or not */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Call the function on top with nargs arguments below it, under a traceback
 * handler; on failure print the error and return -1. */
static int call(lua_State *L, int nargs, int nresults, const char *what)
{
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	if (lua_pcall(L, nargs, nresults, base) != LUA_OK) {
		fprintf(stderr, "foreign_loop: %s: %s\n", what, lua_tostring(L, -1));
		lua_pop(L, 2);
		return -1;
	}
	lua_remove(L, base);
	return 0;
}

/* Run the policy file; keep every value it returns in a registry table.
 * Returns the table's reference, or LUA_NOREF on failure. */
static int run_policy(lua_State *L, const char *path)
{
	int top = lua_gettop(L), n;
	if (luaL_loadfile(L, path) != LUA_OK) {
		fprintf(stderr, "foreign_loop: %s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
		return LUA_NOREF;
	}
	lua_createtable(L, 1, 0);	/* arg: the policy's own name at arg[0] */
	lua_pushstring(L, path);
	lua_rawseti(L, -2, 0);
	lua_setglobal(L, "arg");
	if (call(L, 0, LUA_MULTRET, path))
		return LUA_NOREF;
	n = lua_gettop(L) - top;
	lua_createtable(L, n, 0);
	lua_insert(L, top + 1);
	for (int i = n; i >= 1; i--)
		lua_rawseti(L, top + 1, i);
	return luaL_ref(L, LUA_REGISTRYINDEX);
}

/* ox.fd() of the module at index `ox`, or -1. */
static int ox_fd(lua_State *L, int ox)
{
	int fd = -1;
	lua_getfield(L, ox, "fd");
	if (call(L, 0, 1, "ox.fd()"))
		return -1;
	if (lua_isinteger(L, -1))
		fd = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	return fd;
}

/* ox.poll(0) of the module at index `ox`: events handled, or -1. */
static long long ox_poll(lua_State *L, int ox)
{
	long long n;
	lua_getfield(L, ox, "poll");
	lua_pushinteger(L, 0);
	if (call(L, 1, 1, "ox.poll(0)"))
		return -1;
	n = (long long)lua_tointeger(L, -1);
	lua_pop(L, 1);
	return n;
}

int main(int argc, char **argv)
{
	const char *dir;
	char *end;
	double seconds, deadline;
	long long handled = 0, n;
	struct sigaction sa;
	struct pollfd pfd;
	lua_State *L;
	int ox, keep, code = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s POLICY.lua SECONDS [LUA_DIR]\n", argv[0]);
		return 2;
	}
	seconds = strtod(argv[2], &end);
	if (*end || !(seconds >= 0)) {
		fprintf(stderr, "foreign_loop: SECONDS must be a number, not '%s'\n", argv[2]);
		return 2;
	}
	dir = argc > 3 ? argv[3] : getenv("OXLUA_LUA_DIR");
	if (!dir || !*dir)
		dir = "./lua";

	L = luaL_newstate();
	if (!L) {
		fputs("foreign_loop: cannot create a Lua state\n", stderr);
		return 1;
	}
	luaL_openlibs(L);
	oxlua_preload(L);
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, lua_tostring(L, -1));
	lua_setfield(L, -3, "path");
	lua_pop(L, 2);

	lua_getglobal(L, "require");
	lua_pushliteral(L, "oxlua");
	if (call(L, 1, 1, "require 'oxlua'")) {
		lua_close(L);
		return 1;
	}
	ox = lua_gettop(L);

	keep = run_policy(L, argv[1]);
	if (keep == LUA_NOREF || (pfd.fd = ox_fd(L, ox)) < 0) {
		lua_close(L);
		return 1;
	}
	pfd.events = POLLIN;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	deadline = now() + seconds;
	while (!stop) {
		double left = deadline - now();
		int wait = left <= 0 ? 0 : left * 1000 < MAX_WAIT_MS ? (int)(left * 1000) + 1 :
		       MAX_WAIT_MS;
		int ready = poll(&pfd, 1, wait);
		if (ready < 0 && errno != EINTR) {
			perror("foreign_loop: poll");
			code = 1;
			break;
		}
		/* readable, or the wait ran out: either way oxlua gets a turn (its
		 * timers and the flush of batched perf buffers run in ox.poll too) */
		if (ready >= 0) {
			if ((n = ox_poll(L, ox)) < 0) {
				code = 1;
				break;
			}
			handled += n;
		}
		if (now() >= deadline)
			break;
	}
	printf("handled %lld\n", handled);
	fflush(stdout);

	luaL_unref(L, LUA_REGISTRYINDEX, keep);
	lua_close(L);	/* collects the policy's groups, which closes them */
	return code;
}
