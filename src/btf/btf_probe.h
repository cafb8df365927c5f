/* btf_probe.h - which BTF kinds the running kernel accepts, probed with tiny
 * BTF blobs (only for the kinds an object uses), overridable for debugging
 * with OXLUA_BTF_CAPS. */
#ifndef OXLUA_BTF_PROBE_H
#define OXLUA_BTF_PROBE_H

#include "btf/btf.h"

/* Fills *caps for loading `btf` into the running kernel. Returns 1 when the
 * kernel takes BTF at all, 0 when it does not (or OXLUA_BTF_CAPS=none): then
 * the object loads without BTF. `why` (may be NULL) gets a short reason
 * when 0 is returned.
 *
 * OXLUA_BTF_CAPS: "none", or a comma list of capabilities to turn off with a
 * leading '-': func, func_global, datasec, qmark_datasec, float, decl_tag,
 * type_tag, enum64 (e.g. "-decl_tag,-type_tag"). Unknown words are ignored
 * with a warning. */
int ox_btf_probe_caps(const struct btf *btf, struct btf_kernel_caps *caps, char *why,
		      size_t why_len);

#endif
