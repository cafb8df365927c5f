/* common.c - error formatting and debug logging for the engine. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int ox_errf(struct ox_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	if (!e)
		return -1;
	e->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
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
