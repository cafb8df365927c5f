/* prog_load.c - a version's programs into the kernel: relocations patched
 * (maps, global data, externs, kfuncs), the BTF target of tracing and
 * struct_ops programs named, the verifier's log asked for on failure and
 * grown until it fits, and the error made readable (a reachable failed
 * CO-RE relocation, a weak kfunc this kernel lacks). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf/btf_target.h"
#include "kernel/sys.h"
#include "load/internal.h"
#include "load/struct_ops.h"

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
	struct ox_prog_load_attr a;
	/* 6.1 refuses a log buffer under 128 bytes with EINVAL (6.18 takes it) */
	uint32_t size = o->log_size > 128 ? o->log_size : o->log_size ? 128 : LOG_MIN;
	char *log = NULL, name[16];
	int fd, e;
	memset(&a, 0, sizeof a);
	a.type = f->def.prog_type;
	a.expected_attach_type = f->def.attach_type;
	a.insns = l->insns;
	a.insn_cnt = l->cnt;
	a.license = obj->license;
	a.kern_version = obj->kversion ? obj->kversion : inst->kver;
	ox_load_kname(name, f->name, NULL);
	a.name = name;
	a.btf_fd = -1;
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
		a.fd_array = ks->fd_array;
	if (f->def.flags & OX_SEC_SLEEPABLE)
		a.flags |= BPF_F_SLEEPABLE;
	if (f->def.flags & OX_SEC_XDP_FRAGS)
		a.flags |= 1u << 5;	/* BPF_F_XDP_HAS_FRAGS */
	if (inst->btf_fd >= 0 && inst->btf_func && l->nr_fi) {
		a.btf_fd = inst->btf_fd;
		a.func_info = l->fi;
		a.func_info_cnt = l->nr_fi;
		a.func_info_rec_size = sizeof *l->fi;
		a.line_info = l->li;
		a.line_info_cnt = l->nr_li;
		a.line_info_rec_size = sizeof *l->li;
	}
	if (o->log_level) {
		if (!(log = calloc(1, size)))
			return ox_errf(err, ENOMEM, "out of memory");
		a.log_level = o->log_level;
		a.log = log;
		a.log_size = size;
	}
	fd = ox_prog_load(&a);
	if (fd < 0 && errno == EINVAL && a.expected_attach_type && (f->def.flags & OX_SEC_ATTACH_OPT)) {
		a.expected_attach_type = 0;	/* older kernels: no expected attach type */
		fd = ox_prog_load(&a);
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
		a.log = log;
		a.log_size = size;
		fd = ox_prog_load(&a);
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
		ox_load_memlock_hint(err);
	}
	if (logp)
		*logp = log;
	else
		free(log);
	return -1;
}

int ox_load_programs(struct ox_instance *inst, const struct ox_load_opts *o,
		     struct ox_linked *links, struct ox_ksyms *ks, struct ox_err *err, char **log)
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

