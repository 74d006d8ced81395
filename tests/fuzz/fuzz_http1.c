/* SPDX-License-Identifier: ISC */
/* fuzz_http1.c - libFuzzer target: the policy fetch's HTTP/1.1 response
 * reader (net/http1.c), fed what a hostile policy host sends (untrusted
 * network data), in pieces cut where the first byte says, then closed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t got;

static int
sink(void *arg, const char *p, size_t n)
{
	(void)arg;
	(void)p;
	if (n > 65536 - got)
		return -1;
	got += n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mts_http1 h;
	size_t step, off = 0, n;
	int rc = 0;

	if (size == 0)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	size--;
	got = 0;
	mts_http1_init(&h, sink, NULL);
	while (off < size && rc == 0) {
		n = size - off < step ? size - off : step;
		rc = mts_http1_feed(&h, (const char *)data + off, n);
		off += n;
	}
	if (rc == 0)
		(void)mts_http1_eof(&h);
	if (h.have_ctype && strlen(h.ctype) >= sizeof(h.ctype))
		abort();
	return 0;
}
