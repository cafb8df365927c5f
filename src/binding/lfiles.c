/* lfiles.c - what a permission check needs of files and of the process
 * (the policy is in Lua, lua/oxlua/init.lua): core.stat, core.realpath,
 * core.uids. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binding/lcore.h"
#include "binding/lopen.h"

/* core.stat(path[, nofollow]) -> { kind =, mode =, uid =, gid = } | nil, msg, errno
 * kind: "file", "dir", "link" (only with nofollow), "other"; mode: the
 * permission bits with setuid/setgid/sticky (st_mode & 07777). */
static int l_stat(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct stat st;
	const char *kind;
	if ((lua_toboolean(L, 2) ? lstat(path, &st) : stat(path, &st)) < 0)
		return oxl_errno(L, errno, "%s", path);
	kind = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" :
	       S_ISLNK(st.st_mode) ? "link" : "other";
	lua_createtable(L, 0, 4);
	lua_pushstring(L, kind);
	lua_setfield(L, -2, "kind");
	lua_pushinteger(L, st.st_mode & 07777);
	lua_setfield(L, -2, "mode");
	lua_pushinteger(L, st.st_uid);
	lua_setfield(L, -2, "uid");
	lua_pushinteger(L, st.st_gid);
	lua_setfield(L, -2, "gid");
	return 1;
}

/* core.realpath(path) -> absolute path with every symlink resolved | nil, msg, errno */
static int l_realpath(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char *real = realpath(path, NULL);
	if (!real)
		return oxl_errno(L, errno, "%s", path);
	lua_pushstring(L, real);
	free(real);
	return 1;
}

/* core.uids() -> real uid, effective uid */
static int l_uids(lua_State *L)
{
	lua_pushinteger(L, getuid());
	lua_pushinteger(L, geteuid());
	return 2;
}

void oxl_open_files(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "stat", l_stat }, { "realpath", l_realpath }, { "uids", l_uids }, { NULL, NULL }
	};
	luaL_setfuncs(L, funcs, 0);
}
