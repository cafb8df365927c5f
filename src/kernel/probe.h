/* probe.h - what the running kernel supports, found by trying. */
#ifndef OXLUA_PROBE_H
#define OXLUA_PROBE_H

#include <stdint.h>

/* Each returns 1 (supported), 0 (not), or -errno when the answer is unknown
 * (EPERM: not allowed to try). */
int ox_probe_prog_type(uint32_t prog_type, uint32_t expected_attach_type);
int ox_probe_map_type(uint32_t map_type);
int ox_probe_helper(uint32_t prog_type, uint32_t helper_id);
/* BTF-attached tracing (fentry) on a kernel function: 1, 0, or -errno of the load. */
int ox_probe_fentry(uint32_t btf_id);

#endif
