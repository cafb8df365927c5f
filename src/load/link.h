/* link.h - one program's instruction stream with its subprograms. */
#ifndef OXLUA_LINK_H
#define OXLUA_LINK_H

#include "object/object.h"

struct ox_linked {
	struct bpf_insn *insns;
	uint32_t cnt;
	struct { int func; uint32_t base; } *parts;	/* parts[0] is the entry */
	uint32_t nr_parts;
	struct bpf_func_info *fi;	/* insn_off in instructions, as the kernel wants */
	uint32_t nr_fi;
	struct bpf_line_info *li;
	uint32_t nr_li;
	/* CO-RE relocations that could not be resolved: the instruction (in
	 * the stream) now calls helper OX_CORE_POISON_HELPER; why says what failed */
	struct ox_core_poison { uint32_t insn; char *why; } *poisons;
	uint32_t nr_poisons;
};

int ox_link(const struct ox_object *obj, int func, struct ox_linked *l, struct ox_err *err);
/* Calls fn for every map/data/extern relocation of every part, with the
 * instruction to patch. */
int ox_link_each_relo(const struct ox_object *obj, const struct ox_linked *l,
		      int (*fn)(void *ctx, const struct ox_relo *r, struct bpf_insn *insn),
		      void *ctx);
void ox_linked_free(struct ox_linked *l);

#endif
