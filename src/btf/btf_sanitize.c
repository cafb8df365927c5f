/* btf_sanitize.c - an object's BTF made fit for the kernel: DATASECs laid
 * out from the ELF symbols (in place, before BPF_BTF_LOAD and map creation)
 * and the sanitized copy BPF_BTF_LOAD gets, with kinds the running kernel
 * does not know rewritten as libbpf rewrites them. */
#include <stdlib.h>
#include <string.h>
#include "btf/btf_int.h"

/* ---- DATASEC fixup ---- */

static int cmp_secinfo(const void *a, const void *b)
{
	const struct btf_var_secinfo *x = a, *y = b;
	if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
	return x->type < y->type ? -1 : x->type > y->type;
}

/* A DATASEC that already has a size was laid out by a linker: its offsets
 * are kept for variables the callback does not know. */
int btf_fixup_datasec(struct btf *btf, uint32_t datasec_id, uint32_t size,
		      btf_sym_off_fn fn, void *ctx, struct ox_err *err)
{
	struct btf_type *t = (struct btf_type *)btf_type_by_id(btf, datasec_id);
	struct btf_var_secinfo *v;
	const char *sec;
	uint32_t i, vlen, linked;
	if (!t || btf_kind(t) != BTF_KIND_DATASEC)
		return ox_errf(err, 0, "BTF: type %u is not a DATASEC", datasec_id);
	sec = btf_name(btf, datasec_id);
	linked = t->size != 0;
	t->size = size;
	v = (struct btf_var_secinfo *)btf_secinfos(t);
	vlen = btf_vlen(t);
	for (i = 0; i < vlen; i++) {
		const struct btf_type *vt = btf_type_by_id(btf, v[i].type);
		const char *name;
		uint32_t off;
		if (!vt || btf_kind(vt) != BTF_KIND_VAR)
			return ox_errf(err, 0, "BTF: DATASEC %s entry %u: type %u is not a VAR", sec, i, v[i].type);
		name = btf_str(btf, vt->name_off);
		if (fn && fn(ctx, name, &off) == 0) {
			v[i].offset = off;
		} else if (btf_var_info(vt)->linkage != BTF_VAR_GLOBAL_EXTERN && !linked) {
			return ox_errf(err, 0, "BTF: DATASEC %s: no symbol for variable '%s'", sec, name);
		}
		if (btf_var_info(vt)->linkage != BTF_VAR_GLOBAL_EXTERN &&
		    !ox_range_ok(v[i].offset, v[i].size, size))
			return ox_errf(err, 0, "BTF: DATASEC %s: variable '%s' (offset %u, size %u) "
				       "outside the section (%u bytes)", sec, name, v[i].offset, v[i].size, size);
	}
	qsort(v, vlen, sizeof *v, cmp_secinfo);
	return 0;
}


/* ---- sanitizing for the kernel ---- */

/* The copy handed to BPF_BTF_LOAD, laid out as header + types + strings.
 *
 * Always: the `.ksyms` DATASEC is made loadable, as libbpf does (the kernel
 * refuses extern linkage and non-VAR members): each extern VAR becomes an
 * allocated VAR of an appended 4-byte INT, each extern FUNC becomes a global
 * FUNC (unnamed parameters get a name) and its entry points to an appended
 * VAR "dummy_ksym"; entries are laid out 4 bytes apart.
 *
 * Then libbpf's rewrites for kinds the kernel does not know (a kernel without
 * datasec or func has no decl_tag either):
 *   VAR, DECL_TAG (no datasec / no decl_tag)  -> INT of 1 byte, 8 bits, same
 *                               name (4 bytes could exceed a small variable)
 *   DATASEC (no datasec)     -> STRUCT of the same size, member per VAR at
 *                               offset*8, named after the VAR; '.' and '?' in
 *                               the section name become '_'
 *   DATASEC "?..." (no qmark_datasec) -> the leading '?' becomes '_'
 *   FUNC_PROTO (no func)     -> ENUM of 4 bytes, one enumerator per param
 *   FUNC (no func)           -> TYPEDEF of the proto
 *   FUNC (no global funcs)   -> FUNC with static linkage
 *   FLOAT (no float)         -> anonymous empty STRUCT of the same size
 *   TYPE_TAG (no type_tag)   -> anonymous CONST
 *   ENUM (no enum64)         -> kflag (signedness) cleared
 *   ENUM64 (no enum64)       -> UNION of the same size whose members are all
 *                               an appended INT "enum64_placeholder" (1 byte) */
#define PLACEHOLDER "enum64_placeholder"
#define KSYM_INT "int"
#define KSYM_VAR "dummy_ksym"

static uint32_t info_enc(uint32_t kind, uint32_t kflag, uint32_t vlen)
{
	return kflag << 31 | kind << 24 | (vlen & 0xffff);
}

static uint32_t int_enc(uint32_t encoding, uint32_t offset, uint32_t bits)
{
	return encoding << 24 | offset << 16 | bits;
}

/* Appends a record of 4 extra bytes (INT or VAR) and its name. */
static void append16(uint8_t *types, uint32_t *tpos, char *strs, uint32_t *spos,
		     const char *name, uint32_t info, uint32_t size_type, uint32_t extra)
{
	struct btf_type t = { .name_off = *spos, .info = info, .size = size_type };
	memcpy(types + *tpos, &t, sizeof t);
	memcpy(types + *tpos + sizeof t, &extra, 4);
	*tpos += sizeof t + 4;
	memcpy(strs + *spos, name, strlen(name) + 1);
	*spos += (uint32_t)strlen(name) + 1;
}

static void fix_ksyms(const struct btf *btf, uint8_t *types, struct btf_type *sec,
		      uint32_t int_id, uint32_t var_id, uint32_t var_name)
{
	struct btf_var_secinfo *v = (struct btf_var_secinfo *)(sec + 1);
	uint32_t n = btf_vlen(sec);
	for (uint32_t j = 0; j < n; j++) {
		/* the entry's record in the copy (an entry of type 0, void, has none) */
		struct btf_type *vt = v[j].type ? (struct btf_type *)(types +
			((uint8_t *)btf->types[v[j].type] - btf->types_sec)) : NULL;
		if (vt && btf_kind(vt) == BTF_KIND_FUNC) {
			const struct btf_type *op = btf_type_by_id(btf, vt->type);
			if (op && btf_kind(op) == BTF_KIND_FUNC_PROTO) {
				struct btf_param *p = (struct btf_param *)(types +
					((uint8_t *)btf->types[vt->type] - btf->types_sec) + sizeof *vt);
				for (uint32_t k = 0; k < btf_vlen(op); k++)
					if (p[k].type && !p[k].name_off)
						p[k].name_off = var_name;
			}
			vt->info = info_enc(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL);
			v[j].type = var_id;
		} else if (vt && btf_kind(vt) == BTF_KIND_VAR) {
			((struct btf_var *)(vt + 1))->linkage = BTF_VAR_GLOBAL_ALLOCATED;
			vt->type = int_id;
		}
		v[j].offset = j * 4;
		v[j].size = 4;
	}
	sec->size = n * 4;
}

void *btf_sanitize(const struct btf *btf, const struct btf_kernel_caps *caps, size_t *size)
{
	struct btf_kernel_caps all = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct btf_header h = { BTF_MAGIC, BTF_VERSION, 0, sizeof h, 0, 0, 0, 0 };
	uint8_t *out, *types;
	char *strs;
	uint32_t id, j, i, tlen = btf->types_len, slen = btf->strs_len, placeholder = 0;
	uint32_t ksyms = btf_find(btf, ".ksyms", BTF_KIND_DATASEC), ksym_int = 0, ksym_var = 0;
	uint32_t nr = btf->nr, tpos = btf->types_len, spos = btf->strs_len;
	if (!caps) caps = &all;
	if (caps->decl_tag && (!caps->datasec || !caps->func)) {
		/* decl_tag (5.16) came after both: a tag on a VAR or FUNC turned
		 * into an INT or TYPEDEF would be refused, so the tags go too */
		all = *caps;
		all.decl_tag = 0;
		caps = &all;
	}
	if (tlen > UINT32_MAX - 128 || slen > UINT32_MAX - 128)
		return NULL;	/* no room for the appended types */
	if (!caps->enum64)
		for (id = 1; id <= btf->nr && !placeholder; id++)
			if (btf_kind(btf->types[id]) == BTF_KIND_ENUM64)
				placeholder = ++nr;
	if (placeholder) {
		tlen += sizeof(struct btf_type) + 4;
		slen += sizeof PLACEHOLDER;
	}
	if (ksyms) {
		ksym_int = ++nr;
		ksym_var = ++nr;
		tlen += 2 * (sizeof(struct btf_type) + 4);
		slen += sizeof KSYM_INT + sizeof KSYM_VAR;
	}
	h.type_len = tlen;
	h.str_off = tlen;
	h.str_len = slen;
	if (!(out = malloc(sizeof h + (size_t)tlen + slen)))
		return NULL;
	types = out + sizeof h;
	strs = (char *)types + tlen;
	memcpy(out, &h, sizeof h);
	memcpy(types, btf->types_sec, btf->types_len);
	memcpy(strs, btf->strs, btf->strs_len);
	if (placeholder)
		append16(types, &tpos, strs, &spos, PLACEHOLDER, info_enc(BTF_KIND_INT, 0, 0), 1,
			 int_enc(0, 0, 8));
	if (ksyms) {
		uint32_t var_name = spos + sizeof KSYM_INT;
		append16(types, &tpos, strs, &spos, KSYM_INT, info_enc(BTF_KIND_INT, 0, 0), 4,
			 int_enc(BTF_INT_SIGNED, 0, 32));
		append16(types, &tpos, strs, &spos, KSYM_VAR, info_enc(BTF_KIND_VAR, 0, 0), ksym_int,
			 BTF_VAR_GLOBAL_ALLOCATED);
		fix_ksyms(btf, types, (struct btf_type *)(types + ((uint8_t *)btf->types[ksyms] -
								   btf->types_sec)),
			  ksym_int, ksym_var, var_name);
	}
	for (id = 1, tpos = 0; id <= nr; id++) {
		/* the record in the copy: originals at their offsets, then the appended */
		struct btf_type *t;
		uint32_t kind, vlen;
		if (id <= btf->nr) {
			t = (struct btf_type *)(types + ((uint8_t *)btf->types[id] - btf->types_sec));
		} else {
			t = (struct btf_type *)(types + btf->types_len + tpos);
			tpos += sizeof *t + 4;
		}
		kind = btf_kind(t), vlen = btf_vlen(t);
		if ((!caps->datasec && kind == BTF_KIND_VAR) || (!caps->decl_tag && kind == BTF_KIND_DECL_TAG)) {
			t->info = info_enc(BTF_KIND_INT, 0, 0);	/* name kept */
			t->size = 1;
			*(uint32_t *)(t + 1) = int_enc(0, 0, 8);
		} else if (!caps->datasec && kind == BTF_KIND_DATASEC) {
			struct btf_var_secinfo *v = (struct btf_var_secinfo *)(t + 1);
			struct btf_member *m = (struct btf_member *)(t + 1);
			char *s;
			for (s = strs + t->name_off; *s; s++)
				if (*s == '.' || *s == '?') *s = '_';
			t->info = info_enc(BTF_KIND_STRUCT, 0, vlen);
			for (j = 0; j < vlen; j++) {	/* same size records: read, then write */
				struct btf_var_secinfo si = v[j];
				const struct btf_type *vt = si.type <= btf->nr ? btf_type_by_id(btf, si.type) : NULL;
				m[j].name_off = vt ? vt->name_off : si.type == ksym_var ? spos - sizeof KSYM_VAR : 0;
				m[j].type = si.type;
				m[j].offset = si.offset * 8;
			}
		} else if (!caps->qmark_datasec && kind == BTF_KIND_DATASEC && strs[t->name_off] == '?') {
			strs[t->name_off] = '_';
		} else if (!caps->func && kind == BTF_KIND_FUNC_PROTO) {
			t->info = info_enc(BTF_KIND_ENUM, 0, vlen);
			t->size = sizeof(uint32_t);
		} else if (!caps->func && kind == BTF_KIND_FUNC) {
			t->info = info_enc(BTF_KIND_TYPEDEF, 0, 0);
		} else if (!caps->func_global && kind == BTF_KIND_FUNC) {
			t->info = info_enc(BTF_KIND_FUNC, 0, BTF_FUNC_STATIC);
		} else if (!caps->float_ && kind == BTF_KIND_FLOAT) {
			t->name_off = 0;
			t->info = info_enc(BTF_KIND_STRUCT, 0, 0);
		} else if (!caps->type_tag && kind == BTF_KIND_TYPE_TAG) {
			t->name_off = 0;
			t->info = info_enc(BTF_KIND_CONST, 0, 0);
		} else if (!caps->enum64 && kind == BTF_KIND_ENUM) {
			t->info = info_enc(BTF_KIND_ENUM, 0, vlen);
		} else if (!caps->enum64 && kind == BTF_KIND_ENUM64) {
			struct btf_member *m = (struct btf_member *)(t + 1);
			t->info = info_enc(BTF_KIND_UNION, 0, vlen);
			for (i = 0; i < vlen; i++) {	/* name_off stays in place */
				m[i].type = placeholder;
				m[i].offset = 0;
			}
		}
	}
	if (size) *size = sizeof h + (size_t)tlen + slen;
	return out;
}
