/* funcs.h - the functions of an object (funcs.c), filled while it is
 * parsed (object.c): programs and subprograms first, then the relocations of
 * their code, once the maps and externs they name exist. */
#ifndef OXLUA_OBJECT_FUNCS_H
#define OXLUA_OBJECT_FUNCS_H

#include "object/elf.h"
#include "object/object.h"

int ox_funcs_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);
int ox_relos_collect(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err);

#endif
