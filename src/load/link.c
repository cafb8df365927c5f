/* link.c - turning one entry function into a loadable instruction stream:
 * appending every subprogram it calls (transitively), fixing call offsets,
 * gathering func_info/line_info, and patching map references with fds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "load/link.h"

/* The relocation of instruction insn: relocations are sorted by instruction
 * and unique (elf.c). */
static const struct ox_relo *relo_at(const struct ox_func *f, uint32_t insn)
{
	uint32_t lo = 0, hi = f->nr_relos;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (f->relos[mid].insn == insn)
			return &f->relos[mid];
		if (f->relos[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int append(struct ox_linked *l, const struct ox_object *obj, int fi, struct ox_err *err)
{
	const struct ox_func *f = &obj->funcs[fi];
	void *p;
	if ((uint64_t)l->cnt + f->cnt > OX_MAX_PROG_INSNS)
		return ox_errf(err, E2BIG, "program '%s' exceeds %u instructions with its subprograms",
			       obj->funcs[l->parts[0].func].name, OX_MAX_PROG_INSNS);
	if (!(p = realloc(l->insns, (l->cnt + f->cnt) * sizeof *l->insns)))
		return ox_errf(err, ENOMEM, "out of memory");
	l->insns = p;
	if (!(p = realloc(l->parts, (l->nr_parts + 1) * sizeof *l->parts)))
		return ox_errf(err, ENOMEM, "out of memory");
	l->parts = p;
	memcpy(l->insns + l->cnt, f->insns, f->cnt * sizeof *l->insns);
	l->parts[l->nr_parts].func = fi;
	l->parts[l->nr_parts].base = l->cnt;
	l->nr_parts++;
	l->cnt += f->cnt;
	return 0;
}

/* Base of function fi in the stream, appending it if it is not there yet. */
static int64_t place(struct ox_linked *l, const struct ox_object *obj, int fi, struct ox_err *err)
{
	for (uint32_t i = 0; i < l->nr_parts; i++)
		if (l->parts[i].func == fi)
			return l->parts[i].base;
	if (append(l, obj, fi, err))
		return -1;
	return l->parts[l->nr_parts - 1].base;
}

/* Resolve the calls and function addresses of one part. */
static int link_part(struct ox_linked *l, const struct ox_object *obj, uint32_t pi,
		     struct ox_err *err)
{
	int fi = l->parts[pi].func;
	const struct ox_func *f = &obj->funcs[fi];
	for (uint32_t i = 0; i < f->cnt; i++) {
		struct bpf_insn *in = &l->insns[l->parts[pi].base + i];
		const struct ox_relo *r = relo_at(f, i);
		int is_call = in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
		int is_func = in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
			      (in->src_reg == BPF_PSEUDO_FUNC || (r && r->kind == OX_RELO_FUNC_ADDR));
		int64_t target, base, pos;
		int sec = f->sec, ti;
		if (r && r->kind == OX_RELO_KFUNC)
			continue;	/* a kernel function: patched at load */
		if (!is_call && !is_func) {
			if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
				i++;
			continue;
		}
		if (r && r->kind == OX_RELO_CALL) {
			sec = r->target_sec;
			target = (int64_t)(r->sym_off / 8) + in->imm + 1;
		} else if (r && r->kind == OX_RELO_FUNC_ADDR) {
			sec = r->target_sec;
			target = ((int64_t)r->sym_off + in->imm) / 8;
		} else {	/* same-section call, resolved by the compiler */
			target = (int64_t)f->off + i + in->imm + 1;
		}
		ti = target < 0 ? -1 : ox_object_func_at(obj, sec, (uint64_t)target);
		if (ti < 0)
			return ox_errf(err, 0, "program '%s': %s at instruction %u targets no function",
				       obj->funcs[l->parts[0].func].name,
				       is_call ? "call" : "function address", i);
		base = place(l, obj, ti, err);
		if (base < 0)
			return -1;
		in = &l->insns[l->parts[pi].base + i];	/* place may move the stream */
		pos = base + (target - obj->funcs[ti].off);
		if (is_call) {
			in->imm = (int32_t)(pos - (l->parts[pi].base + i) - 1);
		} else {
			in->src_reg = BPF_PSEUDO_FUNC;
			in->imm = (int32_t)(pos - (l->parts[pi].base + i) - 1);
			i++;
		}
	}
	return 0;
}

/* func_info and line_info of every part, rebased into the stream. Dropped
 * (with a debug note) when any function lacks its func_info record. */
static int gather_info(struct ox_linked *l, const struct ox_object *obj, struct ox_err *err)
{
	const struct btf_ext *ext = obj->btf_ext;
	if (!ext || !ext->func_info.rec_size)
		return 0;
	if (!(l->fi = calloc(l->nr_parts, sizeof *l->fi)))
		return ox_errf(err, ENOMEM, "out of memory");
	for (uint32_t p = 0; p < l->nr_parts; p++) {
		const struct ox_func *f = &obj->funcs[l->parts[p].func];
		const char *sn = obj->sec_names[f->sec];
		const struct btf_ext_sec *fs = btf_ext_find(&ext->func_info, sn);
		const struct btf_ext_sec *ls = btf_ext_find(&ext->line_info, sn);
		int found = 0;
		for (uint32_t i = 0; fs && i < fs->nr && !found; i++) {
			struct bpf_func_info r;
			memcpy(&r, fs->recs + (size_t)i * ext->func_info.rec_size, sizeof r);
			if (r.insn_off / 8 == f->off) {
				l->fi[l->nr_fi].insn_off = l->parts[p].base;
				l->fi[l->nr_fi].type_id = r.type_id;
				l->nr_fi++;
				found = 1;
			}
		}
		if (!found) {
			ox_log("program '%s': function '%s' has no func_info; loading without "
			       "BTF line info", obj->funcs[l->parts[0].func].name, f->name);
			free(l->fi), l->fi = NULL, l->nr_fi = 0;
			free(l->li), l->li = NULL, l->nr_li = 0;
			return 0;
		}
		for (uint32_t i = 0; ls && i < ls->nr; i++) {
			struct bpf_line_info r;
			void *np;
			memcpy(&r, ls->recs + (size_t)i * ext->line_info.rec_size, sizeof r);
			if (r.insn_off / 8 < f->off || r.insn_off / 8 >= f->off + f->cnt)
				continue;
			if (!(np = realloc(l->li, (l->nr_li + 1) * sizeof *l->li)))
				return ox_errf(err, ENOMEM, "out of memory");
			l->li = np;
			r.insn_off = l->parts[p].base + (r.insn_off / 8 - f->off);
			l->li[l->nr_li++] = r;
		}
	}
	return 0;
}

int ox_link(const struct ox_object *obj, int func, struct ox_linked *l, struct ox_err *err)
{
	memset(l, 0, sizeof *l);
	if (append(l, obj, func, err))
		goto fail;
	for (uint32_t p = 0; p < l->nr_parts; p++)	/* nr_parts grows as calls are found */
		if (link_part(l, obj, p, err))
			goto fail;
	if (gather_info(l, obj, err))
		goto fail;
	return 0;
fail:
	ox_linked_free(l);
	return -1;
}

int ox_link_each_relo(const struct ox_object *obj, const struct ox_linked *l,
		      int (*fn)(void *ctx, const struct ox_relo *r, struct bpf_insn *insn),
		      void *ctx)
{
	for (uint32_t p = 0; p < l->nr_parts; p++) {
		const struct ox_func *f = &obj->funcs[l->parts[p].func];
		for (uint32_t i = 0; i < f->nr_relos; i++) {
			const struct ox_relo *r = &f->relos[i];
			if (r->kind == OX_RELO_CALL || r->kind == OX_RELO_FUNC_ADDR)
				continue;
			if (fn(ctx, r, &l->insns[l->parts[p].base + r->insn]))
				return -1;
		}
	}
	return 0;
}

void ox_linked_free(struct ox_linked *l)
{
	free(l->insns);
	free(l->parts);
	free(l->fi);
	free(l->li);
	for (uint32_t i = 0; i < l->nr_poisons; i++)
		free(l->poisons[i].why);
	free(l->poisons);
	memset(l, 0, sizeof *l);
}
