/* externs.c - extern variables: `.kconfig` (kernel config and version values
 * the loader writes into a read-only map) and `.ksyms` (kernel symbols). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kconfig.h"
#include "object/elf.h"
#include "object/externs.h"
#include "object/object.h"

static int classify(struct ox_object *obj, struct ox_extern *x, struct ox_err *err)
{
	const struct btf *btf = obj->btf;
	const struct btf_type *t = btf_type_by_id(btf, x->type);
	int64_t size = btf_size(btf, x->type);
	int align = btf_align(btf, x->type);
	if (!t || size <= 0 || align <= 0)
		return ox_errf(err, 0, "extern '%s': type has no usable size", x->name);
	if (size > OX_MAX_KCONFIG_SIZE)
		return ox_errf(err, 0, "extern '%s': %lld bytes, larger than the %u byte limit of "
			       ".kconfig", x->name, (long long)size, OX_MAX_KCONFIG_SIZE);
	x->size = (uint32_t)size;
	x->align = (uint32_t)align;
	if ((btf_kind(t) == BTF_KIND_INT || btf_kind(t) == BTF_KIND_ENUM) &&
	    size != 1 && size != 2 && size != 4 && size != 8)
		return ox_errf(err, 0, "extern '%s': %lld-byte integer (expected 1, 2, 4 or 8 bytes)",
			       x->name, (long long)size);
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = BTF_INT_ENCODING(btf_int_word(t));
		x->is_signed = !!(enc & BTF_INT_SIGNED);
		if (size == 1 && (enc & BTF_INT_BOOL))
			x->ext_type = OX_EXT_BOOL;
		else if (size == 1 && ((enc & BTF_INT_CHAR) || !strcmp(btf_name(btf, x->type), "char")))
			x->ext_type = OX_EXT_CHAR;
		else
			x->ext_type = OX_EXT_INT;
		return 0;
	}
	case BTF_KIND_ENUM:
		if (!strcmp(btf_name(btf, x->type), "libbpf_tristate")) {
			x->ext_type = OX_EXT_TRISTATE;
			return 0;
		}
		x->ext_type = OX_EXT_INT;
		x->is_signed = !btf_kflag(t) ? 1 : 0;
		return 0;
	case BTF_KIND_ARRAY: {
		uint32_t et = btf_resolve(btf, btf_array_info(t)->type);
		const struct btf_type *e = btf_type_by_id(btf, et);
		if (e && btf_kind(e) == BTF_KIND_INT && e->size == 1) {
			x->ext_type = OX_EXT_STR;
			return 0;
		}
		break;
	}
	default:
		break;
	}
	return ox_errf(err, 0, "extern '%s': unsupported .kconfig type %s", x->name,
		       btf_kind_name(btf_kind(t)));
}

/* The variables of the ".kconfig" and ".ksyms" DATASECs, sorted by name
 * (then .kconfig first, then order of appearance) for binary search. */
struct ext_var { const char *name; uint32_t var, seq; int is_kconfig; };

static int cmp_var(const void *a, const void *b)
{
	const struct ext_var *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct ext_var *extern_vars(const struct btf *btf, uint32_t *n)
{
	static const char *const secs[] = { ".kconfig", ".ksyms" };
	const struct btf_type *t[2];
	struct ext_var *v;
	uint32_t total = 0;
	for (int s = 0; s < 2; s++) {
		t[s] = btf_type_by_id(btf, btf_find_datasec(btf, secs[s]));
		total += t[s] ? btf_vlen(t[s]) : 0;
	}
	*n = 0;
	if (!(v = malloc((total ? total : 1) * sizeof *v)))
		return NULL;
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 0; t[s] && i < btf_vlen(t[s]); i++) {
			uint32_t id = btf_secinfos(t[s])[i].type;
			v[*n].name = btf_name(btf, id);
			v[*n].var = id;
			v[*n].seq = *n;
			v[*n].is_kconfig = s == 0;
			++*n;
		}
	if (*n > 1)
		qsort(v, *n, sizeof *v, cmp_var);
	return v;
}

/* The first VAR named name, as a scan of .kconfig then .ksyms would find it. */
static uint32_t find_extern_var(const struct ext_var *v, uint32_t n, const char *name,
				int *is_kconfig)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && strcmp(v[lo].name, name) == 0) {
		*is_kconfig = v[lo].is_kconfig;
		return v[lo].var;
	}
	return 0;
}

static int collect(struct ox_object *obj, struct ox_elf *elf, const struct ext_var *vars,
		   uint32_t nr_vars, struct ox_err *err)
{
	for (size_t i = 1; i < elf->nr_syms; i++) {
		const GElf_Sym *sym = &elf->syms[i];
		int bind = GELF_ST_BIND(sym->st_info), is_kconfig = 0;
		struct ox_extern *x;
		uint32_t var;
		if (sym->st_shndx != SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK) ||
		    !elf->sym_names[i][0] || GELF_ST_TYPE(sym->st_info) == STT_FUNC)
			continue;
		if (!obj->btf)
			return ox_errf(err, 0, "extern '%s' needs BTF (compile with -g)",
				       elf->sym_names[i]);
		var = find_extern_var(vars, nr_vars, elf->sym_names[i], &is_kconfig);
		if (!var)
			return ox_errf(err, 0, "extern '%s' is in neither .kconfig nor .ksyms",
				       elf->sym_names[i]);
		if ((obj->nr_exts & (obj->nr_exts - 1)) == 0) {	/* 0, 1, 2, 4, ...: double */
			x = realloc(obj->exts, (obj->nr_exts ? 2 * (size_t)obj->nr_exts : 1) * sizeof *x);
			if (!x)
				return ox_errf(err, ENOMEM, "out of memory");
			obj->exts = x;
		}
		x = &obj->exts[obj->nr_exts++];
		memset(x, 0, sizeof *x);
		x->sym = (int)i;
		x->weak = bind == STB_WEAK;
		x->is_kconfig = is_kconfig;
		x->is_func = btf_kind(btf_type_by_id(obj->btf, var)) == BTF_KIND_FUNC;
		if (is_kconfig && x->is_func)
			return ox_errf(err, 0, "extern function '%s' in .kconfig (functions are "
				       ".ksyms externs)", x->name);
		x->var = var;
		x->type = btf_resolve(obj->btf, btf_type_by_id(obj->btf, var)->type);
		if (!(x->name = strdup(elf->sym_names[i])))
			return ox_errf(err, ENOMEM, "out of memory");
		if (is_kconfig && classify(obj, x, err))
			return -1;
	}
	return 0;
}

/* ---- values ---- */

static int put_int(struct ox_extern *x, uint8_t *dst, const char *val, struct ox_err *err)
{
	char *end;
	unsigned long long u;
	errno = 0;
	if (x->is_signed) {
		long long s = strtoll(val, &end, 0);
		u = (unsigned long long)s;
		if (x->size < 8 && (s < -(1LL << (x->size * 8 - 1)) || s >= (1LL << (x->size * 8 - 1))))
			errno = ERANGE;
	} else {
		u = strtoull(val, &end, 0);
		if (x->size < 8 && u >> (x->size * 8))
			errno = ERANGE;
	}
	if (errno || end == val || *end)
		return ox_errf(err, 0, "extern '%s': kernel config value '%s' does not fit a "
			       "%u-byte %s integer", x->name, val, x->size,
			       x->is_signed ? "signed" : "unsigned");
	memcpy(dst, &u, x->size);	/* little-endian: the low bytes come first */
	return 0;
}

static int put_value(struct ox_extern *x, uint8_t *dst, const char *val, struct ox_err *err)
{
	size_t n;
	switch (x->ext_type) {
	case OX_EXT_BOOL:
		if (val[0] == 'm' && !val[1])
			return ox_errf(err, 0, "extern '%s': value 'm' does not fit a bool (use "
				       "enum libbpf_tristate)", x->name);
		*dst = val[0] == 'y' && !val[1];
		return 0;
	case OX_EXT_TRISTATE: {
		uint32_t v = val[0] == 'y' && !val[1] ? 1 : val[0] == 'm' && !val[1] ? 2 : 0;
		memcpy(dst, &v, x->size < 4 ? x->size : 4);
		return 0;
	}
	case OX_EXT_CHAR:
		*dst = (uint8_t)val[0];
		return 0;
	case OX_EXT_STR:
		n = strlen(val);
		if (n < 2 || val[0] != '"' || val[n - 1] != '"')
			return ox_errf(err, 0, "extern '%s': kernel config value %s is not a string",
				       x->name, val);
		n -= 2;
		if (n >= x->size)
			n = x->size - 1;	/* truncated, as libbpf does */
		memcpy(dst, val + 1, n);
		return 0;
	case OX_EXT_INT:
		if ((val[0] == 'y' || val[0] == 'm' || val[0] == 'n') && !val[1])
			return put_int(x, dst, val[0] == 'y' ? "1" : val[0] == 'm' ? "2" : "0", err);
		return put_int(x, dst, val, err);
	}
	return ox_errf(err, 0, "extern '%s': unsupported type", x->name);
}

int ox_kconfig_fill(const struct ox_object *obj, uint8_t *buf, const char *config_path,
		    struct ox_err *err)
{
	struct ox_kconfig *kc = NULL;
	int need_config = 0, rc = 0;
	for (uint32_t i = 0; i < obj->nr_exts; i++)
		if (obj->exts[i].is_kconfig && !strncmp(obj->exts[i].name, "CONFIG_", 7))
			need_config = 1;
	if (need_config) {
		struct ox_err kerr;
		kc = ox_kconfig_load(config_path, &kerr);
		if (!kc)
			ox_warn("%s; CONFIG_* externs read as unset", kerr.msg);
	}
	for (uint32_t i = 0; i < obj->nr_exts && !rc; i++) {
		struct ox_extern *x = &obj->exts[i];
		uint8_t *dst = buf + x->off;
		char num[32];
		const char *val = NULL;
		if (!x->is_kconfig)
			continue;
		if (!strcmp(x->name, "LINUX_KERNEL_VERSION")) {
			snprintf(num, sizeof num, "%u", ox_kernel_version());
			val = num;
		} else if (!strcmp(x->name, "LINUX_HAS_SYSCALL_WRAPPER")) {
#if defined(__x86_64__) || defined(__aarch64__) || defined(__s390x__)
			val = ox_kernel_version() >= (4u << 16 | 17u << 8) ? "1" : "0";
#else
			val = "0";
#endif
		} else if (!strcmp(x->name, "LINUX_HAS_BPF_COOKIE")) {
			val = ox_kernel_version() >= (5u << 16 | 15u << 8) ? "1" : "0";
		} else if (!strncmp(x->name, "CONFIG_", 7)) {
			val = kc ? ox_kconfig_get(kc, x->name) : NULL;
		} else if (!strncmp(x->name, "LINUX_", 6) && x->weak) {
			continue;	/* a virtual extern of a later libbpf: zero, as there */
		} else {
			rc = ox_errf(err, 0, "extern '%s': unknown .kconfig name%s", x->name,
				     strncmp(x->name, "LINUX_", 6) ? "" : " (a LINUX_ name oxlua "
				     "does not know reads as 0 only when __weak)");
			break;
		}
		if (!val) {
			if (!x->weak && x->ext_type != OX_EXT_BOOL && x->ext_type != OX_EXT_TRISTATE) {
				rc = ox_errf(err, ENOENT, "extern '%s' is not set in the kernel config "
					     "and is not __weak", x->name);
				break;
			}
			continue;	/* stays zero: unset, 'n' */
		}
		rc = put_value(x, dst, val, err);
	}
	ox_kconfig_free(kc);
	return rc;
}

int ox_externs_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	struct ext_var *vars = NULL;
	uint32_t n = 0;
	int rc;
	if (obj->btf && !(vars = extern_vars(obj->btf, &n)))
		return ox_errf(err, ENOMEM, "out of memory");
	rc = collect(obj, elf, vars, n, err);
	free(vars);
	return rc;
}
