/* SPDX-License-Identifier: ISC */
/* fuzz_dnspkt.c - libFuzzer target: DNS reply packets for the event
 * resolver (net/dns_pkt.c), the records an attacker's authoritative
 * server chose. The first byte picks the question type; what comes out
 * must stay inside the buffer, and an MX exchange must come out as the
 * uncompressed name that mts_dns_mx_rdata takes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned types[4] = { 1, 15, 16, 28 };
	char name[MTS_DOMAIN_BUF + 2], *txt;
	struct mts_dns_pkt a;
	unsigned qtype, pref;
	size_t i, len;

	if (size < 1)
		return 0;
	qtype = types[data[0] & 3];
	a.bufsz = MTS_DNS_PKT_BUF(size - 1);
	if ((a.buf = malloc(a.bufsz)) == NULL)
		return 0;
	if (mts_dns_pkt_parse(data + 1, size - 1, qtype, &a) == 0) {
		if (a.n > MTS_DNS_MAX_RR || a.used > a.bufsz)
			abort();
		for (i = 0; i < a.n; i++) {
			if (a.off[i] + a.rdlen[i] > a.used)
				abort();
			if (qtype == 15 && mts_dns_mx_rdata(a.buf + a.off[i],
			    a.rdlen[i], &pref, name, sizeof(name)) < 0)
				abort();
			if (qtype == 16 && mts_dns_txt_rdata(a.buf + a.off[i],
			    a.rdlen[i], &txt, &len) == 0)
				free(txt);
		}
	}
	free(a.buf);
	return 0;
}
