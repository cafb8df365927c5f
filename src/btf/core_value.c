/* core_value.c - the value a relocation patches in: a field's byte offset,
 * size, signedness or bitfield shifts; a type's existence, id or size; an
 * enumerator's existence or value. Each is computed twice, from the local
 * spec (what the instruction must hold now) and from the target's (what it
 * will hold); no target spec means the target has no such thing. */
#include <string.h>

#include "btf/relo_core_int.h"

/* Size of the element type (arrays of arrays down to the element). */
static int elem_size(const struct btf *btf, uint32_t id, uint32_t *sz)
{
	const struct btf_type *t = skip_mods(btf, id, &id);
	int64_t n;
	for (int d = 0; t && btf_kind(t) == BTF_KIND_ARRAY && d <= OX_MAX_BTF_DEPTH; d++)
		t = skip_mods(btf, btf_array_info(t)->type, &id);
	if (!t || (n = btf_size(btf, id)) < 0)
		return -1;
	*sz = (uint32_t)n;
	return 0;
}

/* 0, 1 for "poison", -1 with err. sp NULL: no matching target. */
static int calc_field(const struct spec *sp, uint32_t kind, uint64_t *val, uint32_t *fsz,
		      uint32_t *ftype, int *validate, struct ox_err *err)
{
	const struct acc *a;
	const struct btf_type *t, *mt;
	const struct btf_member *m;
	uint32_t byte_off, byte_sz, bit_off, bit_sz, ftid;
	int bitfield;
	int64_t sz;
	*fsz = 0;
	if (kind == BPF_CORE_FIELD_EXISTS) {
		*val = sp != NULL;
		return 0;
	}
	if (!sp)
		return 1;
	a = &sp->acc[sp->len - 1];
	t = btf_type_by_id(sp->btf, a->type_id);
	if (!a->name) {
		if (validate)
			*validate = 1;
		if (kind == BPF_CORE_FIELD_BYTE_OFFSET) {
			*val = sp->bit_offset / 8;
			if (elem_size(sp->btf, a->type_id, fsz))
				return ox_errf(err, 0, "type %u has no size", a->type_id);
			*ftype = a->type_id;
			return 0;
		}
		if (kind == BPF_CORE_FIELD_BYTE_SIZE) {
			if ((sz = btf_size(sp->btf, a->type_id)) < 0)
				return ox_errf(err, 0, "type %u has no size", a->type_id);
			*val = (uint64_t)sz;
			return 0;
		}
		return ox_errf(err, 0, "a %s relocation cannot apply to an array element",
			       ox_core_kind_name(kind));
	}
	m = &btf_members(t)[a->idx];
	if (!(mt = skip_mods(sp->btf, m->type, &ftid)))
		return ox_errf(err, 0, "field '%s' has a bad type", a->name);
	bit_off = (uint32_t)sp->bit_offset;
	bit_sz = btf_member_bitfield_size(t, a->idx);
	bitfield = bit_sz > 0;
	if (bitfield) {
		byte_sz = mt->size;	/* int or enum: validated sizes */
		if (byte_sz == 0 || (btf_kind(mt) != BTF_KIND_INT && !is_any_enum(mt)))
			return ox_errf(err, 0, "bitfield '%s' is not an integer", a->name);
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return ox_errf(err, 0, "bitfield '%s' cannot be read with one 64-bit load",
					       a->name);
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		if ((sz = btf_size(sp->btf, ftid)) < 0)
			return ox_errf(err, 0, "field '%s' has no size", a->name);
		byte_sz = (uint32_t)sz;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	if (validate)
		*validate = !bitfield;
	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield) {
			if (elem_size(sp->btf, ftid, fsz))
				return ox_errf(err, 0, "field '%s' has no size", a->name);
			*ftype = ftid;
		}
		return 0;
	case BPF_CORE_FIELD_BYTE_SIZE:
		*val = byte_sz;
		return 0;
	case BPF_CORE_FIELD_SIGNED:
		*val = (is_any_enum(mt) && btf_kflag(mt)) ||
		       (btf_kind(mt) == BTF_KIND_INT && (int_encoding(mt) & BTF_INT_SIGNED));
		if (validate)
			*validate = 1;
		return 0;
	case BPF_CORE_FIELD_LSHIFT_U64:
		*val = 64 - (uint64_t)(bit_off + bit_sz - byte_off * 8);	/* little-endian */
		return 0;
	case BPF_CORE_FIELD_RSHIFT_U64:
		*val = 64 - (uint64_t)bit_sz;
		if (validate)
			*validate = 1;
		return 0;
	}
	return ox_errf(err, 0, "unknown relocation kind %u", kind);
}

static int calc_type(const struct spec *sp, uint32_t kind, uint64_t *val, int *validate,
		     struct ox_err *err)
{
	int64_t sz;
	if (validate)
		*validate = 1;
	if (!sp) {
		*val = 0;
		return 0;
	}
	switch (kind) {
	case BPF_CORE_TYPE_ID_TARGET:
		*val = sp->root_id;
		if (validate)
			*validate = 0;	/* ids change when objects are linked */
		return 0;
	case BPF_CORE_TYPE_EXISTS: case BPF_CORE_TYPE_MATCHES:
		*val = 1;
		return 0;
	case BPF_CORE_TYPE_SIZE:
		if ((sz = btf_size(sp->btf, sp->root_id)) < 0)
			return ox_errf(err, 0, "type %u has no size", sp->root_id);
		*val = (uint64_t)sz;
		return 0;
	}
	return ox_errf(err, 0, "unknown relocation kind %u", kind);
}

static int calc_enumval(const struct spec *sp, uint32_t kind, uint64_t *val)
{
	const struct btf_type *t;
	if (kind == BPF_CORE_ENUMVAL_EXISTS) {
		*val = sp != NULL;
		return 0;
	}
	if (!sp)
		return 1;
	t = btf_type_by_id(sp->btf, sp->acc[0].type_id);
	if (btf_kind(t) == BTF_KIND_ENUM) {
		/* like libbpf: the 32-bit value sign-extended */
		*val = (uint64_t)(int64_t)btf_enums(t)[sp->acc[0].idx].val;
	} else {
		const struct btf_enum64 *e = &btf_enums64(t)[sp->acc[0].idx];
		*val = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
	}
	return 0;
}

static int is_unsigned_int(const struct btf_type *t)
{
	return t && btf_kind(t) == BTF_KIND_INT && int_encoding(t) != BTF_INT_SIGNED;
}

int ox_core_calc(const struct bpf_core_relo *r, const struct spec *ls, const struct spec *ts,
		 struct res *res, struct ox_err *err)
{
	int rc = 0;
	memset(res, 0, sizeof *res);
	res->validate = 1;
	if (is_field_kind(r->kind)) {
		rc = calc_field(ls, r->kind, &res->orig, &res->orig_sz, &res->orig_type, &res->validate, err);
		if (rc == 1)
			return ox_errf(err, 0, "the object's own types do not resolve");
		if (rc == 0)
			rc = calc_field(ts, r->kind, &res->val, &res->new_sz, &res->new_type, NULL, err);
		if (rc == 0 && res->orig_sz != res->new_sz) {
			const struct btf_type *ot = btf_type_by_id(ls->btf, res->orig_type);
			const struct btf_type *nt = btf_type_by_id(ts->btf, res->new_type);
			int ptrs = ot && nt && btf_kind(ot) == BTF_KIND_PTR && btf_kind(nt) == BTF_KIND_PTR;
			if (!ptrs && !(is_unsigned_int(ot) && is_unsigned_int(nt)))
				res->fail_memsz = 1;
		}
	} else if (is_type_kind(r->kind)) {
		rc = calc_type(ls, r->kind, &res->orig, &res->validate, err);
		if (rc == 0)
			rc = calc_type(ts, r->kind, &res->val, NULL, err);
	} else {
		rc = calc_enumval(ls, r->kind, &res->orig);
		if (rc == 1)
			return ox_errf(err, 0, "the object's own types do not resolve");
		if (rc == 0)
			rc = calc_enumval(ts, r->kind, &res->val);
	}
	if (rc == 1) {
		res->poison = 1;
		rc = 0;
	}
	return rc;
}
