/* internal.h - the load steps (internal to src/load/): creating maps
 * (map_create.c), loading programs (prog_load.c), and what they share
 * (common.c); load.c runs them in order. */
#ifndef OXLUA_LOAD_INTERNAL_H
#define OXLUA_LOAD_INTERNAL_H

#include "load/ksyms.h"
#include "load/link.h"
#include "load/load.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's internal 'not supported' */
#endif
#define LOG_MIN (64u << 10)	/* first verifier log buffer */
#define LOG_MAX (16u << 20)	/* the largest it grows to */

/* "<fmt % a>: <what>: ENAME (strerror)", and the memlock hint; returns -1. */
int ox_load_os_err(struct ox_err *err, int e, const char *fmt, const char *a, const char *what);
/* On kernels that charge BPF memory to RLIMIT_MEMLOCK, say so in an EPERM. */
void ox_load_memlock_hint(struct ox_err *err);
/* What E2BIG and ENOMEM mean for a map of that size. */
void ox_load_size_hint(struct ox_err *err, uint32_t key, uint32_t value, uint32_t entries);
/* A kernel object name: [A-Za-z0-9_.] of a then b, at most 15 characters. */
void ox_load_kname(char dst[16], const char *a, const char *b);

/* map_create.c: map idx (and its inner template) as the version wants it:
 * overrides applied, checked, reused from a pin or created, initial values
 * written and frozen. */
int ox_load_create_map(struct ox_instance *inst, int idx, const struct ox_load_opts *o,
		       struct ox_err *err);
/* Map-in-map and prog_array initial slots, once everything exists. */
int ox_load_fill_slots(struct ox_instance *inst, struct ox_err *err);

/* prog_load.c: patch each linked program's relocations and load it, with
 * the verifier's words when the kernel says no (*log: the whole log). */
int ox_load_programs(struct ox_instance *inst, const struct ox_load_opts *o,
		     struct ox_linked *links, struct ox_ksyms *ks, struct ox_err *err, char **log);

#endif
