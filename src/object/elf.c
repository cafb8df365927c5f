/* elf.c - the ELF view of a BPF object: its header checked, sections and
 * symbols read and indexed, relocations walked. The object is built from
 * this view by object.c, funcs.c, maps.c and externs.c. Nothing here talks
 * to the kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object/elf.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static int sec_order(const void *x, const void *y, void *ctx)
{
	const struct ox_elf *elf = ctx;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	int c = strcmp(elf->secs[a].name, elf->secs[b].name);
	return c ? c : a < b ? -1 : a > b;
}

/* The first section (lowest index) named name: a binary search of the name
 * index (a DATASEC is matched to its section for every DATASEC of the BTF). */
int ox_elf_find_sec(const struct ox_elf *elf, const char *name)
{
	size_t lo = 0, n = elf->nr_secs ? elf->nr_secs - 1 : 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(elf->secs[elf->sec_by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && strcmp(elf->secs[elf->sec_by_name[lo]].name, name) == 0)
		return (int)elf->sec_by_name[lo];
	return -1;
}

int ox_elf_sym_at(const struct ox_elf *elf, int sec, uint64_t off)
{
	for (size_t i = 1; i < elf->nr_syms; i++) {
		const GElf_Sym *s = &elf->syms[i];
		if (s->st_shndx == sec && s->st_value == off &&
		    GELF_ST_TYPE(s->st_info) != STT_SECTION && elf->sym_names[i][0])
			return (int)i;
	}
	return -1;
}

/* Order of the name index: section, then name, then symbol index. */
static int sym_cmp(const struct ox_elf *elf, uint32_t a, int sec, const char *name, uint32_t b)
{
	int c;
	if (elf->syms[a].st_shndx != sec)
		return elf->syms[a].st_shndx < sec ? -1 : 1;
	if ((c = strcmp(elf->sym_names[a], name)))
		return c;
	return a < b ? -1 : a > b;
}

static int sym_order(const void *x, const void *y, void *ctx)
{
	const struct ox_elf *elf = ctx;
	uint32_t b = *(const uint32_t *)y;
	return sym_cmp(elf, *(const uint32_t *)x, elf->syms[b].st_shndx, elf->sym_names[b], b);
}

/* The first symbol (lowest index) of section sec named name: a binary search
 * of the name index, so that looking up every variable of a DATASEC costs
 * n log n on hostile objects too. */
int ox_elf_sym_named(const struct ox_elf *elf, int sec, const char *name)
{
	size_t lo = 0, hi = elf->nr_syms ? elf->nr_syms - 1 : 0;	/* by_name omits symbol 0 */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sym_cmp(elf, elf->by_name[mid], sec, name, 0) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < (elf->nr_syms ? elf->nr_syms - 1 : 0)) {
		uint32_t i = elf->by_name[lo];
		if (elf->syms[i].st_shndx == sec && strcmp(elf->sym_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

int ox_elf_each_rel(const struct ox_elf *elf, int target, ox_rel_fn fn, void *ctx,
		    struct ox_err *err)
{
	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct ox_elf_sec *s = &elf->secs[i];
		size_t n;
		if (s->sh.sh_type != SHT_REL || s->sh.sh_info != (GElf_Word)target)
			continue;
		if (s->sh.sh_entsize != sizeof(Elf64_Rel))
			return ox_errf(err, 0, "section '%s': sh_entsize %lu, expected %zu",
				       s->name, (unsigned long)s->sh.sh_entsize, sizeof(Elf64_Rel));
		n = s->size / sizeof(Elf64_Rel);
		if (n > OX_MAX_RELOS)
			return ox_errf(err, 0, "section '%s': %zu relocations (limit %u)", s->name, n,
				       OX_MAX_RELOS);
		for (size_t j = 0; j < n; j++) {
			GElf_Rel rel;
			memcpy(&rel, s->data + j * sizeof(Elf64_Rel), sizeof rel);
			if (GELF_R_SYM(rel.r_info) >= elf->nr_syms)
				return ox_errf(err, 0, "section '%s': relocation %zu names symbol %lu, "
					       "but the symbol table has %zu", s->name, j,
					       (unsigned long)GELF_R_SYM(rel.r_info), elf->nr_syms);
			if (fn(ctx, &rel, j, err))
				return -1;
		}
	}
	return 0;
}

/* ---- sections and symbols ---- */

static int read_sections(struct ox_elf *elf, const uint8_t *img, size_t size, struct ox_err *err)
{
	size_t n, shstrndx;
	if (elf_getshdrnum(elf->e, &n) || elf_getshdrstrndx(elf->e, &shstrndx))
		return ox_errf(err, 0, "corrupt section header table: %s", elf_errmsg(-1));
	if (n == 0 || n > OX_MAX_SECTIONS)
		return ox_errf(err, 0, "%zu sections (expected 1 to %u)", n, OX_MAX_SECTIONS);
	if (shstrndx >= n)
		return ox_errf(err, 0, "section name table index %zu out of range", shstrndx);
	elf->secs = calloc(n, sizeof *elf->secs);
	if (!elf->secs)
		return ox_errf(err, ENOMEM, "out of memory");
	elf->nr_secs = n;
	for (size_t i = 1; i < n; i++) {
		struct ox_elf_sec *s = &elf->secs[i];
		Elf_Scn *scn = elf_getscn(elf->e, i);
		if (!scn || !gelf_getshdr(scn, &s->sh))
			return ox_errf(err, 0, "section %zu: corrupt header: %s", i, elf_errmsg(-1));
		s->name = elf_strptr(elf->e, shstrndx, s->sh.sh_name);
		if (!s->name)
			return ox_errf(err, 0, "section %zu: name offset %u out of range", i,
				       (unsigned)s->sh.sh_name);
		s->size = s->sh.sh_size;
		if (s->sh.sh_type == SHT_NOBITS)
			continue;
		if (!ox_range_ok(s->sh.sh_offset, s->sh.sh_size, size))
			return ox_errf(err, 0, "section '%s': offset %lu + size %lu is past the end "
				       "of the file (%zu bytes)", s->name, (unsigned long)s->sh.sh_offset,
				       (unsigned long)s->sh.sh_size, size);
		/* instructions are read in place: struct bpf_insn needs alignment */
		if ((s->sh.sh_flags & SHF_EXECINSTR) && s->sh.sh_offset % 8)
			return ox_errf(err, 0, "section '%s': code at file offset %lu is not 8-byte "
				       "aligned", s->name, (unsigned long)s->sh.sh_offset);
		s->data = img + s->sh.sh_offset;
	}
	if (!(elf->sec_by_name = malloc(n * sizeof *elf->sec_by_name)))
		return ox_errf(err, ENOMEM, "out of memory");
	for (size_t i = 1; i < n; i++)
		elf->sec_by_name[i - 1] = (uint32_t)i;
	if (n > 2)
		qsort_r(elf->sec_by_name, n - 1, sizeof *elf->sec_by_name, sec_order, elf);
	return 0;
}

static int read_symbols(struct ox_elf *elf, struct ox_err *err)
{
	const struct ox_elf_sec *s;
	size_t n;
	elf->symtab = -1;
	for (size_t i = 1; i < elf->nr_secs; i++)
		if (elf->secs[i].sh.sh_type == SHT_SYMTAB) {
			if (elf->symtab >= 0)
				return ox_errf(err, 0, "more than one symbol table");
			elf->symtab = (int)i;
		}
	if (elf->symtab < 0)
		return ox_errf(err, 0, "no symbol table (stripped object?)");
	s = &elf->secs[elf->symtab];
	if (s->sh.sh_entsize != sizeof(Elf64_Sym))
		return ox_errf(err, 0, "section '%s': sh_entsize %lu, expected %zu", s->name,
			       (unsigned long)s->sh.sh_entsize, sizeof(Elf64_Sym));
	if (s->sh.sh_link == 0 || s->sh.sh_link >= elf->nr_secs ||
	    elf->secs[s->sh.sh_link].sh.sh_type != SHT_STRTAB)
		return ox_errf(err, 0, "section '%s': string table link %u is not a string table",
			       s->name, (unsigned)s->sh.sh_link);
	n = s->size / sizeof(Elf64_Sym);
	if (n > OX_MAX_SYMBOLS)
		return ox_errf(err, 0, "%zu symbols (limit %u)", n, OX_MAX_SYMBOLS);
	elf->syms = calloc(n ? n : 1, sizeof *elf->syms);
	elf->sym_names = calloc(n ? n : 1, sizeof *elf->sym_names);
	if (!elf->syms || !elf->sym_names)
		return ox_errf(err, ENOMEM, "out of memory");
	elf->nr_syms = n;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym *sym = &elf->syms[i];
		memcpy(sym, s->data + i * sizeof(Elf64_Sym), sizeof *sym);
		elf->sym_names[i] = elf_strptr(elf->e, s->sh.sh_link, sym->st_name);
		if (!elf->sym_names[i])
			return ox_errf(err, 0, "symbol %zu: name offset %u out of range", i,
				       (unsigned)sym->st_name);
		if (sym->st_shndx >= elf->nr_secs && sym->st_shndx < SHN_LORESERVE)
			return ox_errf(err, 0, "symbol '%s': section index %u out of range",
				       elf->sym_names[i], (unsigned)sym->st_shndx);
	}
	if (!(elf->by_name = malloc(n ? n * sizeof *elf->by_name : 1)))
		return ox_errf(err, ENOMEM, "out of memory");
	for (size_t i = 1; i < n; i++)
		elf->by_name[i - 1] = (uint32_t)i;
	if (n > 2)
		qsort_r(elf->by_name, n - 1, sizeof *elf->by_name, sym_order, elf);
	return 0;
}

static int check_ident(const uint8_t *img, size_t size, struct ox_err *err)
{
	Elf64_Ehdr eh;
	if (size < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG) != 0)
		return ox_errf(err, 0, "not an ELF file");
	if (img[EI_CLASS] != ELFCLASS64)
		return ox_errf(err, 0, "32-bit ELF; BPF objects are 64-bit");
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (img[EI_DATA] != ELFDATA2LSB)
		return ox_errf(err, 0, "big-endian ELF; this host is little-endian "
			       "(compile with -target bpfel or bpf)");
#else
	if (img[EI_DATA] != ELFDATA2MSB)
		return ox_errf(err, 0, "little-endian ELF; this host is big-endian");
#endif
	if (size < sizeof(Elf64_Ehdr))
		return ox_errf(err, 0, "truncated ELF header (%zu bytes)", size);
	memcpy(&eh, img, sizeof eh);
	if (eh.e_shnum && (eh.e_shentsize != sizeof(Elf64_Shdr) ||
			   !ox_range_ok(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), size)))
		return ox_errf(err, 0, "section header table (offset %lu, %u entries of %u bytes) "
			       "is past the end of the file (%zu bytes): truncated?",
			       (unsigned long)eh.e_shoff, eh.e_shnum, eh.e_shentsize, size);
	if (!eh.e_shnum && !eh.e_shoff)
		return ox_errf(err, 0, "no section header table");
	return 0;
}

int ox_elf_open(struct ox_elf *elf, const uint8_t *img, size_t size, struct ox_err *err)
{
	GElf_Ehdr eh;
	if (check_ident(img, size, err))
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ox_errf(err, 0, "libelf is too old");
	elf->e = elf_memory((char *)img, size);
	if (!elf->e || elf_kind(elf->e) != ELF_K_ELF || !gelf_getehdr(elf->e, &eh))
		return ox_errf(err, 0, "corrupt ELF header: %s", elf_errmsg(-1));
	if (eh.e_machine != EM_BPF)
		return ox_errf(err, 0, "not a BPF object (e_machine %u, expected %u)",
			       (unsigned)eh.e_machine, EM_BPF);
	if (eh.e_type != ET_REL)
		return ox_errf(err, 0, "not a relocatable object (e_type %u)", (unsigned)eh.e_type);
	if (read_sections(elf, img, size, err) || read_symbols(elf, err))
		return -1;
	elf->btf_maps_sec = ox_elf_find_sec(elf, ".maps");
	return 0;
}

void ox_elf_close(struct ox_elf *elf)
{
	if (elf->e)
		elf_end(elf->e);
	free(elf->secs);
	free(elf->syms);
	free(elf->sym_names);
	free(elf->by_name);
	free(elf->sec_by_name);
}

