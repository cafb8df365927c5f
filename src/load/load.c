/* load.c - from a parsed object to kernel objects, in order: the programs
 * linked and CO-RE-relocated, what they use marked, .ksyms resolved, BTF
 * loaded, maps created (map_create.c), programs loaded (prog_load.c), slots
 * filled, pins made. Every step either completes or undoes what it created. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "btf/btf_probe.h"
#include "btf/btf_target.h"
#include "kernel/kconfig.h"
#include "kernel/sys.h"
#include "load/internal.h"
#include "load/struct_ops.h"

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
	fd = ox_btf_load(raw, (uint32_t)size, NULL, 0, 0);
	if (fd < 0) {
		char *log = malloc(LOG_MIN);
		int e = errno;
		if (log) {	/* ask again for the reason, to put it in the warning */
			log[0] = 0;
			ox_btf_load(raw, (uint32_t)size, log, LOG_MIN, 1);
		}
		ox_warn("%s: the kernel rejected the object's BTF (%s%s%s); loading without it",
			inst->obj->name, ox_errno_name(e), log && log[0] ? ": " : "",
			log ? last_line(log) : "");
		free(log);
	}
	free(raw);
	return fd;
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
			/* every struct_ops map it is a member of, to be registered later */
			int members = 0;
			for (uint32_t k = 0; k < obj->nr_maps; k++)
				for (uint32_t s = 0; obj->maps[k].kind == OX_MAP_STRUCT_OPS &&
				     s < obj->maps[k].nr_slots; s++)
					if (!strcmp(obj->maps[k].slots[s].target, o->progs[i]))
						need[k] = 1, members++;
			if (!members) {
				ox_errf(err, EINVAL, "program '%s' (struct_ops) is the member of no "
					"struct_ops variable (SEC(\".struct_ops\"))", o->progs[i]);
				goto fail;
			}
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
		if (need[i] && ox_load_create_map(inst, (int)i, o, err))
			goto fail;
	ox_core_session_free(sess);
	sess = NULL;
	if (ox_load_programs(inst, o, links, &ks, err, log) || ox_load_fill_slots(inst, err))
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
			ox_load_os_err(err, errno, "map '%s'", obj->maps[i].name, "pinning");
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
