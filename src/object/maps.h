/* maps.h - map definitions (maps.c): collected from an object while it is
 * parsed, and the rules a definition must meet once a version's overrides
 * are applied (checked at load). */
#ifndef OXLUA_OBJECT_MAPS_H
#define OXLUA_OBJECT_MAPS_H

#include <stdint.h>
#include "common.h"

struct ox_object;
struct ox_elf;

/* Fill obj->maps while parsing (elf.c): BTF-defined ".maps", the legacy
 * "maps" sections, global data sections, .struct_ops and .kconfig. */
int ox_maps_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);
/* "maps" or "maps/NAME": map definitions in the legacy layouts. */
int ox_is_legacy_maps_sec(const char *name);

/* A map's definition as it will be created (after a version's overrides):
 * 0, or -1 with the rule it breaks named (max_entries 0 for a hash, ...). */
int ox_map_check(const char *name, uint32_t type, uint32_t key_size, uint32_t value_size,
		 uint32_t max_entries, struct ox_err *err);
/* A ring buffer size as the kernel takes it: rounded up to a power-of-2
 * multiple of the page size (as libbpf does); 0 stays 0. */
uint32_t ox_ringbuf_size(uint32_t size);

#endif
