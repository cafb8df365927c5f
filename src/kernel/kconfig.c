/* kconfig.c - the running kernel's configuration and version (.kconfig).
 *
 * A config is read whole (zlib reads plain files as they are), split in
 * place into names and values, and kept sorted for binary search.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "kernel/kconfig.h"

#define KCONFIG_MAX (8u << 20)	/* real configs are a few hundred KiB */

struct entry {
	const char *name;	/* "CONFIG_FOO" */
	const char *value;	/* raw text after '=', NULL for "is not set" */
};

struct ox_kconfig {
	char *text;		/* the file; names and values point into it */
	struct entry *v;	/* sorted by name, one entry per name */
	size_t n;
};

/* Why reading f failed: an errno value, 0 for bad data, and a reason. */
static int gzfailure(gzFile f, const char **why)
{
	int zerr = Z_OK;

	gzerror(f, &zerr);
	switch (zerr) {
	case Z_ERRNO: *why = strerror(errno); return errno;
	case Z_MEM_ERROR: *why = strerror(ENOMEM); return ENOMEM;
	case Z_BUF_ERROR: *why = "truncated gzip data"; return 0;
	default: *why = "corrupt gzip data"; return 0;
	}
}

/* The whole file at path, decompressed when it is gzip, NUL-terminated.
 * NULL with *errnum (0 for bad data) and a reason on failure. */
static char *slurp(const char *path, size_t *len, int *errnum, const char **why)
{
	gzFile f;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int r, zerr = Z_OK;

	errno = 0;
	if ((f = gzopen(path, "rbe")) == NULL) {
		*errnum = errno ? errno : ENOMEM;
		*why = strerror(*errnum);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *nb;

			if (cap >= KCONFIG_MAX) {
				*errnum = EFBIG, *why = "larger than 8 MiB";
				goto fail;
			}
			cap = cap ? 2 * cap : 64 << 10;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				*errnum = ENOMEM, *why = strerror(ENOMEM);
				goto fail;
			}
			buf = nb;
		}
		if ((r = gzread(f, buf + n, (unsigned)(cap - n))) <= 0)
			break;
		n += (size_t)r;
	}
	gzerror(f, &zerr);
	if (r < 0 || zerr != Z_OK) {
		*errnum = gzfailure(f, why);
		goto fail;
	}
	gzclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	gzclose(f);
	free(buf);
	return NULL;
}

static size_t name_len(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	return (size_t)(p - s);
}

/* One line, [s, end) with the '\n' (or the final NUL) at end. Returns 1 and
 * fills *e for "CONFIG_X=value" and "# CONFIG_X is not set", 0 otherwise. */
static int parse_line(char *s, char *end, struct entry *e)
{
	static const char unset[] = " is not set";
	size_t n;

	if (end > s && end[-1] == '\r')
		end--;
	if (memchr(s, '\0', (size_t)(end - s)) != NULL)
		return 0;
	if (*s == '#') {
		if (strncmp(s, "# CONFIG_", 9) != 0)
			return 0;
		s += 2;
		n = name_len(s, end);
		if (n <= 7 || (size_t)(end - s) - n != sizeof(unset) - 1 ||
		    memcmp(s + n, unset, sizeof(unset) - 1) != 0)
			return 0;
		s[n] = '\0';
		e->name = s, e->value = NULL;
		return 1;
	}
	if (strncmp(s, "CONFIG_", 7) != 0)
		return 0;
	n = name_len(s, end);
	if (n <= 7 || s + n == end || s[n] != '=')
		return 0;
	s[n] = '\0';
	*end = '\0';
	e->name = s, e->value = s + n + 1;
	return 1;
}

/* Same names sort in file order, so the last assignment is the last one. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->name < y->name ? -1 : x->name > y->name;
}

static int parse(struct ox_kconfig *kc, char *text, size_t len)
{
	char *s = text, *end = text + len;
	size_t cap = 0, i, n = 0;

	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		struct entry e;

		if (nl == NULL)
			nl = end;
		if (parse_line(s, nl, &e)) {
			if (n == cap) {
				struct entry *nv;

				cap = cap ? 2 * cap : 1024;
				nv = realloc(kc->v, cap * sizeof(*nv));
				if (nv == NULL)
					return -1;
				kc->v = nv;
			}
			kc->v[n++] = e;
		}
		s = nl + 1;
	}
	if (n > 0)
		qsort(kc->v, n, sizeof(*kc->v), cmp_entry);
	for (i = 0, kc->n = 0; i < n; i++)
		if (i + 1 == n || strcmp(kc->v[i].name, kc->v[i + 1].name) != 0)
			kc->v[kc->n++] = kc->v[i];
	return 0;
}

struct ox_kconfig *ox_kconfig_load(const char *path, struct ox_err *err)
{
	struct ox_kconfig *kc;
	const char *why = NULL, *why2 = NULL;
	char boot[128], *text;
	size_t len = 0;
	int e = 0, e2 = 0;

	if (path != NULL) {
		if ((text = slurp(path, &len, &e, &why)) == NULL) {
			if (err)
				ox_errf(err, e, "%s: %s", path, why);
			return NULL;
		}
	} else if ((text = slurp("/proc/config.gz", &len, &e, &why)) == NULL) {
		struct utsname u;

		if (uname(&u) != 0)
			strcpy(u.release, "unknown");
		snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
		if ((text = slurp(boot, &len, &e2, &why2)) == NULL) {
			if (err)
				ox_errf(err, e2, "no kernel config: /proc/config.gz: "
					"%s; %s: %s", why, boot, why2);
			return NULL;
		}
	}
	kc = calloc(1, sizeof(*kc));
	if (kc == NULL || parse(kc, text, len) != 0) {
		if (kc)
			free(kc->v);
		free(kc);
		free(text);
		if (err)
			ox_errf(err, ENOMEM, "kernel config: %s", strerror(ENOMEM));
		return NULL;
	}
	kc->text = text;
	return kc;
}

void ox_kconfig_free(struct ox_kconfig *kc)
{
	if (kc == NULL)
		return;
	free(kc->v);
	free(kc->text);
	free(kc);
}

const char *ox_kconfig_get(const struct ox_kconfig *kc, const char *name)
{
	size_t lo = 0, hi;

	if (kc == NULL || name == NULL)
		return NULL;
	for (hi = kc->n; lo < hi; ) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, kc->v[mid].name);

		if (c == 0)
			return kc->v[mid].value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* KERNEL_VERSION(a, b, c) with c clamped to 255, from text starting "A.B"
 * or "A.B.C" ("6.18.44-fc-v657", "4.19.260-1 (2022-09-29)"); 0 otherwise. */
static uint32_t parse_version(const char *s)
{
	unsigned long v[3] = { 0, 0, 0 };
	int i;

	for (i = 0; i < 3; i++) {
		char *end;

		if (!isdigit((unsigned char)*s))
			break;
		v[i] = strtoul(s, &end, 10);
		s = end;
		if (*s != '.' || i == 2) {
			i++;
			break;
		}
		s++;
	}
	if (i < 2 || v[0] > 255 || v[1] > 255)
		return 0;
	return (uint32_t)(v[0] << 16 | v[1] << 8 | (v[2] > 255 ? 255 : v[2]));
}

/* Ubuntu's /proc/version_signature: "Ubuntu 5.4.0-104.118-generic 5.4.174",
 * the third field is the upstream version the kernel was built from. */
static uint32_t ubuntu_version(const char *sig)
{
	int field;

	for (field = 0; field < 2; field++) {
		sig += strspn(sig, " \t");
		sig += strcspn(sig, " \t\n");
	}
	return parse_version(sig + strspn(sig, " \t"));
}

/* Debian's uname version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.123-1 (...)". */
static uint32_t debian_version(const char *uts_version)
{
	const char *p = strstr(uts_version, "Debian ");

	return p ? parse_version(p + 7) : 0;
}

uint32_t ox_kernel_version(void)
{
	struct utsname u;
	uint32_t v = 0;
	char line[256];
	FILE *f;

	if ((f = fopen("/proc/version_signature", "re")) != NULL) {
		if (fgets(line, sizeof(line), f) != NULL)
			v = ubuntu_version(line);
		fclose(f);
		if (v != 0)
			return v;
	}
	if (uname(&u) != 0)
		return 0;
	if ((v = debian_version(u.version)) != 0)
		return v;
	return parse_version(u.release);
}
