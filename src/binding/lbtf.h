/* lbtf.h - converting between Lua values and bytes laid out by a BTF type. */
#ifndef OXLUA_LBTF_H
#define OXLUA_LBTF_H

#include <lua.h>
#include "btf/btf.h"

/* Push the value stored at data (size bytes) as described by BTF type id.
 * Integers (any size up to 8, signed/unsigned, bool as boolean), enums -> integer,
 * char arrays -> string cut at the first NUL, arrays of other 1-byte
 * integers (__u8 addr[4]) -> their bytes as a string, other arrays -> sequences,
 * struct/union -> table keyed by member name (anonymous members flattened
 * into the parent table), bitfields -> integer, pointers -> integer,
 * float/double -> number. Falls back to a raw byte string when the type is
 * unusable (void, func, size mismatch). Never raises for any byte content. */
void oxl_btf_push(lua_State *L, const struct btf *btf, uint32_t id,
		  const void *data, size_t size);

/* Encode the Lua value at idx into out (size bytes; the caller zeroes out
 * first; fields the table does not mention stay zero). Accepts: integers
 * (and booleans) for ints/enums/pointers, numbers for floats, strings for
 * char arrays (must fit), tables for structs/unions (by member name) and
 * arrays (sequence), and for any type a string of exactly the type's size
 * (raw bytes). Returns 0, or -1 with a message such as
 * "field 'comm': string of 20 bytes does not fit char[16]" in err. */
int oxl_btf_encode(lua_State *L, int idx, const struct btf *btf, uint32_t id,
		   void *out, size_t size, char *err, size_t errlen);

/* A type compiled for fast repeated decoding (events): the same values as
 * oxl_btf_push, without walking the type each time. NULL when the type cannot
 * be compiled (then use oxl_btf_push). The plan refers to btf's strings: it
 * must not outlive btf. data must hold oxl_plan_size() bytes. */
struct oxl_plan;
struct oxl_plan *oxl_plan_compile(const struct btf *btf, uint32_t id);
void oxl_plan_push(lua_State *L, const struct oxl_plan *p, const void *data);
uint32_t oxl_plan_size(const struct oxl_plan *p);
void oxl_plan_free(struct oxl_plan *p);

#endif
