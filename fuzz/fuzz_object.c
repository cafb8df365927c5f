/* fuzz_object.c - libFuzzer target: a whole BPF object parsed from memory
 * (ELF, BTF, .BTF.ext, maps, externs, globals, code relocations), then every
 * entry program linked with its subprograms and its relocations walked the
 * way the loader walks them. No kernel calls.
 *
 * Besides the sanitizers, the harness checks what the loader relies on
 * after a successful parse: every index and offset a relocation, a global
 * or func/line info carries is inside what it indexes. A broken invariant
 * aborts, so the fuzzer reports it like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/link.h"
#include "object/externs.h"
#include "object/object.h"

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_object: invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	abort(); } } while (0)

struct walk {
	const struct ox_object *obj;
	const struct ox_linked *l;
	uint64_t sum;
};

static int each_relo(void *ctx, const struct ox_relo *r, struct bpf_insn *insn)
{
	struct walk *w = ctx;
	const struct ox_object *obj = w->obj;
	/* the instruction and, for ld_imm64, its second half are in the stream */
	CHECK(insn >= w->l->insns && insn < w->l->insns + w->l->cnt);
	switch (r->kind) {
	case OX_RELO_MAP:
	case OX_RELO_DATA:
		CHECK(r->map >= 0 && (uint32_t)r->map < obj->nr_maps);
		CHECK(insn + 1 < w->l->insns + w->l->cnt);
		if (r->kind == OX_RELO_DATA)
			w->sum += obj->maps[r->map].value_size;
		break;
	case OX_RELO_EXTERN:
		CHECK(r->ext >= 0 && (uint32_t)r->ext < obj->nr_exts);
		CHECK(insn + 1 < w->l->insns + w->l->cnt);
		w->sum += obj->exts[r->ext].off;
		break;
	case OX_RELO_KFUNC:	/* the loader makes it a kfunc call (or poisons it) */
		CHECK(r->ext >= 0 && (uint32_t)r->ext < obj->nr_exts);
		CHECK(obj->exts[r->ext].is_func);
		insn->src_reg = BPF_PSEUDO_KFUNC_CALL;
		break;
	default:
		CHECK(!"unexpected relocation kind");
	}
	/* touch the instruction the way a loader patches it */
	w->sum += (uint32_t)insn->imm + insn->code;
	return 0;
}

static void check_linked(const struct ox_object *obj, const struct ox_linked *l)
{
	CHECK(l->cnt > 0 && l->cnt <= OX_MAX_PROG_INSNS);
	CHECK(l->nr_parts > 0);
	for (uint32_t p = 0; p < l->nr_parts; p++) {
		CHECK(l->parts[p].func >= 0 && (uint32_t)l->parts[p].func < obj->nr_funcs);
		CHECK((uint64_t)l->parts[p].base + obj->funcs[l->parts[p].func].cnt <= l->cnt);
	}
	for (uint32_t i = 0; i < l->nr_fi; i++)
		CHECK(l->fi[i].insn_off < l->cnt);
	for (uint32_t i = 0; i < l->nr_li; i++)
		CHECK(l->li[i].insn_off < l->cnt);
	/* every call and function address lands inside the stream (walked as
	 * the linker walks it: the second half of an ld_imm64 is skipped) */
	for (uint32_t i = 0; i < l->cnt; i++) {
		const struct bpf_insn *in = &l->insns[i];
		int is_call = in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
		int is_func = in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_FUNC;
		if (is_call || is_func) {
			int64_t t = (int64_t)i + in->imm + 1;
			CHECK(t >= 0 && t < (int64_t)l->cnt);
		}
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			i++;
	}
}

static void check_object(const struct ox_object *obj)
{
	for (uint32_t i = 0; i < obj->nr_globals; i++) {
		const struct ox_global *g = &obj->globals[i];
		CHECK(g->map >= 0 && (uint32_t)g->map < obj->nr_maps);
		CHECK((uint64_t)g->off + g->size <= obj->maps[g->map].value_size);
	}
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		const struct ox_mapdef *m = &obj->maps[i];
		CHECK(m->inner < 0 || (uint32_t)m->inner < obj->nr_maps);
		if (m->data)	/* the initial value is readable end to end */
			for (uint32_t b = 0; b < m->value_size; b += 4096)
				(void)*(volatile const uint8_t *)&m->data[b];
	}
	for (uint32_t i = 0; i < obj->nr_funcs; i++) {
		const struct ox_func *f = &obj->funcs[i];
		CHECK(f->sec > 0 && (uint32_t)f->sec < obj->nr_secs);
		for (uint32_t j = 0; j < f->nr_relos; j++)
			CHECK(f->relos[j].insn < f->cnt);
	}
	CHECK(obj->kconfig_map < 0 || (uint32_t)obj->kconfig_map < obj->nr_maps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ox_err err;
	struct ox_object *obj = ox_object_parse(data, size, "fuzz.o", &err);
	if (!obj) {
		CHECK(err.msg[0] != '\0');
		return 0;
	}
	check_object(obj);
	for (uint32_t i = 0; i < obj->nr_funcs; i++) {
		struct ox_linked l;
		struct walk w = { obj, &l, 0 };
		if (!obj->funcs[i].is_prog)
			continue;
		if (ox_link(obj, (int)i, &l, &err)) {
			CHECK(err.msg[0] != '\0');
			continue;
		}
		ox_link_each_relo(obj, &l, each_relo, &w);
		check_linked(obj, &l);
		ox_linked_free(&l);
	}
	if (obj->kconfig_map >= 0) {	/* the .kconfig values, from an empty config */
		uint8_t *buf = calloc(1, obj->kconfig_size);
		CHECK(obj->kconfig_size == obj->maps[obj->kconfig_map].value_size);
		if (buf)
			(void)ox_kconfig_fill(obj, buf, "/dev/null", &err);
		free(buf);
	}
	if (obj->btf) {	/* what the loader sends to an old kernel */
		struct btf_kernel_caps none = { .func = 0 };
		size_t n;
		void *raw = btf_sanitize(obj->btf, &none, &n);
		free(raw);
	}
	ox_object_free(obj);
	return 0;
}
