/* SPDX-License-Identifier: ISC */
/* test_policy.c - the policy file parser (RFC 8461 §3.2 ABNF), one case
 * per rule (VECTORS C; STS-60 (RFC 8461 §3.2)..71; DESIGN 1-6). */
#include <string.h>

#include "tap.h"
#include "sts/policy.h"

struct pcase {
	const char *name;
	const char *body;
	size_t len;             /* 0: strlen(body) */
	int valid;
	mtasts_mode mode;
	long long max_age;
	const char *mx;         /* patterns joined by ' ' */
};

#define OK_(n, b, m, a, x) { n, b, 0, 1, MTASTS_MODE_##m, a, x }
#define BAD(n, b) { n, b, 0, 0, 0, 0, NULL }

static const struct pcase cases[] = {
	OK_("C01 RFC appendix A", "version: STSv1\nmode: testing\nmx: mx1.example.com\n"
	    "mx: mx2.example.com\nmx: mx.backup-example.com\nmax_age: 1296000\n",
	    TESTING, 1296000, "mx1.example.com mx2.example.com mx.backup-example.com"),
	OK_("C03 mixed CRLF/LF, tabs, no final terminator, extension kept inner spaces",
	    "version:STSv1\r\nmode:\tenforce\r\nmx:  \t\t *.example.com\nmax_age: 1\n"
	    "more:ext e  ns ion", ENFORCE, 1, "*.example.com"),
	OK_("C05 field order does not matter", "version: STSv1\nmode: testing\n"
	    "max_age: 86400\nmx: mail.loc\n", TESTING, 86400, "mail.loc"),
	BAD("C07 empty body", ""),
	BAD("C09 mode missing", "version:STSv1\nmax_age:0\nmx:example.com"),
	BAD("C11 mx missing for enforce (STS-63, RFC 8461 §3.2)", "version:STSv1\nmax_age:0\nmode:enforce"),
	BAD("STS-63 (RFC 8461 §3.2) mx missing for testing", "version:STSv1\nmax_age:0\nmode:testing"),
	BAD("C13 version missing (STS-60, RFC 8461 §3.2)", "max_age:0\nmode:none"),
	BAD("C15 max_age above 31557600 (STS-62 (RFC 8461 §3.2), DESIGN 2)",
	    "version: STSv1\nmode: none\nmax_age: 31557601\n"),
	OK_("STS-62 (RFC 8461 §3.2) max_age at the maximum", "version: STSv1\nmode: none\nmax_age: 31557600\n",
	    NONE, 31557600, ""),
	BAD("STS-62 (RFC 8461 §3.2) max_age of 11 digits", "version: STSv1\nmode: none\nmax_age: 00000000001\n"),
	OK_("STS-62 (RFC 8461 §3.2) leading zeros allowed", "version: STSv1\nmode: none\nmax_age: 0000000001\n",
	    NONE, 1, ""),
	BAD("C17 max_age not a number", "version:STSv1\nmode:none\nmax_age:a"),
	BAD("C17 max_age negative", "version:STSv1\nmode:none\nmax_age:-1"),
	BAD("C19 mode bad", "version:STSv1\nmode:bad\nmax_age:1"),
	BAD("STS-61 (RFC 8461 §3.2) mode is case-sensitive", "version:STSv1\nmode:Enforce\nmx:a.example\nmax_age:1"),
	BAD("STS-60 (RFC 8461 §3.2) version STSv2", "version:STSv2\nmode:none\nmax_age:1"),
	BAD("STS-60 (RFC 8461 §3.2) version stsv1", "version:stsv1\nmode:none\nmax_age:1"),
	BAD("C21 empty key", "version: STSv1\n: 8600"),
	BAD("C23 mx *.*.example (STS-65, RFC 8461 §3.2)", "version:STSv1\nmode:enforce\nmax_age:1\nmx:*.*.example"),
	BAD("C25 mx **.example-", "version:STSv1\nmode:enforce\nmax_age:1\nmx:**.example-"),
	BAD("C25 mx label ends with '-'", "version:STSv1\nmode:enforce\nmax_age:1\nmx:test.example-"),
	BAD("C27 mx U-label (STS-64, RFC 8461 §3.2)", "version:STSv1\nmode:enforce\nmax_age:1\nmx: m\xc3\xb8x.example"),
	BAD("C29 extension name longer than 32",
	    "version:STSv1\nmode:none\nmax_age:0\na12345678901234567890123456789012:123"),
	OK_("STS-68 (RFC 8461 §3.2) extension name of 32", "version:STSv1\nmode:none\nmax_age:0\n"
	    "a1234567890123456789012345678901:123", NONE, 0, ""),
	BAD("C31 garbage", "garbage"),
	OK_("C33 repeated mode: first wins (STS-69 (RFC 8461 §3.2), DESIGN 6)",
	    "version: STSv1\r\nmode: enforce\r\nmode: testing\r\nmode: none\r\n"
	    "mx: gmail-smtp-in.l.google.com\r\nmx: *.gmail-smtp-in.l.google.com\r\n"
	    "max_age: 604800\r\n", ENFORCE, 604800,
	    "gmail-smtp-in.l.google.com *.gmail-smtp-in.l.google.com"),
	OK_("C35 repeated mode with an unknown value later: ignored",
	    "version: STSv1\r\nmode: none\r\nmode: testing\r\nmode: enforced\r\nmax_age: 1\r\n",
	    NONE, 1, ""),
	OK_("C37 max_age 0 valid (DESIGN 3)", "version:STSv1\nmode:testing\nmx:a.example\nmax_age:0",
	    TESTING, 0, "a.example"),
	BAD("C39 comma-separated mx", "version:STSv1\nmode:enforce\nmax_age:1\n"
	    "mx: a.example.com, b.example.com"),
	OK_("DESIGN 4 mode none needs no mx", "version: STSv1\nmode: none\nmax_age: 86400\n",
	    NONE, 86400, ""),
	BAD("STS-67 (RFC 8461 §3.2) leading whitespace (DESIGN 5)", " version: STSv1\nmode: none\nmax_age: 1\n"),
	BAD("STS-67 (RFC 8461 §3.2) blank line (DESIGN 5)", "version: STSv1\n\nmode: none\nmax_age: 1\n"),
	BAD("STS-67 (RFC 8461 §3.2) two final terminators", "version: STSv1\nmode: none\nmax_age: 1\n\n"),
	BAD("STS-67 (RFC 8461 §3.2) space before ':'", "version : STSv1\nmode: none\nmax_age: 1\n"),
	OK_("STS-67 (RFC 8461 §3.2) trailing WSP at line end", "version: STSv1 \t\nmode: none\t\nmax_age: 1  \n",
	    NONE, 1, ""),
	BAD("STS-66 (RFC 8461 §3.2) bare CR", "version: STSv1\rmode: none\nmax_age: 1\n"),
	BAD("STS-66 (RFC 8461 §3.2) CR at the very end, no LF", "version: STSv1\nmode: none\nmax_age: 1\r"),
	BAD("STS-66 (RFC 8461 §3.2) CR CR LF", "version: STSv1\nmode: none\r\r\nmax_age: 1\n"),
	OK_("STS-66 (RFC 8461 §3.2) CRLF on every line, none at the end",
	    "version: STSv1\r\nmode: none\r\nmax_age: 1", NONE, 1, ""),
	/* The UTF-8 check skips eight ASCII bytes at a time: a bad byte
	 * in each position of a word. */
	{ "STS-45 (RFC 8461 §3.2) NUL byte first", "\0ersion: STSv1\nmode: none\nmax_age: 1\n", 37, 0, 0, 0, NULL },
	{ "STS-45 (RFC 8461 §3.2) NUL byte 8th", "version\0 STSv1\nmode: none\nmax_age: 1\n", 37, 0, 0, 0, NULL },
	BAD("STS-45 (RFC 8461 §3.2) high byte 1st of a word", "version: STSv1\nmode: none\nmax_age: 1\nx: abc\xff" "defgh\n"),
	BAD("STS-45 (RFC 8461 §3.2) high byte last of the body", "version: STSv1\nmode: none\nmax_age: 1\nx: abcdefg\xff"),
	{ "STS-45 (RFC 8461 §3.2) NUL byte", "version: STSv1\nmode: none\nmax_age: 1\n\0x: y", 43, 0, 0, 0, NULL },
	BAD("STS-45 (RFC 8461 §3.2) invalid UTF-8 in an extension", "version: STSv1\nmode: none\nmax_age: 1\nx: \xff\n"),
	BAD("STS-45 (RFC 8461 §3.2) overlong UTF-8", "version: STSv1\nmode: none\nmax_age: 1\nx: \xc0\xaf\n"),
	BAD("STS-45 (RFC 8461 §3.2) UTF-8 surrogate (RFC 3629 §3)", "version: STSv1\nmode: none\nmax_age: 1\nx: \xed\xa0\x80\n"),
	BAD("STS-45 (RFC 8461 §3.2) UTF-8 above U+10FFFF", "version: STSv1\nmode: none\nmax_age: 1\nx: \xf4\x90\x80\x80\n"),
	BAD("STS-45 (RFC 8461 §3.2) UTF-8 sequence cut by the end", "version: STSv1\nmode: none\nmax_age: 1\nx: \xe2\x82"),
	OK_("STS-68 (RFC 8461 §3.2) UTF-8 in an extension value", "version: STSv1\nmode: none\nmax_age: 1\n"
	    "note: caf\xc3\xa9 ok\n", NONE, 1, ""),
	BAD("STS-68 (RFC 8461 §3.2) tab inside an extension value", "version: STSv1\nmode: none\nmax_age: 1\nx: a\tb\n"),
	BAD("STS-68 (RFC 8461 §3.2) extension starting with '_'", "version: STSv1\nmode: none\nmax_age: 1\n_x: a\n"),
	BAD("BOM before the first field", "\xef\xbb\xbfversion: STSv1\nmode: none\nmax_age: 1\n"),
	OK_("STS-65 (RFC 8461 §3.2) mx is lowercased", "version: STSv1\nmode: enforce\nmx: MX.Example.COM\nmax_age: 1\n",
	    ENFORCE, 1, "mx.example.com"),
	BAD("STS-65 (RFC 8461 §3.2) mx *example.com", "version:STSv1\nmode:enforce\nmax_age:1\nmx:*example.com"),
	BAD("STS-65 (RFC 8461 §3.2) mx .example.com", "version:STSv1\nmode:enforce\nmax_age:1\nmx:.example.com"),
	BAD("STS-65 (RFC 8461 §3.2) partial wildcard label", "version:STSv1\nmode:enforce\nmax_age:1\n"
	    "mx:service-alpha-inbound-*.example.com"),
	BAD("mx is an IP address", "version:STSv1\nmode:enforce\nmax_age:1\nmx:192.0.2.1"),
	BAD("mx empty value", "version:STSv1\nmode:enforce\nmax_age:1\nmx:"),
	BAD("a repeated mode must still be a well-formed line",
	    "version: STSv1\nmode: none\nmode:\nmax_age: 1\n"),
};

static void
join(const struct mts_policy_doc *d, char *buf, size_t sz)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < d->nmx; i++) {
		if (i > 0)
			strncat(buf, " ", sz - strlen(buf) - 1);
		strncat(buf, d->mx[i], sz - strlen(buf) - 1);
	}
}

static void
test_cases(void)
{
	struct mts_policy_doc *d;
	char err[200], mx[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->body);
		int rc = mts_policy_parse(c->body, len, &d, err, sizeof(err));

		if (!c->valid) {
			ok(rc == -1 && d == NULL && err[0] != '\0',
			    "%s: rejected (%s)", c->name, rc ? err : "accepted");
			mts_policy_doc_free(d);
			continue;
		}
		if (!ok(rc == 0, "%s: accepted", c->name)) {
			printf("#   error: %s\n", err);
			continue;
		}
		join(d, mx, sizeof(mx));
		ok(d->mode == c->mode && d->max_age == c->max_age &&
		    strcmp(mx, c->mx) == 0, "%s: mode %d max_age %lld mx [%s]",
		    c->name, d->mode, (long long)d->max_age, mx);
		ok(d->text_len == len && memcmp(d->text, c->body, len) == 0,
		    "%s: text kept as served (STS-70, RFC 8460 §4.5)", c->name);
		mts_policy_doc_free(d);
	}
}

static void
test_limits(void)
{
	static char big[MTS_POLICY_MAX_BODY + 64];
	struct mts_policy_doc *d;
	char err[200];
	size_t n = 0, i;

	/* RFC 8461 §3.2 sets no limit on mx lines: 300 (the old cap was
	 * 256) and as many as 64 KiB hold are a valid policy (issue 16). */
	n += (size_t)snprintf(big, sizeof(big), "version: STSv1\nmode: enforce\nmax_age: 1\n");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "mx: mx%zu.example\n", i);
	ok(mts_policy_parse(big, n, &d, err, sizeof(err)) == 0 && d->nmx == 300 &&
	    strcmp(d->mx[299], "mx299.example") == 0,
	    "§3.2 no limit on mx lines: 300 kept, in order");
	mts_policy_doc_free(d);
	n = (size_t)snprintf(big, sizeof(big), "version:STSv1\nmode:enforce\nmax_age:1");
	for (i = 0; n + 5 <= MTS_POLICY_MAX_BODY; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\nmx:a");
	ok(mts_policy_parse(big, n, &d, err, sizeof(err)) == 0 && d->nmx == i &&
	    i > 13000, "§3.2 a 64 KiB policy of %zu mx lines is valid (%s)", i,
	    d == NULL ? err : "ok");
	mts_policy_doc_free(d);
	memset(big, 'x', sizeof(big));
	ok(mts_policy_parse(big, MTS_POLICY_MAX_BODY + 1, &d, err, sizeof(err)) == -1,
	    "STS-39 (RFC 8461 §3.3) body over 64 KiB rejected");
	ok(mts_policy_parse("version: STSv1\nmode: none\nmax_age: 1\nline 4",
	    43, &d, err, sizeof(err)) == -1 && strstr(err, "line 4") != NULL,
	    "error names the line (DESIGN 5): %s", err);
}

static void
test_patterns(void)
{
	ok(mts_mx_pattern_valid("mail.example.com", 16), "STS-65 (RFC 8461 §3.2) plain name valid");
	ok(mts_mx_pattern_valid("*.example.net", 13), "STS-65 (RFC 8461 §3.2) *.domain valid");
	ok(!mts_mx_pattern_valid("*", 1), "STS-65 (RFC 8461 §3.2) bare * invalid");
	ok(!mts_mx_pattern_valid("*.", 2), "STS-65 (RFC 8461 §3.2) *. alone invalid");
	ok(!mts_mx_pattern_valid("a..b", 4), "empty label invalid");
	ok(!mts_mx_pattern_valid("under_score.example", 19), "underscore invalid in Domain");
}

int
main(void)
{
	test_cases();
	test_limits();
	test_patterns();
	return done_testing();
}
