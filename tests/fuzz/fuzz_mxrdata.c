/* SPDX-License-Identifier: ISC */
/* fuzz_mxrdata.c - libFuzzer target: MX and TXT RDATA decoding (untrusted
 * DNS data), and what becomes of a decoded MX name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns.h"
#include "base/domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The wire form of a presentation name without escapes: it must give
 * back the RDATA's exchange byte for byte (DESIGN 19: never another
 * name). */
static void
same_wire(const char *name, const uint8_t *wire, size_t len)
{
	uint8_t buf[MTS_DOMAIN_BUF + 16];
	size_t o = 0, start = 0, i, n = strlen(name);

	for (i = 0; i <= n; i++) {
		if (i < n && name[i] != '.')
			continue;
		buf[o++] = (uint8_t)(i - start);
		memcpy(buf + o, name + start, i - start);
		o += i - start;
		start = i + 1;
	}
	buf[o++] = 0;
	if (o != len || memcmp(buf, wire, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[MTS_DOMAIN_BUF + 2], norm[MTS_DOMAIN_BUF], err[64], *txt;
	unsigned pref;
	size_t len;

	if (mts_dns_mx_rdata(data, size, &pref, name, sizeof(name)) == 0 &&
	    name[0] != '\0') {
		same_wire(name, data + 2, size - 2);
		(void)mts_domain_normalize(name, norm, sizeof(norm), err,
		    sizeof(err));
	}
	if (mts_dns_txt_rdata(data, size, &txt, &len) == 0)
		free(txt);
	return 0;
}
