/* common.c - error formatting and debug logging for the engine. */
#include <errno.h>
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
