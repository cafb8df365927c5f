/* symbols.c - from a function name (or an address) in an executable or a
 * shared library to the file offset a uprobe wants, and finding a library
 * by name. Reads the file with libelf; nothing here talks to the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "attach/symbols.h"

#define VERSYM_HIDDEN 0x8000	/* only reachable with an explicit version */

struct file {
	const char *path;
	int fd;
	Elf *e;
	GElf_Ehdr eh;
};

static void file_close(struct file *f)
{
	if (f->e)
		elf_end(f->e);
	if (f->fd >= 0)
		close(f->fd);
}

static int file_open(struct file *f, const char *path, struct ox_err *err)
{
	struct stat st;
	int e;
	f->path = path, f->fd = -1, f->e = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ox_errf(err, 0, "libelf is too old");
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(f->fd, &st)) {
		e = errno;
		file_close(f);
		return ox_errf(err, e, "%s: %s: %s", path, ox_errno_name(e), strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		file_close(f);
		return ox_errf(err, EINVAL, "%s: not a regular file", path);
	}
	f->e = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->e || elf_kind(f->e) != ELF_K_ELF || !gelf_getehdr(f->e, &f->eh)) {
		file_close(f);
		return ox_errf(err, ENOEXEC, "%s: not an ELF file", path);
	}
	if (f->eh.e_type != ET_EXEC && f->eh.e_type != ET_DYN) {
		file_close(f);
		return ox_errf(err, ENOEXEC, "%s: not an executable or shared library (ELF type %u)",
			       path, (unsigned)f->eh.e_type);
	}
	return 0;
}

/* Virtual address to file offset, through the PT_LOAD segment holding it. */
static int vaddr_offset(const struct file *f, uint64_t addr, uint64_t *off)
{
	size_t n;
	GElf_Phdr ph;
	if (elf_getphdrnum(f->e, &n))
		return -1;
	for (size_t i = 0; i < n && i <= INT_MAX; i++)
		if (gelf_getphdr(f->e, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	return -1;
}

/* ---- symbol versions (.gnu.version, .gnu.version_d, .gnu.version_r) ---- */

struct versions {
	Elf_Data *sym, *def, *need;
	size_t def_str, need_str;
};

static void versions_find(Elf *e, struct versions *v)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	memset(v, 0, sizeof *v);
	while ((scn = elf_nextscn(e, scn)))
		if (!gelf_getshdr(scn, &sh))
			continue;
		else if (sh.sh_type == SHT_GNU_versym)
			v->sym = elf_getdata(scn, NULL);
		else if (sh.sh_type == SHT_GNU_verdef)
			v->def = elf_getdata(scn, NULL), v->def_str = sh.sh_link;
		else if (sh.sh_type == SHT_GNU_verneed)
			v->need = elf_getdata(scn, NULL), v->need_str = sh.sh_link;
}

/* The version of dynamic symbol i ("GLIBC_2.2.5"), NULL if it has none.
 * *hidden: not the default version. For an import, *lib is the library
 * its version is required from. */
static const char *dyn_version(Elf *e, const struct versions *v, size_t i, int undef,
			       int *hidden, const char **lib)
{
	GElf_Versym vs;
	unsigned ndx;
	size_t off = 0;
	*hidden = 0;
	if (!v->sym || i > INT_MAX || !gelf_getversym(v->sym, (int)i, &vs))
		return NULL;
	*hidden = (vs & VERSYM_HIDDEN) != 0;
	if ((ndx = vs & ~VERSYM_HIDDEN) < 2)	/* local or global: unversioned */
		return NULL;
	if (!undef) {
		GElf_Verdef vd;
		GElf_Verdaux va;
		while (v->def && off <= INT_MAX && gelf_getverdef(v->def, (int)off, &vd)) {
			if (vd.vd_ndx == ndx)
				return off + vd.vd_aux <= INT_MAX &&
				       gelf_getverdaux(v->def, (int)(off + vd.vd_aux), &va) ?
					elf_strptr(e, v->def_str, va.vda_name) : NULL;
			if (!vd.vd_next)
				break;
			off += vd.vd_next;
		}
		return NULL;
	}
	while (v->need && off <= INT_MAX) {
		GElf_Verneed vn;
		GElf_Vernaux vx;
		size_t a;
		if (!gelf_getverneed(v->need, (int)off, &vn))
			break;
		a = off + vn.vn_aux;
		for (unsigned k = 0; k < vn.vn_cnt && a <= INT_MAX; k++, a += vx.vna_next) {
			if (!gelf_getvernaux(v->need, (int)a, &vx))
				break;
			if (vx.vna_other == ndx) {
				*lib = elf_strptr(e, v->need_str, vn.vn_file);
				return elf_strptr(e, v->need_str, vx.vna_name);
			}
			if (!vx.vna_next)
				break;
		}
		if (!vn.vn_next)
			break;
		off += vn.vn_next;
	}
	return NULL;
}

/* ---- symbol lookup ---- */

struct query {
	const char *name;	/* as given: "malloc" or "malloc@GLIBC_2.2.5" */
	size_t len;		/* of the unversioned part */
	const char *version;	/* NULL: any, preferring the default version */
};

struct match {
	int found, rank, ambiguous;
	uint64_t value, other;
	int imported;		/* an undefined reference was seen */
	const char *lib;	/* the library an import's version comes from */
};

/* Higher is preferred among matches at different addresses: a global over
 * a weak or local definition, anything over a non-default version. */
static int sym_rank(const GElf_Sym *s, int hidden)
{
	int bind = GELF_ST_BIND(s->st_info);
	if (hidden)
		return 0;
	return bind == STB_GLOBAL || bind == STB_GNU_UNIQUE ? 2 : 1;
}

static void search(const struct file *f, Elf_Scn *scn, const GElf_Shdr *sh,
		   const struct versions *v, const struct query *q, struct match *m)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = d && sh->sh_entsize ? d->d_size / sh->sh_entsize : 0;
	for (size_t i = 1; i < n && i <= INT_MAX; i++) {
		GElf_Sym s;
		const char *name, *ver = NULL, *lib = NULL;
		int type, undef, hidden = 0, rank;
		if (!gelf_getsym(d, (int)i, &s))
			continue;
		type = GELF_ST_TYPE(s.st_info);
		undef = s.st_shndx == SHN_UNDEF;
		if (type != STT_FUNC && type != STT_GNU_IFUNC && !(undef && type == STT_NOTYPE))
			continue;
		name = elf_strptr(f->e, sh->sh_link, s.st_name);
		if (!name || strncmp(name, q->name, q->len) || (name[q->len] && name[q->len] != '@'))
			continue;
		if (name[q->len] == '@') {
			/* "name@VER" is a non-default version, "name@@VER" the default. */
			ver = name + q->len + 1;
			hidden = *ver != '@';
			if (!hidden)
				ver++;
		} else if (sh->sh_type == SHT_DYNSYM)
			ver = dyn_version(f->e, v, i, undef, &hidden, &lib);
		if (q->version && (!ver || strcmp(ver, q->version)))
			continue;
		if (undef) {
			m->imported = 1;
			if (!m->lib)
				m->lib = lib;
			continue;
		}
		rank = q->version ? 2 : sym_rank(&s, hidden);
		if (!m->found || rank > m->rank)
			m->found = 1, m->rank = rank, m->value = s.st_value, m->ambiguous = 0;
		else if (rank == m->rank && s.st_value != m->value)
			m->ambiguous = 1, m->other = s.st_value;
	}
}

/* "libA, libB" from DT_NEEDED, for an import whose library is unknown. */
static void needed_libs(const struct file *f, char *buf, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t used = 0;
	buf[0] = 0;
	while ((scn = elf_nextscn(f->e, scn))) {
		Elf_Data *d;
		GElf_Dyn dyn;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < d->d_size / sh.sh_entsize && i <= INT_MAX; i++) {
			const char *lib;
			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_NEEDED ||
			    !(lib = elf_strptr(f->e, sh.sh_link, dyn.d_un.d_val)) ||
			    used + strlen(lib) + 3 >= len)
				continue;
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", lib);
		}
	}
}

int ox_sym_file_offset(const char *path, const char *sym, uint64_t *offset, struct ox_err *err)
{
	struct file f;
	struct versions v;
	struct match m = {0};
	struct query q;
	int tables = 0, rc = -1;
	if (!sym || !*sym || *sym == '@')
		return ox_errf(err, EINVAL, "%s: invalid symbol name '%s'", path, sym ? sym : "");
	q.name = sym, q.len = strcspn(sym, "@"), q.version = NULL;
	if (sym[q.len])
		q.version = sym + q.len + (sym[q.len + 1] == '@' ? 2 : 1);
	if (file_open(&f, path, err))
		return -1;
	versions_find(f.e, &v);
	/* .symtab first (it has local functions too), then .dynsym. */
	for (int pass = 0; pass < 2 && !m.found; pass++) {
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;
		while ((scn = elf_nextscn(f.e, scn)))
			if (gelf_getshdr(scn, &sh) && sh.sh_type == (pass ? SHT_DYNSYM : SHT_SYMTAB)) {
				tables++;
				search(&f, scn, &sh, &v, &q, &m);
			}
	}
	if (m.ambiguous)
		ox_errf(err, EINVAL, "%s: symbol '%s' is ambiguous: defined at 0x%llx and 0x%llx "
			"(give an address instead)", path, sym, (unsigned long long)m.value,
			(unsigned long long)m.other);
	else if (m.found && vaddr_offset(&f, m.value, offset))
		ox_errf(err, ENOEXEC, "%s: symbol '%s' at 0x%llx is not in a loadable segment",
			path, sym, (unsigned long long)m.value);
	else if (m.found)
		rc = 0;
	else if (m.imported) {
		char libs[256];
		const char *lib = m.lib;
		if (!lib)
			needed_libs(&f, libs, sizeof libs), lib = libs;
		ox_errf(err, ENOENT, "'%s' is not defined in %s (it is imported; attach to the "
			"library that defines it%s%s)", sym, path,
			!*lib ? "" : strchr(lib, ',') ? ", one of " : ", e.g. ", lib);
	} else
		ox_errf(err, ENOENT, "%s: no symbol '%s'%s", path, sym,
			tables ? "" : " (the file has no symbol table)");
	file_close(&f);
	return rc;
}

int ox_addr_file_offset(const char *path, uint64_t addr, uint64_t *offset, struct ox_err *err)
{
	struct file f;
	int rc;
	if (file_open(&f, path, err))
		return -1;
	if ((rc = vaddr_offset(&f, addr, offset)))
		ox_errf(err, EINVAL, "%s: address 0x%llx is not in a loadable segment", path,
			(unsigned long long)addr);
	file_close(&f);
	return rc;
}

/* ---- libraries ---- */

/* Debian's multiarch directory name for this process's architecture. */
#if defined(OX_MULTIARCH)
#define MULTIARCH OX_MULTIARCH
#elif defined(__x86_64__) && defined(__ILP32__)
#define MULTIARCH "x86_64-linux-gnux32"
#elif defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__i386__)
#define MULTIARCH "i386-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define MULTIARCH "arm-linux-gnueabihf"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MULTIARCH "powerpc64le-linux-gnu"
#endif

static const char *multiarch(char *buf, size_t len)
{
#ifdef MULTIARCH
	(void)buf, (void)len;
	return MULTIARCH;
#else
	struct utsname u;
	if (uname(&u) || snprintf(buf, len, "%s-linux-gnu", u.machine) >= (int)len)
		return NULL;
	return buf;
#endif
}

/* An ELF file of this process's class (a 32-bit libc in /usr/lib is no use). */
static int elf_class_ok(const char *path)
{
	unsigned char id[EI_NIDENT];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;
	if (fd < 0)
		return 0;
	ok = read(fd, id, sizeof id) == (ssize_t)sizeof id && memcmp(id, ELFMAG, SELFMAG) == 0 &&
	     id[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32);
	close(fd);
	return ok;
}

static int put_path(char *path, size_t len, const char *p, struct ox_err *err)
{
	if (strlen(p) >= len)
		return ox_errf(err, ENAMETOOLONG, "%s: path too long", p);
	strcpy(path, p);
	return 0;
}

/* A path mapped into this process whose basename is `name`. */
static int from_maps(const char *name, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = strchr(line, '/'), *base;
		size_t n;
		if (!p)
			continue;
		p[strcspn(p, "\n")] = 0;
		if ((n = strlen(p)) > 10 && strcmp(p + n - 10, " (deleted)") == 0)
			continue;
		base = strrchr(p, '/') + 1;
		if (strcmp(base, name) == 0 && n < len && access(p, R_OK) == 0)
			found = 1, strcpy(buf, p);
	}
	free(line);
	fclose(f);
	return found;
}

int ox_find_library(const char *name, char *path, size_t len, struct ox_err *err)
{
	char triplet[64], dirs[6][96], cand[PATH_MAX];
	const char *arch;
	size_t nd = 0;
	if (!name || !*name)
		return ox_errf(err, EINVAL, "empty library name");
	if (strchr(name, '/')) {
		int e = access(name, R_OK) ? errno : 0;
		if (e)
			return ox_errf(err, e, "%s: %s: %s", name, ox_errno_name(e), strerror(e));
		return put_path(path, len, name, err);
	}
	if (from_maps(name, cand, sizeof cand))
		return put_path(path, len, cand, err);
	if ((arch = multiarch(triplet, sizeof triplet))) {
		snprintf(dirs[nd++], sizeof dirs[0], "/lib/%s", arch);
		snprintf(dirs[nd++], sizeof dirs[0], "/usr/lib/%s", arch);
	}
	strcpy(dirs[nd++], "/lib64");
	strcpy(dirs[nd++], "/usr/lib64");
	strcpy(dirs[nd++], "/lib");
	strcpy(dirs[nd++], "/usr/lib");
	for (size_t i = 0; i < nd; i++)
		if (snprintf(cand, sizeof cand, "%s/%s", dirs[i], name) < (int)sizeof cand &&
		    elf_class_ok(cand))
			return put_path(path, len, cand, err);
	return ox_errf(err, ENOENT, "library '%s' not found (searched this process's mappings, "
		       "%s%s%s, /lib64, /usr/lib64, /lib and /usr/lib)", name,
		       arch ? dirs[0] : "", arch ? ", " : "", arch ? dirs[1] : "");
}
