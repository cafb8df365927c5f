/* ltypes.c - BTF from Lua: checking a raw blob (core.btf), the blob the
 * loader would give an older kernel (core.btf_sanitize), and the running
 * kernel's types as CO-RE relocations see them (core.kernel_type,
 * core.kernel_offset). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binding/lcore.h"
#include "binding/lopen.h"
#include "btf/btf.h"
#include "btf/btf_target.h"

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

void oxl_open_types(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "btf", l_btf }, { "btf_sanitize", l_btf_sanitize }, { "kernel_type", l_kernel_type },
		{ "kernel_offset", l_kernel_offset }, { NULL, NULL }
	};
	luaL_setfuncs(L, funcs, 0);
}
