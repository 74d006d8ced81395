/* SPDX-License-Identifier: ISC */
/* test_match.c - mx pattern matching (RFC 8461 §4.1, VECTORS F, STS-72..75)
 * and name normalisation (STS-05, VECTORS B15, I25). */
#include <string.h>

#include "tap.h"
#include "mtasts.h"
#include "base/domain.h"

struct mcase {
	const char *name, *pattern, *host;
	int match;
};

static const struct mcase cases[] = {
	{ "F01 exact", "a.example", "a.example", 1 },
	{ "F03 wildcard needs one label (STS-73)", "*.b.example", "b.example", 0 },
	{ "F05 unrelated", "a.example", "other", 0 },
	{ "F07 single-label name, exact", "lalala", "lalala", 1 },
	{ "F09 *.com over one label", "*.com", "abc.com", 1 },
	{ "F11 longer pattern", "x.abc.com", "abc.com", 0 },
	{ "F13 IDN U-label vs U-label", "\xc3\xb1" "aca.com", "\xc3\xb1" "aca.com", 1 },
	{ "F13 case folding of U-labels", "\xc3\xb1" "aca.com", "\xc3\x91" "aca.com", 1 },
	{ "F13 A-label vs U-label", "xn--aca-6ma.com", "\xc3\xb1" "aca.com", 1 },
	{ "F15 missing '*' never matches", ".aa.b.cc.com", "aa.b.cc.com", 0 },
	{ "F15 missing '*' never matches a subdomain", ".aa.b.cc.com", "zz.aa.b.cc.com", 0 },
	{ "F19 wildcard", "*.example.org", "mx0.example.org", 1 },
	{ "F21 wildcard does not span two labels", "*.example.org", "mx0.special.example.org", 0 },
	{ "F23 unrelated domain", "*.example.org", "unrelated.org", 0 },
	{ "F25 wildcard, provider", "*.mimecast.com", "service-alpha-inbound-a.mimecast.com", 1 },
	{ "F25 other TLD", "*.mimecast.com", "mimecast.net", 0 },
	{ "STS-72 case-insensitive", "MX.Example.COM", "mx.example.com", 1 },
	{ "STS-74 trailing dot on the host", "mx.example.com", "mx.example.com.", 1 },
	{ "STS-75 IP literal never matches", "mx.example.com", "[192.0.2.1]", 0 },
	{ "STS-75 leading dot never matches", "*.example.com", ".example.com", 0 },
	{ "STS-75 IDN A-label under a wildcard", "*.example.com", "xn--rger-koa.example.com", 1 },
	{ "partial wildcard is no wildcard", "mx*.example.com", "mx1.example.com", 0 },
	{ "'*' in the host is literal", "*.example.com", "*.example.com", 0 },
};

static void
test_match(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];

		is_int(mtasts_mx_match(c->pattern, c->host), c->match, "%s: %s vs %s",
		    c->name, c->pattern, c->host);
	}
}

static void
test_overlong(void)
{
	static char host[65536 + 8];

	memset(host, 'x', 65536);
	memcpy(host + 65536, "\xef\xbc\x80", 4);   /* U+FF00 */
	is_int(mtasts_mx_match("x.com", host), 0, "F17 overlong IDN host: no match, no crash");
	ok(mtasts_mx_match(NULL, "a") == 0 && mtasts_mx_match("a", NULL) == 0,
	    "NULL arguments never match");
}

static void
test_normalize(void)
{
	char out[MTS_DOMAIN_BUF], err[128], l63[64], big[300];

	ok(mts_domain_normalize("Good.LOC.", out, sizeof(out), err, sizeof(err)) == 0 &&
	    strcmp(out, "good.loc") == 0, "B15/I25 one trailing dot dropped, lowercased: %s", out);
	ok(mts_domain_normalize("good.loc..", out, sizeof(out), err, sizeof(err)) == -1,
	    "I25 only one trailing dot dropped (%s)", err);
	ok(mts_domain_normalize("", out, sizeof(out), err, sizeof(err)) == -1, "empty rejected");
	ok(mts_domain_normalize(".", out, sizeof(out), err, sizeof(err)) == -1, "'.' rejected");
	ok(mts_domain_normalize("[127.0.0.1]", out, sizeof(out), err, sizeof(err)) == -1,
	    "address literal rejected");
	ok(mts_domain_normalize("192.0.2.1", out, sizeof(out), err, sizeof(err)) == -1,
	    "bare IPv4 rejected");
	ok(mts_domain_normalize("b\xc3\xbc" "cher.example", out, sizeof(out), err, sizeof(err)) == 0 &&
	    strcmp(out, "xn--bcher-kva.example") == 0, "STS-05 U-label to A-label: %s", out);
	memset(l63, 'a', 63);
	l63[63] = '\0';
	snprintf(big, sizeof(big), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	ok(strlen(big) == 253 && mts_domain_normalize(big, out, sizeof(out), err,
	    sizeof(err)) == 0, "253 characters accepted");
	snprintf(big, sizeof(big), "%s.%s.%s.%.62s", l63, l63, l63, l63);
	ok(mts_domain_normalize(big, out, sizeof(out), err, sizeof(err)) == -1,
	    "254 characters rejected (%s)", err);
	snprintf(big, sizeof(big), "%sa.example", l63);
	ok(mts_domain_normalize(big, out, sizeof(out), err, sizeof(err)) == -1,
	    "label of 64 rejected");
	ok(mts_domain_normalize("-a.example", out, sizeof(out), err, sizeof(err)) == -1,
	    "leading hyphen rejected");
	ok(mts_domain_normalize("a b.example", out, sizeof(out), err, sizeof(err)) == -1,
	    "space rejected");
}

int
main(void)
{
	test_match();
	test_overlong();
	test_normalize();
	return done_testing();
}
