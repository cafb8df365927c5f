/* load.c - from a parsed object to kernel objects: BTF, maps (with pinning
 * and initial values), programs (with the verifier log on failure). Every
 * step either completes or undoes what it created. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "btf/btf_probe.h"
#include "btf/btf_target.h"
#include "kernel/kconfig.h"
#include "load/ksyms.h"
#include "load/link.h"
#include "load/load.h"
#include "kernel/sys.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's internal 'not supported' */
#endif
#define LOG_MIN (64u << 10)
#define LOG_MAX (16u << 20)
#define ATTR_END(f) (offsetof(union bpf_attr, f) + sizeof(((union bpf_attr *)0)->f))

/* ---- memlock ---- */

/* Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; later ones use
 * memcg. Raise the limit only where it matters; note it in EPERM errors. */
static void memlock_prepare(uint32_t kver)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
	if (kver >= (5u << 16 | 11u << 8))
		return;
	if (setrlimit(RLIMIT_MEMLOCK, &r))
		ox_log("cannot raise RLIMIT_MEMLOCK: %s", strerror(errno));
}

static void memlock_hint(struct ox_err *err)
{
	struct rlimit r;
	size_t n = strlen(err->msg);
	if (err->errnum != EPERM || getrlimit(RLIMIT_MEMLOCK, &r) || r.rlim_cur == RLIM_INFINITY ||
	    ox_kernel_version() >= (5u << 16 | 11u << 8))
		return;
	snprintf(err->msg + n, sizeof err->msg - n, " (RLIMIT_MEMLOCK is %llu KiB and this "
		 "kernel charges BPF memory to it)", (unsigned long long)r.rlim_cur / 1024);
}

/* A map the kernel will not make that big: say what E2BIG/ENOMEM mean here. */
static void size_hint(struct ox_err *err, uint32_t key, uint32_t value, uint32_t entries)
{
	size_t n = strlen(err->msg);
	double mib = ((double)key + value) * entries / (1024.0 * 1024.0);
	if (err->errnum == E2BIG)
		snprintf(err->msg + n, sizeof err->msg - n, ": the map is too large for its type "
			 "(a size or max_entries beyond the kernel's limits)");
	else if (err->errnum == ENOMEM)
		snprintf(err->msg + n, sizeof err->msg - n, ": the map (about %.0f MiB) needs more "
			 "memory than the kernel could allocate or this process's memory cgroup "
			 "allows", mib);
}

static int os_err(struct ox_err *err, int e, const char *fmt, const char *a, const char *what)
{
	char prefix[512];
	snprintf(prefix, sizeof prefix, fmt, a);
	ox_errf(err, e, "%s: %s: %s (%s)", prefix, what, ox_errno_name(e), strerror(e));
	memlock_hint(err);
	return -1;
}

/* Kernel object names: [A-Za-z0-9_.], at most 15 characters. */
static void kname(char dst[16], const char *a, const char *b)
{
	size_t n = 0;
	for (const char *p = a; *p && n < 15; p++)
		dst[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ? *p : '_');
	for (const char *p = b ? b : ""; *p && n < 15; p++)
		dst[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ? *p : '_');
	memset(dst + n, 0, 16 - n);
}

/* ---- BTF ---- */

/* The last non-empty line of a kernel log, in place. */
static const char *last_line(char *log)
{
	size_t n = strlen(log);
	char *p;
	while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
		log[--n] = 0;
	p = strrchr(log, '\n');
	return p ? p + 1 : log;
}

static int load_btf(struct ox_instance *inst)
{
	union bpf_attr a;
	struct btf_kernel_caps caps;
	char why[128];
	size_t size;
	void *raw;
	int fd;
	if (!inst->obj->btf)
		return -1;
	if (!ox_btf_probe_caps(inst->obj->btf, &caps, why, sizeof why)) {
		if (!strcmp(why, "OXLUA_BTF_CAPS=none"))
			ox_log("%s: loading without BTF (%s)", inst->obj->name, why);
		else
			ox_warn("%s: %s; loading without BTF", inst->obj->name, why);
		return -1;
	}
	inst->btf_func = caps.func;	/* func_info/line_info name FUNCs */
	raw = btf_sanitize(inst->obj->btf, &caps, &size);
	if (!raw)
		return -1;
	memset(&a, 0, sizeof a);
	a.btf = ox_ptr(raw);
	a.btf_size = (uint32_t)size;
	fd = (int)ox_bpf(BPF_BTF_LOAD, &a, ATTR_END(btf_log_level));
	if (fd < 0) {
		char *log = malloc(LOG_MIN);
		int e = errno;
		if (log) {	/* ask again for the reason, to put it in the warning */
			log[0] = 0;
			a.btf_log_buf = ox_ptr(log);
			a.btf_log_size = LOG_MIN;
			a.btf_log_level = 1;
			ox_bpf(BPF_BTF_LOAD, &a, ATTR_END(btf_log_level));
		}
		ox_warn("%s: the kernel rejected the object's BTF (%s%s%s); loading without it",
			inst->obj->name, ox_errno_name(e), log && log[0] ? ": " : "",
			log ? last_line(log) : "");
		free(log);
	}
	free(raw);
	return fd;
}

/* ---- maps ---- */

static const struct ox_map_opts *map_opts(const struct ox_load_opts *o, const char *name)
{
	for (uint32_t i = 0; i < o->nr_maps; i++)
		if (!strcmp(o->maps[i].name, name))
			return &o->maps[i];
	return NULL;
}

static int btf_ok_for(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS: case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_CGROUP_ARRAY: case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_QUEUE: case BPF_MAP_TYPE_STACK:	/* keyless */
	case 30 /* BLOOM_FILTER */:
	case 27 /* RINGBUF */: case 31 /* USER_RINGBUF */:
		return 0;
	default:
		return 1;
	}
}

static int ensure_bpffs(const char *path, struct ox_err *err)
{
	char dir[4096];
	struct statfs fs;
	char *slash;
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = 0;
	if (statfs(dir, &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (!strcmp(dir, "/sys/fs/bpf") &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") == 0)
		return 0;
	return ox_errf(err, ENOTDIR, "pin path %s: %s is not on a bpf filesystem (mount -t bpf "
		       "bpf /sys/fs/bpf)", path, dir);
}

static int reuse_pinned(struct ox_inst_map *im, const char *name, const char *path,
			struct ox_err *err)
{
	struct bpf_map_info info;
	char what[160] = "";
	int fd = ox_obj_get(path);
	if (fd < 0)
		return os_err(err, errno, "map '%s'", name, "opening pinned map");
	if (ox_map_info(fd, &info)) {
		int e = errno;
		close(fd);
		return os_err(err, e, "map '%s'", name, "reading pinned map info");
	}
#define CHECK(field, wanted) \
	if (!what[0] && info.field != (wanted)) \
		snprintf(what, sizeof what, #field " %u (pinned) vs %u (wanted)", \
			 (unsigned)info.field, (unsigned)(wanted));
	CHECK(type, im->type)
	CHECK(key_size, im->key_size)
	CHECK(value_size, im->value_size)
	CHECK(max_entries, im->max_entries)
	CHECK(map_flags, im->map_flags)
#undef CHECK
	if (what[0]) {
		close(fd);
		return ox_errf(err, EINVAL, "map '%s': pinned map at %s does not match: %s",
			       name, path, what);
	}
	im->fd = fd;
	im->reused = 1;
	ox_log("map '%s': reusing pinned map %s", name, path);
	return 0;
}

static int create_map(struct ox_instance *inst, int idx, const struct ox_load_opts *o,
		      struct ox_err *err);

static int make_map(struct ox_instance *inst, int idx, int inner_fd, struct ox_err *err)
{
	struct ox_mapdef *d = &inst->obj->maps[idx];
	struct ox_inst_map *im = &inst->maps[idx];
	union bpf_attr a;
	int fd, with_btf, e;
	memset(&a, 0, sizeof a);
	a.map_type = im->type;
	a.key_size = im->key_size;
	a.value_size = im->value_size;
	a.max_entries = im->max_entries;
	a.map_flags = im->map_flags;
	a.inner_map_fd = inner_fd > 0 ? (uint32_t)inner_fd : 0;
	if (d->numa_node) {
		a.map_flags |= BPF_F_NUMA_NODE;
		a.numa_node = d->numa_node;
	}
	a.map_extra = d->map_extra;
	if (im->st.value_type) {	/* struct_ops: the kernel's type, with the object's BTF */
		a.btf_vmlinux_value_type_id = im->st.value_type;
		a.btf_fd = inst->btf_fd >= 0 ? (uint32_t)inst->btf_fd : 0;
	}
	if (d->kind == OX_MAP_USER)
		kname(a.map_name, d->name, NULL);
	else
		kname(a.map_name, inst->obj->prefix, d->name);
	with_btf = inst->btf_fd >= 0 && (d->btf_value || d->btf_key) && btf_ok_for(im->type);
	if (with_btf) {
		a.btf_fd = (uint32_t)inst->btf_fd;
		a.btf_key_type_id = d->btf_key;
		a.btf_value_type_id = d->btf_value;
	}
	fd = (int)ox_bpf(BPF_MAP_CREATE, &a, ATTR_END(map_extra));
	if (fd < 0 && with_btf) {	/* some kernels reject BTF for some types */
		a.btf_fd = a.btf_key_type_id = a.btf_value_type_id = 0;
		fd = (int)ox_bpf(BPF_MAP_CREATE, &a, ATTR_END(map_extra));
	}
	if (fd < 0) {
		char what[160];
		snprintf(what, sizeof what, "creating %s map (key %u, value %u, max_entries %u, "
			 "flags 0x%x)", ox_map_type_name(im->type), im->key_size, im->value_size,
			 im->max_entries, im->map_flags);
		e = errno;
		os_err(err, e, "map '%s'", d->name, what);
		size_hint(err, im->key_size, im->value_size, im->max_entries);
		return -1;
	}
	im->fd = fd;
	return 0;
}

static int init_data(struct ox_instance *inst, int idx, const struct ox_load_opts *o,
		     struct ox_err *err)
{
	struct ox_object *obj = inst->obj;
	struct ox_mapdef *d = &obj->maps[idx];
	struct ox_inst_map *im = &inst->maps[idx];
	uint32_t zero = 0;
	uint8_t *buf;
	int rc = 0, dirty = d->kind != OX_MAP_BSS;
	if (d->kind == OX_MAP_USER || d->kind == OX_MAP_STRUCT_OPS || im->reused)
		return 0;	/* (writing a struct_ops map registers it: that is attaching) */
	if (!(buf = calloc(1, im->value_size)))
		return ox_errf(err, ENOMEM, "out of memory");
	if (d->data)
		memcpy(buf, d->data, d->value_size < im->value_size ? d->value_size : im->value_size);
	if (d->kind == OX_MAP_KCONFIG && ox_kconfig_fill(obj, buf, o->kconfig_path, err)) {
		free(buf);
		return -1;
	}
	for (uint32_t i = 0; i < o->nr_globals; i++) {
		const struct ox_global *g = &obj->globals[o->globals[i].global];
		if (g->map != idx)
			continue;
		memcpy(buf + g->off, o->globals[i].data, g->size);
		dirty = 1;
	}
	if (dirty && ox_map_update(im->fd, &zero, buf, 0))
		rc = os_err(err, errno, "map '%s'", d->name, "writing initial value");
	free(buf);
	if (!rc && (d->kind == OX_MAP_RODATA || d->kind == OX_MAP_KCONFIG) && ox_map_freeze(im->fd)) {
		if (errno == EINVAL || errno == ENOTSUPP)
			ox_log("map '%s': this kernel cannot freeze maps", d->name);
		else
			rc = os_err(err, errno, "map '%s'", d->name, "freezing");
	}
	return rc;
}

static int create_map(struct ox_instance *inst, int idx, const struct ox_load_opts *o,
		      struct ox_err *err)
{
	struct ox_object *obj = inst->obj;
	struct ox_mapdef *d = &obj->maps[idx];
	struct ox_inst_map *im = &inst->maps[idx];
	const struct ox_map_opts *mo = map_opts(o, d->name);
	char path[4096];
	const char *pin = NULL;
	int inner_fd = -1, rc;
	if (im->fd >= 0)
		return 0;
	im->type = d->type, im->key_size = d->key_size, im->value_size = d->value_size;
	im->max_entries = d->max_entries, im->map_flags = d->map_flags;
	if (d->kind == OX_MAP_STRUCT_OPS)
		im->value_size = im->st.value_size;	/* the kernel's value type */
	if (mo) {
		if (mo->mask & OX_MO_TYPE) im->type = mo->type;
		if (mo->mask & OX_MO_MAX_ENTRIES) im->max_entries = mo->max_entries;
		if (mo->mask & OX_MO_KEY_SIZE) im->key_size = mo->key_size;
		if (mo->mask & OX_MO_VALUE_SIZE) im->value_size = mo->value_size;
		if (mo->mask & OX_MO_FLAGS) im->map_flags = mo->map_flags;
		pin = mo->pin;
	}
	if (im->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		int ncpu = ox_possible_cpus();
		if (!im->key_size) im->key_size = 4;
		if (!im->value_size) im->value_size = 4;
		if (!im->max_entries || im->max_entries > (uint32_t)ncpu)
			im->max_entries = (uint32_t)ncpu;
	}
	if (im->type == OX_MAP_TYPE_RINGBUF || im->type == OX_MAP_TYPE_USER_RINGBUF) {
		uint32_t n = ox_ringbuf_size(im->max_entries);
		if (n != im->max_entries)
			ox_log("map '%s': ring buffer of %u bytes rounded up to %u", d->name,
			       im->max_entries, n);
		im->max_entries = n;
	}
	if (ox_map_check(d->name, im->type, im->key_size, im->value_size, im->max_entries, err))
		return -1;
	if (!pin && d->pinning == 1) {
		if (snprintf(path, sizeof path, "%s/%s", o->pin_root ? o->pin_root : "/sys/fs/bpf",
			     d->name) >= (int)sizeof path)
			return ox_errf(err, ENAMETOOLONG, "map '%s': pin path longer than %zu bytes",
				       d->name, sizeof path - 1);
		pin = path;
	}
	if (pin) {
		if (!(im->pin = strdup(pin)))
			return ox_errf(err, ENOMEM, "out of memory");
		if (access(pin, F_OK) == 0)
			return reuse_pinned(im, d->name, pin, err);
		if (ensure_bpffs(pin, err))
			return ox_errprefix(err, "map '%s'", d->name);
	}
	if (d->inner >= 0) {	/* a template for the inner maps, closed once used */
		if (create_map(inst, d->inner, o, err))
			return -1;
		inner_fd = inst->maps[d->inner].fd;
	}
	rc = make_map(inst, idx, inner_fd, err);
	if (inner_fd >= 0) {
		close(inner_fd);
		inst->maps[d->inner].fd = -1;
	}
	return rc ? rc : init_data(inst, idx, o, err);
}

/* Map-in-map and prog_array initial slots, once everything exists. */
static int fill_slots(struct ox_instance *inst, struct ox_err *err)
{
	struct ox_object *obj = inst->obj;
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		const struct ox_mapdef *d = &obj->maps[i];
		if (d->kind == OX_MAP_STRUCT_OPS)	/* members, not keys: see ox_struct_ops_* */
			continue;
		for (uint32_t s = 0; inst->maps[i].fd >= 0 && s < d->nr_slots; s++) {
			const struct ox_slot *sl = &d->slots[s];
			int fd = -1;
			if (sl->index >= inst->maps[i].max_entries)
				return ox_errf(err, EINVAL, "map '%s': initial slot %u is beyond "
					       "max_entries %u", d->name, sl->index,
					       inst->maps[i].max_entries);
			if (sl->is_prog) {
				int p = ox_inst_find_prog(inst, sl->target);
				if (p < 0) {
					ox_log("map '%s': slot %u: program '%s' not loaded; left empty",
					       d->name, sl->index, sl->target);
					continue;
				}
				fd = inst->progs[p].fd;
			} else {
				fd = inst->maps[ox_object_find_map(obj, sl->target)].fd;
			}
			if (ox_map_update(inst->maps[i].fd, &sl->index, &fd, 0)) {
				char what[300];
				snprintf(what, sizeof what, "setting slot %u to '%s'", sl->index, sl->target);
				return os_err(err, errno, "map '%s'", d->name, what);
			}
		}
	}
	return 0;
}

/* ---- programs ---- */

struct relo_ctx {
	struct ox_instance *inst;
	const char *prog;
	struct ox_ksyms *ks;
	struct ox_err *err;
};

/* A .ksyms extern: a kernel variable's BTF id or address, or a kfunc call
 * (poisoned when a weak kfunc is absent: loadable while the call is dead). */
static void patch_ksym(const struct ox_relo *r, const struct ox_extern *x,
		       const struct ox_ksym_res *res, struct bpf_insn *insn)
{
	if (r->kind == OX_RELO_KFUNC) {
		if (res->set) {
			insn->src_reg = BPF_PSEUDO_KFUNC_CALL;
			insn->imm = (int32_t)res->btf_id;
			insn->off = res->fd_idx;
		} else {
			insn->code = BPF_JMP | BPF_CALL;
			insn->src_reg = insn->dst_reg = 0;
			insn->off = 0;
			insn->imm = OX_KFUNC_POISON + r->ext;
		}
	} else if (res->set && (x->type || x->is_func)) {	/* typed */
		insn[0].src_reg = BPF_PSEUDO_BTF_ID;
		insn[0].imm = (int32_t)res->btf_id;
		insn[1].imm = res->obj_fd;
	} else {	/* typeless, or an absent weak symbol: its address (0) */
		insn[0].src_reg = 0;
		insn[0].imm = (int32_t)(uint32_t)res->addr;
		insn[1].imm = (int32_t)(uint32_t)(res->addr >> 32);
	}
}

static int patch(void *vctx, const struct ox_relo *r, struct bpf_insn *insn)
{
	struct relo_ctx *c = vctx;
	struct ox_instance *inst = c->inst;
	int map = r->kind == OX_RELO_EXTERN ? inst->obj->kconfig_map : r->map;
	if (r->kind == OX_RELO_KFUNC ||
	    (r->kind == OX_RELO_EXTERN && !inst->obj->exts[r->ext].is_kconfig)) {
		patch_ksym(r, &inst->obj->exts[r->ext], &c->ks->res[r->ext], insn);
		return 0;
	}
	if (map < 0 || inst->maps[map].fd < 0)
		return ox_errf(c->err, 0, "program '%s': map %d was not created", c->prog, map);
	insn[0].imm = inst->maps[map].fd;
	switch (r->kind) {
	case OX_RELO_MAP:
		insn[0].src_reg = BPF_PSEUDO_MAP_FD;
		break;
	case OX_RELO_DATA:
		insn[0].src_reg = BPF_PSEUDO_MAP_VALUE;
		insn[1].imm += (int32_t)r->sym_off;
		break;
	case OX_RELO_EXTERN:
		insn[0].src_reg = BPF_PSEUDO_MAP_VALUE;
		insn[1].imm = (int32_t)inst->obj->exts[r->ext].off;
		break;
	}
	return 0;
}

/* The end of a verifier log, enough lines to show the failing instruction
 * and the source line before it. */
static void log_tail(const char *log, char *out, size_t len)
{
	size_t n = strlen(log);
	int lines = 0;
	const char *p = log + n;
	while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
		n--;
	p = log + n;
	while (p > log && lines < 12 && (size_t)(log + n - p) < len - 64) {
		p--;
		if (*p == '\n')
			lines++;
	}
	if (*p == '\n')
		p++;
	snprintf(out, len, "%s%.*s", p > log ? "...\n" : "", (int)(log + n - p), p);
}

/* fentry/fexit/fmod_ret/lsm/tp_btf/iter programs name their target at load
 * time: its BTF id in the kernel's own BTF. */
static int btf_target(const struct ox_func *f, struct ox_btf_target *tgt, uint32_t *id,
		      struct ox_err *err)
{
	char name[256];
	const char *kind = f->def.kind;
	int btf_kind_wanted = BTF_KIND_FUNC;
	const struct btf *vmlinux = ox_btf_target_vmlinux(tgt, err);
	if (!vmlinux)
		return ox_errprefix(err, "program '%s' needs the kernel's BTF", f->name);
	if (!strcmp(kind, "lsm") || !strcmp(kind, "lsm_cgroup"))
		snprintf(name, sizeof name, "bpf_lsm_%s", f->def.target);
	else if (!strcmp(kind, "tp_btf"))
		snprintf(name, sizeof name, "btf_trace_%s", f->def.target), btf_kind_wanted = BTF_KIND_TYPEDEF;
	else if (!strcmp(kind, "iter"))
		snprintf(name, sizeof name, "bpf_iter_%s", f->def.target);
	else
		snprintf(name, sizeof name, "%s", f->def.target);
	if (!f->def.target[0])
		return ox_errf(err, EINVAL, "program '%s': section '%s' names no attach target",
			       f->name, f->sec_name);
	*id = btf_find(vmlinux, name, btf_kind_wanted);
	if (!*id)
		return ox_errf(err, ENOENT, "program '%s': the kernel's BTF has no %s '%s'", f->name,
			       btf_kind_wanted == BTF_KIND_FUNC ? "function" : "type", name);
	return 0;
}

/* A reachable poisoned CO-RE instruction: the verifier stops at the call
 * to helper 195896080. Returns the relocation's description, NULL when the
 * log is about something else. */
static const char *poisoned_in_log(const struct ox_linked *l, const char *log, uint32_t *insn)
{
	const char *p, *hit = NULL, *line;
	char needle[48];
	if (!l->nr_poisons || !log)
		return NULL;
	snprintf(needle, sizeof needle, "unknown#%d", OX_CORE_POISON_HELPER);
	for (p = log; (p = strstr(p, needle)); p++)
		hit = p;
	if (!hit)
		return NULL;
	/* "123: (85) call unknown#195896080" names the instruction */
	for (p = log; (p = strstr(p, needle)) && p <= hit; p++) {
		unsigned long n;
		char *end;
		for (line = p; line > log && line[-1] != '\n'; line--)
			;
		n = strtoul(line, &end, 10);
		if (end == line || *end != ':')
			continue;
		for (uint32_t i = 0; i < l->nr_poisons; i++)
			if (l->poisons[i].insn == n) {
				*insn = (uint32_t)n;
				return l->poisons[i].why;
			}
	}
	*insn = l->poisons[0].insn;
	return l->poisons[0].why;
}

static int prog_load(struct ox_instance *inst, struct ox_inst_prog *ip, struct ox_linked *l,
		     const struct ox_load_opts *o, struct ox_ksyms *ks, struct ox_err *err,
		     char **logp)
{
	struct ox_object *obj = inst->obj;
	const struct ox_func *f = &obj->funcs[ip->func];
	union bpf_attr a;
	/* 6.1 refuses a log buffer under 128 bytes with EINVAL (6.18 takes it) */
	uint32_t size = o->log_size > 128 ? o->log_size : o->log_size ? 128 : LOG_MIN;
	char *log = NULL;
	int fd, e;
	memset(&a, 0, sizeof a);
	a.prog_type = f->def.prog_type;
	a.expected_attach_type = f->def.attach_type;
	a.insns = ox_ptr(l->insns);
	a.insn_cnt = l->cnt;
	a.license = ox_ptr(obj->license);
	a.kern_version = obj->kversion ? obj->kversion : inst->kver;
	kname(a.prog_name, f->name, NULL);
	if ((f->def.flags & OX_SEC_NEEDS_BTF_ID) && strcmp(f->def.kind, "freplace") &&
	    btf_target(f, ks->tgt, &a.attach_btf_id, err))
		return -1;
	if (f->def.prog_type == OX_PROG_TYPE_STRUCT_OPS) {	/* its struct and member */
		int m, s;
		if (!ox_struct_ops_slot_of(obj, f->name, &m, &s) && inst->maps[m].st.value) {
			a.attach_btf_id = inst->maps[m].st.kern_type;
			a.expected_attach_type = inst->maps[m].st.member[s];
		}
	}
	if (ks->nr_fd)	/* module BTF objects named by kfunc calls */
		a.fd_array = ox_ptr(ks->fd_array);
	if (f->def.flags & OX_SEC_SLEEPABLE)
		a.prog_flags |= BPF_F_SLEEPABLE;
	if (f->def.flags & OX_SEC_XDP_FRAGS)
		a.prog_flags |= 1u << 5;	/* BPF_F_XDP_HAS_FRAGS */
	if (inst->btf_fd >= 0 && inst->btf_func && l->nr_fi) {
		a.prog_btf_fd = (uint32_t)inst->btf_fd;
		a.func_info = ox_ptr(l->fi);
		a.func_info_cnt = l->nr_fi;
		a.func_info_rec_size = sizeof *l->fi;
		a.line_info = ox_ptr(l->li);
		a.line_info_cnt = l->nr_li;
		a.line_info_rec_size = sizeof *l->li;
	}
	if (o->log_level) {
		if (!(log = calloc(1, size)))
			return ox_errf(err, ENOMEM, "out of memory");
		a.log_level = o->log_level;
		a.log_buf = ox_ptr(log);
		a.log_size = size;
	}
	fd = (int)ox_bpf(BPF_PROG_LOAD, &a, ATTR_END(fd_array));
	if (fd < 0 && errno == EINVAL && a.expected_attach_type && (f->def.flags & OX_SEC_ATTACH_OPT)) {
		a.expected_attach_type = 0;	/* older kernels: no expected attach type */
		fd = (int)ox_bpf(BPF_PROG_LOAD, &a, ATTR_END(fd_array));
		if (fd < 0)
			a.expected_attach_type = f->def.attach_type;
	}
	/* Failed: load again with the verifier log, growing it until it fits. */
	for (e = errno; fd < 0; e = errno) {
		char *nl;
		if (log && a.log_level && e != ENOSPC)
			break;
		if (log && e == ENOSPC) {
			if (size >= LOG_MAX)
				break;
			size *= 2;
		}
		if (!(nl = realloc(log, size))) {
			errno = e;
			break;
		}
		log = nl;
		log[0] = 0;
		a.log_level = a.log_level ? a.log_level : 1;
		a.log_buf = ox_ptr(log);
		a.log_size = size;
		fd = (int)ox_bpf(BPF_PROG_LOAD, &a, ATTR_END(fd_array));
	}
	if (fd >= 0) {
		ip->fd = fd;
		ip->insn_cnt = l->cnt;
		if (o->log_level)
			ip->log = log;
		else
			free(log);
		return 0;
	}
	{
		char tail[2048] = "", hint[300] = "";
		const char *p = log ? strstr(log, "unknown#2002") : NULL;
		long x = p ? strtol(p + 8, NULL, 10) - OX_KFUNC_POISON : -1;
		const char *why;
		uint32_t pinsn = 0;
		if (log && log[0])
			log_tail(log, tail, sizeof tail);
		if (x >= 0 && x < (long)obj->nr_exts)
			snprintf(hint, sizeof hint, "\n(the call of weak kfunc '%s', which this "
				 "kernel lacks, is reachable: guard it with bpf_ksym_exists())",
				 obj->exts[x].name);
		ox_errf(err, e, "program '%s' (%s): loading: %s (%s)%s%s%s", f->name,
			ox_prog_type_name(f->def.prog_type), ox_errno_name(e), strerror(e),
			e == EPERM && (f->def.flags & OX_SEC_NEEDS_BTF_ID) ?
			": this kernel does not permit BTF-attached tracing programs "
			"(fentry/fexit/fmod_ret/lsm/tp_btf; lockdown, no BPF trampoline, or "
			"missing CAP_BPF/CAP_PERFMON)" : "",
			tail[0] ? "\nverifier:\n" : "", tail);
		snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg), "%s",
			 hint);
		if ((why = poisoned_in_log(l, log, &pinsn)))	/* a reachable failed CO-RE relocation */
			ox_errf(err, e, "program '%s': CO-RE relocation failed: %s (instruction %u); "
				"loading: %s (%s)%s%s", f->name, why, pinsn, ox_errno_name(e), strerror(e),
				tail[0] ? "\nverifier:\n" : "", tail);
		if (e == ENOSPC && size >= LOG_MAX)
			snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
				 "\n(the verifier log exceeded %u bytes)", LOG_MAX);
		memlock_hint(err);
	}
	if (logp)
		*logp = log;
	else
		free(log);
	return -1;
}

static int load_programs(struct ox_instance *inst, const struct ox_load_opts *o,
			 struct ox_linked *links, struct ox_ksyms *ks, struct ox_err *err,
			 char **log)
{
	int rc = 0;
	for (uint32_t i = 0; i < inst->nr_progs && !rc; i++) {
		struct ox_inst_prog *ip = &inst->progs[i];
		const struct ox_func *f = &inst->obj->funcs[ip->func];
		struct relo_ctx c = { inst, f->name, ks, err };
		rc = ox_link_each_relo(inst->obj, &links[i], patch, &c) ||
		     prog_load(inst, ip, &links[i], o, ks, err, log) ? -1 : 0;
	}
	return rc;
}

/* ---- the whole load ---- */

struct need_ctx {
	int *maps;		/* per map */
	uint8_t *exts;		/* per extern */
	const struct ox_object *obj;
};

static int mark_needs(void *vctx, const struct ox_relo *r, struct bpf_insn *insn)
{
	struct need_ctx *c = vctx;
	(void)insn;
	if (r->kind == OX_RELO_EXTERN || r->kind == OX_RELO_KFUNC) {
		c->exts[r->ext] = 1;
		if (c->obj->exts[r->ext].is_kconfig && c->obj->kconfig_map >= 0)
			c->maps[c->obj->kconfig_map] = 1;
	} else {
		c->maps[r->map] = 1;
	}
	return 0;
}

/* ---- CO-RE ---- */

/* Does function f contain CO-RE relocation records? */
static const struct btf_ext_sec *core_sec(const struct ox_object *obj, const struct ox_func *f)
{
	if (!obj->btf_ext || !obj->nr_core_relos)
		return NULL;
	return btf_ext_find(&obj->btf_ext->core_relo, obj->sec_names[f->sec]);
}

static int func_has(const struct ox_object *obj, int sec, uint32_t insn)
{
	for (uint32_t i = 0; i < obj->nr_funcs; i++)
		if (obj->funcs[i].sec == sec && insn >= obj->funcs[i].off &&
		    insn - obj->funcs[i].off < obj->funcs[i].cnt)
			return 1;
	return 0;
}

/* Apply the CO-RE relocations of every part of a linked program. The
 * target BTF is read the first time a relocation needs it. */
static int apply_core(const struct ox_object *obj, struct ox_linked *l, struct ox_btf_target *tgt,
		      struct ox_core_session **sess, struct ox_err *err)
{
	const char *prog = obj->funcs[l->parts[0].func].name;
	for (uint32_t p = 0; p < l->nr_parts; p++) {
		const struct ox_func *f = &obj->funcs[l->parts[p].func];
		const struct btf_ext_sec *s = core_sec(obj, f);
		uint32_t rs = s ? obj->btf_ext->core_relo.rec_size : 0;
		for (uint32_t i = 0; s && i < s->nr; i++) {
			struct bpf_core_relo r;
			char why[1024];
			int rc;
			memcpy(&r, s->recs + (size_t)i * rs, sizeof r);
			if (r.insn_off % 8)
				return ox_errf(err, EINVAL, "program '%s': CO-RE relocation #%u of section %s: "
					       "instruction offset %u is not a multiple of 8", prog, i,
					       s->sec_name, r.insn_off);
			if (!func_has(obj, f->sec, r.insn_off / 8))
				return ox_errf(err, EINVAL, "program '%s': CO-RE relocation #%u of section %s: "
					       "instruction %u is in no function", prog, i, s->sec_name,
					       r.insn_off / 8);
			if (r.insn_off / 8 < f->off || r.insn_off / 8 - f->off >= f->cnt)
				continue;	/* another function of the section */
			if (!*sess) {
				struct ox_core_target *ct = ox_btf_target_core(tgt, err);
				if (!ct)
					return ox_errprefix(err, "program '%s' has CO-RE relocations", prog);
				if (!(*sess = ox_core_session_new(obj->btf, ct)))
					return ox_errf(err, ENOMEM, "out of memory");
			}
			rc = ox_core_apply(*sess, &r, l->insns + l->parts[p].base, f->cnt,
					   r.insn_off / 8 - f->off, why, sizeof why, err);
			if (rc < 0)
				return ox_errprefix(err, "program '%s': function '%s': CO-RE relocation #%u "
						    "(%s of %s)", prog, f->name, i, ox_core_kind_name(r.kind),
						    btf_name(obj->btf, r.type_id)[0] ?
						    btf_name(obj->btf, r.type_id) : "an anonymous type");
			if (rc == OX_CORE_POISONED) {
				void *np = realloc(l->poisons, (l->nr_poisons + 1) * sizeof *l->poisons);
				if (!np)
					return ox_errf(err, ENOMEM, "out of memory");
				l->poisons = np;
				if (!(l->poisons[l->nr_poisons].why = strdup(why)))
					return ox_errf(err, ENOMEM, "out of memory");
				l->poisons[l->nr_poisons++].insn = l->parts[p].base + r.insn_off / 8 - f->off;
				ox_log("program '%s': CO-RE relocation #%u poisoned: %s", prog, i, why);
			}
		}
	}
	return 0;
}

struct ox_instance *ox_load(struct ox_object *obj, const struct ox_load_opts *o,
			    struct ox_err *err, char **log)
{
	struct ox_instance *inst = calloc(1, sizeof *inst);
	struct ox_linked *links = NULL;
	struct ox_btf_target tgt;	/* the kernel's BTF, read only if needed, freed below */
	struct ox_core_session *sess = NULL;
	struct ox_ksyms ks;		/* .ksyms and kallsyms: once per load */
	int *need = NULL;
	uint8_t *need_ext = NULL;
	ox_btf_target_init(&tgt, o->btf_path, o->sysfs_btf_dir);
	memset(&ks, 0, sizeof ks);
	if (log)
		*log = NULL;
	if (!inst || !(inst->maps = calloc(obj->nr_maps + 1, sizeof *inst->maps)) ||
	    !(inst->progs = calloc(o->nr_progs + 1, sizeof *inst->progs)) ||
	    !(links = calloc(o->nr_progs + 1, sizeof *links)) ||
	    !(need = calloc(obj->nr_maps + 1, sizeof *need)) ||
	    !(need_ext = calloc(obj->nr_exts + 1, 1)) || ox_ksyms_init(&ks, obj, &tgt, err)) {
		ox_errf(err, ENOMEM, "out of memory");
		goto fail;
	}
	inst->obj = obj;
	inst->btf_fd = -1;
	inst->kver = ox_kernel_version();	/* once per load: it reads /proc and uname */
	for (uint32_t i = 0; i < obj->nr_maps; i++)
		inst->maps[i].fd = -1;
	for (uint32_t i = 0; i < o->nr_progs; i++) {
		int fi = ox_object_find_func(obj, o->progs[i]);
		struct need_ctx ctx = { need, need_ext, obj };
		if (fi < 0) {
			ox_errf(err, ENOENT, "no program named '%s' in %s", o->progs[i], obj->name);
			goto fail;
		}
		if (!obj->funcs[fi].known) {
			ox_errf(err, EINVAL, "program '%s': section '%s' gives no program type "
				"(see the section names libbpf uses)", o->progs[i],
				obj->funcs[fi].sec_name);
			goto fail;
		}
		inst->progs[i].func = fi;
		inst->progs[i].fd = -1;
		inst->nr_progs++;
		if (ox_link(obj, fi, &links[i], err) || apply_core(obj, &links[i], &tgt, &sess, err))
			goto fail;
		ox_link_each_relo(obj, &links[i], mark_needs, &ctx);
		if (obj->funcs[fi].def.prog_type == OX_PROG_TYPE_STRUCT_OPS) {
			int m, s;
			if (ox_struct_ops_slot_of(obj, o->progs[i], &m, &s)) {
				ox_errf(err, EINVAL, "program '%s' (struct_ops) is the member of no "
					"struct_ops variable (SEC(\".struct_ops\"))", o->progs[i]);
				goto fail;
			}
			/* every struct_ops map it is a member of, to be registered later */
			for (uint32_t k = 0; k < obj->nr_maps; k++)
				for (uint32_t s2 = 0; obj->maps[k].kind == OX_MAP_STRUCT_OPS &&
				     s2 < obj->maps[k].nr_slots; s2++)
					if (!strcmp(obj->maps[k].slots[s2].target, o->progs[i]))
						need[k] = 1;
		}
	}
	for (uint32_t i = 0; i < o->nr_maps; i++) {
		int mi = ox_object_find_map(obj, o->maps[i].name);
		if (mi < 0) {
			ox_errf(err, ENOENT, "map override names '%s', which %s does not define",
				o->maps[i].name, obj->name);
			goto fail;
		}
		need[mi] = 1;
	}
	for (uint32_t i = 0; i < obj->nr_maps; i++)	/* map-in-map initial contents */
		for (uint32_t s = 0; need[i] && s < obj->maps[i].nr_slots; s++)
			if (!obj->maps[i].slots[s].is_prog)
				need[ox_object_find_map(obj, obj->maps[i].slots[s].target)] = 1;
	if (ox_ksyms_resolve(&ks, obj, need_ext, err))
		goto fail;
	for (uint32_t i = 0; i < obj->nr_maps; i++) {	/* struct_ops: the kernel's layout */
		const struct btf *kbtf;
		if (!need[i] || obj->maps[i].kind != OX_MAP_STRUCT_OPS)
			continue;
		if (!(kbtf = ox_btf_target_vmlinux(&tgt, err))) {
			ox_errprefix(err, "struct_ops '%s' needs the kernel's BTF", obj->maps[i].name);
			goto fail;
		}
		if (ox_struct_ops_prepare(obj, (int)i, kbtf, &inst->maps[i].st, err))
			goto fail;
	}
	memlock_prepare(inst->kver);
	inst->btf_fd = load_btf(inst);
	for (uint32_t i = 0; i < obj->nr_maps; i++)
		if (need[i] && create_map(inst, (int)i, o, err))
			goto fail;
	ox_core_session_free(sess);
	sess = NULL;
	if (load_programs(inst, o, links, &ks, err, log) || fill_slots(inst, err))
		goto fail;
	for (uint32_t i = 0; i < obj->nr_maps; i++)	/* struct_ops: the programs' fds */
		for (uint32_t s = 0; inst->maps[i].st.value && s < obj->maps[i].nr_slots; s++) {
			int p = ox_inst_find_prog(inst, obj->maps[i].slots[s].target);
			ox_struct_ops_set_prog(&inst->maps[i].st, (int)s, p >= 0 ? inst->progs[p].fd : -1);
		}
	ox_btf_target_release(&tgt);	/* 5+ MB: read only when a program needs it, freed after */
	for (uint32_t i = 0; i < obj->nr_maps; i++) {	/* pins last: nothing to undo */
		struct ox_inst_map *im = &inst->maps[i];
		if (im->fd >= 0 && im->pin && !im->reused && ox_obj_pin(im->fd, im->pin)) {
			os_err(err, errno, "map '%s'", obj->maps[i].name, "pinning");
			for (uint32_t j = 0; j < i; j++)
				if (inst->maps[j].pin && !inst->maps[j].reused && inst->maps[j].fd >= 0)
					unlink(inst->maps[j].pin);
			goto fail;
		}
	}
	for (uint32_t i = 0; i < o->nr_progs; i++)
		ox_linked_free(&links[i]);
	free(links);
	free(need);
	free(need_ext);
	ox_ksyms_release(&ks);
	return inst;
fail:
	for (uint32_t i = 0; links && i < o->nr_progs; i++)
		ox_linked_free(&links[i]);
	free(links);
	free(need);
	free(need_ext);
	ox_ksyms_release(&ks);
	ox_core_session_free(sess);
	ox_btf_target_release(&tgt);
	ox_instance_free(inst);
	return NULL;
}

void ox_instance_close(struct ox_instance *inst)
{
	if (!inst)
		return;
	inst->closed = 1;
	for (uint32_t i = 0; i < inst->nr_progs; i++)
		if (inst->progs[i].fd >= 0) {
			close(inst->progs[i].fd);
			inst->progs[i].fd = -1;
		}
	for (uint32_t i = 0; inst->maps && inst->obj && i < inst->obj->nr_maps; i++)
		if (inst->maps[i].fd >= 0) {
			close(inst->maps[i].fd);
			inst->maps[i].fd = -1;
		}
	if (inst->btf_fd >= 0) {
		close(inst->btf_fd);
		inst->btf_fd = -1;
	}
}

void ox_instance_free(struct ox_instance *inst)
{
	if (!inst)
		return;
	ox_instance_close(inst);
	for (uint32_t i = 0; inst->maps && inst->obj && i < inst->obj->nr_maps; i++) {
		free(inst->maps[i].pin);
		ox_struct_ops_free(&inst->maps[i].st);
	}
	for (uint32_t i = 0; i < inst->nr_progs; i++)
		free(inst->progs[i].log);
	free(inst->maps);
	free(inst->progs);
	free(inst);
}

int ox_inst_find_prog(const struct ox_instance *inst, const char *name)
{
	for (uint32_t i = 0; i < inst->nr_progs; i++)
		if (!strcmp(inst->obj->funcs[inst->progs[i].func].name, name))
			return (int)i;
	return -1;
}
