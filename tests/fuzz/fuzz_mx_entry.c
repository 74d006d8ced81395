/* SPDX-License-Identifier: ISC */
/* fuzz_mx_entry.c - libFuzzer target: the cached MX answer decoder
 * (sts/entry.c; the cache file is writable by the MTA user, so root
 * reads it as untrusted input), and re-encoding what it accepts, which
 * must decode again to the same answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mts_mx_entry m, m2;
	unsigned char *buf;
	size_t len, i;

	if (mts_mx_entry_decode(data, size, &m) != 0)
		return 0;
	if (m.n > MTS_DNS_MAX_RR || ((m.null_mx || m.unusable) && m.n != 0))
		abort();
	if (mts_mx_entry_encode(&m, &buf, &len) != 0)
		abort();                  /* what we read we can write */
	if (mts_mx_entry_decode(buf, len, &m2) != 0 || m2.n != m.n ||
	    m2.null_mx != m.null_mx || m2.unusable != m.unusable ||
	    m2.expires != m.expires)
		abort();
	for (i = 0; i < m.n; i++)
		if (m2.hosts[i].pref != m.hosts[i].pref ||
		    strcmp(m2.hosts[i].name, m.hosts[i].name) != 0)
			abort();
	free(buf);
	return 0;
}
