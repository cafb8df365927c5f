/* lkernel.c - what the running system is: kernel version, possible CPUs,
 * machine, the monotonic clock, errno names, what a section name means, and
 * oxlua's tracefs probe entries (listed, and cleaned up after dead
 * processes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "binding/lcore.h"
#include "binding/lopen.h"
#include "kernel/kconfig.h"
#include "kernel/sys.h"
#include "kernel/tracefs.h"
#include "object/section.h"

static int l_errname(lua_State *L)
{
	lua_pushstring(L, ox_errno_name((int)luaL_checkinteger(L, 1)));
	return 1;
}

static int l_kernel_version(lua_State *L)
{
	uint32_t v = ox_kernel_version();
	lua_pushinteger(L, v);
	lua_pushfstring(L, "%d.%d.%d", (int)(v >> 16), (int)((v >> 8) & 0xff), (int)(v & 0xff));
	return 2;
}

static int l_possible_cpus(lua_State *L)
{
	lua_pushinteger(L, ox_possible_cpus());
	return 1;
}

static int l_section(lua_State *L)
{
	struct ox_section s;
	const char *name = luaL_checkstring(L, 1);
	if (ox_section_lookup(name[0] == '?' ? name + 1 : name, &s))
		return 0;
	lua_createtable(L, 0, 4);
	lua_pushstring(L, ox_prog_type_name(s.prog_type));
	lua_setfield(L, -2, "type");
	lua_pushstring(L, ox_attach_type_name(s.attach_type));
	lua_setfield(L, -2, "attach_type");
	lua_pushstring(L, s.kind);
	lua_setfield(L, -2, "kind");
	lua_pushstring(L, s.target);
	lua_setfield(L, -2, "target");
	return 1;
}

/* core.now() -> monotonic seconds */
static int l_now(lua_State *L)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
	return 1;
}

/* core.machine() -> "x86_64", "aarch64", ... */
static int l_machine(lua_State *L)
{
	struct utsname u;
	if (uname(&u))
		return oxl_errno(L, errno, "uname");
	lua_pushstring(L, u.machine);
	return 1;
}

/* core.cleanup_probes() -> number of stale tracefs entries removed */
static int l_cleanup_probes(lua_State *L)
{
	lua_pushinteger(L, ox_probe_events_cleanup_stale());
	return 1;
}

/* core.probe_events(uprobe, pid) -> list of our tracefs entries */
static int l_probe_events(lua_State *L)
{
	int n = 0;
	char *list = ox_probe_events_list(lua_toboolean(L, 1), (int)luaL_optinteger(L, 2, 0), &n);
	const char *p = list;
	lua_createtable(L, n, 0);
	for (int i = 0; p && i < n; i++) {
		lua_pushstring(L, p);
		lua_rawseti(L, -2, i + 1);
		p += strlen(p) + 1;
	}
	free(list);
	return 1;
}

void oxl_open_kernel(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "errname", l_errname }, { "kernel_version", l_kernel_version },
		{ "possible_cpus", l_possible_cpus }, { "section", l_section }, { "now", l_now },
		{ "machine", l_machine }, { "cleanup_probes", l_cleanup_probes },
		{ "probe_events", l_probe_events }, { NULL, NULL }
	};
	luaL_setfuncs(L, funcs, 0);
}
