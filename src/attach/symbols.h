/* symbols.h - resolving a symbol of an ELF executable or shared library to
 * the file offset that uprobes want. Engine layer: no Lua. */
#ifndef OXLUA_SYMBOLS_H
#define OXLUA_SYMBOLS_H

#include <stdint.h>
#include "common.h"

/* Resolve `sym` in the ELF file at `path` (executable, PIE or not, or shared
 * library): look in .symtab then .dynsym, for STT_FUNC (and STT_GNU_IFUNC)
 * defined symbols; versioned names ("malloc@@GLIBC_2.2.5") match "malloc".
 * The result is a file offset: st_value - p_vaddr + p_offset of the PT_LOAD
 * segment containing it (for ET_EXEC and ET_DYN alike). Errors say whether
 * the file is not ELF, the symbol is missing, or the symbol is undefined
 * (imported from another library: names the library if it can). */
int ox_sym_file_offset(const char *path, const char *sym, uint64_t *offset,
		       struct ox_err *err);
/* Translate a virtual address in the file to a file offset (for "0xADDR"). */
int ox_addr_file_offset(const char *path, uint64_t addr, uint64_t *offset,
			struct ox_err *err);
/* Find a library by name ("libc.so.6") the way the dynamic loader would for
 * this process: /etc/ld.so.cache is not parsed; search /proc/self/maps, then
 * the standard directories. Writes the path. */
int ox_find_library(const char *name, char *path, size_t len, struct ox_err *err);

#endif
