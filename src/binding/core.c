/* core.c - the oxlua.core module: entry point, error convention, value
 * conversion shared by maps and globals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <time.h>

#include "binding/lbtf.h"
#include "binding/lcore.h"
#include "binding/lreader.h"
#include "btf/btf_target.h"
#include "kernel/kconfig.h"
#include "object/section.h"
#include "kernel/sys.h"
#include "kernel/tracefs.h"
#include "../../include/oxlua.h"

int oxl_fail(lua_State *L, const struct ox_err *e)
{
	luaL_pushfail(L);
	lua_pushstring(L, e->msg);
	lua_pushinteger(L, e->errnum);
	return 3;
}

int oxl_errno(lua_State *L, int e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	luaL_pushfail(L);
	lua_pushfstring(L, "%s: %s (%s)", buf, ox_errno_name(e), strerror(e));
	lua_pushinteger(L, e);
	return 3;
}

/* Message handler for lua_pcall: the message (or what the error object is)
 * with a traceback. */
int oxl_traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

void oxl_newclass(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods)
{
	luaL_newmetatable(L, name);
	luaL_setfuncs(L, meta, 0);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}

/* ---- value conversion ---- */

/* What a value is, for messages: built only when there is an error. */
#define WHAT(L, w) lua_pushfstring(L, (w)->fmt, (w)->arg)

static int put_integer(lua_State *L, int idx, uint32_t size, void *out, const struct oxl_what *w)
{
	lua_Integer v;
	int ok;
	if (lua_isboolean(L, idx))
		v = lua_toboolean(L, idx);
	else {
		v = lua_tointegerx(L, idx, &ok);
		if (!ok)
			return luaL_error(L, "%s: number %s has no integer representation", WHAT(L, w),
					  lua_tostring(L, idx));
	}
	if (size < 8) {
		lua_Integer lo = -((lua_Integer)1 << (size * 8 - 1));
		lua_Integer hi = ((lua_Integer)1 << (size * 8)) - 1;
		if (v < lo || v > hi)
			return luaL_error(L, "%s: %I does not fit %d bytes", WHAT(L, w), v, (int)size);
	}
	memcpy(out, &v, size);	/* little-endian hosts: low bytes first */
	return 0;
}

/* A BTF integer (or enum, or pointer) of exactly `size` bytes, which the
 * plain integer paths handle without walking the type: 1 unsigned, 2 signed,
 * 0 something else. */
static int plain_int(const struct btf *btf, uint32_t type, uint32_t size)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, type));
	if (!t || (size != 1 && size != 2 && size != 4 && size != 8))
		return 0;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t w = btf_int_word(t);
		if (t->size != size || BTF_INT_OFFSET(w) || BTF_INT_BITS(w) != size * 8 ||
		    (BTF_INT_ENCODING(w) & BTF_INT_BOOL))
			return 0;
		return BTF_INT_ENCODING(w) & BTF_INT_SIGNED ? 2 : 1;
	}
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		return t->size == size ? (btf_kflag(t) ? 2 : 1) : 0;
	case BTF_KIND_PTR:
		return size == 8;
	default:
		return 0;
	}
}

int oxl_encode(lua_State *L, int idx, const struct ox_object *obj, uint32_t type,
	       uint32_t size, void *out, const struct oxl_what *w)
{
	int t = lua_type(L, idx);
	idx = lua_absindex(L, idx);
	memset(out, 0, size);
	if ((t == LUA_TNUMBER || t == LUA_TBOOLEAN) &&
	    (!obj->btf || !type || plain_int(obj->btf, type, size)) &&
	    (size == 1 || size == 2 || size == 4 || size == 8))
		return put_integer(L, idx, size, out, w);
	if (t == LUA_TUSERDATA) {	/* maps and programs go in as their fds */
		struct oxl_map *m = luaL_testudata(L, idx, OXL_MAP);
		struct oxl_program *p = luaL_testudata(L, idx, OXL_PROGRAM);
		int fd = m && m->owner->inst ? m->owner->inst->maps[m->idx].fd :
			 p && p->owner->inst ? p->owner->inst->progs[p->idx].fd : -1;
		if (fd < 0 || size != 4)
			return luaL_error(L, "%s: a map or program (open) fits only 4-byte values",
					  WHAT(L, w));
		memcpy(out, &fd, 4);
		return 0;
	}
	if (obj->btf && type && btf_type_by_id(obj->btf, type) &&
	    (t == LUA_TTABLE || t == LUA_TSTRING || btf_size(obj->btf, type) == (int64_t)size)) {
		char msg[512];
		if (btf_size(obj->btf, type) != (int64_t)size) {
			if (t == LUA_TSTRING && lua_rawlen(L, idx) == size) {
				memcpy(out, lua_tostring(L, idx), size);
				return 0;
			}
			return luaL_error(L, "%s: BTF type size differs from %d bytes", WHAT(L, w),
					  (int)size);
		}
		if (oxl_btf_encode(L, idx, obj->btf, type, out, size, msg, sizeof msg))
			return luaL_error(L, "%s: %s", WHAT(L, w), msg);
		return 0;
	}
	if (t == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		if (len != size)
			return luaL_error(L, "%s: string of %d bytes, expected %d", WHAT(L, w), (int)len,
					  (int)size);
		memcpy(out, s, size);
		return 0;
	}
	if ((t == LUA_TNUMBER || t == LUA_TBOOLEAN) &&
	    (size == 1 || size == 2 || size == 4 || size == 8))
		return put_integer(L, idx, size, out, w);
	return luaL_error(L, "%s: %s cannot be stored in %d bytes%s", WHAT(L, w),
			  luaL_typename(L, idx), (int)size,
			  t == LUA_TTABLE ? " without a BTF type" : "");
}

int oxl_plain(const struct ox_object *obj, uint32_t type, uint32_t size)
{
	return !obj->btf || !type ? 1 : plain_int(obj->btf, type, size);
}

void oxl_decode(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		uint32_t size)
{
	oxl_decode_as(L, obj, type, data, size, oxl_plain(obj, type, size));
}

void oxl_decode_as(lua_State *L, const struct ox_object *obj, uint32_t type, const void *data,
		   uint32_t size, int plain)
{
	if (!plain && obj->btf && type && btf_size(obj->btf, type) == (int64_t)size) {
		oxl_btf_push(L, obj->btf, type, data, size);
		return;
	}
	switch (size) {
	case 1: { uint8_t v = *(const uint8_t *)data;
		lua_pushinteger(L, plain == 2 ? (lua_Integer)(int8_t)v : v); return; }
	case 2: { uint16_t v; memcpy(&v, data, 2);
		lua_pushinteger(L, plain == 2 ? (lua_Integer)(int16_t)v : v); return; }
	case 4: { uint32_t v; memcpy(&v, data, 4);
		lua_pushinteger(L, plain == 2 ? (lua_Integer)(int32_t)v : v); return; }
	case 8: { int64_t v; memcpy(&v, data, 8); lua_pushinteger(L, (lua_Integer)v); return; }
	default: lua_pushlstring(L, data, size);
	}
}

/* ---- module functions ---- */

static int l_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct oxl_object *o = lua_newuserdatauv(L, sizeof *o, 0);
	struct ox_err err;
	o->obj = NULL;
	luaL_setmetatable(L, OXL_OBJECT);
	if (!(o->obj = ox_object_open(path, &err)))
		return oxl_fail(L, &err);
	return 1;
}

static int l_parse(lua_State *L)
{
	size_t len;
	const char *data = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "(memory)");
	struct oxl_object *o = lua_newuserdatauv(L, sizeof *o, 0);
	struct ox_err err;
	o->obj = NULL;
	luaL_setmetatable(L, OXL_OBJECT);
	if (!(o->obj = ox_object_parse(data, len, name, &err)))
		return oxl_fail(L, &err);
	return 1;
}

/* core.btf(bytes[, base]) -> { types = n, size = bytes, kinds = {...} } | nil, message: validate a raw
 * BTF blob (what `oxlua inspect` and the tests use to check BTF alone); with
 * base, bytes is a split BTF on top of it (as a module's is on vmlinux). */
static int l_btf(lua_State *L)
{
	size_t len, blen;
	const char *data = luaL_checklstring(L, 1, &len);
	const char *bdata = luaL_optlstring(L, 2, NULL, &blen);
	struct ox_err err;
	struct btf *base = NULL, *btf;
	if (bdata && !(base = btf_parse(bdata, blen, &err)))
		return oxl_fail(L, &err);
	btf = base ? btf_parse_split(data, len, base, &err) : btf_parse(data, len, &err);
	if (!btf) {
		btf_free(base);
		return oxl_fail(L, &err);
	}
	lua_createtable(L, 0, 3);
	lua_pushinteger(L, btf_max_id(btf));
	lua_setfield(L, -2, "types");
	lua_pushinteger(L, (lua_Integer)len);
	lua_setfield(L, -2, "size");
	lua_newtable(L);	/* kinds: { struct = n, ... } */
	for (uint32_t id = 1; id <= btf_max_id(btf); id++) {
		const char *k = btf_kind_name(btf_kind(btf_type_by_id(btf, id)));
		lua_getfield(L, -1, k);
		lua_pushinteger(L, luaL_optinteger(L, -1, 0) + 1);
		lua_setfield(L, -3, k);
		lua_pop(L, 1);
	}
	lua_setfield(L, -2, "kinds");
	btf_free(btf);
	btf_free(base);
	return 1;
}

/* core.btf_sanitize(bytes[, caps]) -> bytes | nil, message: the blob the
 * loader would hand a kernel lacking the capabilities set to false in caps
 * (func, func_global, datasec, qmark_datasec, float, decl_tag, type_tag,
 * enum64; absent ones are present). */
static int l_btf_sanitize(lua_State *L)
{
	size_t len, size;
	const char *data = luaL_checklstring(L, 1, &len);
	struct btf_kernel_caps caps;
	struct ox_err err;
	struct btf *btf;
	void *raw;
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TTABLE);
#define CAP(field, key) \
	lua_getfield(L, 2, key); \
	caps.field = lua_isnil(L, -1) || lua_toboolean(L, -1); \
	lua_pop(L, 1);
	memset(&caps, 0, sizeof caps);
	if (lua_istable(L, 2)) {
		CAP(func, "func") CAP(func_global, "func_global") CAP(datasec, "datasec")
		CAP(qmark_datasec, "qmark_datasec") CAP(float_, "float") CAP(decl_tag, "decl_tag")
		CAP(type_tag, "type_tag") CAP(enum64, "enum64")
	} else {
		memset(&caps, 0xff, sizeof caps);
	}
#undef CAP
	if (!(btf = btf_parse(data, len, &err)))
		return oxl_fail(L, &err);
	raw = btf_sanitize(btf, &caps, &size);
	btf_free(btf);
	if (!raw)
		return luaL_error(L, "out of memory");
	lua_pushlstring(L, raw, size);
	free(raw);
	return 1;
}

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

/* ---- files: what a permission check needs (the policy is in Lua) ---- */

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

/* core.kernel_offset(struct, member) -> byte offset of a member of a struct
 * in the running kernel's BTF | nil, message, errno. Members of anonymous
 * inner structs and unions are found too. */
static int member_offset(const struct btf *btf, uint32_t id, const char *member, int depth,
			 uint32_t *off)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, id));
	if (!t || depth > OX_MAX_BTF_DEPTH ||
	    (btf_kind(t) != BTF_KIND_STRUCT && btf_kind(t) != BTF_KIND_UNION))
		return -1;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		uint32_t inner;
		if (!strcmp(btf_str(btf, m->name_off), member)) {
			*off = btf_member_bit_offset(t, i) / 8;
			return 0;
		}
		if (!m->name_off && member_offset(btf, m->type, member, depth + 1, &inner) == 0) {
			*off = btf_member_bit_offset(t, i) / 8 + inner;
			return 0;
		}
	}
	return -1;
}

/* core.kernel_offset(struct, member, ...) -> one byte offset per member; the
 * kernel's BTF is read and parsed once for all of them. */
static int l_kernel_offset(lua_State *L)
{
	const char *sname = luaL_checkstring(L, 1);
	int n = lua_gettop(L) - 1;
	struct ox_blob blob;
	struct ox_err err;
	struct btf *btf;
	uint32_t id, off;
	luaL_checkstring(L, 2);
	for (int i = 2; i <= n + 1; i++)
		luaL_checkstring(L, i);
	if (ox_read_file("/sys/kernel/btf/vmlinux", &blob, &err))
		return oxl_fail(L, &err);
	btf = btf_parse(blob.data, blob.size, &err);
	free(blob.data);
	if (!btf)
		return oxl_fail(L, &err);
	id = btf_find(btf, sname, BTF_KIND_STRUCT);
	luaL_checkstack(L, n, "offsets");
	for (int i = 2; i <= n + 1; i++) {
		const char *member = lua_tostring(L, i);
		if (!id || member_offset(btf, id, member, 0, &off)) {
			btf_free(btf);
			luaL_pushfail(L);
			lua_pushfstring(L, "the kernel's BTF has no %s in struct %s", member, sname);
			lua_pushinteger(L, ENOENT);
			return 3;
		}
		lua_pushinteger(L, off);
	}
	btf_free(btf);
	return n;
}

/* core.kernel_type(spec[, { btf = path, btf_dir = dir }]) -> { id, kind, name,
 * size, module, members, values } | nil, message, errno: a type of the kernel's BTF
 * (vmlinux, then the modules) or of a BTF file, as CO-RE relocations see it.
 * spec is "struct foo", "union foo", "enum foo" or a plain name. */
static int l_kernel_type(lua_State *L)
{
	const char *spec = luaL_checkstring(L, 1), *name = spec, *module = NULL, *path = NULL, *dir = NULL;
	static const struct { const char *kw; int kind; } kws[] = {
		{ "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION }, { "enum ", BTF_KIND_ENUM },
	};
	const struct btf *btf = NULL;
	const struct btf_type *t;
	struct ox_btf_target tgt;
	struct ox_err err;
	struct btf *file = NULL;
	int kind = -1;
	uint32_t id;
	int64_t size;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "btf");
		path = luaL_optstring(L, -1, NULL);
		lua_getfield(L, 2, "btf_dir");
		dir = luaL_optstring(L, -1, NULL);
	}
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
		if (!strncmp(spec, kws[i].kw, strlen(kws[i].kw))) {
			kind = kws[i].kind;
			name = spec + strlen(kws[i].kw);
		}
	ox_btf_target_init(&tgt, NULL, dir);
	if (path) {
		if (!(file = ox_btf_read_file(path, &err)))
			return oxl_fail(L, &err);
		btf = file;
		id = kind < 0 ? btf_find_by_spec(file, spec) : btf_find(file, name, kind);
		if (!id && kind == BTF_KIND_ENUM)
			id = btf_find(file, name, BTF_KIND_ENUM64);
	} else {
		id = ox_btf_target_find(&tgt, name, kind, &btf, &module, &err);
		if (!id && kind == BTF_KIND_ENUM)
			id = ox_btf_target_find(&tgt, name, BTF_KIND_ENUM64, &btf, &module, &err);
		if (!id && !tgt.vmlinux) {
			ox_btf_target_release(&tgt);
			return oxl_fail(L, &err);
		}
	}
	if (!id) {
		ox_btf_target_release(&tgt);
		btf_free(file);
		luaL_pushfail(L);
		lua_pushfstring(L, "%s has no type '%s'", path ? path : "the kernel's BTF", spec);
		lua_pushinteger(L, ENOENT);
		return 3;
	}
	t = btf_type_by_id(btf, id);
	lua_createtable(L, 0, 6);
	lua_pushinteger(L, id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, btf_kind_name(btf_kind(t)));
	lua_setfield(L, -2, "kind");
	lua_pushstring(L, btf_name(btf, id));
	lua_setfield(L, -2, "name");
	if ((size = btf_size(btf, id)) >= 0) {
		lua_pushinteger(L, size);
		lua_setfield(L, -2, "size");
	}
	if (module) {
		lua_pushstring(L, module);
		lua_setfield(L, -2, "module");
	}
	if (btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION) {
		lua_createtable(L, (int)btf_vlen(t), 0);
		for (uint32_t i = 0; i < btf_vlen(t); i++) {
			lua_createtable(L, 0, 4);
			lua_pushstring(L, btf_str(btf, btf_members(t)[i].name_off));
			lua_setfield(L, -2, "name");
			lua_pushinteger(L, btf_member_bit_offset(t, i));
			lua_setfield(L, -2, "bit_offset");
			lua_pushinteger(L, btf_member_bitfield_size(t, i));
			lua_setfield(L, -2, "bitfield_size");
			lua_pushinteger(L, btf_members(t)[i].type);
			lua_setfield(L, -2, "type");
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_setfield(L, -2, "members");
	}
	if (btf_kind(t) == BTF_KIND_ENUM || btf_kind(t) == BTF_KIND_ENUM64) {
		lua_createtable(L, 0, (int)btf_vlen(t));
		for (uint32_t i = 0; i < btf_vlen(t); i++) {
			if (btf_kind(t) == BTF_KIND_ENUM) {
				lua_pushinteger(L, btf_kflag(t) ? (lua_Integer)btf_enums(t)[i].val :
						(lua_Integer)(uint32_t)btf_enums(t)[i].val);
				lua_setfield(L, -2, btf_str(btf, btf_enums(t)[i].name_off));
			} else {
				const struct btf_enum64 *e = &btf_enums64(t)[i];
				lua_pushinteger(L, (lua_Integer)((uint64_t)e->val_hi32 << 32 | e->val_lo32));
				lua_setfield(L, -2, btf_str(btf, e->name_off));
			}
		}
		lua_setfield(L, -2, "values");
	}
	ox_btf_target_release(&tgt);
	btf_free(file);
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "kernel_offset", l_kernel_offset },
	{ "kernel_type", l_kernel_type },
	{ "now", l_now },
	{ "machine", l_machine },
	{ "cleanup_probes", l_cleanup_probes },
	{ "stat", l_stat },
	{ "realpath", l_realpath },
	{ "uids", l_uids },
	{ "probe_events", l_probe_events },
	{ "open", l_open },
	{ "parse", l_parse },
	{ "btf", l_btf },
	{ "btf_sanitize", l_btf_sanitize },
	{ "errname", l_errname },
	{ "kernel_version", l_kernel_version },
	{ "possible_cpus", l_possible_cpus },
	{ "section", l_section },
	{ "reader", oxl_reader_new },
	{ "loop", oxl_loop_new },
	{ "features", oxl_features_fn },
	{ NULL, NULL }
};

int luaopen_oxlua_core(lua_State *L)
{
	oxl_open_object(L);
	oxl_open_instance(L);
	oxl_open_map(L);
	oxl_open_program(L);
	oxl_open_attach(L);
	oxl_open_reader(L);
	oxl_open_loop(L);
	luaL_newlib(L, funcs);
	oxl_open_sock(L);
	oxl_open_probe(L);
	lua_pushstring(L, OXLUA_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
