/* btf_target.c - the kernel's BTF (vmlinux and modules) or a user-given BTF
 * file, read when a load needs it. */
#include <dirent.h>
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf/btf_target.h"
#include "kernel/sys.h"


void ox_btf_target_init(struct ox_btf_target *t, const char *path, const char *dir)
{
	memset(t, 0, sizeof *t);
	t->path = path;
	t->dir = dir;
}

void ox_btf_target_release(struct ox_btf_target *t)
{
	for (uint32_t i = 0; i < t->nr_mods; i++) {
		free(t->mods[i].name);
		btf_free(t->mods[i].btf);
	}
	free(t->mods);
	free(t->mod_btfs);
	free(t->mod_names);
	btf_free(t->vmlinux);
	btf_free(t->file);
	ox_btf_target_init(t, t->path, t->dir);
}

static const char *dir_of(const struct ox_btf_target *t)
{
	return t->dir ? t->dir : OX_SYSFS_BTF_DIR;
}

/* The .BTF section of an ELF image, or NULL with err set. */
static struct btf *btf_from_elf(const char *path, const struct ox_blob *b, struct ox_err *err)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	struct btf *btf = NULL;
	int found = 0;
	elf_version(EV_CURRENT);
	if (!(e = elf_memory((char *)b->data, b->size))) {
		ox_errf(err, 0, "%s: not a valid ELF file: %s", path, elf_errmsg(-1));
		return NULL;
	}
	if (elf_getshdrstrndx(e, &shstrndx)) {
		ox_errf(err, 0, "%s: ELF file without section names: %s", path, elf_errmsg(-1));
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".BTF"))
			continue;
		found = 1;
		if (sh.sh_type == SHT_NOBITS || !(d = elf_getdata(scn, NULL)) || !d->d_buf) {
			ox_errf(err, 0, "%s: .BTF section has no data", path);
			goto out;
		}
		if (!(btf = btf_parse(d->d_buf, d->d_size, err)))
			ox_errprefix(err, "%s: .BTF", path);
		break;
	}
	if (!found)
		ox_errf(err, 0, "%s: ELF file has no .BTF section", path);
out:
	elf_end(e);
	return btf;
}

struct btf *ox_btf_read_file(const char *path, struct ox_err *err)
{
	struct ox_blob b;
	struct btf *btf;
	if (ox_read_file(path, &b, err))
		return NULL;
	if (b.size >= 4 && !memcmp(b.data, "\177ELF", 4)) {
		btf = btf_from_elf(path, &b, err);
	} else if ((btf = btf_parse(b.data, b.size, err)) == NULL) {
		ox_errprefix(err, "%s: neither an ELF file nor valid raw BTF", path);
	}
	free(b.data);
	return btf;
}

const struct btf *ox_btf_target_vmlinux(struct ox_btf_target *t, struct ox_err *err)
{
	char path[4096];
	struct ox_blob b;
	if (t->vmlinux)
		return t->vmlinux;
	snprintf(path, sizeof path, "%s/vmlinux", dir_of(t));
	if (ox_read_file(path, &b, err))
		return NULL;
	t->vmlinux = btf_parse(b.data, b.size, err);
	free(b.data);
	if (!t->vmlinux)
		ox_errprefix(err, "%s", path);
	return t->vmlinux;
}

static int cmp_mod(const void *a, const void *b)
{
	return strcmp(((const struct ox_btf_module *)a)->name, ((const struct ox_btf_module *)b)->name);
}

int ox_btf_target_modules(struct ox_btf_target *t, struct ox_err *err)
{
	const struct btf *base = ox_btf_target_vmlinux(t, err);
	struct dirent *de;
	DIR *d;
	if (!base)
		return -1;
	if (t->mods_loaded)
		return 0;
	t->mods_loaded = 1;
	if (!(d = opendir(dir_of(t)))) {
		ox_log("%s: %s; no module BTF", dir_of(t), strerror(errno));
		return 0;
	}
	while ((de = readdir(d))) {
		char path[4096];
		struct ox_blob b;
		struct ox_err e2;
		struct btf *mb;
		void *p;
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir_of(t), de->d_name);
		if (ox_read_file(path, &b, &e2)) {
			if (e2.errnum != EINVAL)	/* not a regular file: skipped quietly */
				ox_warn("module BTF %s skipped: %s", path, e2.msg);
			continue;
		}
		mb = btf_parse_split(b.data, b.size, base, &e2);
		free(b.data);
		if (!mb) {
			ox_warn("module BTF %s skipped: %s", path, e2.msg);
			continue;
		}
		if (!(p = realloc(t->mods, (t->nr_mods + 1) * sizeof *t->mods))) {
			btf_free(mb);
			break;
		}
		t->mods = p;
		t->mods[t->nr_mods].btf = mb;
		if (!(t->mods[t->nr_mods].name = strdup(de->d_name))) {
			btf_free(mb);
			break;
		}
		t->nr_mods++;
	}
	closedir(d);
	if (t->nr_mods > 1)	/* readdir order is arbitrary */
		qsort(t->mods, t->nr_mods, sizeof *t->mods, cmp_mod);
	return 0;
}

uint32_t ox_btf_target_find(struct ox_btf_target *t, const char *name, int kind,
			    const struct btf **btf, const char **module, struct ox_err *err)
{
	const struct btf *base = ox_btf_target_vmlinux(t, err);
	uint32_t id;
	*btf = NULL;
	*module = NULL;
	if (!base)
		return 0;
	if ((id = btf_find(base, name, kind))) {
		*btf = base;
		return id;
	}
	if (ox_btf_target_modules(t, err))
		return 0;
	for (uint32_t m = 0; m < t->nr_mods; m++) {
		const struct btf *mb = t->mods[m].btf;
		for (id = btf_start_id(mb); id <= btf_max_id(mb); id++) {
			const struct btf_type *ty = btf_type_by_id(mb, id);
			if ((kind < 0 || btf_kind(ty) == (uint32_t)kind) &&
			    !strcmp(btf_str(mb, ty->name_off), name)) {
				*btf = mb;
				*module = t->mods[m].name;
				return id;
			}
		}
	}
	return 0;
}

/* ox_core_target.load_mods: the modules, when vmlinux lacks a type. */
static int core_load_mods(void *ctx, struct ox_core_target *ct, struct ox_err *err)
{
	struct ox_btf_target *t = ctx;
	if (ox_btf_target_modules(t, err))
		return -1;
	free(t->mod_btfs);
	free(t->mod_names);
	t->mod_btfs = calloc(t->nr_mods + 1, sizeof *t->mod_btfs);
	t->mod_names = calloc(t->nr_mods + 1, sizeof *t->mod_names);
	if (!t->mod_btfs || !t->mod_names)
		return ox_errf(err, ENOMEM, "out of memory");
	for (uint32_t i = 0; i < t->nr_mods; i++) {
		t->mod_btfs[i] = t->mods[i].btf;
		t->mod_names[i] = t->mods[i].name;
	}
	ct->mods = t->mod_btfs;
	ct->mod_names = t->mod_names;
	ct->nr_mods = t->nr_mods;
	return 0;
}

struct ox_core_target *ox_btf_target_core(struct ox_btf_target *t, struct ox_err *err)
{
	if (t->core.base)
		return &t->core;
	memset(&t->core, 0, sizeof t->core);
	if (t->path) {
		if (!t->file && !(t->file = ox_btf_read_file(t->path, err)))
			return NULL;
		snprintf(t->what, sizeof t->what, "the BTF file %s", t->path);
		t->core.base = t->file;	/* a user's BTF replaces the kernel's, modules too */
	} else {
		if (!ox_btf_target_vmlinux(t, err))
			return NULL;
		snprintf(t->what, sizeof t->what, "the kernel's BTF");
		t->core.base = t->vmlinux;
		t->core.load_mods = core_load_mods;
		t->core.ctx = t;
	}
	t->core.what = t->what;
	return &t->core;
}

int ox_btf_module_fd(const char *module, struct ox_err *err)
{
	uint32_t id = 0;
	for (;;) {
		struct bpf_btf_info info;
		char name[64];
		int fd;
		if (ox_btf_get_next_id(id, &id)) {
			if (errno == ENOENT)
				return ox_errf(err, ENOENT, "the kernel has no BTF for module '%s'", module);
			return ox_errf(err, errno, "listing the kernel's BTF objects: %s (%s)",
				       ox_errno_name(errno), strerror(errno));
		}
		if ((fd = ox_btf_get_fd_by_id(id)) < 0) {
			if (errno == ENOENT)
				continue;	/* unloaded meanwhile */
			return ox_errf(err, errno, "opening the kernel's BTF object %u: %s (%s)", id,
				       ox_errno_name(errno), strerror(errno));
		}
		memset(&info, 0, sizeof info);
		memset(name, 0, sizeof name);
		info.name = ox_ptr(name);
		info.name_len = sizeof name;
		if (ox_btf_info(fd, &info) == 0 && info.kernel_btf &&
		    !strcmp(name, module))
			return fd;
		close(fd);
	}
}
