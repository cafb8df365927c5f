/* btf.h - BPF Type Format: parsing, validation, lookups, .BTF.ext.
 * Engine layer: no Lua, no kernel calls.
 *
 * Parsing and validation are btf.c's, lookups btf_query.c's, the DATASEC
 * fixup and the sanitized copy btf_sanitize.c's, .BTF.ext btf_ext.c's. */
#ifndef OXLUA_BTF_H
#define OXLUA_BTF_H

#include <stdint.h>
#include <stddef.h>
#include <linux/btf.h>
#include "common.h"

struct btf;

/* ---- parsing (btf.c) ---- */

/* Parse a raw .BTF blob. The data is copied; the returned object owns it.
 * Validates: magic 0xeb9f, version 1, header length and section offsets/lengths
 * inside the blob, the string section starts and ends with NUL, every type
 * record fits, every kind is known (<= BTF_KIND_ENUM64), every name and member
 * name offset is inside the string section, every referenced type id is in
 * range, and no chain of modifiers/typedefs/arrays/pointers... loops back on
 * itself (reference loops through pointers are legal: struct list { struct list *next; }).
 * Returns NULL and sets err (errnum 0) naming what is wrong, e.g.
 * "BTF: type 12 references type 900 out of range (max 57)". */
struct btf *btf_parse(const void *data, size_t size, struct ox_err *err);
/* Parse a split BTF (a kernel module's /sys/kernel/btf/<module>) on top of
 * base (not copied: it must outlive the result). Its type ids continue after
 * base's highest id and its string offsets after base's string section, so
 * btf_type_by_id, btf_str, btf_name, btf_find... see base and split as one
 * BTF. The same validation as btf_parse, except that the string section
 * may be empty and need not start with NUL. */
struct btf *btf_parse_split(const void *data, size_t size, const struct btf *base,
			    struct ox_err *err);
void btf_free(struct btf *btf);
/* The base of a split BTF, NULL for a plain one. */
const struct btf *btf_base(const struct btf *btf);
/* The first id the BTF itself defines: 1, or a split BTF's first own id. */
uint32_t btf_start_id(const struct btf *btf);

/* ---- lookups (btf_query.c; btf_align: btf.c) ---- */

/* Highest valid type id (ids run 1..btf_max_id; 0 is void). */
uint32_t btf_max_id(const struct btf *btf);
/* The type record for id, NULL for 0 (void) or out of range. */
const struct btf_type *btf_type_by_id(const struct btf *btf, uint32_t id);
/* String at offset, "" when out of range. */
const char *btf_str(const struct btf *btf, uint32_t off);
/* Name of a type ("" for anonymous/void). */
const char *btf_name(const struct btf *btf, uint32_t id);

/* First type id with this name and kind (kind < 0: any kind), or 0. */
uint32_t btf_find(const struct btf *btf, const char *name, int kind);
/* Look up "struct foo", "union foo", "enum foo" or a plain name (typedefs,
 * ints, ...). Returns 0 if not found. */
uint32_t btf_find_by_spec(const struct btf *btf, const char *spec);

/* Skip typedef, const, volatile, restrict, type_tag. Returns resolved id (may be 0). */
uint32_t btf_resolve(const struct btf *btf, uint32_t id);
/* Byte size of a type (resolving modifiers/typedefs, arrays multiply,
 * pointers are 8). -1 for void, func, func_proto, or an invalid chain. */
int64_t btf_size(const struct btf *btf, uint32_t id);
/* Natural alignment (1,2,4,8), used to lay out .kconfig. -1 on error. */
int btf_align(const struct btf *btf, uint32_t id);

/* Accessors. */
static inline uint32_t btf_kind(const struct btf_type *t) { return BTF_INFO_KIND(t->info); }
static inline uint32_t btf_vlen(const struct btf_type *t) { return BTF_INFO_VLEN(t->info); }
static inline int btf_kflag(const struct btf_type *t) { return BTF_INFO_KFLAG(t->info); }
static inline const struct btf_member *btf_members(const struct btf_type *t)
{ return (const struct btf_member *)(t + 1); }
static inline const struct btf_enum *btf_enums(const struct btf_type *t)
{ return (const struct btf_enum *)(t + 1); }
static inline const struct btf_enum64 *btf_enums64(const struct btf_type *t)
{ return (const struct btf_enum64 *)(t + 1); }
static inline const struct btf_array *btf_array_info(const struct btf_type *t)
{ return (const struct btf_array *)(t + 1); }
static inline const struct btf_var *btf_var_info(const struct btf_type *t)
{ return (const struct btf_var *)(t + 1); }
static inline const struct btf_var_secinfo *btf_secinfos(const struct btf_type *t)
{ return (const struct btf_var_secinfo *)(t + 1); }
static inline const struct btf_param *btf_params(const struct btf_type *t)
{ return (const struct btf_param *)(t + 1); }
/* For INT: encoding bits (BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL), offset, bits. */
static inline uint32_t btf_int_word(const struct btf_type *t) { return *(const uint32_t *)(t + 1); }
/* Member bit offset / bitfield size honouring kind_flag. */
uint32_t btf_member_bit_offset(const struct btf_type *t, uint32_t i);
uint32_t btf_member_bitfield_size(const struct btf_type *t, uint32_t i);

/* Kind as a lowercase word: "int", "ptr", "array", "struct", "union", "enum",
 * "fwd", "typedef", "volatile", "const", "restrict", "func", "func_proto",
 * "var", "datasec", "float", "decl_tag", "type_tag", "enum64". */
const char *btf_kind_name(uint32_t kind);

/* Writes a C-like name for a type into buf: "struct event", "u32", "char[16]",
 * "int *". Returns buf. */
const char *btf_type_str(const struct btf *btf, uint32_t id, char *buf, size_t len);

/* Raw blob (the object's own copy, possibly modified by the fixups below;
 * a split BTF's own part only). */
const void *btf_raw(const struct btf *btf, size_t *size);

/* The DATASEC named secname ("" -> not found returns 0). */
uint32_t btf_find_datasec(const struct btf *btf, const char *secname);

/* ---- for the kernel (btf_sanitize.c) ---- */

/* Fix up a DATASEC the way the kernel wants it: set its size, and each VAR's
 * offset from the callback (ELF symbol value); then sort secinfos by offset.
 * Callback returns 0 and sets *off, or -1 if the symbol is unknown (error). */
typedef int (*btf_sym_off_fn)(void *ctx, const char *name, uint32_t *off);
int btf_fixup_datasec(struct btf *btf, uint32_t datasec_id, uint32_t size,
		      btf_sym_off_fn fn, void *ctx, struct ox_err *err);

/* Make a copy safe for the running kernel to load: the .ksyms DATASEC is made
 * loadable (externs become allocated), and kinds the kernel does not know are
 * rewritten as libbpf does (the flags say which are supported; NULL: all).
 * Returns a malloc'd blob. */
struct btf_kernel_caps {
	unsigned decl_tag:1, type_tag:1, enum64:1, float_:1, datasec:1, func:1,
		 func_global:1, qmark_datasec:1;
};
void *btf_sanitize(const struct btf *btf, const struct btf_kernel_caps *caps, size_t *size);

/* ---- .BTF.ext (btf_ext.c) ---- */
struct btf_ext_sec {
	const char *sec_name;	/* ELF section the records belong to */
	uint32_t nr;		/* number of records */
	const uint8_t *recs;	/* nr * rec_size bytes, pointing into the ext copy */
};
struct btf_ext_info {
	uint32_t rec_size;	/* 0 when the info is absent */
	uint32_t nr_secs;
	struct btf_ext_sec *secs;
};
struct btf_ext {
	struct btf_ext_info func_info;	/* records: struct bpf_func_info (insn_off in BYTES here) */
	struct btf_ext_info line_info;	/* records: struct bpf_line_info (insn_off in BYTES here) */
	struct btf_ext_info core_relo;	/* records: struct bpf_core_relo */
	void *data;
	size_t size;
};
/* Validates header and every record block (sizes, counts, section name
 * offsets in btf's strings, record sizes >= the minimum). */
struct btf_ext *btf_ext_parse(const void *data, size_t size, const struct btf *btf,
			      struct ox_err *err);
void btf_ext_free(struct btf_ext *ext);
const struct btf_ext_sec *btf_ext_find(const struct btf_ext_info *info, const char *sec_name);

#endif
