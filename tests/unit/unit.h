/* unit.h - the checks of the C unit tests (tests/unit/test_*.c): one line
 * per check, "ok N what" or "not ok N what: got ..., want ... (file:line)",
 * then "N checks, M failed". unit_done() returns the exit status: 1 when a
 * check failed. tests/unit/unit_spec.lua runs each binary and reads those lines. */
#ifndef OXLUA_TEST_UNIT_H
#define OXLUA_TEST_UNIT_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int unit_checks, unit_failed;

static inline int unit_report(int ok, const char *what, const char *detail, const char *file, int line)
{
	unit_checks++;
	if (ok) {
		printf("ok %d %s\n", unit_checks, what);
	} else {
		unit_failed++;
		printf("not ok %d %s%s%s (%s:%d)\n", unit_checks, what, *detail ? ": " : "", detail,
		       file, line);
	}
	return ok;
}

static inline int unit_true(int ok, const char *what, const char *file, int line)
{
	return unit_report(ok, what, "", file, line);
}

static inline int unit_int(int64_t got, int64_t want, const char *what, const char *file, int line)
{
	char d[128];
	snprintf(d, sizeof d, "got %" PRId64 ", want %" PRId64, got, want);
	return unit_report(got == want, what, d, file, line);
}

/* what: the expression; the line shows the string wanted. */
static inline int unit_str(const char *got, const char *want, const char *what, const char *file, int line)
{
	char w[1200], d[1200];
	got = got ? got : "(null)";
	snprintf(w, sizeof w, "%s is \"%s\"", what, want);
	snprintf(d, sizeof d, "got \"%s\"", got);
	return unit_report(strcmp(got, want) == 0, w, d, file, line);
}

static inline int unit_done(void)
{
	printf("%d checks, %d failed\n", unit_checks, unit_failed);
	return unit_failed ? 1 : 0;
}

/* CHECK(cond); CHECK_INT(got, want); CHECK_STR(got, want): each prints its
 * line and returns whether it held. The "what" is the expression. */
#define CHECK(cond) unit_true(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_INT(got, want) unit_int((int64_t)(got), (int64_t)(want), #got " == " #want, \
				      __FILE__, __LINE__)
#define CHECK_STR(got, want) unit_str((got), (want), #got, __FILE__, __LINE__)
/* The same with a description of one's own (a loop's current item). */
#define CHECK_INT_AS(what, got, want) unit_int((int64_t)(got), (int64_t)(want), (what), \
					       __FILE__, __LINE__)
#define CHECK_AS(what, cond) unit_true(!!(cond), (what), __FILE__, __LINE__)

#endif
