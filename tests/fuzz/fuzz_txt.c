/* SPDX-License-Identifier: ISC */
/* fuzz_txt.c - libFuzzer target: the _mta-sts TXT record parser and the
 * RRset selection (untrusted DNS data). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts/sts_txt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mts_txt t;
	char err[128], *recs[4];
	size_t lens[4], n = 0, start = 0, i;

	(void)mts_txt_parse((const char *)data, size, &t, err, sizeof(err));
	/* NUL bytes split the input into the records of one RRset. */
	for (i = 0; i <= size && n < 4; i++)
		if (i == size || data[i] == 0) {
			recs[n] = (char *)data + start;
			lens[n++] = i - start;
			start = i + 1;
		}
	(void)mts_txt_select(recs, lens, n, &t, NULL, err, sizeof(err));
	return 0;
}
