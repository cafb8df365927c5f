/* fuzz_btf.c - libFuzzer target: the BTF parser and everything that walks a
 * parsed BTF, then .BTF.ext against it.
 *
 * Input: a little-endian u32 N, then N bytes of .BTF, then the rest, parsed
 * both as .BTF.ext and as a split BTF (a module's) on top of the first part
 * (N larger than what follows takes all of it as .BTF). The seeds are the
 * .BTF and .BTF.ext sections of the test objects in this layout.
 *
 * Besides the sanitizers the harness checks that a sanitized copy of a valid
 * BTF is itself valid BTF: the rewrites for older kernels must not produce
 * something the parser (and so the kernel) would reject. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"

#define CHECK(cond, ...) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_btf: invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
	abort(); } } while (0)

static const struct btf_kernel_caps caps_sets[] = {
	{ .func = 0 },						/* a 4.18 kernel: nothing */
	{ .decl_tag = 1, .type_tag = 1, .enum64 = 1, .float_ = 1, .datasec = 1,
	  .func = 1, .func_global = 1, .qmark_datasec = 1 },	/* everything */
	{ .float_ = 1, .datasec = 1, .func = 1, .func_global = 1 },	/* 5.x: no tags, no enum64 */
	{ .decl_tag = 1, .datasec = 1, .func = 1 },
	{ .type_tag = 1, .enum64 = 1, .func = 1, .func_global = 1, .qmark_datasec = 1 },
};

static int sym_off(void *ctx, const char *name, uint32_t *off)
{
	(void)ctx;
	if (name[0] == '\0' || name[0] == 'x')
		return -1;	/* unknown symbol */
	*off = (uint32_t)(name[0] * 8);
	return 0;
}

static void walk(const struct btf *btf)
{
	uint32_t n = btf_max_id(btf), id;
	char buf[512], spec[300];
	for (id = 0; id <= n + 1; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		const char *name = btf_name(btf, id);
		btf_type_str(btf, id, buf, sizeof buf);
		btf_type_str(btf, id, buf, 7);	/* truncation */
		(void)btf_size(btf, id);
		(void)btf_align(btf, id);
		(void)btf_resolve(btf, id);
		if (!t)
			continue;
		for (uint32_t i = 0; (btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION) &&
				     i < btf_vlen(t); i++) {
			(void)btf_member_bit_offset(t, i);
			(void)btf_member_bitfield_size(t, i);
		}
		(void)btf_kind_name(btf_kind(t));
		if (id < 64 && *name) {
			snprintf(spec, sizeof spec, "struct %s", name);
			(void)btf_find_by_spec(btf, spec);
			snprintf(spec, sizeof spec, "  enum  %s", name);
			(void)btf_find_by_spec(btf, spec);
			(void)btf_find_by_spec(btf, name);
		}
	}
	(void)btf_find_by_spec(btf, "struct ");
	(void)btf_find_by_spec(btf, "");
	(void)btf_find_datasec(btf, ".data");
}

static void sanitize(const struct btf *btf)
{
	for (size_t c = 0; c < sizeof caps_sets / sizeof caps_sets[0]; c++) {
		struct ox_err err;
		size_t n = 0;
		void *raw = btf_sanitize(btf, &caps_sets[c], &n);
		struct btf *again;
		if (!raw)
			continue;
		again = btf_parse(raw, n, &err);
		CHECK(again, "caps set %zu: sanitized BTF does not parse: %s", c, err.msg);
		btf_free(again);
		free(raw);
	}
}

static void fixup(struct btf *btf)
{
	uint32_t n = btf_max_id(btf);
	for (uint32_t id = 1; id <= n; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		struct ox_err err;
		if (btf_kind(t) == BTF_KIND_DATASEC)
			btf_fixup_datasec(btf, id, t->size ? t->size : 4096, sym_off, NULL, &err);
	}
}

static void ext(const uint8_t *data, size_t size, const struct btf *btf)
{
	static const char *const names[] = { ".text", "xdp", "tc", "kprobe/x", "tracepoint/a/b" };
	struct ox_err err;
	struct btf_ext *e = btf_ext_parse(data, size, btf, &err);
	if (!e) {
		CHECK(err.msg[0], "no error message");
		return;
	}
	const struct btf_ext_info *infos[] = { &e->func_info, &e->line_info, &e->core_relo };
	for (size_t k = 0; k < 3; k++) {
		const struct btf_ext_info *info = infos[k];
		uint64_t sum = 0;
		for (uint32_t s = 0; s < info->nr_secs; s++) {
			const struct btf_ext_sec *sec = &info->secs[s];
			CHECK(btf_ext_find(info, sec->sec_name), "section %s not found", sec->sec_name);
			/* every record is inside the copy */
			CHECK(sec->recs >= (const uint8_t *)e->data &&
			      sec->recs + (size_t)sec->nr * info->rec_size <= (const uint8_t *)e->data + e->size,
			      "records outside the section");
			for (uint32_t r = 0; r < sec->nr; r++)
				sum += sec->recs[(size_t)r * info->rec_size + info->rec_size - 1];
		}
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			(void)btf_ext_find(info, names[i]);
		(void)sum;
	}
	btf_ext_free(e);
}

/* The second part as a module's split BTF on top of the first. */
static void split(const uint8_t *data, size_t size, const struct btf *base)
{
	struct ox_err err;
	struct btf *mod = btf_parse_split(data, size, base, &err);
	if (!mod) {
		CHECK(err.msg[0], "no error message");
		return;
	}
	CHECK(btf_base(mod) == base, "split BTF lost its base");
	CHECK(btf_start_id(mod) == btf_max_id(base) + 1, "split ids do not follow the base's");
	walk(mod);
	btf_free(mod);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ox_err err;
	struct btf *btf;
	uint32_t n;
	if (size < 4)
		return 0;
	memcpy(&n, data, 4);
	data += 4, size -= 4;
	if (n > size)
		n = (uint32_t)size;
	btf = btf_parse(data, n, &err);
	if (!btf) {
		CHECK(err.msg[0], "no error message");
		return 0;
	}
	walk(btf);
	sanitize(btf);
	ext(data + n, size - n, btf);
	split(data + n, size - n, btf);
	fixup(btf);
	walk(btf);
	sanitize(btf);
	btf_free(btf);
	return 0;
}
