/* relo_core.c - CO-RE relocations, libbpf's semantics (our own code).
 *
 * A record names an instruction, a local type, an access string and a kind.
 * The access string is parsed against the local type into a spec: the raw
 * indexes ("0:1:2") and the accessors that matter (named fields, array
 * indexes), plus the bit offset they add up to. Candidates are the target's
 * types of a compatible kind whose names equal the local name without its
 * "___flavor" suffix. Each candidate the local spec matches gives a target
 * spec; all of them must agree on the value to patch in, else the
 * relocation is ambiguous. With no match, existence relocations give 0 and
 * the others poison the instruction.
 *
 * This file drives one relocation: the candidates (cached per session), the
 * value they must agree on, the message of a poisoned one. The parts are in
 * core_spec.c, core_compat.c, core_value.c and core_patch.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/relo_core_int.h"

const char *ox_core_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		"byte_off", "byte_sz", "field_exists", "signed", "lshift_u64", "rshift_u64",
		"local_type_id", "target_type_id", "type_exists", "type_size",
		"enumval_exists", "enumval_value", "type_matches",
	};
	return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* ---- candidates ---- */

static int add_cands(struct cand_list *l, const struct btf *lb, const struct btf_type *lt,
		     const char *lname, const struct btf *tb)
{
	size_t len = ox_core_essential_len(lname);
	for (uint32_t id = btf_start_id(tb); id <= btf_max_id(tb); id++) {
		const struct btf_type *t = btf_type_by_id(tb, id);
		const char *n;
		void *p;
		if (!kind_compat(t, lt))
			continue;
		n = btf_str(tb, t->name_off);
		if (!*n || ox_core_essential_len(n) != len || strncmp(n, lname, len))
			continue;
		if (!(p = realloc(l->c, (l->n + 1) * sizeof *l->c)))
			return -1;
		l->c = p;
		l->c[l->n].btf = tb;
		l->c[l->n].id = id;
		l->n++;
	}
	(void)lb;
	return 0;
}

static struct cand_list *find_cands(struct ox_core_session *s, uint32_t local_id, struct ox_err *err)
{
	struct ox_core_target *t = s->t;
	const struct btf_type *lt = btf_type_by_id(s->local, local_id);
	const char *lname = btf_str(s->local, lt->name_off);
	struct cand_list *l;
	void *p;
	for (uint32_t i = 0; i < s->nr_lists; i++)
		if (s->lists[i].local_id == local_id)
			return &s->lists[i];
	if (!(p = realloc(s->lists, (s->nr_lists + 1) * sizeof *s->lists))) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	s->lists = p;
	l = &s->lists[s->nr_lists++];
	memset(l, 0, sizeof *l);
	l->local_id = local_id;
	if (add_cands(l, s->local, lt, lname, t->base))
		goto oom;
	if (l->n)
		return l;
	if (t->load_mods && !t->mods_tried) {
		t->mods_tried = 1;
		if (t->load_mods(t->ctx, t, err))
			return NULL;
	}
	for (uint32_t m = 0; m < t->nr_mods; m++)
		if (btf_base(t->mods[m]) == t->base && add_cands(l, s->local, lt, lname, t->mods[m]))
			goto oom;
	return l;
oom:
	ox_errf(err, ENOMEM, "out of memory");
	return NULL;
}

struct ox_core_session *ox_core_session_new(const struct btf *local, struct ox_core_target *t)
{
	struct ox_core_session *s = calloc(1, sizeof *s);
	if (s) {
		s->local = local;
		s->t = t;
	}
	return s;
}

void ox_core_session_free(struct ox_core_session *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nr_lists; i++)
		free(s->lists[i].c);
	free(s->lists);
	free(s);
}

/* ---- messages ---- */

static void access_str(const struct spec *sp, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < sp->raw_len && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? ":" : "", sp->raw[i]);
}

static void describe(struct ox_core_session *s, const struct bpf_core_relo *r, const struct spec *ls,
		     int nr_cands, const struct res *res, char *why, size_t len)
{
	const struct btf_type *lt = btf_type_by_id(s->local, r->type_id);
	const char *name = btf_str(s->local, lt->name_off), *what = s->t->what ? s->t->what : "the target BTF";
	const char *kw = btf_kind(lt) == BTF_KIND_STRUCT ? "struct " : btf_kind(lt) == BTF_KIND_UNION ?
		"union " : is_any_enum(lt) ? "enum " : "";
	char acc[160];
	access_str(ls, acc, sizeof acc);
	if (!why || !len)
		return;
	if (is_enumval_kind(r->kind)) {
		snprintf(why, len, "%s%s: value '%s' not found in %s", kw, name, ls->acc[0].name, what);
	} else if (nr_cands == 0) {
		snprintf(why, len, "%s%s: no such type in %s (%s, access %s)", kw, name, what,
			 ox_core_kind_name(r->kind), acc);
	} else if (res && res->fail_memsz) {
		const struct acc *a = &ls->acc[ls->len - 1];
		snprintf(why, len, "%s%s: field '%s' (access %s) is %u bytes in %s and %u bytes in the "
			 "object; only pointers and unsigned integers can be read at another size",
			 kw, name, a->name ? a->name : "[]", acc, res->new_sz, what, res->orig_sz);
	} else {
		int fa = s->fail_acc >= 0 && (uint32_t)s->fail_acc < ls->len ? s->fail_acc : (int)ls->len - 1;
		const struct acc *a = &ls->acc[fa];
		if (s->fail_how == FAIL_INDEX || !a->name)
			snprintf(why, len, "%s%s: index %u (access %s) out of range in %s", kw, name, a->idx,
				 acc, what);
		else if (s->fail_how == FAIL_INCOMPAT)
			snprintf(why, len, "%s%s: field '%s' (access %s) has an incompatible type in %s",
				 kw, name, a->name, acc, what);
		else
			snprintf(why, len, "%s%s: field '%s' (access %s) not found in %s", kw, name,
				 a->name, acc, what);
	}
}

/* ---- one relocation ---- */

/* " of module X" for a candidate found in a module's BTF, "" else. */
static const char *cand_where(const struct ox_core_session *s, const struct btf *btf, char *buf,
			      size_t len)
{
	buf[0] = 0;
	for (uint32_t m = 0; m < s->t->nr_mods; m++)
		if (s->t->mods[m] == btf && s->t->mod_names)
			snprintf(buf, len, " of module %s", s->t->mod_names[m]);
	return buf;
}

int ox_core_apply(struct ox_core_session *s, const struct bpf_core_relo *r,
		  struct bpf_insn *insns, uint32_t nr, uint32_t idx,
		  char *why, size_t why_len, struct ox_err *err)
{
	struct spec ls, cs, ts;
	struct res res, cres;
	const struct btf_type *lt;
	struct cand_list *cl;
	uint32_t j = 0;
	const char *lname;
	if (why && why_len)
		why[0] = 0;
	memset(&ts, 0, sizeof ts);
	memset(&res, 0, sizeof res);
	if (idx >= nr)
		return ox_errf(err, 0, "instruction %u is outside the function (%u instructions)", idx, nr);
	if (r->kind > BPF_CORE_TYPE_MATCHES)
		return ox_errf(err, 0, "unknown relocation kind %u", r->kind);
	if (!(lt = btf_type_by_id(s->local, r->type_id)))
		return ox_errf(err, 0, "type id %u out of range (the object's BTF has %u types)",
			       r->type_id, btf_max_id(s->local));
	if (ox_core_check_insn(&insns[idx], idx, nr, err))
		return -1;
	if (ox_core_spec_parse(s->local, r, &ls, err))
		return -1;
	if (r->kind == BPF_CORE_TYPE_ID_LOCAL) {
		memset(&res, 0, sizeof res);
		res.orig = res.val = r->type_id;
		return ox_core_patch(&insns[idx], idx, &res, err);
	}
	lname = btf_str(s->local, lt->name_off);
	if (!*lname)
		return ox_errf(err, 0, "%s relocation of an anonymous %s (type %u): anonymous types "
			       "cannot be relocated", ox_core_kind_name(r->kind),
			       btf_kind_name(btf_kind(lt)), r->type_id);
	if (!s->t || !s->t->base)
		return ox_errf(err, 0, "no target BTF to relocate against");
	if (!(cl = find_cands(s, r->type_id, err)))
		return -1;
	s->fail_acc = -1;
	s->fail_how = FAIL_NONE;
	for (uint32_t i = 0; i < cl->n; i++) {
		int rc = ox_core_spec_match(s, &ls, cl->c[i].btf, cl->c[i].id, &cs);
		if (rc < 0)
			return ox_errf(err, 0, "matching %s '%s' against candidate type %u failed "
				       "(bad or too deeply nested BTF)", btf_kind_name(btf_kind(lt)),
				       lname, cl->c[i].id);
		if (rc == 0)
			continue;
		if (ox_core_calc(r, &ls, &cs, &cres, err))
			return -1;
		if (j == 0) {
			res = cres;
			ts = cs;
		} else if (cs.bit_offset != ts.bit_offset ||
			   cres.poison != res.poison || cres.val != res.val) {
			char w1[96], w2[96];
			int off = cs.bit_offset != ts.bit_offset;
			return ox_errf(err, 0, "%s '%s' is ambiguous: candidate types %u%s and %u%s in %s "
				       "give different %s (%llu and %llu)", btf_kind_name(btf_kind(lt)), lname,
				       ts.root_id, cand_where(s, ts.btf, w1, sizeof w1), cs.root_id,
				       cand_where(s, cs.btf, w2, sizeof w2),
				       s->t->what ? s->t->what : "the target BTF",
				       off ? "bit offsets" : "values",
				       (unsigned long long)(off ? ts.bit_offset : res.val),
				       (unsigned long long)(off ? cs.bit_offset : cres.val));
		}
		cl->c[j++] = cl->c[i];
	}
	if (j > 0)
		cl->n = j;	/* later relocations of this type consider these only */
	else if (ox_core_calc(r, &ls, NULL, &res, err))
		return -1;
	if (!res.poison && res.fail_memsz && BPF_CLASS(insns[idx].code) != BPF_ALU &&
	    BPF_CLASS(insns[idx].code) != BPF_ALU64 && BPF_CLASS(insns[idx].code) != BPF_LD) {
		if (res.validate && (int64_t)insns[idx].off != (int64_t)res.orig)
			return ox_errf(err, 0, "instruction %u holds offset %d where the object's types give %llu",
				       idx, insns[idx].off, (unsigned long long)res.orig);
		res.poison = 1;
	}
	if (res.poison) {
		describe(s, r, &ls, j > 0 ? (int)j : (int)cl->n, &res, why, why_len);
		if (is_ldimm64(&insns[idx]))
			ox_core_poison(&insns[idx + 1]);
		ox_core_poison(&insns[idx]);
		return OX_CORE_POISONED;
	}
	return ox_core_patch(&insns[idx], idx, &res, err);
}
