/* common.c - what the load steps share: error messages that name the
 * errno and add what it means here, kernel object names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "kernel/kconfig.h"
#include "load/internal.h"

void ox_load_memlock_hint(struct ox_err *err)
{
	struct rlimit r;
	size_t n = strlen(err->msg);
	if (err->errnum != EPERM || getrlimit(RLIMIT_MEMLOCK, &r) || r.rlim_cur == RLIM_INFINITY ||
	    ox_kernel_version() >= (5u << 16 | 11u << 8))
		return;
	snprintf(err->msg + n, sizeof err->msg - n, " (RLIMIT_MEMLOCK is %llu KiB and this "
		 "kernel charges BPF memory to it)", (unsigned long long)r.rlim_cur / 1024);
}

/* A map the kernel will not make that big: say what E2BIG/ENOMEM mean here. */
void ox_load_size_hint(struct ox_err *err, uint32_t key, uint32_t value, uint32_t entries)
{
	size_t n = strlen(err->msg);
	double mib = ((double)key + value) * entries / (1024.0 * 1024.0);
	if (err->errnum == E2BIG)
		snprintf(err->msg + n, sizeof err->msg - n, ": the map is too large for its type "
			 "(a size or max_entries beyond the kernel's limits)");
	else if (err->errnum == ENOMEM)
		snprintf(err->msg + n, sizeof err->msg - n, ": the map (about %.0f MiB) needs more "
			 "memory than the kernel could allocate or this process's memory cgroup "
			 "allows", mib);
}

int ox_load_os_err(struct ox_err *err, int e, const char *fmt, const char *a, const char *what)
{
	char prefix[512];
	snprintf(prefix, sizeof prefix, fmt, a);
	ox_errf(err, e, "%s: %s: %s (%s)", prefix, what, ox_errno_name(e), strerror(e));
	ox_load_memlock_hint(err);
	return -1;
}

/* Kernel object names: [A-Za-z0-9_.], at most 15 characters. */
void ox_load_kname(char dst[16], const char *a, const char *b)
{
	size_t n = 0;
	for (const char *p = a; *p && n < 15; p++)
		dst[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ? *p : '_');
	for (const char *p = b ? b : ""; *p && n < 15; p++)
		dst[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ? *p : '_');
	memset(dst + n, 0, 16 - n);
}
