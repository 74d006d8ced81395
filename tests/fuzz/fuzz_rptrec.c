/* SPDX-License-Identifier: ISC */
/* fuzz_rptrec.c - libFuzzer target: the _smtp._tls TLSRPT TXT record
 * parser and the RRset selection (untrusted DNS data). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt/tlsrpt_txt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mts_rptrec r;     /* 8 KiB: off the fuzzer's stack */
	char err[128], *recs[4];
	size_t lens[4], n = 0, start = 0, i;

	(void)mts_rptrec_parse((const char *)data, size, &r, err, sizeof(err));
	/* NUL bytes split the input into the records of one RRset. */
	for (i = 0; i <= size && n < 4; i++)
		if (i == size || data[i] == 0) {
			recs[n] = (char *)data + start;
			lens[n++] = i - start;
			start = i + 1;
		}
	(void)mts_rptrec_select(recs, lens, n, &r, NULL, err, sizeof(err));
	return 0;
}
