/* elf.c - reading a BPF ELF object into an ox_object: sections, symbols,
 * functions and their relocations. Maps and externs are collected by maps.c
 * and externs.c from the same ELF view. Nothing here talks to the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "object/elf.h"
#include "object/externs.h"
#include "object/maps.h"
#include "object/object.h"

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

/* ---- functions ---- */

static int cmp_func(const void *a, const void *b)
{
	const struct ox_func *x = a, *y = b;
	if (x->sec != y->sec)
		return x->sec - y->sec;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct ox_object *obj = ctx;
	return strcmp(obj->funcs[*(const uint32_t *)a].name, obj->funcs[*(const uint32_t *)b].name);
}

/* Programs are found by name: two with one name are refused. */
static int unique_progs(const struct ox_object *obj, struct ox_err *err)
{
	uint32_t *idx = malloc((obj->nr_funcs ? obj->nr_funcs : 1) * sizeof *idx), n = 0;
	int rc = 0;
	if (!idx)
		return ox_errf(err, ENOMEM, "out of memory");
	for (uint32_t i = 0; i < obj->nr_funcs; i++)
		if (obj->funcs[i].is_prog)
			idx[n++] = i;
	if (n > 1)
		qsort_r(idx, n, sizeof *idx, cmp_name, (void *)obj);
	for (uint32_t i = 1; i < n && !rc; i++)
		if (strcmp(obj->funcs[idx[i]].name, obj->funcs[idx[i - 1]].name) == 0)
			rc = ox_errf(err, 0, "two programs are named '%s'", obj->funcs[idx[i]].name);
	free(idx);
	return rc;
}

/* Executable sections with code but no function symbol cannot be split. */
static int code_covered(const struct ox_object *obj, const struct ox_elf *elf, struct ox_err *err)
{
	uint8_t *has = calloc(elf->nr_secs, 1);
	int rc = 0;
	if (!has)
		return ox_errf(err, ENOMEM, "out of memory");
	for (uint32_t j = 0; j < obj->nr_funcs; j++)
		has[obj->funcs[j].sec] = 1;
	for (size_t i = 1; i < elf->nr_secs && !rc; i++) {
		const struct ox_elf_sec *s = &elf->secs[i];
		if (s->sh.sh_type == SHT_PROGBITS && (s->sh.sh_flags & SHF_EXECINSTR) && s->size &&
		    !has[i])
			rc = ox_errf(err, 0, "section '%s' has code but no function symbol", s->name);
	}
	free(has);
	return rc;
}

/* A global subprogram of hidden (or internal) visibility cannot be called
 * from another object: its BTF FUNC is made static, so the verifier checks
 * it in each caller's context instead of alone for any argument, as libbpf
 * does (usdt.bpf.h's bpf_usdt_arg needs it: it writes through its argument). */
static void mark_hidden_static(struct ox_object *obj, const GElf_Sym *sym, const char *name)
{
	int vis = GELF_ST_VISIBILITY(sym->st_other);
	struct btf_type *t;
	uint32_t id;
	if (!obj->btf || GELF_ST_BIND(sym->st_info) == STB_LOCAL ||
	    (vis != STV_HIDDEN && vis != STV_INTERNAL))
		return;
	id = btf_find(obj->btf, name, BTF_KIND_FUNC);
	t = id ? (struct btf_type *)btf_type_by_id(obj->btf, id) : NULL;
	if (t && btf_vlen(t) == BTF_FUNC_GLOBAL)
		t->info = (t->info & ~0xffffu) | BTF_FUNC_STATIC;
}

static int collect_funcs(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	size_t cap = 0;
	for (size_t i = 1; i < elf->nr_syms; i++) {
		const GElf_Sym *sym = &elf->syms[i];
		const struct ox_elf_sec *s;
		struct ox_func *f;
		const char *sname;
		if (GELF_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF ||
		    sym->st_shndx >= elf->nr_secs)
			continue;
		s = &elf->secs[sym->st_shndx];
		if (s->sh.sh_type != SHT_PROGBITS || !(s->sh.sh_flags & SHF_EXECINSTR))
			continue;
		if (s->size % sizeof(struct bpf_insn))
			return ox_errf(err, 0, "section '%s': size %zu is not a multiple of 8",
				       s->name, s->size);
		if (sym->st_value % 8 || sym->st_size % 8 ||
		    !ox_range_ok(sym->st_value, sym->st_size, s->size))
			return ox_errf(err, 0, "function '%s': offset %lu size %lu do not fit "
				       "section '%s' (%zu bytes)", elf->sym_names[i],
				       (unsigned long)sym->st_value, (unsigned long)sym->st_size,
				       s->name, s->size);
		if (obj->nr_funcs == cap) {
			void *p;
			cap = cap ? cap * 2 : 16;
			p = realloc(obj->funcs, cap * sizeof *obj->funcs);
			if (!p)
				return ox_errf(err, ENOMEM, "out of memory");
			obj->funcs = p;
		}
		f = &obj->funcs[obj->nr_funcs++];
		memset(f, 0, sizeof *f);
		f->sec = sym->st_shndx;
		f->off = (uint32_t)(sym->st_value / 8);
		f->cnt = (uint32_t)(sym->st_size / 8);
		f->insns = (struct bpf_insn *)(uintptr_t)s->data + f->off;
		f->name = strdup(elf->sym_names[i]);
		sname = s->name;
		f->autoload = sname[0] != '?';
		if (sname[0] == '?')
			sname++;
		f->sec_name = strdup(sname);
		if (!f->name || !f->sec_name)
			return ox_errf(err, ENOMEM, "out of memory");
		f->is_prog = (int)sym->st_shndx != obj->text_sec;
		if (!f->is_prog)
			mark_hidden_static(obj, sym, f->name);
		f->known = ox_section_lookup(f->sec_name, &f->def) == 0;
		if (!f->known)	/* (def.target points into f->sec_name) */
			f->def.target = "", f->def.kind = "";
	}
	if (obj->nr_funcs)
		qsort(obj->funcs, obj->nr_funcs, sizeof *obj->funcs, cmp_func);
	for (uint32_t i = 0; i < obj->nr_funcs; i++) {
		struct ox_func *f = &obj->funcs[i];
		if (f->cnt == 0) {	/* size missing: runs to the next function or the end */
			uint32_t end = (uint32_t)(elf->secs[f->sec].size / 8);
			if (i + 1 < obj->nr_funcs && obj->funcs[i + 1].sec == f->sec)
				end = obj->funcs[i + 1].off;
			f->cnt = end - f->off;
		}
		if (f->cnt == 0)
			return ox_errf(err, 0, "function '%s' has no instructions", f->name);
		if (f->cnt > OX_MAX_PROG_INSNS)
			return ox_errf(err, 0, "function '%s': %u instructions (limit %u)", f->name,
				       f->cnt, OX_MAX_PROG_INSNS);
		if (i + 1 < obj->nr_funcs && obj->funcs[i + 1].sec == f->sec &&
		    f->off + f->cnt > obj->funcs[i + 1].off)
			return ox_errf(err, 0, "functions '%s' and '%s' overlap", f->name,
				       obj->funcs[i + 1].name);
	}
	return unique_progs(obj, err) || code_covered(obj, elf, err) ? -1 : 0;
}

/* The function of section sec that holds instruction idx, -1. Functions are
 * sorted by (section, offset) and do not overlap: a binary search. */
int ox_object_func_at(const struct ox_object *obj, int sec, uint64_t idx)
{
	uint32_t lo = 0, hi = obj->nr_funcs;
	while (lo < hi) {	/* first function after (sec, idx) */
		uint32_t mid = lo + (hi - lo) / 2;
		const struct ox_func *f = &obj->funcs[mid];
		if (f->sec < sec || (f->sec == sec && f->off <= idx))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		const struct ox_func *f = &obj->funcs[lo - 1];
		if (f->sec == sec && idx >= f->off && idx < (uint64_t)f->off + f->cnt)
			return (int)(lo - 1);
	}
	return -1;
}

/* ---- relocations of code ---- */

struct rel_ctx {
	struct ox_object *obj;
	struct ox_elf *elf;
	int sec;
};

static int find_map_at(const struct ox_object *obj, int sec, uint64_t off, int data)
{
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		const struct ox_mapdef *m = &obj->maps[i];
		if (m->sec == sec && !m->is_inner && (data || m->sec_off == off))
			return (int)i;
	}
	return -1;
}

static int add_relo(struct ox_func *f, const struct ox_relo *r, struct ox_err *err)
{
	uint32_t n = f->nr_relos;
	if ((n & (n - 1)) == 0) {	/* 0, 1, 2, 4, ...: grow to double */
		struct ox_relo *p = realloc(f->relos, (n ? 2 * (size_t)n : 1) * sizeof *p);
		if (!p)
			return ox_errf(err, ENOMEM, "out of memory");
		f->relos = p;
	}
	f->relos[f->nr_relos++] = *r;
	return 0;
}

static int code_rel(void *vctx, const GElf_Rel *rel, size_t i, struct ox_err *err)
{
	struct rel_ctx *c = vctx;
	struct ox_object *obj = c->obj;
	struct ox_elf *elf = c->elf;
	const struct ox_elf_sec *s = &elf->secs[c->sec];
	size_t symi = GELF_R_SYM(rel->r_info);
	const GElf_Sym *sym = &elf->syms[symi];
	const char *sname = elf->sym_names[symi];
	uint64_t idx = rel->r_offset / 8;
	struct bpf_insn *insn;
	struct ox_relo r;
	struct ox_func *f;
	int fi, shndx = sym->st_shndx;

	if (rel->r_offset % 8 || !ox_range_ok(rel->r_offset, 8, s->size))
		return ox_errf(err, 0, "section '%s': relocation %zu at offset %lu is past the "
			       "section's end (%zu bytes)", s->name, i, (unsigned long)rel->r_offset,
			       s->size);
	fi = ox_object_func_at(obj, c->sec, idx);
	if (fi < 0)
		return ox_errf(err, 0, "section '%s': relocation %zu at offset %lu is outside "
			       "every function", s->name, i, (unsigned long)rel->r_offset);
	f = &obj->funcs[fi];
	insn = (struct bpf_insn *)(uintptr_t)s->data + idx;
	memset(&r, 0, sizeof r);
	r.insn = (uint32_t)(idx - f->off);
	r.map = r.ext = -1;
	r.sym_off = sym->st_value;

	if (insn->code == (BPF_JMP | BPF_CALL)) {
		if (shndx == SHN_UNDEF) {	/* a kernel function: a .ksyms extern */
			for (uint32_t e = 0; e < obj->nr_exts; e++)
				if (obj->exts[e].sym == (int)symi && obj->exts[e].is_func) {
					r.kind = OX_RELO_KFUNC;
					r.ext = (int32_t)e;
					return add_relo(f, &r, err);
				}
			return ox_errf(err, 0, "program '%s' calls undefined function '%s' (a "
				       "kernel function needs `extern ... __ksym`)", f->name, sname);
		}
		if (insn->src_reg != BPF_PSEUDO_CALL)
			return ox_errf(err, 0, "program '%s': call relocation against '%s' on a "
				       "helper call (src_reg %u)", f->name, sname, insn->src_reg);
		if (shndx >= (int)elf->nr_secs || !(elf->secs[shndx].sh.sh_flags & SHF_EXECINSTR))
			return ox_errf(err, 0, "program '%s': call relocation against '%s', which is "
				       "not code", f->name, sname);
		r.kind = OX_RELO_CALL;
		r.target_sec = shndx;
		return add_relo(f, &r, err);
	}
	if (insn->code != (BPF_LD | BPF_IMM | BPF_DW))
		return ox_errf(err, 0, "program '%s': relocation against '%s' at instruction %u "
			       "(opcode 0x%02x), expected a call or ld_imm64", f->name, sname,
			       r.insn, insn->code);
	if (r.insn + 1 >= f->cnt)
		return ox_errf(err, 0, "program '%s': ld_imm64 at instruction %u is truncated",
			       f->name, r.insn);
	if (shndx == SHN_UNDEF) {
		for (uint32_t e = 0; e < obj->nr_exts; e++)
			if (obj->exts[e].sym == (int)symi) {
				r.kind = OX_RELO_EXTERN;
				r.ext = (int32_t)e;
				return add_relo(f, &r, err);
			}
		return ox_errf(err, 0, "program '%s' references undefined symbol '%s'",
			       f->name, sname);
	}
	if (shndx >= (int)elf->nr_secs)
		return ox_errf(err, 0, "program '%s': relocation against '%s' in special "
			       "section 0x%x (uninitialised global?)", f->name, sname, shndx);
	if (elf->secs[shndx].sh.sh_flags & SHF_EXECINSTR) {
		if (insn->imm % 8 || sym->st_value % 8)
			return ox_errf(err, 0, "program '%s': bad function address of '%s'",
				       f->name, sname);
		r.kind = OX_RELO_FUNC_ADDR;
		r.target_sec = shndx;
		return add_relo(f, &r, err);
	}
	if (shndx == elf->btf_maps_sec || ox_is_legacy_maps_sec(elf->secs[shndx].name)) {
		/* a static map is named by its section's symbol, the offset in imm */
		uint64_t off = sym->st_value;
		if (GELF_ST_TYPE(sym->st_info) == STT_SECTION)
			off += (uint32_t)insn->imm;
		r.kind = OX_RELO_MAP;
		r.map = find_map_at(obj, shndx, off, 0);
		if (r.map < 0)
			return ox_errf(err, 0, "program '%s': no map at offset %lu of '%s' (symbol "
				       "'%s')", f->name, (unsigned long)off,
				       elf->secs[shndx].name, sname);
		return add_relo(f, &r, err);
	}
	if (ox_is_data_sec(elf->secs[shndx].name)) {
		r.kind = OX_RELO_DATA;
		r.map = find_map_at(obj, shndx, 0, 1);
		if (r.map < 0)
			return ox_errf(err, 0, "program '%s': no data map for section '%s'",
				       f->name, elf->secs[shndx].name);
		return add_relo(f, &r, err);
	}
	return ox_errf(err, 0, "program '%s': relocation against '%s' in section '%s', "
		       "which is neither maps nor data", f->name, sname, elf->secs[shndx].name);
}

static int cmp_relo(const void *a, const void *b)
{
	const struct ox_relo *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int collect_relos(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	for (size_t i = 1; i < elf->nr_secs; i++) {
		struct rel_ctx c = { obj, elf, (int)i };
		if (!(elf->secs[i].sh.sh_flags & SHF_EXECINSTR) ||
		    elf->secs[i].sh.sh_type != SHT_PROGBITS)
			continue;
		if (ox_elf_each_rel(elf, (int)i, code_rel, &c, err))
			return -1;
	}
	/* Sorted by instruction, for the linker's binary search; an instruction
	 * takes one relocation (so a function has at most one per instruction). */
	for (uint32_t i = 0; i < obj->nr_funcs; i++) {
		struct ox_func *f = &obj->funcs[i];
		if (f->nr_relos > 1)
			qsort(f->relos, f->nr_relos, sizeof *f->relos, cmp_relo);
		for (uint32_t j = 1; j < f->nr_relos; j++)
			if (f->relos[j].insn == f->relos[j - 1].insn)
				return ox_errf(err, 0, "function '%s': two relocations at instruction %u",
					       f->name, f->relos[j].insn);
	}
	return 0;
}

/* ---- small sections ---- */

static int read_meta(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	int i = ox_elf_find_sec(elf, "license");
	if (i >= 0 && elf->secs[i].data) {
		size_t n = elf->secs[i].size;
		if (n >= sizeof obj->license)
			n = sizeof obj->license - 1;
		memcpy(obj->license, elf->secs[i].data, n);
		obj->license[n] = 0;
	}
	i = ox_elf_find_sec(elf, "version");
	if (i >= 0 && elf->secs[i].data) {
		if (elf->secs[i].size != 4)
			return ox_errf(err, 0, "section 'version': %zu bytes, expected 4",
				       elf->secs[i].size);
		memcpy(&obj->kversion, elf->secs[i].data, 4);
	}
	i = ox_elf_find_sec(elf, ".BTF");
	if (i >= 0 && elf->secs[i].data) {
		obj->btf = btf_parse(elf->secs[i].data, elf->secs[i].size, err);
		if (!obj->btf)
			return ox_errprefix(err, "section '.BTF'");
	}
	i = ox_elf_find_sec(elf, ".BTF.ext");
	if (i >= 0 && elf->secs[i].data && obj->btf) {
		obj->btf_ext = btf_ext_parse(elf->secs[i].data, elf->secs[i].size, obj->btf, err);
		if (!obj->btf_ext)
			return ox_errprefix(err, "section '.BTF.ext'");
		obj->nr_core_relos = 0;
		for (uint32_t s = 0; s < obj->btf_ext->core_relo.nr_secs; s++)
			obj->nr_core_relos += obj->btf_ext->core_relo.secs[s].nr;
	}
	return 0;
}

/* ---- entry points ---- */

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

static void elf_close(struct ox_elf *elf)
{
	if (elf->e)
		elf_end(elf->e);
	free(elf->secs);
	free(elf->syms);
	free(elf->sym_names);
	free(elf->by_name);
	free(elf->sec_by_name);
}

static int parse(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	GElf_Ehdr eh;
	if (check_ident(obj->image, obj->image_size, err))
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ox_errf(err, 0, "libelf is too old");
	elf->e = elf_memory((char *)obj->image, obj->image_size);
	if (!elf->e || elf_kind(elf->e) != ELF_K_ELF || !gelf_getehdr(elf->e, &eh))
		return ox_errf(err, 0, "corrupt ELF header: %s", elf_errmsg(-1));
	if (eh.e_machine != EM_BPF)
		return ox_errf(err, 0, "not a BPF object (e_machine %u, expected %u)",
			       (unsigned)eh.e_machine, EM_BPF);
	if (eh.e_type != ET_REL)
		return ox_errf(err, 0, "not a relocatable object (e_type %u)", (unsigned)eh.e_type);
	if (read_sections(elf, obj->image, obj->image_size, err) || read_symbols(elf, err))
		return -1;
	obj->nr_secs = (uint32_t)elf->nr_secs;
	obj->sec_names = calloc(elf->nr_secs, sizeof *obj->sec_names);
	if (!obj->sec_names)
		return ox_errf(err, ENOMEM, "out of memory");
	for (size_t i = 1; i < elf->nr_secs; i++)
		if (!(obj->sec_names[i] = strdup(elf->secs[i].name)))
			return ox_errf(err, ENOMEM, "out of memory");
	obj->text_sec = ox_elf_find_sec(elf, ".text");
	elf->btf_maps_sec = ox_elf_find_sec(elf, ".maps");
	return read_meta(obj, elf, err) || collect_funcs(obj, elf, err) ||
	       ox_externs_collect(obj, elf, err) || ox_maps_collect(obj, elf, err) ||
	       collect_relos(obj, elf, err) ? -1 : 0;
}

struct ox_object *ox_object_parse(const void *data, size_t size, const char *name,
				  struct ox_err *err)
{
	struct ox_elf elf;
	struct ox_object *obj;
	const char *base = strrchr(name, '/');
	size_t plen;

	memset(&elf, 0, sizeof elf);
	if (size > OX_MAX_OBJECT_SIZE) {
		ox_errf(err, EFBIG, "%s: %zu bytes, larger than the %u byte limit", name, size,
			OX_MAX_OBJECT_SIZE);
		return NULL;
	}
	obj = calloc(1, sizeof *obj);
	if (!obj || !(obj->image = malloc(size ? size : 1)) || !(obj->name = strdup(name))) {
		ox_object_free(obj);
		ox_errf(err, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	memcpy(obj->image, data, size);
	obj->image_size = size;
	obj->kconfig_map = -1;
	base = base ? base + 1 : name;
	plen = strcspn(base, ".");
	obj->prefix = strndup(base, plen > 8 ? 8 : plen);
	elf.file = name;
	if (!obj->prefix || parse(obj, &elf, err)) {
		ox_errprefix(err, "%s", name);
		elf_close(&elf);
		ox_object_free(obj);
		return NULL;
	}
	elf_close(&elf);
	return obj;
}

struct ox_object *ox_object_open(const char *path, struct ox_err *err)
{
	struct ox_blob b;
	struct ox_object *obj;
	if (ox_read_file(path, &b, err))
		return NULL;
	obj = ox_object_parse(b.data, b.size, path, err);
	free(b.data);
	return obj;
}

void ox_object_free(struct ox_object *obj)
{
	if (!obj)
		return;
	for (uint32_t i = 0; i < obj->nr_funcs; i++) {
		free(obj->funcs[i].name);
		free(obj->funcs[i].sec_name);
		free(obj->funcs[i].relos);
	}
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		struct ox_mapdef *m = &obj->maps[i];
		for (uint32_t j = 0; j < m->nr_slots; j++)
			free(m->slots[j].target);
		free(m->slots);
		free(m->name);
		free(m->data);
	}
	for (uint32_t i = 0; i < obj->nr_exts; i++)
		free(obj->exts[i].name);
	for (uint32_t i = 0; i < obj->nr_globals; i++)
		free(obj->globals[i].name);
	for (uint32_t i = 0; i < obj->nr_secs; i++)
		free(obj->sec_names ? obj->sec_names[i] : NULL);
	free(obj->sec_names);
	free(obj->funcs);
	free(obj->maps);
	free(obj->exts);
	free(obj->globals);
	btf_ext_free(obj->btf_ext);
	btf_free(obj->btf);
	free(obj->image);
	free(obj->prefix);
	free(obj->name);
	free(obj);
}

int ox_object_find_func(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_funcs; i++)
		if (strcmp(obj->funcs[i].name, name) == 0 && obj->funcs[i].is_prog)
			return (int)i;
	return -1;
}

int ox_object_find_map(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_maps; i++)
		if (strcmp(obj->maps[i].name, name) == 0 && !obj->maps[i].is_inner)
			return (int)i;
	return -1;
}

int ox_object_find_global(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_globals; i++)
		if (strcmp(obj->globals[i].name, name) == 0)
			return (int)i;
	return -1;
}
