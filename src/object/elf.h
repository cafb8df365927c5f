/* elf.h - the ELF view used while parsing an object (internal to the parser). */
#ifndef OXLUA_ELF_H
#define OXLUA_ELF_H

#include <gelf.h>
#include <stdint.h>
#include "common.h"

struct ox_elf_sec {
	const char *name;
	GElf_Shdr sh;
	const uint8_t *data;	/* NULL for SHT_NOBITS */
	size_t size;
};

struct ox_elf {
	Elf *e;
	const char *file;	/* name used in messages */
	struct ox_elf_sec *secs;
	size_t nr_secs;
	uint32_t *sec_by_name;	/* section indices sorted by (name, index) */
	GElf_Sym *syms;
	const char **sym_names;
	size_t nr_syms;
	uint32_t *by_name;	/* symbol indices sorted by (section, name, index) */
	int symtab, btf_maps_sec;
};

/* Check the ELF header (a 64-bit relocatable BPF object of this host's byte
 * order), read and index the sections and symbols of img (size bytes, which
 * must outlive elf). Errors say what is wrong with the file. */
int ox_elf_open(struct ox_elf *elf, const uint8_t *img, size_t size, struct ox_err *err);
void ox_elf_close(struct ox_elf *elf);

/* Section index by exact name, -1 if absent. */
int ox_elf_find_sec(const struct ox_elf *elf, const char *name);
/* Symbol in section `sec` at value `off` (first non-section symbol), -1. */
int ox_elf_sym_at(const struct ox_elf *elf, int sec, uint64_t off);
/* Symbol in section `sec` by name, -1. */
int ox_elf_sym_named(const struct ox_elf *elf, int sec, const char *name);
/* Iterate the relocations of section `target`: calls fn(ctx, rel, i) for each
 * (SHT_REL only). Returns -1 when fn does or a relocation section is corrupt. */
typedef int (*ox_rel_fn)(void *ctx, const GElf_Rel *rel, size_t i, struct ox_err *err);
int ox_elf_each_rel(const struct ox_elf *elf, int target, ox_rel_fn fn, void *ctx,
		    struct ox_err *err);

static inline int ox_is_data_sec(const char *n)
{
	return !__builtin_strcmp(n, ".data") || !__builtin_strncmp(n, ".data.", 6) ||
	       !__builtin_strcmp(n, ".rodata") || !__builtin_strncmp(n, ".rodata.", 8) ||
	       !__builtin_strcmp(n, ".bss") || !__builtin_strncmp(n, ".bss.", 5);
}

#endif
