/* parse.h - the parts of parsing an object (internal to src/object/), each
 * filling its share of the object from the same ELF view. */
#ifndef OXLUA_OBJECT_PARSE_H
#define OXLUA_OBJECT_PARSE_H

#include "object/elf.h"
#include "object/object.h"

/* funcs.c: programs and subprograms; then the relocations of their code
 * (after maps and externs exist, since relocations name them). */
int ox_funcs_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);
int ox_relos_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);
/* maps.c: map definitions, global data, .kconfig, struct_ops. */
int ox_maps_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);
/* externs.c: .kconfig and .ksyms externs. */
int ox_externs_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);

#endif
