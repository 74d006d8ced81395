/* SPDX-License-Identifier: ISC */
/* tap.h - a tiny TAP producer for the unit tests; prove reads the output.
 * Header-only so each test file is one program. */
#ifndef MTS_TAP_H
#define MTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3)))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

/* String equality; on failure prints both sides as a TAP diagnostic. */
#define is_str(got, want, ...) do {                                     \
	const char *g_ = (got), *w_ = (want);                           \
	if (!tap_ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__))      \
		printf("#   got: '%s'\n#  want: '%s'\n",                    \
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                \
} while (0)

#define is_int(got, want, ...) do {                                     \
	long long g_ = (long long)(got), w_ = (long long)(want);        \
	if (!tap_ok(g_ == w_, __VA_ARGS__))                             \
		printf("#   got: %lld\n#  want: %lld\n", g_, w_);           \
} while (0)

static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
