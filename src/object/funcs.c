/* funcs.c - the functions of an object (programs and subprograms) and the
 * relocations of their code: map, global data, extern, call and function
 * address references, each checked against what it names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object/funcs.h"
#include "object/maps.h"

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

int ox_funcs_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
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

int ox_relos_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
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

