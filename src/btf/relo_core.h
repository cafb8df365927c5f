/* relo_core.h - CO-RE relocations: rewriting instructions compiled against
 * one set of types (the object's BTF) for another (the target's: the
 * kernel's BTF with its modules, or a BTF file given by the user).
 *
 * Pure computation: no kernel calls, no files, no Lua. Everything comes from
 * memory, so a fuzzer can drive it with an object's BTF and .BTF.ext and one
 * fixed target BTF. Semantics follow libbpf's (candidate search by essential
 * name, access strings, field/type/enum value relocations, poisoning).
 * relo_core.c drives a relocation; its parts are the files relo_core_int.h
 * lists. */
#ifndef OXLUA_RELO_CORE_H
#define OXLUA_RELO_CORE_H

#include <stdint.h>
#include <linux/bpf.h>
#include "btf/btf.h"
#include "common.h"

/* The helper id a poisoned instruction calls; the verifier reports a
 * reachable one as "invalid func unknown#195896080". */
#define OX_CORE_POISON_HELPER 0xbad2310

/* The BTFs relocations resolve against. Candidates are searched in base
 * first; only when base has none, in the modules (split BTFs on base). */
struct ox_core_target {
	const struct btf *base;		/* vmlinux, or a user-given BTF */
	const char *what;		/* in messages: "the kernel's BTF", "BTF file x" */
	const struct btf *const *mods;	/* split BTFs on top of base */
	const char *const *mod_names;
	uint32_t nr_mods;
	/* Called at most once, the first time a type has no candidate in base,
	 * to fill mods (may leave them empty). NULL: no modules. Returns -1
	 * with err set on a fatal error. */
	int (*load_mods)(void *ctx, struct ox_core_target *t, struct ox_err *err);
	void *ctx;
	int mods_tried;
};

/* Relocation state for one object BTF against one target: it caches the
 * candidates of each local type (pruned as relocations narrow them down,
 * as libbpf does). */
struct ox_core_session;
struct ox_core_session *ox_core_session_new(const struct btf *local, struct ox_core_target *t);
void ox_core_session_free(struct ox_core_session *s);

enum { OX_CORE_APPLIED = 0, OX_CORE_POISONED = 1 };

/* Apply one relocation record to a function's instructions: insns[0..nr)
 * is the function, idx the instruction the record names (its insn_off / 8
 * minus the function's first instruction in its section).
 *
 * Returns OX_CORE_APPLIED (patched), OX_CORE_POISONED (the type, field or
 * enum value is not in the target, or the target's field cannot be read
 * with the instruction's size: the instruction now calls helper
 * OX_CORE_POISON_HELPER and why[] describes the failure, e.g.
 * "struct task_struct: field 'nope' (access 0:1) not found in the kernel's
 * BTF"), or -1 with err set when the record itself is invalid (bad access
 * string, type id out of range, wrong instruction class, instruction value
 * not what the object's own types give, ambiguous candidates). */
int ox_core_apply(struct ox_core_session *s, const struct bpf_core_relo *r,
		  struct bpf_insn *insns, uint32_t nr, uint32_t idx,
		  char *why, size_t why_len, struct ox_err *err);

/* "byte_off", "field_exists", ... for a relocation kind; "unknown" else. */
const char *ox_core_kind_name(uint32_t kind);

/* Length of a name without its "___flavor" suffix. */
size_t ox_core_essential_len(const char *name);

#endif
