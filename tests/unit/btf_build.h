/* btf_build.h - raw BTF blobs built by hand for the unit tests: append types
 * (each returns its id) and their members, then take the blob (header, type
 * section, string section) and parse it, or corrupt it first. */
#ifndef OXLUA_TEST_BTF_BUILD_H
#define OXLUA_TEST_BTF_BUILD_H

#include <stdint.h>
#include <string.h>
#include <linux/btf.h>

struct bb {
	uint8_t types[16384];
	uint32_t tlen;
	char strs[4096];
	uint32_t slen;
	uint32_t nr;		/* highest id so far */
	uint32_t str_base;	/* split BTF: the base's string section length */
};

static inline void bb_init(struct bb *b)
{
	memset(b, 0, sizeof *b);
	b->slen = 1;	/* offset 0 is "" */
}

/* A split BTF on a base of base_nr types and base_slen bytes of strings:
 * ids continue after the base's, string offsets after its strings (and the
 * split's own strings need not start with NUL). */
static inline void bb_init_split(struct bb *b, uint32_t base_nr, uint32_t base_slen)
{
	memset(b, 0, sizeof *b);
	b->nr = base_nr;
	b->str_base = base_slen;
}

static inline uint32_t bb_str(struct bb *b, const char *s)
{
	uint32_t off = b->slen, n = (uint32_t)strlen(s) + 1;
	if (!*s && !b->str_base)
		return 0;
	memcpy(b->strs + b->slen, s, n);
	b->slen += n;
	return b->str_base + off;
}

static inline void bb_u32(struct bb *b, uint32_t v)
{
	memcpy(b->types + b->tlen, &v, 4);
	b->tlen += 4;
}

/* The common part of a record: name, kind, kind_flag, vlen, size or type. */
static inline uint32_t bb_type(struct bb *b, const char *name, uint32_t kind, uint32_t kflag,
			uint32_t vlen, uint32_t size_or_type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, kflag << 31 | kind << 24 | vlen);
	bb_u32(b, size_or_type);
	return ++b->nr;
}

static inline uint32_t bb_int(struct bb *b, const char *name, uint32_t size, uint32_t encoding)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, 0, size);
	bb_u32(b, encoding << 24 | size * 8);
	return id;
}

/* PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC (vlen: linkage), TYPE_TAG. */
static inline uint32_t bb_ref(struct bb *b, uint32_t kind, const char *name, uint32_t type)
{
	return bb_type(b, name, kind, 0, 0, type);
}

static inline uint32_t bb_array(struct bb *b, uint32_t elem, uint32_t index, uint32_t n)
{
	uint32_t id = bb_type(b, "", BTF_KIND_ARRAY, 0, 0, 0);
	bb_u32(b, elem);
	bb_u32(b, index);
	bb_u32(b, n);
	return id;
}

/* STRUCT or UNION of vlen members; bb_member follows, vlen times. */
static inline uint32_t bb_struct(struct bb *b, uint32_t kind, const char *name, uint32_t size,
			  uint32_t kflag, uint32_t vlen)
{
	return bb_type(b, name, kind, kflag, vlen, size);
}

/* bits: a bitfield's width (the struct must have kflag set), else 0. */
static inline void bb_member(struct bb *b, const char *name, uint32_t type, uint32_t bit_off, uint32_t bits)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
	bb_u32(b, bits << 24 | bit_off);
}

/* ENUM of vlen values; bb_enumerator follows, vlen times. */
static inline uint32_t bb_enum(struct bb *b, const char *name, uint32_t size, uint32_t vlen)
{
	return bb_type(b, name, BTF_KIND_ENUM, 0, vlen, size);
}

static inline void bb_enumerator(struct bb *b, const char *name, int32_t val)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (uint32_t)val);
}

/* FUNC_PROTO of vlen parameters; bb_param follows, vlen times. */
static inline uint32_t bb_proto(struct bb *b, uint32_t ret, uint32_t vlen)
{
	return bb_type(b, "", BTF_KIND_FUNC_PROTO, 0, vlen, ret);
}

static inline void bb_param(struct bb *b, const char *name, uint32_t type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
}

static inline uint32_t bb_var(struct bb *b, const char *name, uint32_t type, uint32_t linkage)
{
	uint32_t id = bb_type(b, name, BTF_KIND_VAR, 0, 0, type);
	bb_u32(b, linkage);
	return id;
}

/* DATASEC of vlen variables; bb_secinfo follows, vlen times. */
static inline uint32_t bb_datasec(struct bb *b, const char *name, uint32_t size, uint32_t vlen)
{
	return bb_type(b, name, BTF_KIND_DATASEC, 0, vlen, size);
}

static inline void bb_secinfo(struct bb *b, uint32_t type, uint32_t off, uint32_t size)
{
	bb_u32(b, type);
	bb_u32(b, off);
	bb_u32(b, size);
}

/* The blob into out (at least sizeof(struct btf_header) + tlen + slen
 * bytes): header, types, strings. Returns its size. */
static inline size_t bb_blob(const struct bb *b, uint8_t *out)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .flags = 0, .hdr_len = sizeof h,
		.type_off = 0, .type_len = b->tlen, .str_off = b->tlen, .str_len = b->slen,
	};
	memcpy(out, &h, sizeof h);
	memcpy(out + sizeof h, b->types, b->tlen);
	memcpy(out + sizeof h + b->tlen, b->strs, b->slen);
	return sizeof h + b->tlen + b->slen;
}

#define BB_BLOB_MAX (sizeof(struct btf_header) + sizeof ((struct bb *)0)->types + \
		     sizeof ((struct bb *)0)->strs)

#endif
