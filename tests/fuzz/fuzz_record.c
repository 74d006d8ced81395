/* SPDX-License-Identifier: ISC */
/* fuzz_record.c - libFuzzer target: the cache record decoder (a cache
 * file anyone with write access could damage), and re-encoding what it
 * accepts, which must decode again. */
#include <stdint.h>
#include <stdlib.h>

#include "sts/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mts_entry e, e2;
	unsigned char *buf;
	size_t len;

	if (mts_record_decode(data, size, &e) != 0)
		return 0;
	if (mts_record_encode(&e, &buf, &len) == 0) {
		if (mts_record_decode(buf, len, &e2) != 0)
			abort();          /* what we write we must read */
		mts_entry_clear(&e2);
		free(buf);
	}
	mts_entry_clear(&e);
	return 0;
}
