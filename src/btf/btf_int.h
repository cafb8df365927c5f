/* btf_int.h - the layout of a parsed BTF, shared by the files behind btf.h:
 * btf.c parses and validates, btf_query.c looks types up, btf_ext.c checks
 * .BTF.ext against the BTF, btf_sanitize.c rewrites it for the kernel.
 * Internal to src/btf: everyone else sees struct btf as opaque. */
#ifndef OXLUA_BTF_INT_H
#define OXLUA_BTF_INT_H

#include <stdint.h>
#include <stddef.h>
#include "btf/btf.h"

struct btf {
	uint8_t *data;			/* owned copy of the blob */
	size_t size;
	uint8_t *types_sec;		/* type section inside data */
	const char *strs;		/* string section inside data */
	uint32_t types_len, strs_len;
	uint32_t nr;			/* highest type id */
	struct btf_type **types;	/* types[id - start], own types only; types[0] is NULL */
	int8_t *align;			/* natural alignment per own id (id - start), -1 if none */
	const struct btf *base;		/* split BTF: the BTF it extends (not owned), else NULL */
	uint32_t start;			/* split BTF: the base's highest id, else 0 */
	uint32_t str_start;		/* split BTF: the base's string section length, else 0 */
};

/* An own type record (start < id <= nr). */
#define OWN(btf, id) ((btf)->types[(id) - (btf)->start])

/* A string offset inside the string section (a split BTF's, or its base's). */
static inline int btf_name_ok(const struct btf *btf, uint32_t off)
{
	return off < btf->str_start || off - btf->str_start < btf->strs_len;
}

#endif
