/* btf_target.h - the BTFs a load resolves against: the running kernel's
 * (vmlinux and each module's split BTF under /sys/kernel/btf), or a BTF file
 * the user gives in their place (raw BTF, or an ELF file with a .BTF
 * section, as BTFHub distributes them). Read lazily, only when a program
 * needs them; released after the load. */
#ifndef OXLUA_BTF_TARGET_H
#define OXLUA_BTF_TARGET_H

#include "btf/btf.h"
#include "btf/relo_core.h"

#define OX_SYSFS_BTF_DIR "/sys/kernel/btf"

struct ox_btf_module {
	char *name;
	struct btf *btf;	/* split on the kernel's vmlinux */
};

struct ox_btf_target {
	const char *path;	/* user-given BTF file (not owned), NULL: the kernel's */
	const char *dir;	/* sysfs BTF directory (not owned), NULL: OX_SYSFS_BTF_DIR */
	struct btf *vmlinux;	/* <dir>/vmlinux, once read */
	struct btf *file;	/* the user-given BTF, once read */
	struct ox_btf_module *mods;
	uint32_t nr_mods;
	int mods_loaded;
	/* what CO-RE relocations see (ox_btf_target_core fills it) */
	struct ox_core_target core;
	const struct btf **mod_btfs;
	const char **mod_names;
	char what[512];
};

void ox_btf_target_init(struct ox_btf_target *t, const char *path, const char *dir);
/* Frees every BTF read; the target can be used again (reads again). */
void ox_btf_target_release(struct ox_btf_target *t);

/* The running kernel's vmlinux BTF (never the user's file), read once.
 * Errors name the path. */
const struct btf *ox_btf_target_vmlinux(struct ox_btf_target *t, struct ox_err *err);
/* Read every module BTF in the directory (once). A file that does not parse
 * is skipped with a warning. Returns -1 only when vmlinux cannot be read. */
int ox_btf_target_modules(struct ox_btf_target *t, struct ox_err *err);
/* A type by name and kind (kind < 0: any) in vmlinux, then in the modules
 * (read on demand). Returns its id (in the module's split id space when
 * found there) and sets *btf and *module (NULL for vmlinux); 0 if none. */
uint32_t ox_btf_target_find(struct ox_btf_target *t, const char *name, int kind,
			    const struct btf **btf, const char **module, struct ox_err *err);
/* The target CO-RE relocations resolve against: the user's file alone, or
 * vmlinux with its modules (read only if a type is not in vmlinux). */
struct ox_core_target *ox_btf_target_core(struct ox_btf_target *t, struct ox_err *err);

/* Read a BTF file: raw BTF or an ELF object with a .BTF section. Errors
 * name the path. */
struct btf *ox_btf_read_file(const char *path, struct ox_err *err);

/* A file descriptor for the kernel's BTF object of a module (by name, as in
 * /sys/kernel/btf), for attach_btf_obj_fd / kfunc calls; -1 with err set
 * (ENOENT when the kernel has no such module BTF). The caller closes it. */
int ox_btf_module_fd(const char *module, struct ox_err *err);

#endif
