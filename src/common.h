/* common.h - shared engine definitions: error reporting, logging, limits.
 * The engine never includes lua.h. */
#ifndef OXLUA_COMMON_H
#define OXLUA_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define OX_ERR_MAX 4096

/* An error: errnum is 0 for parse/format errors, an errno value for OS
 * failures. msg is a complete, human readable sentence fragment such as
 * "probes.o: section '.BTF': string offset 812 out of range". */
struct ox_err {
	int errnum;
	char msg[OX_ERR_MAX];
};

/* Set an error (overwrites). Returns -1 so callers can `return ox_errf(...)`. */
int ox_errf(struct ox_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the existing message: "<prefix>: <old message>". Returns -1. */
int ox_errprefix(struct ox_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "EPERM", "ENOENT", ... or "EUNKNOWN" for values it does not know. */
const char *ox_errno_name(int errnum);

/* Debug logging, enabled with OXLUA_LOG=debug (read once). */
int ox_log_enabled(void);
void ox_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ox_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Size limits on everything read from an object. */
#define OX_MAX_OBJECT_SIZE   (256u << 20)
#define OX_MAX_SECTIONS      65536u
#define OX_MAX_SYMBOLS       (1u << 20)
#define OX_MAX_BTF_TYPES     (1u << 20)
#define OX_MAX_PROG_INSNS    (1u << 20)   /* the kernel's BPF_COMPLEXITY_LIMIT_INSNS */
#define OX_MAX_MAPS          4096u
#define OX_MAX_DATA_SIZE     (1u << 30)   /* a global data section (.data, .bss, ...) */
#define OX_MAX_RELOS         (1u << 20)   /* entries of one relocation section */
#define OX_MAX_BTF_DEPTH     32           /* modifiers/typedef chains, nesting */
#define OX_MAX_KCONFIG_SIZE  (1u << 20)   /* all .kconfig externs together */

/* A whole file read into memory (malloc'd). */
struct ox_blob {
	uint8_t *data;
	size_t size;
};
/* Read a regular file of at most OX_MAX_OBJECT_SIZE bytes. Errors name the
 * path and errno. */
int ox_read_file(const char *path, struct ox_blob *out, struct ox_err *err);

/* Overflow-checked a + b <= limit. */
static inline int ox_range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

#endif
