/* externs.h - extern variables (externs.c): `.kconfig` and `.ksyms` externs
 * collected while an object is parsed, and the .kconfig map's value filled
 * at load from the kernel's configuration. */
#ifndef OXLUA_OBJECT_EXTERNS_H
#define OXLUA_OBJECT_EXTERNS_H

#include <stdint.h>
#include "common.h"

struct ox_object;
struct ox_elf;

/* Fill obj->exts while parsing (elf.c). */
int ox_externs_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);
/* Fill the .kconfig map value (obj->kconfig_size bytes, zeroed by the caller). */
int ox_kconfig_fill(const struct ox_object *obj, uint8_t *buf, const char *config_path,
		    struct ox_err *err);

#endif
