/* SPDX-License-Identifier: ISC */
/* test_dns_mx.c - MX RDATA decoding (RFC 1035 §3.3.9, RFC 7505), one row per
 * rule: a target whose labels hold a dot, a NUL or raw non-ASCII octets
 * is no host name and is never turned into another name (DESIGN 19). */
#include <string.h>

#include "tap.h"
#include "net/dns.h"
#include "base/domain.h"

struct mcase {
	const char *name;
	const char *rdata;     /* wire form, pref first */
	size_t len;
	int rc;                /* mts_dns_mx_rdata() */
	unsigned pref;
	const char *out;       /* the name string for rc 0 */
	int host;              /* 1 if mts_domain_normalize() then takes it */
};

#define R(s) s, sizeof(s) - 1

static const struct mcase cases[] = {
	{ "RFC 1035 §3.3.9 preference and exchange",
	  R("\x00\x0a\x03mx1\x07""example\x00"), 0, 10, "mx1.example", 1 },
	{ "RFC 1035 §2.3.3 case: any case on the wire, lowercased later",
	  R("\x00\x05\x03MX1\x07""Example\x00"), 0, 5, "MX1.Example", 1 },
	{ "RFC 7505 §3 null MX: exchange \".\"", R("\x00\x00\x00"), 0, 0, "", 0 },
	/* evil\.x.test: the label "evil.x" must not read as evil.x.test */
	{ "DESIGN 19 a dot inside a label is no host name",
	  R("\x00\x0a\x06""evil.x\x04test\x00"), 1, 10, "", 0 },
	{ "DESIGN 19 a NUL inside a label is no host name",
	  R("\x00\x0a\x06mx\x00""bad\x04test\x00"), 1, 10, "", 0 },
	{ "DESIGN 19 raw non-ASCII octets are no host name (not a U-label)",
	  R("\x00\x0a\x04\xc3\xa9mx\x04test\x00"), 1, 10, "", 0 },
	{ "DESIGN 19 an octet 0x80 alone", R("\x00\x0a\x01\x80\x04test\x00"), 1, 10, "", 0 },
	{ "RFC 5321 §2.3.5 a non-LDH ASCII label decodes, then is refused",
	  R("\x00\x0a\x04_bad\x04test\x00"), 0, 10, "_bad.test", 0 },
	{ "RFC 5321 §2.3.5 a backslash is just another non-LDH byte",
	  R("\x00\x0a\x04""a\\bc\x04test\x00"), 0, 10, "a\\bc.test", 0 },
	{ "A-label target", R("\x00\x01\x0cxn--rger-koa\x04test\x00"), 0, 1,
	  "xn--rger-koa.test", 1 },
	{ "malformed: label runs past the RDATA", R("\x00\x0a\x09mx\x00"), -1, 10, NULL, 0 },
	{ "malformed: no root label", R("\x00\x0a\x02mx"), -1, 10, NULL, 0 },
	{ "malformed: compression pointer (not allowed here)",
	  R("\x00\x0a\xc0\x0c"), -1, 10, NULL, 0 },
	{ "malformed: bytes after the root label", R("\x00\x0a\x00\x00"), -1, 10, NULL, 0 },
	{ "malformed: too short", R("\x00\x0a"), -1, 0, NULL, 0 },
};

int
main(void)
{
	char name[MTS_DOMAIN_BUF + 2], norm[MTS_DOMAIN_BUF], err[128];
	unsigned pref;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		int rc, host;

		memset(name, 'Z', sizeof(name));
		pref = 99;
		rc = mts_dns_mx_rdata((const unsigned char *)c->rdata, c->len,
		    &pref, name, sizeof(name));
		is_int(rc, c->rc, "%s: rc", c->name);
		if (rc < 0)
			continue;
		is_int(pref, c->pref, "%s: preference", c->name);
		is_str(name, c->out, "%s: name", c->name);
		host = rc == 0 && name[0] != '\0' && mts_domain_normalize(name,
		    norm, sizeof(norm), err, sizeof(err)) == 0;
		is_int(host, c->host, "%s: %s", c->name, host ? "a host name" :
		    "no host name");
	}
	/* A name that fills the buffer exactly is refused, not cut. */
	ok(mts_dns_mx_rdata((const unsigned char *)"\x00\x01\x03mx1\x00", 7,
	    &pref, name, 4) == -1, "a name longer than the buffer is refused");
	return done_testing();
}
