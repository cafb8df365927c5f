/* common.c - error formatting (with what privilege an EPERM lacked) and debug
 * logging for the engine. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* The effective capability set (CapEff of /proc/self/status); 0 if unknown. */
static int effective_caps(unsigned long long *caps)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f))
		found = sscanf(line, "CapEff: %llx", caps) == 1;
	fclose(f);
	return found;
}

/* An EPERM from a process that lacks a capability BPF needs: say which. */
static void privilege_hint(struct ox_err *e)
{
	static const struct { int bit; const char *name; } needed[] = {
		{ 39, "CAP_BPF" }, { 38, "CAP_PERFMON" }, { 12, "CAP_NET_ADMIN" },
	};
	unsigned long long caps;
	char missing[128] = "";
	size_t n = strlen(e->msg);
	if (!effective_caps(&caps) || caps & (1ull << 21))	/* CAP_SYS_ADMIN allows all */
		return;
	for (size_t i = 0; i < sizeof needed / sizeof *needed; i++)
		if (!(caps & (1ull << needed[i].bit)))
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s, ",
				 needed[i].name);
	if (!missing[0])
		return;
	snprintf(e->msg + n, sizeof e->msg - n, " (this process lacks %sCAP_SYS_ADMIN: BPF maps "
		 "and programs need CAP_BPF, tracing and perf events also CAP_PERFMON, network "
		 "attachments CAP_NET_ADMIN; or CAP_SYS_ADMIN, as root has)", missing);
}

int ox_errf(struct ox_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	if (!e)
		return -1;
	e->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (errnum == EPERM)
		privilege_hint(e);
	return -1;
}

int ox_errprefix(struct ox_err *e, const char *fmt, ...)
{
	char old[OX_ERR_MAX];
	size_t n;
	va_list ap;
	if (!e)
		return -1;
	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n + 2 < sizeof e->msg) {
		memcpy(e->msg + n, ": ", 3);
		n += 2;
		memcpy(e->msg + n, old, strnlen(old, sizeof e->msg - n - 1));
		e->msg[n + strnlen(old, sizeof e->msg - n - 1)] = 0;
	}
	return -1;
}

int ox_log_enabled(void)
{
	/* Read the environment each time: cheap, and keeps no global state. */
	const char *v = getenv("OXLUA_LOG");
	return v && (strcmp(v, "debug") == 0 || strcmp(v, "trace") == 0);
}

void ox_log(const char *fmt, ...)
{
	va_list ap;
	if (!ox_log_enabled())
		return;
	fputs("oxlua: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ox_warn(const char *fmt, ...)
{
	va_list ap;
	const char *v = getenv("OXLUA_LOG");
	if (v && strcmp(v, "quiet") == 0)
		return;
	fputs("oxlua: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ox_read_file(const char *path, struct ox_blob *out, struct ox_err *err)
{
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	out->data = NULL;
	out->size = 0;
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st))
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ox_errf(err, EINVAL, "%s: not a regular file", path);
	}
	if (st.st_size > OX_MAX_OBJECT_SIZE) {
		close(fd);
		return ox_errf(err, EFBIG, "%s: %lld bytes, larger than the %u byte limit", path,
			       (long long)st.st_size, OX_MAX_OBJECT_SIZE);
	}
	if (!(out->data = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		close(fd);
		return ox_errf(err, ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, out->data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	out->size = got;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(out->data);
	out->data = NULL;
	return ox_errf(err, e, "%s: %s: %s", path, ox_errno_name(e), strerror(e));
}
