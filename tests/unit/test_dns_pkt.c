/* SPDX-License-Identifier: ISC */
/* test_dns_pkt.c - the reply-packet parser of the event resolver (RFC 1035
 * §4.1), one row per rule: records of the asked type and class only, the
 * smallest TTL, the negative TTL from the SOA (RFC 2308 §5), MX exchanges
 * decompressed, and every malformed packet refused whole. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "net/dns_pkt.h"

/* Header: id 0, QR|RD|RA, rcode; counts. */
#define HDR(rc, an, ns) "\x00\x00\x81" rc "\x00\x01" "\x00" an "\x00" ns "\x00\x00"
/* Question: a.test TYPE IN */
#define Q(t) "\x01""a\x04test\x00" "\x00" t "\x00\x01"
#define PTR "\xc0\x0c"                      /* the question's name */
#define RR(t, ttl, rdlen) PTR "\x00" t "\x00\x01" ttl "\x00" rdlen
#define TTL60 "\x00\x00\x00\x3c"
#define TTL30 "\x00\x00\x00\x1e"

struct pcase {
	const char *name;
	const char *pkt;
	size_t len;
	unsigned qtype;
	int rc;               /* mts_dns_pkt_parse */
	int rcode;
	size_t n;
	unsigned ttl;
	const char *rd0;      /* first RDATA, or NULL */
	size_t rd0len;
};

#define P(s) s, sizeof(s) - 1
#define D(s) s, sizeof(s) - 1

static const struct pcase cases[] = {
	{ "RFC 1035 §4.1 one A record", P(HDR("\x80", "\x01", "\x00") Q("\x01")
	  RR("\x01", TTL60, "\x04") "\x0a\x00\x00\x01"), 1, 0, 0, 1, 60,
	  D("\x0a\x00\x00\x01") },
	{ "RFC 1035 §4.1 two A records: the smaller TTL",
	  P(HDR("\x80", "\x02", "\x00") Q("\x01")
	  RR("\x01", TTL60, "\x04") "\x0a\x00\x00\x01"
	  RR("\x01", TTL30, "\x04") "\x0a\x00\x00\x02"), 1, 0, 0, 2, 30,
	  D("\x0a\x00\x00\x01") },
	{ "STS-17 (RFC 8461 §3.1) a CNAME before the records is skipped",
	  P(HDR("\x80", "\x02", "\x00") Q("\x10")
	  RR("\x05", TTL60, "\x04") "\x01""b" PTR
	  "\x01""b" PTR "\x00\x10\x00\x01" TTL30 "\x00\x05" "\x04v=ST"),
	  16, 0, 0, 1, 30, D("\x04v=ST") },
	{ "RFC 1035 §3.2.4 another class is not ours",
	  P(HDR("\x80", "\x01", "\x00") Q("\x01")
	  PTR "\x00\x01\x00\x03" TTL60 "\x00\x04" "\x0a\x00\x00\x01"),
	  1, 0, 0, 0, 0, NULL, 0 },
	{ "RFC 2181 §8 a TTL with the top bit set is 0",
	  P(HDR("\x80", "\x01", "\x00") Q("\x01")
	  RR("\x01", "\x80\x00\x00\x01", "\x04") "\x0a\x00\x00\x01"),
	  1, 0, 0, 1, 0, D("\x0a\x00\x00\x01") },
	{ "RFC 2308 §5 NODATA: TTL is min(SOA TTL, MINIMUM)",
	  P(HDR("\x80", "\x00", "\x01") Q("\x10")
	  RR("\x06", TTL60, "\x16") "\x00\x00" "\x00\x00\x00\x01"
	  "\x00\x00\x00\x02" "\x00\x00\x00\x03" "\x00\x00\x00\x04"
	  "\x00\x00\x00\x1e"), 16, 0, 0, 0, 30, NULL, 0 },
	{ "RFC 1035 §4.1.1 NXDOMAIN rcode kept", P(HDR("\x83", "\x00", "\x00")
	  Q("\x10")), 16, 0, 3, 0, 0, NULL, 0 },
	{ "RFC 1035 §4.1.4 MX exchange decompressed for mts_dns_mx_rdata",
	  P(HDR("\x80", "\x01", "\x00") Q("\x0f")
	  RR("\x0f", TTL60, "\x07") "\x00\x0a" "\x02mx" PTR),
	  15, 0, 0, 1, 60, D("\x00\x0a\x02mx\x01""a\x04test\x00") },
	{ "malformed: shorter than a header", P("\x00\x00\x81\x80\x00"), 1, -1,
	  0, 0, 0, NULL, 0 },
	{ "malformed: a query, not a reply (QR clear)",
	  P("\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" Q("\x01")),
	  1, -1, 0, 0, 0, NULL, 0 },
	{ "malformed: the question is of another type",
	  P(HDR("\x80", "\x00", "\x00") Q("\x1c")), 1, -1, 0, 0, 0, NULL, 0 },
	{ "malformed: RDATA runs past the packet",
	  P(HDR("\x80", "\x01", "\x00") Q("\x01") RR("\x01", TTL60, "\x08")
	  "\x0a\x00\x00\x01"), 1, -1, 0, 0, 0, NULL, 0 },
	{ "malformed: fewer records than the header counts",
	  P(HDR("\x80", "\x02", "\x00") Q("\x01") RR("\x01", TTL60, "\x04")
	  "\x0a\x00\x00\x01"), 1, -1, 0, 0, 0, NULL, 0 },
	{ "malformed: a pointer to itself (a loop)",
	  P(HDR("\x80", "\x01", "\x00") Q("\x01") "\xc0\x1c\x00\x01\x00\x01"
	  TTL60 "\x00\x04" "\x0a\x00\x00\x01"), 1, -1, 0, 0, 0, NULL, 0 },
	{ "malformed: a pointer forward", P(HDR("\x80", "\x01", "\x00")
	  Q("\x01") "\xc0\x30\x00\x01\x00\x01" TTL60 "\x00\x04"
	  "\x0a\x00\x00\x01"), 1, -1, 0, 0, 0, NULL, 0 },
	{ "malformed: label type 0x40 (RFC 6891 extended)",
	  P(HDR("\x80", "\x00", "\x00") "\x41""a\x00\x00\x01\x00\x01"), 1, -1,
	  0, 0, 0, NULL, 0 },
	{ "malformed: label runs past the packet",
	  P(HDR("\x80", "\x00", "\x00") "\x3f""abc"), 1, -1, 0, 0, 0, NULL, 0 },
	{ "malformed: MX exchange not filling its RDATA",
	  P(HDR("\x80", "\x01", "\x00") Q("\x0f") RR("\x0f", TTL60, "\x08")
	  "\x00\x0a" "\x02mx" PTR "\x00"), 15, -1, 0, 0, 0, NULL, 0 },
};

/* A name of 128 one-byte labels is over 255 bytes (RFC 1035 §3.1). */
static void
long_name(void)
{
	unsigned char pkt[512], buf[MTS_DNS_PKT_BUF(512)];
	struct mts_dns_pkt a;
	size_t o = 0, i;

	memcpy(pkt, "\x00\x00\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	o = 12;
	for (i = 0; i < 128; i++) {
		pkt[o++] = 1;
		pkt[o++] = 'a';
	}
	pkt[o++] = 0;
	memcpy(pkt + o, "\x00\x01\x00\x01", 4);
	o += 4;
	a.buf = buf;
	a.bufsz = sizeof(buf);
	is_int(mts_dns_pkt_parse(pkt, o, 1, &a), -1,
	    "RFC 1035 §3.1 malformed: a name over 255 bytes");
}

int
main(void)
{
	struct mts_dns_pkt a;
	unsigned char *buf;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		int rc;

		a.bufsz = MTS_DNS_PKT_BUF(c->len);
		if ((buf = malloc(a.bufsz)) == NULL)
			return 1;
		a.buf = buf;
		rc = mts_dns_pkt_parse((const unsigned char *)c->pkt, c->len,
		    c->qtype, &a);
		is_int(rc, c->rc, "%s: result", c->name);
		if (rc == 0) {
			is_int(a.rcode, c->rcode, "%s: rcode", c->name);
			is_int(a.n, c->n, "%s: records", c->name);
			is_int(a.ttl, c->ttl, "%s: TTL", c->name);
			if (c->rd0 != NULL)
				ok(a.n > 0 && a.rdlen[0] == c->rd0len &&
				    memcmp(a.buf + a.off[0], c->rd0,
				    c->rd0len) == 0, "%s: RDATA", c->name);
		}
		free(buf);
	}
	long_name();
	return done_testing();
}
