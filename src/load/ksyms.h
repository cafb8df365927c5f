/* ksyms.h - `.ksyms` externs resolved against the running kernel: typed
 * variables and kfuncs by the kernel's BTF, typeless symbols by /proc/kallsyms.
 * The state lives for one load; nothing is global. */
#ifndef OXLUA_KSYMS_H
#define OXLUA_KSYMS_H

#include "btf/btf_target.h"
#include "object/object.h"

/* What one extern resolved to. */
struct ox_ksym_res {
	int set;		/* found (an unset extern is weak: it reads as 0) */
	uint32_t btf_id;	/* typed variable / kfunc: id in the kernel BTF */
	int obj_fd;		/* BTF object fd holding btf_id: 0 for vmlinux */
	int16_t fd_idx;		/* kfunc: index in the load's fd_array, 0 for vmlinux */
	uint64_t addr;		/* typeless: address from /proc/kallsyms */
};

struct ox_ksyms {
	struct ox_btf_target *tgt;	/* the kernel's BTF (vmlinux, modules), the load's */
	int *mod_fds;			/* module BTF object fds opened for this load */
	const char **mod_names;
	uint32_t nr_mod_fds;
	struct ox_ksym_res *res;	/* one per obj->exts */
	int *fd_array;			/* BPF_PROG_LOAD fd_array (module BTF fds), */
	uint32_t nr_fd;			/* [0] unused; nr_fd 0 when none is needed */
};

int ox_ksyms_init(struct ox_ksyms *ks, const struct ox_object *obj, struct ox_btf_target *tgt,
		  struct ox_err *err);
/* Frees the results and closes the module BTF fds it opened (the kernel's
 * BTF belongs to the target). Idempotent. */
void ox_ksyms_release(struct ox_ksyms *ks);

/* The one place a kernel symbol's BTF is looked up: a type of `kind` named
 * `name` in the kernel's BTF, vmlinux first, then the modules'. Returns 1 and sets *btf, *id and *obj_fd (the
 * BTF object's fd, 0 for vmlinux), 0 when there is none, -1 when the kernel's
 * BTF cannot be read (err set). */
int ox_ksym_find(struct ox_ksyms *ks, const char *name, int kind, const struct btf **btf,
		 uint32_t *id, int *obj_fd, struct ox_err *err);

/* Resolve the .ksyms externs whose need[i] is set. A strong extern that is
 * not found (or whose type does not match the kernel's) is an error naming
 * it; a weak one stays unset. */
int ox_ksyms_resolve(struct ox_ksyms *ks, const struct ox_object *obj, const uint8_t *need,
		     struct ox_err *err);

/* Poison constant for a call of an unresolved weak kfunc: the verifier names
 * it "unknown#2002000000+extern index" when the call is reachable. */
#define OX_KFUNC_POISON 2002000000

#endif
