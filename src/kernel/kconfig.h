/* kconfig.h - the running kernel's configuration and version, for .kconfig externs. */
#ifndef OXLUA_KCONFIG_H
#define OXLUA_KCONFIG_H

#include <stdint.h>
#include "common.h"

struct ox_kconfig;

/* Load the running kernel's config: /proc/config.gz (zlib), else
 * /boot/config-$(uname -r). path != NULL reads that file instead (plain or
 * gzip, detected by magic). Returns NULL with err set when none can be read. */
struct ox_kconfig *ox_kconfig_load(const char *path, struct ox_err *err);
void ox_kconfig_free(struct ox_kconfig *kc);
/* The raw value for "CONFIG_FOO": "y", "m", "123", "0x10", "\"string\"";
 * NULL when unset ("# CONFIG_FOO is not set" counts as unset). */
const char *ox_kconfig_get(const struct ox_kconfig *kc, const char *name);

/* LINUX_KERNEL_VERSION as libbpf computes it: KERNEL_VERSION(a, b, min(c, 255)),
 * from uname's release, with Ubuntu's /proc/version_signature and Debian's
 * version string taking precedence when present. */
uint32_t ox_kernel_version(void);

#endif
