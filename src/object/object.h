/* object.h - a parsed BPF ELF object: programs, maps, globals, externs.
 * Parsing makes no kernel calls; load.c turns an object into kernel objects. */
#ifndef OXLUA_OBJECT_H
#define OXLUA_OBJECT_H

#include <stdint.h>
#include <linux/bpf.h>
#include "btf/btf.h"
#include "common.h"
#include "object/section.h"

/* Map types newer than the oldest <linux/bpf.h> this builds against (5.4). */
#define OX_MAP_TYPE_RINGBUF 27
#define OX_MAP_TYPE_USER_RINGBUF 31
#define OX_MAP_TYPE_STRUCT_OPS 26
#define OX_PROG_TYPE_STRUCT_OPS 27
#define OX_F_LINK (1u << 13)		/* BPF_F_LINK: a struct_ops map registered by a link */

enum ox_relo_kind {
	OX_RELO_MAP,		/* ld_imm64 of a map: imm = map fd */
	OX_RELO_DATA,		/* ld_imm64 into a global data map: map value + off */
	OX_RELO_EXTERN,		/* ld_imm64 of an extern: .kconfig value + off, or a .ksyms
				 * kernel variable (BTF id or address) */
	OX_RELO_CALL,		/* bpf-to-bpf call into another function */
	OX_RELO_FUNC_ADDR,	/* ld_imm64 of a function address (callbacks) */
	OX_RELO_KFUNC,		/* call of a .ksyms extern function (a kfunc) */
};

struct ox_relo {
	uint32_t insn;		/* index in the function */
	uint8_t kind;		/* enum ox_relo_kind */
	int32_t map;		/* OX_RELO_MAP/DATA: map index */
	int32_t ext;		/* OX_RELO_EXTERN/KFUNC: extern index */
	int32_t target_sec;	/* CALL/FUNC_ADDR: ELF section of the target */
	uint64_t sym_off;	/* symbol value (DATA offset, CALL target base) */
};

/* A function: an entry program or a subprogram (.text). */
struct ox_func {
	char *name;
	int sec;		/* ELF section index */
	uint32_t off;		/* first instruction within its section */
	uint32_t cnt;		/* number of instructions */
	struct bpf_insn *insns;	/* points into the section copy */
	struct ox_relo *relos;
	uint32_t nr_relos;
	int is_prog;		/* entry point (not in .text) */
	int autoload;		/* 0 for "?sec" */
	int known;		/* section name recognised */
	char *sec_name;		/* without '?' */
	struct ox_section def;	/* program type, attach type, target, kind */
};

enum ox_map_kind { OX_MAP_USER, OX_MAP_DATA, OX_MAP_RODATA, OX_MAP_BSS, OX_MAP_KCONFIG,
		   OX_MAP_STRUCT_OPS /* a variable of .struct_ops[.link]: slots are members */ };

/* An initial slot: of a map-in-map or prog_array (index = key), or of a
 * struct_ops map (index = the member of its struct, is_prog). */
struct ox_slot { uint32_t index; char *target; int is_prog; };

struct ox_mapdef {
	char *name;
	int kind;		/* enum ox_map_kind */
	uint32_t type, key_size, value_size, max_entries, map_flags, numa_node, pinning;
	uint64_t map_extra;
	uint32_t btf_key, btf_value;	/* BTF type ids, 0 if unknown */
	int sec;		/* defining ELF section */
	uint64_t sec_off;	/* offset of its definition / symbol */
	uint64_t def_size;
	int inner;		/* index of the inner map template, -1 */
	int is_inner;		/* only a template for an outer map */
	struct ox_slot *slots;	/* initial contents of map-in-map / prog_array */
	uint32_t nr_slots;
	uint8_t *data;		/* global data: initial value (value_size bytes) */
	uint32_t datasec;	/* global data: BTF DATASEC id, 0 if none */
	uint32_t def_type;	/* BTF map: the definition struct; struct_ops: the struct */
};

enum ox_ext_type { OX_EXT_UNKNOWN, OX_EXT_BOOL, OX_EXT_TRISTATE, OX_EXT_CHAR, OX_EXT_INT, OX_EXT_STR };

struct ox_extern {
	char *name;
	int sym;		/* ELF symbol index */
	int weak;
	int is_kconfig;		/* else .ksyms */
	int is_func;		/* .ksyms: a kernel function (BTF FUNC), else a variable */
	uint32_t var;		/* BTF VAR (or FUNC) id */
	uint32_t type;		/* resolved type id (FUNC: its FUNC_PROTO; 0: void,
				 * a typeless ksym) */
	uint32_t size, align, off;	/* layout in the .kconfig map */
	int ext_type;		/* enum ox_ext_type */
	int is_signed;
};

/* A global variable, from the BTF DATASECs of global data sections. */
struct ox_global {
	char *name;
	int map;		/* index of its data map */
	uint32_t off, size, type;
};

struct ox_object {
	char *name;		/* file name or given name */
	char *prefix;		/* up to 8 chars of the name, for kernel map names */
	char license[128];
	uint32_t kversion;
	uint8_t *image;		/* copy of the file */
	size_t image_size;
	struct btf *btf;	/* may be NULL */
	struct btf_ext *btf_ext;/* may be NULL */
	struct ox_func *funcs;
	uint32_t nr_funcs;
	struct ox_mapdef *maps;
	uint32_t nr_maps;
	struct ox_extern *exts;
	uint32_t nr_exts;
	struct ox_global *globals;
	uint32_t nr_globals;
	int kconfig_map;	/* index of .kconfig map, -1 */
	uint32_t kconfig_size;
	uint32_t nr_core_relos;	/* CO-RE relocation records in .BTF.ext */
	/* section bookkeeping used while relocating */
	int text_sec;
	char **sec_names;
	uint32_t nr_secs;
};

/* ---- the object (elf.c) ---- */

/* Parse an object from memory (the data is copied). name is used in errors. */
struct ox_object *ox_object_parse(const void *data, size_t size, const char *name,
				  struct ox_err *err);
/* Read and parse a file. */
struct ox_object *ox_object_open(const char *path, struct ox_err *err);
void ox_object_free(struct ox_object *obj);

int ox_object_find_func(const struct ox_object *obj, const char *name);
int ox_object_find_map(const struct ox_object *obj, const char *name);
int ox_object_find_global(const struct ox_object *obj, const char *name);
/* The function of ELF section sec holding instruction idx (in instructions), -1. */
int ox_object_func_at(const struct ox_object *obj, int sec, uint64_t idx);


#endif
