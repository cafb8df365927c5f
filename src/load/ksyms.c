/* ksyms.c - `.ksyms` externs: kernel variables and functions a BPF program
 * names with `extern ... __ksym`, resolved once per load.
 *
 *   typed variable  VAR of that name in the kernel's BTF, type compatible with
 *                   the local one -> ld_imm64 src_reg BPF_PSEUDO_BTF_ID
 *   typeless (void) address from /proc/kallsyms -> ld_imm64 of the address
 *   kfunc           FUNC of that name (without a ___flavour suffix) in the
 *                   kernel's BTF, prototype compatible -> call
 *                   src_reg BPF_PSEUDO_KFUNC_CALL
 *
 * Compatibility follows libbpf's rules: modifiers and typedefs are skipped,
 * kinds must agree (any enum matches any enum), structs/unions/enums match by
 * kind alone, ints match unless they are bitfield-like, pointers and arrays
 * compare what they point to, prototypes compare arity, every parameter and
 * the return type. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/ksyms.h"

int ox_ksyms_init(struct ox_ksyms *ks, const struct ox_object *obj, struct ox_btf_target *tgt,
		  struct ox_err *err)
{
	memset(ks, 0, sizeof *ks);
	ks->tgt = tgt;
	if (!(ks->res = calloc(obj->nr_exts + 1, sizeof *ks->res)))
		return ox_errf(err, ENOMEM, "out of memory");
	return 0;
}

void ox_ksyms_release(struct ox_ksyms *ks)
{
	for (uint32_t i = 0; i < ks->nr_mod_fds; i++)
		close(ks->mod_fds[i]);
	free(ks->mod_fds);
	free(ks->mod_names);
	free(ks->res);
	free(ks->fd_array);
	memset(ks, 0, sizeof *ks);
}

/* The kernel's BTF object fd of a module, opened once per load. */
static int module_fd(struct ox_ksyms *ks, const char *module, struct ox_err *err)
{
	int fd;
	void *a, *b;
	for (uint32_t i = 0; i < ks->nr_mod_fds; i++)
		if (!strcmp(ks->mod_names[i], module))
			return ks->mod_fds[i];
	if ((fd = ox_btf_module_fd(module, err)) < 0)
		return -1;
	a = realloc(ks->mod_fds, (ks->nr_mod_fds + 1) * sizeof *ks->mod_fds);
	if (a)
		ks->mod_fds = a;
	b = a ? realloc(ks->mod_names, (ks->nr_mod_fds + 1) * sizeof *ks->mod_names) : NULL;
	if (b)
		ks->mod_names = b;
	if (!a || !b) {
		close(fd);
		return ox_errf(err, ENOMEM, "out of memory");
	}
	ks->mod_fds[ks->nr_mod_fds] = fd;
	ks->mod_names[ks->nr_mod_fds++] = module;	/* owned by the target, which outlives us */
	return fd;
}

/* The name of the module whose BTF object fd is (opened by module_fd). */
static const char *module_of(const struct ox_ksyms *ks, int fd)
{
	for (uint32_t i = 0; i < ks->nr_mod_fds; i++)
		if (ks->mod_fds[i] == fd)
			return ks->mod_names[i];
	return "?";
}

int ox_ksym_find(struct ox_ksyms *ks, const char *name, int kind, const struct btf **btf,
		 uint32_t *id, int *obj_fd, struct ox_err *err)
{
	const char *module = NULL;
	if (!ox_btf_target_vmlinux(ks->tgt, err))
		return -1;
	*obj_fd = 0;
	if (!(*id = ox_btf_target_find(ks->tgt, name, kind, btf, &module, err)))
		return 0;
	if (module && (*obj_fd = module_fd(ks, module, err)) < 0)
		return -1;
	return 1;
}

/* ---- type compatibility ---- */

static int any_enum(uint32_t k) { return k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64; }

static int kinds_match(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (any_enum(btf_kind(a)) && any_enum(btf_kind(b)));
}

/* 1 compatible, 0 not, -1 too deep or broken. Void (id 0) matches only void. */
static int compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		  int level)
{
	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *l, *t;
		lid = btf_resolve(lb, lid);
		tid = btf_resolve(tb, tid);
		l = btf_type_by_id(lb, lid);
		t = btf_type_by_id(tb, tid);
		if (!l || !t)
			return !l && !t && !lid && !tid;	/* void and void */
		if (!kinds_match(l, t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: case BTF_KIND_FWD:
			return 1;
		case BTF_KIND_INT:
			return BTF_INT_OFFSET(btf_int_word(l)) == 0 &&
			       BTF_INT_OFFSET(btf_int_word(t)) == 0;
		case BTF_KIND_PTR:
			lid = l->type, tid = t->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = btf_array_info(l)->type, tid = btf_array_info(t)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *lp = btf_params(l), *tp = btf_params(t);
			if (btf_vlen(l) != btf_vlen(t))
				return 0;
			for (uint32_t i = 0; i < btf_vlen(l); i++) {
				int rc;
				if (level <= 0)
					return -1;
				rc = compat(lb, lp[i].type, tb, tp[i].type, level - 1);
				if (rc <= 0)
					return rc;
			}
			lid = l->type, tid = t->type;	/* the return type */
			continue;
		}
		default:
			return 0;
		}
	}
	return -1;
}

/* ---- /proc/kallsyms ---- */

static int kallsyms(struct ox_ksyms *ks, const struct ox_object *obj, const uint8_t *need,
		    struct ox_err *err)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	if (!f)
		return ox_errf(err, errno, "/proc/kallsyms: %s (%s)", ox_errno_name(errno),
			       strerror(errno));
	setvbuf(f, NULL, _IOFBF, 1 << 17);	/* fewer, larger reads of a slow file */
	while (!rc && getline(&line, &cap, f) > 0) {
		unsigned long long addr;
		char type, *name, *end;
		size_t n;
		const char *llvm;
		/* "ffffffff81000000 T _stext" or "... t sym\t[module]" */
		addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		type = end[1];
		name = end + 3;
		n = strcspn(name, " \t\n");
		if (type == 'd' && (llvm = strstr(name, ".llvm.")) && llvm < name + n)
			n = (size_t)(llvm - name);	/* promoted statics */
		for (uint32_t i = 0; i < obj->nr_exts; i++) {
			const struct ox_extern *x = &obj->exts[i];
			struct ox_ksym_res *r = &ks->res[i];
			if (!need[i] || x->is_kconfig || x->is_func || x->type ||
			    strncmp(x->name, name, n) || x->name[n])
				continue;
			if (r->set && r->addr != addr)
				rc = ox_errf(err, EINVAL, "extern '%s' (.ksyms): /proc/kallsyms has "
					     "it at 0x%llx and at 0x%llx (ambiguous)", x->name,
					     (unsigned long long)r->addr, addr);
			r->set = 1;
			r->addr = addr;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

/* ---- resolution ---- */

/* kfuncs may carry a ___flavour suffix, ignored when matching. */
static size_t essential_len(const char *name)
{
	const char *p = strstr(name, "___");
	return p && p != name ? (size_t)(p - name) : strlen(name);
}

/* A slot in the load's fd_array for a module's BTF fd (0 is vmlinux). */
static int fd_slot(struct ox_ksyms *ks, int fd, struct ox_err *err)
{
	void *p;
	if (!fd)
		return 0;
	for (uint32_t i = 1; i < ks->nr_fd; i++)
		if (ks->fd_array[i] == fd)
			return (int)i;
	if (ks->nr_fd >= INT16_MAX)
		return ox_errf(err, E2BIG, "too many module BTF objects for one program");
	if (!(p = realloc(ks->fd_array, (ks->nr_fd + 2) * sizeof *ks->fd_array)))
		return ox_errf(err, ENOMEM, "out of memory");
	ks->fd_array = p;
	if (!ks->nr_fd)
		ks->fd_array[ks->nr_fd++] = 0;
	ks->fd_array[ks->nr_fd] = fd;
	return (int)ks->nr_fd++;
}

static int resolve_typed(struct ox_ksyms *ks, const struct ox_object *obj, uint32_t i,
			 struct ox_err *err)
{
	const struct ox_extern *x = &obj->exts[i];
	struct ox_ksym_res *r = &ks->res[i];
	const struct btf *kb;
	const struct btf_type *kt;
	char name[256], lstr[128], kstr[128];
	uint32_t id;
	int fd, rc;
	snprintf(name, sizeof name, "%.*s", (int)(x->is_func ? essential_len(x->name) :
						  strlen(x->name)), x->name);
	rc = ox_ksym_find(ks, name, x->is_func ? BTF_KIND_FUNC : BTF_KIND_VAR, &kb, &id, &fd, err);
	if (rc < 0)
		return ox_errprefix(err, "extern '%s' (.ksyms) needs the kernel's BTF", x->name);
	if (!rc) {
		if (x->weak)
			return 0;
		return x->is_func ?
			ox_errf(err, ENOENT, "extern '%s' (.ksyms): no kfunc named '%s' in the "
				"kernel's BTF", x->name, name) :
			ox_errf(err, ENOENT, "extern '%s' (.ksyms): no such kernel variable in the "
				"kernel's BTF", x->name);
	}
	kt = btf_type_by_id(kb, id);
	if (compat(obj->btf, x->type, kb, kt->type, 32) <= 0) {
		if (x->is_func && x->weak)
			return 0;	/* as libbpf: a weak kfunc of another shape is absent */
		btf_type_str(obj->btf, x->type, lstr, sizeof lstr);
		btf_type_str(kb, kt->type, kstr, sizeof kstr);
		return ox_errf(err, EINVAL, "extern '%s' (.ksyms): %s is declared as %s, the "
			       "kernel has %s", x->name, x->is_func ? "kfunc" : "variable",
			       lstr, kstr);
	}
	if (x->is_func && (rc = fd_slot(ks, fd, err)) < 0)
		return -1;
	r->fd_idx = x->is_func ? (int16_t)rc : 0;
	r->set = 1;
	r->btf_id = id;
	r->obj_fd = fd;
	ox_log("extern '%s' (.ksyms): kernel BTF %s [%u]%s%s", x->name,
	       x->is_func ? "FUNC" : "VAR", id, fd ? " of module " : "", fd ? module_of(ks, fd) : "");
	return 0;
}

int ox_ksyms_resolve(struct ox_ksyms *ks, const struct ox_object *obj, const uint8_t *need,
		     struct ox_err *err)
{
	int typeless = 0;
	for (uint32_t i = 0; i < obj->nr_exts; i++) {
		const struct ox_extern *x = &obj->exts[i];
		if (!need[i] || x->is_kconfig)
			continue;
		if (!x->is_func && !x->type)
			typeless = 1;
		else if (resolve_typed(ks, obj, i, err))
			return -1;
	}
	if (typeless && kallsyms(ks, obj, need, err))
		return -1;
	for (uint32_t i = 0; typeless && i < obj->nr_exts; i++) {
		const struct ox_extern *x = &obj->exts[i];
		if (!need[i] || x->is_kconfig || x->is_func || x->type)
			continue;
		if (!ks->res[i].set && !x->weak)
			return ox_errf(err, ENOENT, "extern '%s' (.ksyms): no such symbol in "
				       "/proc/kallsyms", x->name);
		ox_log("extern '%s' (.ksyms): 0x%llx", x->name, (unsigned long long)ks->res[i].addr);
	}
	return 0;
}
