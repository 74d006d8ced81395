/* SPDX-License-Identifier: ISC */
/* fuzz_smtp_reply.c - libFuzzer target: the SMTP reply reader of
 * net/tlsprobe.c (bytes from any host `mtasts audit` probes). */
#include <stdint.h>
#include <stdlib.h>

#include "net/tlsprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t used = 0, off = 0;
	int tls = 0, code;

	/* Read replies one after the other, as the probe does. */
	while (off < size && (code = mts_smtp_reply_scan((const char *)data + off,
	    size - off, &used, &tls)) > 0) {
		if (used == 0 || used > size - off || code > 999)
			abort();
		off += used;
	}
	return 0;
}
