/* btf_ext.c - .BTF.ext: func_info, line_info and CO-RE relocation records,
 * grouped by the ELF section they belong to. Every record is checked against
 * the object's BTF (type ids in range, string offsets valid) so the loader
 * and relo_core.c can use them as they are. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "btf/btf_int.h"

struct btf_ext_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;	/* optional */
};
#define EXT_MIN_HDR offsetof(struct btf_ext_header, core_relo_off)

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The three kinds of info block: their minimum record size and where a
 * record keeps a type id and string offsets (0: field absent). */
enum { FUNC_INFO, LINE_INFO, CORE_RELO };
static const struct ext_kind {
	const char *what;
	uint32_t min_rec, type_at, str1_at, str2_at;
} ext_kinds[] = {
	{ "func_info", 8, 4, 0, 0 },	/* insn_off type_id */
	{ "line_info", 16, 0, 4, 8 },	/* insn_off file_name_off line_off line_col */
	{ "core_relo", 16, 4, 8, 0 },	/* insn_off type_id access_str_off kind */
};

/* Per-record checks: ids in range, string offsets valid. */
static int check_record(const struct btf *btf, const struct ext_kind *k, const char *sec,
			uint32_t i, const uint8_t *rec, struct ox_err *err)
{
	const char *what = k->what;
	uint32_t type = k->type_at ? rd32(rec + k->type_at) : 0;
	uint32_t s1 = k->str1_at ? rd32(rec + k->str1_at) : 0;
	uint32_t s2 = k->str2_at ? rd32(rec + k->str2_at) : 0;
	if (type > btf->nr)
		return ox_errf(err, 0, "BTF.ext: %s for section %s record %u references type %u out of range (max %u)",
			       what, sec, i, type, btf->nr);
	if (!btf_name_ok(btf, s1) || !btf_name_ok(btf, s2))
		return ox_errf(err, 0, "BTF.ext: %s for section %s record %u has a string offset out of range",
			       what, sec, i);
	return 0;
}

static int parse_info(struct btf_ext *ext, struct btf_ext_info *info, int kind,
		      uint32_t hdr_len, uint32_t off, uint32_t len,
		      const struct btf *btf, struct ox_err *err)
{
	const struct ext_kind *k = &ext_kinds[kind];
	const char *what = k->what;
	uint32_t min_rec = k->min_rec;
	const uint8_t *p, *end;
	uint32_t pass, nsecs = 0, rec_size;
	if (len == 0)
		return 0;
	if (!ox_range_ok((uint64_t)hdr_len + off, len, ext->size))
		return ox_errf(err, 0, "BTF.ext: %s (offset %u, length %u) outside the section", what, off, len);
	if (off % 4 != 0)
		return ox_errf(err, 0, "BTF.ext: %s is not 4-byte aligned", what);
	if (len < 4)
		return ox_errf(err, 0, "BTF.ext: %s of %u bytes has no record size", what, len);
	p = (const uint8_t *)ext->data + hdr_len + off;
	end = p + len;
	rec_size = rd32(p);
	if (rec_size < min_rec || rec_size % 4 != 0)
		return ox_errf(err, 0, "BTF.ext: %s record size %u is invalid (minimum %u, multiple of 4)",
			       what, rec_size, min_rec);
	/* Pass 0 validates and counts, pass 1 fills the table. */
	for (pass = 0; pass < 2; pass++) {
		const uint8_t *q = p + 4;
		uint32_t n = 0, i;
		while (q < end) {
			uint32_t name_off, num;
			const char *name;
			if ((size_t)(end - q) < 8)
				return ox_errf(err, 0, "BTF.ext: %s truncated at section %u", what, n);
			name_off = rd32(q);
			num = rd32(q + 4);
			q += 8;
			if (!btf_name_ok(btf, name_off) || !*(name = btf_str(btf, name_off)))
				return ox_errf(err, 0, "BTF.ext: %s section %u has invalid name offset %u", what, n, name_off);
			if (num == 0)
				return ox_errf(err, 0, "BTF.ext: %s for section %s has no records", what, name);
			if ((uint64_t)num * rec_size > (size_t)(end - q))
				return ox_errf(err, 0, "BTF.ext: %s for section %s: %u records of %u bytes "
					       "do not fit", what, name, num, rec_size);
			if (pass == 0) {
				for (i = 0; i < num; i++)
					if (check_record(btf, k, name, i, q + (size_t)i * rec_size, err) < 0)
						return -1;
			} else {
				info->secs[n].sec_name = name;
				info->secs[n].nr = num;
				info->secs[n].recs = q;
			}
			q += (size_t)num * rec_size;
			n++;
		}
		if (pass == 0) {
			nsecs = n;
			if (!(info->secs = calloc(nsecs ? nsecs : 1, sizeof *info->secs)))
				return ox_errf(err, ENOMEM, "BTF.ext: out of memory");
		}
	}
	info->rec_size = rec_size;
	info->nr_secs = nsecs;
	return 0;
}

struct btf_ext *btf_ext_parse(const void *data, size_t size, const struct btf *btf,
			      struct ox_err *err)
{
	struct btf_ext_header h;
	struct btf_ext *ext;
	memset(&h, 0, sizeof h);
	if (!btf) {
		ox_errf(err, 0, "BTF.ext: no .BTF to resolve names against");
		return NULL;
	}
	if (size < 8) {
		ox_errf(err, 0, "BTF.ext: section of %zu bytes is shorter than its header", size);
		return NULL;
	}
	memcpy(&h, data, 8);
	if (h.magic != BTF_MAGIC) {
		ox_errf(err, 0, "BTF.ext: bad magic 0x%04x", h.magic);
		return NULL;
	}
	if (h.version != BTF_VERSION) {
		ox_errf(err, 0, "BTF.ext: unsupported version %u", h.version);
		return NULL;
	}
	if (h.hdr_len < EXT_MIN_HDR || h.hdr_len > size) {
		ox_errf(err, 0, "BTF.ext: bad header length %u (section is %zu bytes)", h.hdr_len, size);
		return NULL;
	}
	memcpy(&h, data, h.hdr_len < sizeof h ? h.hdr_len : sizeof h);
	if (!(ext = calloc(1, sizeof *ext)) || !(ext->data = malloc(size))) {
		free(ext);
		ox_errf(err, ENOMEM, "BTF.ext: out of memory");
		return NULL;
	}
	memcpy(ext->data, data, size);
	ext->size = size;
	if (h.hdr_len % 4 != 0) {
		ox_errf(err, 0, "BTF.ext: header length %u is not a multiple of 4", h.hdr_len);
		goto fail;
	}
	if (parse_info(ext, &ext->func_info, FUNC_INFO, h.hdr_len, h.func_info_off,
		       h.func_info_len, btf, err) < 0 ||
	    parse_info(ext, &ext->line_info, LINE_INFO, h.hdr_len, h.line_info_off,
		       h.line_info_len, btf, err) < 0 ||
	    parse_info(ext, &ext->core_relo, CORE_RELO, h.hdr_len, h.core_relo_off,
		       h.core_relo_len, btf, err) < 0)
		goto fail;
	return ext;
fail:
	btf_ext_free(ext);
	return NULL;
}

void btf_ext_free(struct btf_ext *ext)
{
	if (!ext) return;
	free(ext->func_info.secs);
	free(ext->line_info.secs);
	free(ext->core_relo.secs);
	free(ext->data);
	free(ext);
}

const struct btf_ext_sec *btf_ext_find(const struct btf_ext_info *info, const char *sec_name)
{
	uint32_t i;
	for (i = 0; i < info->nr_secs; i++)
		if (strcmp(info->secs[i].sec_name, sec_name) == 0)
			return &info->secs[i];
	return NULL;
}
