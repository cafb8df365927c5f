/* maps.c - map definitions from an object: BTF-defined ".maps", the legacy
 * "maps" section (struct bpf_map_def and iproute2's longer layout), global
 * data sections and the synthetic .kconfig map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "object/elf.h"
#include "object/maps.h"
#include "object/object.h"

static struct ox_mapdef *new_map(struct ox_object *obj, const char *name, struct ox_err *err)
{
	struct ox_mapdef *m;
	if (obj->nr_maps >= OX_MAX_MAPS) {
		ox_errf(err, 0, "more than %u maps", OX_MAX_MAPS);
		return NULL;
	}
	m = realloc(obj->maps, (obj->nr_maps + 1) * sizeof *m);
	if (!m) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	obj->maps = m;
	m = &obj->maps[obj->nr_maps];
	memset(m, 0, sizeof *m);
	m->inner = -1;
	if (!(m->name = strdup(name))) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	obj->nr_maps++;
	return m;
}

/* What no override can make valid: sizes the kernel never takes (and that
 * would overflow the value buffers sized from them). Everything a version's
 * `maps` overrides can change is checked at load, by ox_map_check. */
static int check_map(const struct ox_mapdef *m, struct ox_err *err)
{
	const uint32_t limit = 1u << 30;
	if (m->key_size > limit || m->value_size > limit)
		return ox_errf(err, 0, "map '%s': key_size %u / value_size %u is impossibly large",
			       m->name, m->key_size, m->value_size);
	return 0;
}

uint32_t ox_ringbuf_size(uint32_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), n;
	if (size == 0 || (size % page == 0 && ((size / page) & (size / page - 1)) == 0))
		return size;
	for (n = page; n <= UINT32_MAX; n <<= 1)
		if (n >= size)
			return (uint32_t)n;
	return size;	/* beyond the largest: the kernel says no */
}

int ox_map_check(const char *name, uint32_t type, uint32_t key_size, uint32_t value_size,
		 uint32_t max_entries, struct ox_err *err)
{
	const uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	switch (type) {
	case BPF_MAP_TYPE_UNSPEC:
		return ox_errf(err, EINVAL, "map '%s': no map type", name);
	case OX_MAP_TYPE_RINGBUF: case OX_MAP_TYPE_USER_RINGBUF:
		if (max_entries == 0)
			break;
		if (max_entries % page || ((max_entries / page) & (max_entries / page - 1)))
			return ox_errf(err, EINVAL, "map '%s': %s max_entries %u is not a power-of-2 "
				       "multiple of the page size (%u)", name, ox_map_type_name(type),
				       max_entries, page);
		return 0;
	case BPF_MAP_TYPE_HASH: case BPF_MAP_TYPE_LRU_HASH: case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH: case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_LPM_TRIE:
		if (key_size == 0)
			return ox_errf(err, EINVAL, "map '%s': key_size 0 is invalid for %s", name,
				       ox_map_type_name(type));
		/* fallthrough */
	case BPF_MAP_TYPE_ARRAY: case BPF_MAP_TYPE_PERCPU_ARRAY:
		if (value_size == 0 && type != BPF_MAP_TYPE_HASH_OF_MAPS)
			return ox_errf(err, EINVAL, "map '%s': value_size 0 is invalid for %s", name,
				       ox_map_type_name(type));
		if ((type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) && key_size != 4)
			return ox_errf(err, EINVAL, "map '%s': %s needs a 4-byte key, not %u", name,
				       ox_map_type_name(type), key_size);
		break;
	default:
		return 0;
	}
	if (max_entries == 0)
		return ox_errf(err, EINVAL, "map '%s': max_entries 0 is invalid for %s (set it "
			       "before load: a version's maps = { %s = { max_entries = N } })", name,
			       ox_map_type_name(type), name);
	return 0;
}

/* ---- legacy map sections: "maps", and "maps/NAME" ----
 * A definition is struct bpf_map_def (type, key_size, value_size,
 * max_entries, map_flags: 20 bytes, or 16 without map_flags), iproute2's
 * 36-byte layout (id, pinning, inner_id, inner_idx follow) or the 280-byte
 * layout of oxidebpf and gobpf (pinning, namespace[256] follow). "maps" holds
 * one definition per symbol, all of one size; "maps/NAME" (oxidebpf's and
 * gobpf's convention) names its map NAME when it holds one definition. */

int ox_is_legacy_maps_sec(const char *name)
{
	return !strcmp(name, "maps") || (!strncmp(name, "maps/", 5) && name[5]);
}

static int is_map_sym(const struct ox_elf *elf, size_t i, int sec)
{
	return elf->syms[i].st_shndx == sec && GELF_ST_TYPE(elf->syms[i].st_info) != STT_SECTION &&
	       elf->sym_names[i][0];
}

static int legacy_sec(struct ox_object *obj, struct ox_elf *elf, int sec, struct ox_err *err)
{
	const struct ox_elf_sec *s = &elf->secs[sec];
	size_t nsyms = 0, def_size;
	for (size_t i = 1; i < elf->nr_syms; i++)
		nsyms += is_map_sym(elf, i, sec);
	if (!nsyms)
		return s->size ? ox_errf(err, 0, "section '%s': %zu bytes but no map symbols",
					 s->name, s->size) : 0;
	if (!s->data || s->size % nsyms)
		return ox_errf(err, 0, "section '%s': %zu bytes do not divide into %zu definitions",
			       s->name, s->size, nsyms);
	def_size = s->size / nsyms;
	if (def_size < 16)
		return ox_errf(err, 0, "section '%s': %zu-byte definitions, shorter than "
			       "struct bpf_map_def (16 bytes at least)", s->name, def_size);
	for (size_t i = 1; i < elf->nr_syms; i++) {
		const GElf_Sym *sym = &elf->syms[i];
		const char *name = nsyms == 1 && s->name[4] == '/' ? s->name + 5 : elf->sym_names[i];
		struct ox_mapdef *m;
		uint32_t w[9] = {0};
		if (!is_map_sym(elf, i, sec))
			continue;
		if (sym->st_value % def_size || !ox_range_ok(sym->st_value, def_size, s->size))
			return ox_errf(err, 0, "map '%s': definition at offset %lu is misplaced in "
				       "section '%s'", elf->sym_names[i], (unsigned long)sym->st_value,
				       s->name);
		if (ox_object_find_map(obj, name) >= 0)
			return ox_errf(err, 0, "map '%s' is defined twice (section '%s')", name,
				       s->name);
		memcpy(w, s->data + sym->st_value, def_size < sizeof w ? def_size : sizeof w);
		if (!(m = new_map(obj, name, err)))
			return -1;
		m->type = w[0], m->key_size = w[1], m->value_size = w[2];
		m->max_entries = w[3], m->map_flags = w[4];
		m->sec = sec, m->sec_off = sym->st_value, m->def_size = def_size;
		if (def_size == 36)		/* iproute2: id, pinning, inner_id, inner_idx */
			m->pinning = w[6];
		else if (def_size == 280)	/* oxidebpf, gobpf: pinning, namespace[256] */
			m->pinning = w[5];
		else
			for (size_t b = 20; b < def_size; b++)
				if (s->data[sym->st_value + b])
					return ox_errf(err, 0, "map '%s': %zu-byte definition has unknown "
						       "non-zero fields", m->name, def_size);
		if (check_map(m, err))
			return -1;
	}
	return 0;
}

static int legacy_maps(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	for (size_t i = 1; i < elf->nr_secs; i++)
		if (ox_is_legacy_maps_sec(elf->secs[i].name) && legacy_sec(obj, elf, (int)i, err))
			return -1;
	return 0;
}

struct sym_ctx {
	struct ox_elf *elf;
	int sec;
};

static int data_sym_off(void *vctx, const char *name, uint32_t *off)
{
	struct sym_ctx *c = vctx;
	int s = ox_elf_sym_named(c->elf, c->sec, name);
	if (s < 0)
		return -1;
	/* an offset past 4 GiB fails the caller's range check */
	*off = c->elf->syms[s].st_value > UINT32_MAX ? UINT32_MAX : (uint32_t)c->elf->syms[s].st_value;
	return 0;
}

/* ---- BTF-defined ".maps" ---- */

/* __uint(name, val) is `int (*name)[val]`: the value is the array's length. */
static int ptr_array_len(const struct btf *btf, uint32_t type, uint32_t *val)
{
	const struct btf_type *t = btf_type_by_id(btf, type);
	if (!t || btf_kind(t) != BTF_KIND_PTR)
		return -1;
	t = btf_type_by_id(btf, btf_resolve(btf, t->type));
	if (!t || btf_kind(t) != BTF_KIND_ARRAY)
		return -1;
	*val = btf_array_info(t)->nelems;
	return 0;
}

static int parse_btf_map(struct ox_object *obj, struct ox_mapdef *m, uint32_t def_id,
			 int depth, struct ox_err *err);

static int map_values(struct ox_object *obj, struct ox_mapdef *m, uint32_t type, int depth,
		      struct ox_err *err)
{
	const struct btf *btf = obj->btf;
	const struct btf_type *t = btf_type_by_id(btf, btf_resolve(btf, type));
	const struct btf_type *p;
	uint32_t inner_def;
	char name[256];
	struct ox_mapdef *inner;
	int idx;
	if (!t || btf_kind(t) != BTF_KIND_ARRAY)
		return ox_errf(err, 0, "map '%s': 'values' must be an array", m->name);
	p = btf_type_by_id(btf, btf_resolve(btf, btf_array_info(t)->type));
	if (!p || btf_kind(p) != BTF_KIND_PTR)
		return ox_errf(err, 0, "map '%s': 'values' must be an array of pointers", m->name);
	inner_def = btf_resolve(btf, p->type);
	t = btf_type_by_id(btf, inner_def);
	if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
		if (!t || btf_kind(t) != BTF_KIND_FUNC_PROTO)
			return ox_errf(err, 0, "map '%s': prog_array values must be functions", m->name);
		m->key_size = m->key_size ? m->key_size : 4;
		m->value_size = m->value_size ? m->value_size : 4;
		return 0;
	}
	if (m->type != BPF_MAP_TYPE_ARRAY_OF_MAPS && m->type != BPF_MAP_TYPE_HASH_OF_MAPS)
		return ox_errf(err, 0, "map '%s': 'values' is only for map-in-map and prog_array",
			       m->name);
	if (!t || btf_kind(t) != BTF_KIND_STRUCT)
		return ox_errf(err, 0, "map '%s': inner map definition must be a struct", m->name);
	if (depth > 0)
		return ox_errf(err, 0, "map '%s': nested map-in-map is not supported", m->name);
	idx = (int)(m - obj->maps);
	snprintf(name, sizeof name, "%s.inner", m->name);
	if (!(inner = new_map(obj, name, err)))
		return -1;
	m = &obj->maps[idx];	/* new_map may move the array */
	inner->is_inner = 1;
	inner->sec = -1;
	m->inner = (int)(inner - obj->maps);
	m->value_size = 4;
	if (!m->key_size)
		m->key_size = 4;
	return parse_btf_map(obj, inner, inner_def, depth + 1, err);
}

static int parse_btf_map(struct ox_object *obj, struct ox_mapdef *m, uint32_t def_id,
			 int depth, struct ox_err *err)
{
	const struct btf *btf = obj->btf;
	const struct btf_type *def = btf_type_by_id(btf, def_id);
	uint32_t values_type = 0, key_size = 0, value_size = 0;
	int idx = (int)(m - obj->maps);
	if (!def || btf_kind(def) != BTF_KIND_STRUCT)
		return ox_errf(err, 0, "map '%s': definition is not a struct", m->name);
	for (uint32_t i = 0; i < btf_vlen(def); i++) {
		const struct btf_member *mb = &btf_members(def)[i];
		const char *f = btf_str(btf, mb->name_off);
		uint32_t v = 0;
		m = &obj->maps[idx];
		if (!strcmp(f, "key") || !strcmp(f, "value")) {
			const struct btf_type *pt = btf_type_by_id(btf, mb->type);
			int64_t sz;
			if (!pt || btf_kind(pt) != BTF_KIND_PTR)
				return ox_errf(err, 0, "map '%s': '%s' must be __type(%s, T)", m->name, f, f);
			sz = btf_size(btf, pt->type);
			if (sz < 0 || sz > (1 << 30))
				return ox_errf(err, 0, "map '%s': %s type has no usable size", m->name, f);
			if (f[0] == 'k')
				m->btf_key = pt->type, key_size = (uint32_t)sz;
			else
				m->btf_value = pt->type, value_size = (uint32_t)sz;
			continue;
		}
		if (!strcmp(f, "values")) {
			values_type = mb->type;
			continue;
		}
		if (ptr_array_len(btf, mb->type, &v))
			return ox_errf(err, 0, "map '%s': field '%s' must be __uint(%s, N)", m->name, f, f);
		if (!strcmp(f, "type")) m->type = v;
		else if (!strcmp(f, "max_entries")) m->max_entries = v;
		else if (!strcmp(f, "map_flags")) m->map_flags = v;
		else if (!strcmp(f, "numa_node")) m->numa_node = v;
		else if (!strcmp(f, "key_size")) m->key_size = v;
		else if (!strcmp(f, "value_size")) m->value_size = v;
		else if (!strcmp(f, "pinning")) m->pinning = v;
		else if (!strcmp(f, "map_extra")) m->map_extra = v;
		else
			return ox_errf(err, 0, "map '%s': unknown field '%s'", m->name, f);
	}
	m = &obj->maps[idx];
	if (key_size) {
		if (m->key_size && m->key_size != key_size)
			return ox_errf(err, 0, "map '%s': key_size %u conflicts with key type size %u",
				       m->name, m->key_size, key_size);
		m->key_size = key_size;
	}
	if (value_size) {
		if (m->value_size && m->value_size != value_size)
			return ox_errf(err, 0, "map '%s': value_size %u conflicts with value type "
				       "size %u", m->name, m->value_size, value_size);
		m->value_size = value_size;
	}
	if (values_type && map_values(obj, m, values_type, depth, err))
		return -1;
	m = &obj->maps[idx];
	if (m->pinning > 1)
		return ox_errf(err, 0, "map '%s': unsupported pinning %u", m->name, m->pinning);
	return check_map(m, err);
}

/* The map of section sec whose definition holds byte off, or NULL. */
static struct ox_mapdef *map_holding(struct ox_object *obj, int sec, uint64_t off)
{
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		struct ox_mapdef *m = &obj->maps[i];
		if (m->sec == sec && off >= m->sec_off && off < m->sec_off + m->def_size)
			return m;
	}
	return NULL;
}

/* Append an initial slot to m (the array doubles: 1, 2, 4, ...). */
static struct ox_slot *add_slot(struct ox_mapdef *m, uint32_t index, const char *target,
				int is_prog, struct ox_err *err)
{
	struct ox_slot *sl;
	if ((m->nr_slots & (m->nr_slots - 1)) == 0) {
		sl = realloc(m->slots, (m->nr_slots ? 2 * (size_t)m->nr_slots : 1) * sizeof *sl);
		if (!sl) {
			ox_errf(err, ENOMEM, "out of memory");
			return NULL;
		}
		m->slots = sl;
	}
	sl = &m->slots[m->nr_slots];
	sl->index = index;
	sl->is_prog = is_prog;
	if (!(sl->target = strdup(target))) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	m->nr_slots++;
	return sl;
}

struct slot_ctx {
	struct ox_object *obj;
	struct ox_elf *elf;
};

/* Relocations inside ".maps" fill the initial slots of map-in-map and
 * prog_array maps: `.values = { [2] = &inner }`. */
static int slot_rel(void *vctx, const GElf_Rel *rel, size_t i, struct ox_err *err)
{
	struct slot_ctx *c = vctx;
	struct ox_object *obj = c->obj;
	const struct btf *btf = obj->btf;
	const char *target = c->elf->sym_names[GELF_R_SYM(rel->r_info)];
	const GElf_Sym *tsym = &c->elf->syms[GELF_R_SYM(rel->r_info)];
	struct ox_mapdef *m = map_holding(obj, c->elf->btf_maps_sec, rel->r_offset);
	const struct btf_type *def;
	uint64_t values_off = 0;
	struct ox_slot *sl;
	if (!m)
		return ox_errf(err, 0, "section '.maps': relocation %zu against '%s' at offset %lu "
			       "belongs to no map", i, target, (unsigned long)rel->r_offset);
	/* the 'values' member of this map's definition struct */
	def = btf_type_by_id(btf, m->def_type);
	for (uint32_t k = 0; def && k < btf_vlen(def); k++)
		if (!strcmp(btf_str(btf, btf_members(def)[k].name_off), "values"))
			values_off = btf_member_bit_offset(def, k) / 8 + 1;
	if (!values_off)
		return ox_errf(err, 0, "map '%s': relocation %zu against '%s' outside 'values'",
			       m->name, i, target);
	values_off--;
	if (rel->r_offset - m->sec_off < values_off ||
	    (rel->r_offset - m->sec_off - values_off) % 8)
		return ox_errf(err, 0, "map '%s': misaligned initial slot for '%s'", m->name,
			       target);
	if (m->nr_slots >= m->def_size / 8)	/* each slot is a pointer in the definition */
		return ox_errf(err, 0, "map '%s': more initial slots than its definition "
			       "holds", m->name);
	if (!(sl = add_slot(m, (uint32_t)((rel->r_offset - m->sec_off - values_off) / 8),
			    target, GELF_ST_TYPE(tsym->st_info) == STT_FUNC, err)))
		return -1;
	if (!sl->is_prog && ox_object_find_map(obj, target) < 0)
		return ox_errf(err, 0, "map '%s': initial slot %u names unknown map '%s'",
			       m->name, sl->index, target);
	return 0;
}

static int cmp_slot(const void *a, const void *b)
{
	const struct ox_slot *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int btf_maps(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	const struct btf_type *ds;
	uint32_t ds_id;
	struct slot_ctx c = { obj, elf };
	if (elf->btf_maps_sec < 0)
		return 0;
	if (!obj->btf)
		return ox_errf(err, 0, "section '.maps' needs BTF, and the object has none "
			       "(compile with -g)");
	ds_id = btf_find_datasec(obj->btf, ".maps");
	if (!ds_id)
		return ox_errf(err, 0, "section '.maps' has no BTF DATASEC");

	ds = btf_type_by_id(obj->btf, ds_id);
	for (uint32_t i = 0; i < btf_vlen(ds); i++) {
		const struct btf_var_secinfo *vs = &btf_secinfos(ds)[i];
		const struct btf_type *var = btf_type_by_id(obj->btf, vs->type);
		const char *name;
		struct ox_mapdef *m;
		int sym;
		if (!var || btf_kind(var) != BTF_KIND_VAR)
			return ox_errf(err, 0, "'.maps' entry %u is not a variable", i);
		name = btf_name(obj->btf, vs->type);
		sym = ox_elf_sym_named(elf, elf->btf_maps_sec, name);
		if (sym < 0)
			return ox_errf(err, 0, "map '%s': no symbol in section '.maps'", name);
		if (!(m = new_map(obj, name, err)))
			return -1;
		if (!ox_range_ok(elf->syms[sym].st_value, elf->syms[sym].st_size,
				 elf->secs[elf->btf_maps_sec].size))
			return ox_errf(err, 0, "map '%s': definition (offset %lu, size %lu) outside "
				       "section '.maps' (%zu bytes)", name,
				       (unsigned long)elf->syms[sym].st_value,
				       (unsigned long)elf->syms[sym].st_size,
				       elf->secs[elf->btf_maps_sec].size);
		m->sec = elf->btf_maps_sec;
		m->sec_off = elf->syms[sym].st_value;
		m->def_size = elf->syms[sym].st_size;
		m->def_type = btf_resolve(obj->btf, var->type);
		if (parse_btf_map(obj, m, m->def_type, 0, err))
			return -1;
	}
	if (ox_elf_each_rel(elf, elf->btf_maps_sec, slot_rel, &c, err))
		return -1;
	/* slots by index, each set once */
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		struct ox_mapdef *m = &obj->maps[i];
		if (m->nr_slots > 1)
			qsort(m->slots, m->nr_slots, sizeof *m->slots, cmp_slot);
		for (uint32_t j = 1; j < m->nr_slots; j++)
			if (m->slots[j].index == m->slots[j - 1].index)
				return ox_errf(err, 0, "map '%s': initial slot %u is set twice", m->name,
					       m->slots[j].index);
	}
	return 0;
}

/* ---- global data ---- */

static int add_globals(struct ox_object *obj, int map, uint32_t ds_id, struct ox_err *err)
{
	const struct btf_type *ds = btf_type_by_id(obj->btf, ds_id);
	for (uint32_t i = 0; i < btf_vlen(ds); i++) {
		const struct btf_var_secinfo *vs = &btf_secinfos(ds)[i];
		const struct btf_type *var = btf_type_by_id(obj->btf, vs->type);
		struct ox_global *g;
		if (!var || btf_kind(var) != BTF_KIND_VAR)
			continue;
		if (!ox_range_ok(vs->offset, vs->size, obj->maps[map].value_size))
			return ox_errf(err, 0, "global '%s': offset %u size %u outside its section",
				       btf_name(obj->btf, vs->type), vs->offset, vs->size);
		if ((obj->nr_globals & (obj->nr_globals - 1)) == 0) {	/* 0, 1, 2, 4, ...: double */
			g = realloc(obj->globals, (obj->nr_globals ? 2 * (size_t)obj->nr_globals : 1) *
				    sizeof *g);
			if (!g)
				return ox_errf(err, ENOMEM, "out of memory");
			obj->globals = g;
		}
		g = &obj->globals[obj->nr_globals];
		g->map = map, g->off = vs->offset, g->size = vs->size, g->type = var->type;
		if (!(g->name = strdup(btf_name(obj->btf, vs->type))))
			return ox_errf(err, ENOMEM, "out of memory");
		obj->nr_globals++;
	}
	return 0;
}

static int data_maps(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct ox_elf_sec *s = &elf->secs[i];
		struct ox_mapdef *m;
		int mi;
		if (!ox_is_data_sec(s->name) || !s->size)
			continue;
		if (s->size > OX_MAX_DATA_SIZE)
			return ox_errf(err, 0, "section '%s': %zu bytes is too large", s->name, s->size);
		if (!(m = new_map(obj, s->name, err)))
			return -1;
		mi = (int)(m - obj->maps);
		m->kind = !strncmp(s->name, ".rodata", 7) ? OX_MAP_RODATA :
			  !strncmp(s->name, ".bss", 4) ? OX_MAP_BSS : OX_MAP_DATA;
		m->type = BPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = (uint32_t)s->size;
		m->max_entries = 1;
		m->map_flags = m->kind == OX_MAP_RODATA ? BPF_F_RDONLY_PROG : 0;
		m->sec = (int)i;
		if (!(m->data = calloc(1, s->size)))
			return ox_errf(err, ENOMEM, "out of memory");
		if (s->data && s->sh.sh_type != SHT_NOBITS)
			memcpy(m->data, s->data, s->size);
		if (obj->btf && (m->datasec = btf_find_datasec(obj->btf, s->name))) {
			m->btf_key = 0;
			m->btf_value = m->datasec;
			if (add_globals(obj, mi, m->datasec, err))
				return -1;
		}
	}
	return 0;
}

/* ---- .struct_ops, .struct_ops.link ----
 * Each variable is a struct of the kernel's (struct tcp_congestion_ops ...)
 * with some members set: function pointers, by relocations against the
 * programs (SEC("struct_ops/...")), and plain values in the section's bytes.
 * It becomes a struct_ops map whose slots are those programs, by member;
 * the kernel's layout is only known at load (load.c). */

static int is_struct_ops_sec(const char *name)
{
	return !strcmp(name, ".struct_ops") || !strcmp(name, ".struct_ops.link");
}

struct st_ctx {
	struct ox_object *obj;
	struct ox_elf *elf;
	int sec;
};

static int struct_ops_rel(void *vctx, const GElf_Rel *rel, size_t i, struct ox_err *err)
{
	struct st_ctx *c = vctx;
	struct ox_object *obj = c->obj;
	size_t symi = GELF_R_SYM(rel->r_info);
	const GElf_Sym *sym = &c->elf->syms[symi];
	const char *target = c->elf->sym_names[symi];
	struct ox_mapdef *m = map_holding(obj, c->sec, rel->r_offset);
	const struct btf_type *st;
	uint64_t off;
	uint32_t k;
	if (!m)	/* (only struct_ops variables live in this section) */
		return ox_errf(err, 0, "section '%s': relocation %zu against '%s' at offset %lu "
			       "belongs to no variable", c->elf->secs[c->sec].name, i, target,
			       (unsigned long)rel->r_offset);
	off = rel->r_offset - m->sec_off;
	st = btf_type_by_id(obj->btf, m->def_type);
	for (k = 0; k < btf_vlen(st); k++)
		if (btf_member_bit_offset(st, k) == off * 8)
			break;
	if (k == btf_vlen(st))
		return ox_errf(err, 0, "struct_ops '%s': relocation %zu at offset %lu is at no "
			       "member", m->name, i, (unsigned long)off);
	if (GELF_ST_TYPE(sym->st_info) != STT_FUNC || ox_object_find_func(obj, target) < 0)
		return ox_errf(err, 0, "struct_ops '%s': member '%s' points to '%s', which is "
			       "not a program", m->name, btf_str(obj->btf, btf_members(st)[k].name_off),
			       target);
	if (m->nr_slots >= btf_vlen(st))
		return ox_errf(err, 0, "struct_ops '%s': more programs than members", m->name);
	return add_slot(m, k, target, 1, err) ? 0 : -1;
}

static int struct_ops_maps(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct ox_elf_sec *s = &elf->secs[i];
		const struct btf_type *ds;
		struct st_ctx c = { obj, elf, (int)i };
		uint32_t ds_id;
		if (!is_struct_ops_sec(s->name))
			continue;
		if (!obj->btf || !(ds_id = btf_find_datasec(obj->btf, s->name)))
			return ox_errf(err, 0, "section '%s' needs BTF (compile with -g)", s->name);
		ds = btf_type_by_id(obj->btf, ds_id);
		for (uint32_t v = 0; v < btf_vlen(ds); v++) {
			const struct btf_var_secinfo *vs = &btf_secinfos(ds)[v];
			const struct btf_type *var = btf_type_by_id(obj->btf, vs->type), *st;
			const char *name = btf_name(obj->btf, vs->type);
			struct ox_mapdef *m;
			uint32_t st_id;
			if (!var || btf_kind(var) != BTF_KIND_VAR)
				return ox_errf(err, 0, "section '%s': entry %u is not a variable", s->name, v);
			st_id = btf_resolve(obj->btf, var->type);
			st = btf_type_by_id(obj->btf, st_id);
			if (!st || btf_kind(st) != BTF_KIND_STRUCT)
				return ox_errf(err, 0, "struct_ops '%s': not a struct", name);
			if (!s->data || !ox_range_ok(vs->offset, vs->size, s->size) || vs->size != st->size)
				return ox_errf(err, 0, "struct_ops '%s': %u bytes at offset %u do not hold "
					       "its struct in section '%s' (%zu bytes)", name, vs->size,
					       vs->offset, s->name, s->size);
			if (!(m = new_map(obj, name, err)))
				return -1;
			m->kind = OX_MAP_STRUCT_OPS;
			m->type = OX_MAP_TYPE_STRUCT_OPS;
			m->key_size = 4;
			m->value_size = vs->size;	/* the kernel's value size, at load */
			m->max_entries = 1;
			m->map_flags = !strcmp(s->name, ".struct_ops.link") ? OX_F_LINK : 0;
			m->sec = (int)i, m->sec_off = vs->offset, m->def_size = vs->size;
			m->def_type = st_id;
			if (!(m->data = malloc(vs->size ? vs->size : 1)))
				return ox_errf(err, ENOMEM, "out of memory");
			memcpy(m->data, s->data + vs->offset, vs->size);
		}
		if (ox_elf_each_rel(elf, (int)i, struct_ops_rel, &c, err))
			return -1;
	}
	return 0;
}

/* ---- .kconfig ---- */

static int kconfig_off(void *vctx, const char *name, uint32_t *off)
{
	const struct ox_object *obj = vctx;
	for (uint32_t i = 0; i < obj->nr_exts; i++)
		if (obj->exts[i].is_kconfig && !strcmp(obj->exts[i].name, name)) {
			*off = obj->exts[i].off;
			return 0;
		}
	return -1;
}

static int kconfig_map(struct ox_object *obj, struct ox_err *err)
{
	struct ox_mapdef *m;
	uint64_t size = 0;	/* each extern is at most OX_MAX_KCONFIG_SIZE: no overflow */
	for (uint32_t i = 0; i < obj->nr_exts; i++) {
		struct ox_extern *x = &obj->exts[i];
		if (!x->is_kconfig)
			continue;
		size = (size + x->align - 1) / x->align * x->align;
		x->off = (uint32_t)size;
		size += x->size;
		if (size > OX_MAX_KCONFIG_SIZE)
			return ox_errf(err, 0, "extern '%s': .kconfig externs take more than %u bytes",
				       x->name, OX_MAX_KCONFIG_SIZE);
	}
	if (!size)
		return 0;
	if (!(m = new_map(obj, ".kconfig", err)))
		return -1;
	m->kind = OX_MAP_KCONFIG;
	m->type = BPF_MAP_TYPE_ARRAY;
	m->key_size = 4;
	m->value_size = (uint32_t)size;
	m->max_entries = 1;
	m->map_flags = BPF_F_RDONLY_PROG;
	m->sec = -1;
	obj->kconfig_map = (int)(m - obj->maps);
	obj->kconfig_size = (uint32_t)size;
	if (obj->btf && (m->datasec = btf_find_datasec(obj->btf, ".kconfig"))) {
		if (btf_fixup_datasec(obj->btf, m->datasec, (uint32_t)size, kconfig_off, obj, err))
			return ox_errprefix(err, "section '.kconfig'");
		/* The kernel rejects extern linkage: the variables now live in a map. */
		for (uint32_t i = 0; i < obj->nr_exts; i++)
			if (obj->exts[i].is_kconfig && obj->exts[i].var) {
				struct btf_type *t = (struct btf_type *)btf_type_by_id(obj->btf,
										   obj->exts[i].var);
				((struct btf_var *)(t + 1))->linkage = BTF_VAR_GLOBAL_ALLOCATED;
			}
		m->btf_value = m->datasec;
	}
	return 0;
}

/* The kernel wants every DATASEC's size and variable offsets filled in, which
 * the compiler leaves to the loader: take them from the ELF sections and
 * symbols. (.kconfig and .ksyms have no ELF section; they are laid out later.) */
static int fixup_datasecs(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	for (uint32_t id = 1; obj->btf && id <= btf_max_id(obj->btf); id++) {
		const struct btf_type *t = btf_type_by_id(obj->btf, id);
		const char *name = btf_name(obj->btf, id);
		struct sym_ctx c = { elf, -1 };
		if (btf_kind(t) != BTF_KIND_DATASEC || !strcmp(name, ".kconfig") ||
		    !strcmp(name, ".ksyms"))
			continue;
		c.sec = ox_elf_find_sec(elf, name);
		if (c.sec < 0)
			return ox_errf(err, 0, "BTF DATASEC '%s' names no ELF section", name);
		if (elf->secs[c.sec].size > OX_MAX_DATA_SIZE)
			return ox_errf(err, 0, "section '%s': %zu bytes is too large", name,
				       elf->secs[c.sec].size);
		if (btf_fixup_datasec(obj->btf, id, (uint32_t)elf->secs[c.sec].size, data_sym_off,
				      &c, err))
			return ox_errprefix(err, "section '%s'", name);
	}
	return 0;
}

int ox_maps_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	return fixup_datasecs(obj, elf, err) || legacy_maps(obj, elf, err) || btf_maps(obj, elf, err) ||
	       data_maps(obj, elf, err) || struct_ops_maps(obj, elf, err) ||
	       kconfig_map(obj, err) ? -1 : 0;
}
