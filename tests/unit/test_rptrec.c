/* SPDX-License-Identifier: ISC */
/* test_rptrec.c - the _smtp._tls TLSRPT TXT record parser and RRset
 * selection, one case per rule (RFC 8460 §3; VECTORS H; RPT-03 (RFC 8460 §3)..05). */
#include <string.h>

#include "tap.h"
#include "tlsrpt/tlsrpt_txt.h"

struct tcase {
	const char *name;
	const char *rec;
	int valid;
	size_t n, skipped;
	const char *uris;      /* the kept URIs, joined by ' ' */
	const char *addrs;     /* their addr fields, joined by ' ' */
};

#define BAD(name, rec) { name, rec, 0, 0, 0, NULL, NULL }
/* A valid URI that cannot take a report: skipped, the record valid (RFC
 * 8460 §3: "Parsers MUST accept TXT records that are syntactically
 * valid"), and with no other URI, no report is sent. */
#define SKIP(name, rec) { name, rec, 1, 0, 1, "", "" }
#define M(x) "mailto:" x "@r.example"

static const struct tcase cases[] = {
	{ "H01 mox example", "v=TLSRPTv1; rua=mailto:tlsrpt@mox.example;", 1, 1, 0,
	  "mailto:tlsrpt@mox.example", "tlsrpt@mox.example" },
	{ "H03 unknown extension ignored (RPT-05, RFC 8460 §3)",
	  "v=TLSRPTv1; rua=mailto:tlsrpt@mox.example; ext=yes", 1, 1, 0,
	  "mailto:tlsrpt@mox.example", "tlsrpt@mox.example" },
	BAD("H05a v=TLSRPTv0", "v=TLSRPTv0"),
	BAD("H05b v=TLSRPTv10", "v=TLSRPTv10"),
	BAD("H05c v=TLSRPTv2", "v=TLSRPTv2"),
	BAD("H05d v=TLSRPTv10 even with a rua", "v=TLSRPTv10; rua=mailto:a@b.example"),
	BAD("H07 empty rua", "v=TLSRPTv1; rua="),
	BAD("H09 rua of empty URIs", "v=TLSRPTv1; rua=,, ,"),
	BAD("H11 extra ';' (empty field)", "v=TLSRPTv1; rua=mailto:x@x.example;;"),
	BAD("H13 bad percent-encoding", "v=TLSRPTv1; rua=http://bad/%"),
	{ "RFC 8460 §3.1.2 example (the two strings joined)",
	  "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", 1, 1, 0,
	  "https://reporting.example.com/v1/tlsrpt",
	  "https://reporting.example.com/v1/tlsrpt" },
	{ "H15 https (RFC 8460 §3.1.2)",
	  "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", 1, 1, 0,
	  "https://reporting.example.com/v1/tlsrpt",
	  "https://reporting.example.com/v1/tlsrpt" },
	{ "H17 three URIs, port, trailing ';'",
	  "v=TLSRPTv1;rua=mailto:reports@example.com,mailto:hostmaster@example.com,"
	  "https://reportbot.example.com:12345/tlsrpt;", 1, 3, 0,
	  "mailto:reports@example.com mailto:hostmaster@example.com "
	  "https://reportbot.example.com:12345/tlsrpt",
	  "reports@example.com hostmaster@example.com "
	  "https://reportbot.example.com:12345/tlsrpt" },
	BAD("H19 v=TLSRPTv99", "v=TLSRPTv99;rua=mailto:reports@example.com"),
	BAD("H23 field without '='", "v=TLSRPTv1; bad"),
	BAD("H25 no rua", "v=TLSRPTv1;"),
	{ "RFC 8460 §3.1.1 mailto example (RPT-04 (RFC 8460 §3) strings joined, no space)",
	  "v=TLSRPTv1;rua=mailto:reports@example.com", 1, 1, 0,
	  "mailto:reports@example.com", "reports@example.com" },
	{ "mailto addr percent-decoded",
	  "v=TLSRPTv1; rua=mailto:tls%2Drpt@example.com", 1, 1, 0,
	  "mailto:tls%2Drpt@example.com", "tls-rpt@example.com" },
	{ "mailto ?subject=x query dropped from addr",
	  "v=TLSRPTv1; rua=mailto:a@b.example?subject=x", 1, 1, 0,
	  "mailto:a@b.example?subject=x", "a@b.example" },
	{ "unknown scheme skipped", "v=TLSRPTv1; rua=ftp://x.example/r,mailto:a@b.example",
	  1, 1, 1, "mailto:a@b.example", "a@b.example" },
	{ "two rua= fields joined, extension between",
	  "v=TLSRPTv1; rua=mailto:a@b.example; ext=1; rua=https://r.example/x", 1, 2, 0,
	  "mailto:a@b.example https://r.example/x", "a@b.example https://r.example/x" },
	{ "more than MTS_RUA_MAX URIs: the rest counted",
	  "v=TLSRPTv1; rua=" M("1") "," M("2") "," M("3") "," M("4") "," M("5") ","
	  M("6") "," M("7") "," M("8") "; rua=" M("9") "," M("10"), 1, 8, 2,
	  M("1") " " M("2") " " M("3") " " M("4") " " M("5") " " M("6") " " M("7")
	  " " M("8"),
	  "1@r.example 2@r.example 3@r.example 4@r.example 5@r.example "
	  "6@r.example 7@r.example 8@r.example" },
	{ "RPT-03 (RFC 8460 §3) 'v=TLSRPTv1 ;' accepted", "v=TLSRPTv1 ; rua=mailto:a@b.example",
	  1, 1, 0, "mailto:a@b.example", "a@b.example" },
	{ "http:// (cleartext) skipped, not kept", "v=TLSRPTv1; rua=http://r.example/x",
	  1, 0, 1, "", "" },
	{ "scheme case-insensitive (MAILTO:)", "v=TLSRPTv1; rua=MAILTO:a@b.example",
	  1, 1, 0, "MAILTO:a@b.example", "a@b.example" },
	{ "scheme case-insensitive (HtTpS:)", "v=TLSRPTv1; rua=HtTpS://r.example/",
	  1, 1, 0, "HtTpS://r.example/", "HtTpS://r.example/" },
	BAD("unescaped '!' in a URI", "v=TLSRPTv1; rua=mailto:a!b@c.example"),
	{ "'!' percent-encoded", "v=TLSRPTv1; rua=mailto:a%21b@c.example", 1, 1, 0,
	  "mailto:a%21b@c.example", "a!b@c.example" },
	BAD("unescaped ',' splits: second URI has no scheme",
	    "v=TLSRPTv1; rua=mailto:a@b.example,c"),
	{ "unescaped ';' ends the URI: rest is an extension",
	  "v=TLSRPTv1; rua=https://r.example/a;b=c", 1, 1, 0,
	  "https://r.example/a", "https://r.example/a" },
	BAD("version is case-sensitive", "V=tlsrptv1; rua=mailto:a@b.example"),
	BAD("version not first", "rua=mailto:a@b.example; v=TLSRPTv1"),
	BAD("version alone", "v=TLSRPTv1"),
	BAD("empty record", ""),
	BAD("rua= is case-sensitive: RUA= is an extension, no rua",
	    "v=TLSRPTv1; RUA=mailto:a@b.example"),
	BAD("rua=noscheme", "v=TLSRPTv1; rua=noscheme"),
	{ "RFC 8460 §3 ABNF: rua=noscheme is no URI list, so an ignored extension",
	  "v=TLSRPTv1; rua=mailto:a@b.example; rua=noscheme", 1, 1, 0,
	  "mailto:a@b.example", "a@b.example" },
	{ "a rua= list that breaks drops all its URIs (the field is an extension)",
	  "v=TLSRPTv1; rua=mailto:a@b.example; rua=mailto:c@d.example,http://bad/%", 1, 1, 0,
	  "mailto:a@b.example", "a@b.example" },
	BAD("a bad rua= list that is no ext-value either",
	    "v=TLSRPTv1; rua=mailto:a@b.example; rua=mailto:c@d.example , x"),
	BAD("scheme starting with a digit", "v=TLSRPTv1; rua=1ttps://r.example/"),
	SKIP("mailto without '@': skipped", "v=TLSRPTv1; rua=mailto:postmaster"),
	SKIP("mailto with empty domain: skipped", "v=TLSRPTv1; rua=mailto:a@"),
	SKIP("mailto with empty local-part: skipped", "v=TLSRPTv1; rua=mailto:@b.example"),
	SKIP("mailto with no address, only a query: skipped",
	    "v=TLSRPTv1; rua=mailto:?to=a@b.example"),
	SKIP("mailto: alone: skipped", "v=TLSRPTv1; rua=mailto:"),
	SKIP("mailto with a %2C list of addresses: skipped",
	    "v=TLSRPTv1; rua=mailto:a@b.example%2Cc@d.example"),
	SKIP("mailto with %0D%0A: skipped", "v=TLSRPTv1; rua=mailto:a@b.example%0D%0ARCPT"),
	SKIP("mailto with %00: skipped", "v=TLSRPTv1; rua=mailto:a%00@b.example"),
	SKIP("mailto with an unquoted '@' in the local-part: skipped",
	    "v=TLSRPTv1; rua=mailto:a@b@c.example"),
	{ "mailto with a quoted '@' in the local-part",
	  "v=TLSRPTv1; rua=mailto:%22a@b%22@c.example", 1, 1, 0,
	  "mailto:%22a@b%22@c.example", "\"a@b\"@c.example" },
	SKIP("mailto with a bad domain character: skipped",
	    "v=TLSRPTv1; rua=mailto:a@b'(c).example"),
	{ "mailto with an address literal (%5B %5D, RFC 6068) and a UTF-8 domain",
	  "v=TLSRPTv1; rua=mailto:a@%5B192.0.2.1%5D,mailto:b@%C3%A9.example", 1, 2, 0,
	  "mailto:a@%5B192.0.2.1%5D mailto:b@%C3%A9.example",
	  "a@[192.0.2.1] b@\xc3\xa9.example" },
	SKIP("mailto with an empty address literal: skipped", "v=TLSRPTv1; rua=mailto:a@%5B%5D"),
	BAD("mailto with an unencoded '[' (RFC 3986 path)", "v=TLSRPTv1; rua=mailto:a@[192.0.2.1]"),
	{ "a bad mailto beyond MTS_RUA_MAX: skipped like the one before it",
	  "v=TLSRPTv1; rua=" M("1") "," M("2") "," M("3") "," M("4") "," M("5") ","
	  M("6") "," M("7") "," M("8") "," M("9") ",mailto:x", 1, 8, 2,
	  M("1") " " M("2") " " M("3") " " M("4") " " M("5") " " M("6") " " M("7")
	  " " M("8"),
	  "1@r.example 2@r.example 3@r.example 4@r.example 5@r.example "
	  "6@r.example 7@r.example 8@r.example" },
	{ "a bad mailto beside a good one: the good one used",
	  "v=TLSRPTv1; rua=mailto:postmaster,mailto:a@b.example", 1, 1, 1,
	  "mailto:a@b.example", "a@b.example" },
	SKIP("https without '//': skipped", "v=TLSRPTv1; rua=https:r.example/x"),
	SKIP("https with an empty host: skipped", "v=TLSRPTv1; rua=https:///x"),
	BAD("https with a non-digit port", "v=TLSRPTv1; rua=https://r.example:8x/"),
	BAD("https with two '@' in the authority", "v=TLSRPTv1; rua=https://a@b@r.example/"),
	BAD("https with an unterminated IP literal", "v=TLSRPTv1; rua=https://[2001:db8::1/"),
	BAD("'[' in a path", "v=TLSRPTv1; rua=https://r.example/a[b"),
	BAD("two '#'", "v=TLSRPTv1; rua=https://r.example/a#b#c"),
	BAD("%G1 is no escape", "v=TLSRPTv1; rua=https://r.example/%G1"),
	BAD("'%4' cut short", "v=TLSRPTv1; rua=https://r.example/%4"),
	BAD("'\"' in a URI", "v=TLSRPTv1; rua=https://r.example/\"x\""),
	BAD("bad URI of a skipped scheme still invalid", "v=TLSRPTv1; rua=ftp://x/%zz"),
	{ "https with userinfo, IPv6 literal, port, query, fragment",
	  "v=TLSRPTv1; rua=https://u:p@[2001:db8::1]:443/r?a=1&b=%2C#f", 1, 1, 0,
	  "https://u:p@[2001:db8::1]:443/r?a=1&b=%2C#f",
	  "https://u:p@[2001:db8::1]:443/r?a=1&b=%2C#f" },
	{ "WSP around ',' and before ';'",
	  "v=TLSRPTv1; rua=mailto:a@b.example ,\tmailto:c@d.example ; x=y", 1, 2, 0,
	  "mailto:a@b.example mailto:c@d.example", "a@b.example c@d.example" },
	{ "WSP after the final ';' (field-delim)", "v=TLSRPTv1; rua=mailto:a@b.example;  ",
	  1, 1, 0, "mailto:a@b.example", "a@b.example" },
	{ "RFC 8460 §3 field-delim = *WSP \";\" *WSP: HTAB after the final ';'",
	  "v=TLSRPTv1; rua=mailto:a@b.example;\t", 1, 1, 0, "mailto:a@b.example", "a@b.example" },
	{ "RFC 8460 §3 field-delim: WSP both sides of every ';'",
	  "v=TLSRPTv1 ;rua=mailto:a@b.example ; ", 1, 1, 0, "mailto:a@b.example", "a@b.example" },
	BAD("WSP at the end without ';'", "v=TLSRPTv1; rua=mailto:a@b.example "),
	BAD("RFC 8460 §3 tlsrpt-version = %s\"v=TLSRPTv1\" (v=tlsrptv1)", "v=tlsrptv1; rua=mailto:a@b.example"),
	BAD("RPT-05 (RFC 8460 §3) an extension still needs the ABNF (UTF-8 value)", "v=TLSRPTv1; rua=mailto:a@b.example; x=\xc3\xa9"),
	BAD("space inside the rua value", "v=TLSRPTv1; rua=mailto:a@b.example x"),
	BAD("field without ';' separator", "v=TLSRPTv1 rua=mailto:a@b.example"),
	BAD("empty extension value", "v=TLSRPTv1; rua=mailto:a@b.example; ext="),
	BAD("extension value with '='", "v=TLSRPTv1; rua=mailto:a@b.example; a=b=c"),
	BAD("extension name longer than 32",
	    "v=TLSRPTv1; rua=mailto:a@b.example; a12345678901234567890123456789012=1"),
	{ "extension name of 32, value punctuation",
	  "v=TLSRPTv1; a1234567890123456789012345678901=!\"#:<>~; rua=mailto:a@b.example",
	  1, 1, 0, "mailto:a@b.example", "a@b.example" },
	{ "only other schemes: valid, n == 0",
	  "v=TLSRPTv1; rua=ftp://x.example/r, urn:x:y", 1, 0, 2, "", "" },
};

/* The kept URIs' uri (or addr) fields joined by ' '. */
static void
joined(const struct mts_rptrec *r, int addr, char *buf, size_t sz)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < r->n; i++) {
		if (i > 0)
			strncat(buf, " ", sz - strlen(buf) - 1);
		strncat(buf, addr ? r->rua[i].addr : r->rua[i].uri,
		    sz - strlen(buf) - 1);
	}
}

static void
test_records(void)
{
	static struct mts_rptrec r;
	char err[128], buf[2048];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		int rc = mts_rptrec_parse(c->rec, strlen(c->rec), &r, err,
		    sizeof(err));

		if (!c->valid) {
			ok(rc == -1 && err[0] != '\0' && r.n == 0,
			    "%s: rejected (%s)", c->name,
			    rc == -1 ? err : "accepted");
			continue;
		}
		if (!ok(rc == 0, "%s: accepted", c->name)) {
			printf("#   error: %s\n", err);
			continue;
		}
		is_int(r.n, c->n, "%s: n", c->name);
		is_int(r.skipped, c->skipped, "%s: skipped", c->name);
		joined(&r, 0, buf, sizeof(buf));
		is_str(buf, c->uris, "%s: uris", c->name);
		joined(&r, 1, buf, sizeof(buf));
		is_str(buf, c->addrs, "%s: addrs", c->name);
	}
}

static void
test_details(void)
{
	static const char nul[] = "v=TLSRPTv1; rua=mailto:a@b.example\0; x=y";
	static struct mts_rptrec r;
	char err[128], rec[1200];
	const char *s;

	s = "v=TLSRPTv1; rua=MAILTO:a@b.example,HTTPS://r.example/";
	ok(mts_rptrec_parse(s, strlen(s), &r, err, sizeof(err)) == 0,
	    "schemes: accepted");
	is_int(r.rua[0].scheme, MTS_RUA_MAILTO, "MAILTO: is MTS_RUA_MAILTO");
	is_int(r.rua[1].scheme, MTS_RUA_HTTPS, "HTTPS: is MTS_RUA_HTTPS");

	s = "v=TLSRPTv99;rua=mailto:reports@example.com";
	mts_rptrec_parse(s, strlen(s), &r, err, sizeof(err));
	ok(strstr(err, "unsupported version \"v=TLSRPTv99\"") != NULL,
	    "H19 error names the version (%s)", err);
	s = "v=TLSRPTv1; rua=mailto:postmaster,https:///x,ftp://x/,mailto:a@b.example";
	ok(mts_rptrec_parse(s, strlen(s), &r, err, sizeof(err)) == 0 && r.n == 1 &&
	    r.skipped == 3, "three skipped, one used");
	is_int(r.skip[0].why, MTS_RUA_SKIP_MAILTO, "mailto:postmaster: not one address");
	is_int(r.skip[1].why, MTS_RUA_SKIP_HOST, "https:///x: no host");
	is_int(r.skip[2].why, MTS_RUA_SKIP_SCHEME, "ftp://x/: scheme");
	is_int(r.skip[0].len, strlen("mailto:postmaster"), "skip offsets: length");
	ok(strncmp(s + r.skip[1].uri, "https:///x", 10) == 0, "skip offsets: start");
	s = "v=TLSRPTv1; rua=mailto:a@b.example; rua=noscheme";
	ok(mts_rptrec_parse(s, strlen(s), &r, err, sizeof(err)) == 0 &&
	    r.fields.n == 2 && r.fields.t[1].use == MTS_TAG_BADVALUE,
	    "rua=noscheme kept as an ignored extension");
	s = "v=TLSRPTv1; rua=mailto:a!b@c.example";
	mts_rptrec_parse(s, strlen(s), &r, err, sizeof(err));
	ok(strstr(err, "'!' must be percent-encoded") != NULL,
	    "'!' error names the rule (%s)", err);

	is_int(mts_rptrec_parse(nul, sizeof(nul) - 1, &r, err, sizeof(err)), -1,
	    "NUL byte in the record: rejected");
	is_int(mts_rptrec_parse(nul, strlen(nul), &r, err, sizeof(err)), 0,
	    "the same record up to the NUL: accepted");
	is_int(mts_rptrec_parse("v=TLSRPTv1; rua=mailto:a@b.exampleZZZ", 34,
	    &r, err, sizeof(err)), 0, "len honoured: bytes past it not read");
	is_str(r.rua[0].addr, "a@b.example", "len honoured: addr");

	/* A valid URI too long for uri[MTS_RUA_URI_MAX] is counted, not kept. */
	strcpy(rec, "v=TLSRPTv1; rua=https://r.example/");
	memset(rec + strlen(rec), 'x', MTS_RUA_URI_MAX);
	strcpy(rec + strlen("v=TLSRPTv1; rua=https://r.example/") +
	    MTS_RUA_URI_MAX, ",mailto:a@b.example");
	ok(mts_rptrec_parse(rec, strlen(rec), &r, err, sizeof(err)) == 0 &&
	    r.n == 1 && r.skipped == 1, "overlong https URI skipped, next kept");
	is_str(r.rua[0].addr, "a@b.example", "overlong: the mailto kept");
	/* Too long to keep, so the mailto: addr-spec is not looked at. */
	strcpy(rec, "v=TLSRPTv1; rua=mailto:");
	memset(rec + strlen(rec), 'x', MTS_RUA_URI_MAX);
	rec[strlen("v=TLSRPTv1; rua=mailto:") + MTS_RUA_URI_MAX] = '\0';
	ok(mts_rptrec_parse(rec, strlen(rec), &r, err, sizeof(err)) == 0 &&
	    r.n == 0 && r.skipped == 1, "overlong mailto: counted, not checked");
	/* The longest that fits: 511 bytes. */
	strcpy(rec, "v=TLSRPTv1; rua=https://r.example/");
	memset(rec + strlen(rec), 'x', MTS_RUA_URI_MAX - 1 - strlen("https://r.example/"));
	rec[strlen("v=TLSRPTv1; rua=") + MTS_RUA_URI_MAX - 1] = '\0';
	ok(mts_rptrec_parse(rec, strlen(rec), &r, err, sizeof(err)) == 0 &&
	    r.n == 1 && strlen(r.rua[0].uri) == MTS_RUA_URI_MAX - 1,
	    "URI of MTS_RUA_URI_MAX - 1 bytes kept");

	/* RFC 8460 §3: records that do not begin with "v=TLSRPTv1;" are
	 * discarded; the ';' may follow WSP (erratum 6285 of RFC 8461, whose
	 * grammar RFC 8460 shares; DESIGN 6). */
	ok(!mts_rptrec_is_candidate("v=TLSRPTv1", 10), "RPT-03 (RFC 8460 §3) bare v=TLSRPTv1 is not a candidate");
	ok(!mts_rptrec_is_candidate("v=TLSRPTv1 rua=x", 16), "RPT-03 (RFC 8460 §3) v=TLSRPTv1 rua=x is not a candidate");
	ok(mts_rptrec_is_candidate("v=TLSRPTv1\t;", 12), "RPT-03 (RFC 8460 §3) v=TLSRPTv1 then HTAB then ';' is a candidate");
	ok(mts_rptrec_is_candidate("v=TLSRPTv1;", 11), "RPT-03 (RFC 8460 §3) v=TLSRPTv1; is a candidate");
	ok(!mts_rptrec_is_candidate("v=TLSRPTv1x", 11), "v=TLSRPTv1x is not a candidate");
	ok(!mts_rptrec_is_candidate("v=TLSRPTv10;", 12), "v=TLSRPTv10 is not a candidate");
	ok(!mts_rptrec_is_candidate("v=TLSRPTv1;", 9), "len honoured by is_candidate");
}

static enum mts_rptrec_sel
sel(const char **recs, size_t n, struct mts_rptrec *r)
{
	size_t lens[8];
	char err[128];
	size_t i;

	for (i = 0; i < n; i++)
		lens[i] = strlen(recs[i]);
	return mts_rptrec_select((char *const *)recs, lens, n, r, NULL, err,
	    sizeof(err));
}

static void
test_select(void)
{
	const char *one[] = { "v=TLSRPTv1; rua=mailto:a@b.example" };
	const char *h21[] = { "v=TLSRPTv1; rua=mailto:a@b.example",
	    "v=TLSRPTv1; rua=mailto:c@d.example" };
	const char *h23[] = { "v=TLSRPTv1; bad" };
	const char *others[] = { "v=spf1 -all", "v=TLSRPTv1 ; rua=mailto:a@b.example",
	    "v=TLSRPTv10; rua=mailto:c@d.example", "v=TLSRPTv1x" };
	const char *none[] = { "v=spf1 -all", "v=TLSRPTv2; rua=mailto:a@b.example" };
	const char *bad_and_good[] = { "v=TLSRPTv1;", "v=TLSRPTv1; rua=mailto:a@b.example" };
	const char *bare_and_good[] = { "v=TLSRPTv1", "v=TLSRPTv1; rua=mailto:g@b.example" };
	const char *nodelim_and_good[] = { "v=TLSRPTv1; rua=mailto:a@b.example",
	    "v=TLSRPTv1 rua=mailto:c@d.example" };
	const char *wsp_two[] = { "v=TLSRPTv1 ; rua=mailto:a@b.example",
	    "v=TLSRPTv1; rua=mailto:c@d.example" };
	const char *lone_bare[] = { "v=TLSRPTv1" };
	static struct mts_rptrec r;

	is_int(sel(one, 1, &r), MTS_RPTREC_FOUND, "one record: found");
	is_str(r.rua[0].addr, "a@b.example", "one record: addr");
	is_int(sel(h21, 2, &r), MTS_RPTREC_MULTIPLE, "H21 two v=TLSRPTv1 records: multiple");
	is_int(sel(h23, 1, &r), MTS_RPTREC_INVALID, "H23 one bad v=TLSRPTv1 record: invalid");
	is_int(sel(others, 4, &r), MTS_RPTREC_FOUND, "RPT-03 (RFC 8460 §3) non-candidate records ignored");
	is_str(r.rua[0].addr, "a@b.example", "RPT-03 (RFC 8460 §3) the candidate's addr");
	is_int(sel(none, 2, &r), MTS_RPTREC_NONE, "RPT-03 (RFC 8460 §3) no v=TLSRPTv1 record: none");
	is_int(sel(NULL, 0, &r), MTS_RPTREC_NONE, "NODATA: none");
	is_int(sel(bad_and_good, 2, &r), MTS_RPTREC_MULTIPLE,
	    "RPT-03 (RFC 8460 §3) an invalid candidate still counts: multiple");
	/* issue 16 item 3, for v=TLSRPTv1 */
	is_int(sel(bare_and_good, 2, &r), MTS_RPTREC_FOUND,
	    "RPT-03 (RFC 8460 §3) bare v=TLSRPTv1 does not begin with v=TLSRPTv1;: discarded");
	is_str(r.rua[0].addr, "g@b.example", "RPT-03 (RFC 8460 §3) the record that counts is used");
	is_int(sel(nodelim_and_good, 2, &r), MTS_RPTREC_FOUND,
	    "RPT-03 (RFC 8460 §3) v=TLSRPTv1 rua=... (no ';') discarded");
	is_str(r.rua[0].addr, "a@b.example", "RPT-03 (RFC 8460 §3) the other one is used");
	is_int(sel(wsp_two, 2, &r), MTS_RPTREC_MULTIPLE,
	    "RPT-03 (RFC 8460 §3) 'v=TLSRPTv1 ;' counts: two records, none used");
	is_int(sel(lone_bare, 1, &r), MTS_RPTREC_NONE,
	    "RPT-03 (RFC 8460 §3) a lone bare v=TLSRPTv1: no record");
}

int
main(void)
{
	test_records();
	test_details();
	test_select();
	return done_testing();
}
