/* SPDX-License-Identifier: ISC */
/* fuzz_filter_probe.c - libFuzzer target: the filter's SMTP reply
 * reader (adapters/opensmtpd/filter/probe.c), fed the bytes of any MX
 * host byte by byte, as the probe reads them. */
#include <stdint.h>
#include <stdlib.h>

#include "filter/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_reply st;
	size_t i;
	int rc;

	probe_reply_init(&st);
	for (i = 0; i < size; i++) {
		rc = probe_reply_feed(&st, (char)data[i]);
		if (rc < -1 || (rc > 0 && (rc < 200 || rc > 599)))
			abort();
		if (st.n >= sizeof(st.line))
			abort();
		if (rc != 0)
			probe_reply_init(&st);
	}
	return 0;
}
