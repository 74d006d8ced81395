/* SPDX-License-Identifier: ISC */
/* test_match.c - mx pattern matching (RFC 8461 §4.1, VECTORS F, STS-72 (RFC 8461 §4.1)..75)
 * and name normalisation (STS-05 (RFC 8461 §3.4), VECTORS B15, I25). */
#include <stdio.h>
#include <stdlib.h>
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
	{ "F03 wildcard needs one label (STS-73, RFC 8461 §4.1)", "*.b.example", "b.example", 0 },
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
	{ "STS-72 (RFC 8461 §4.1) case-insensitive", "MX.Example.COM", "mx.example.com", 1 },
	{ "STS-74 (RFC 8461 §4.1) trailing dot on the host", "mx.example.com", "mx.example.com.", 1 },
	{ "STS-75 (RFC 8461 §4.1) IP literal never matches", "mx.example.com", "[192.0.2.1]", 0 },
	{ "STS-75 (RFC 8461 §4.1) leading dot never matches", "*.example.com", ".example.com", 0 },
	{ "STS-75 (RFC 8461 §4.1) IDN A-label under a wildcard", "*.example.com", "xn--rger-koa.example.com", 1 },
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
	    strcmp(out, "xn--bcher-kva.example") == 0, "STS-05 (RFC 8461 §3.4) U-label to A-label: %s", out);
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

/* The rules of STS-05 (RFC 8461 §3.4) / RFC 5321 Domain written out plainly, to check
 * the one-pass ASCII path of mts_domain_normalize against. */
static int
reference(const char *in, char *out)
{
	size_t len = strlen(in), i, start = 0;
	int alpha = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > MTS_DOMAIN_MAX)
		return -1;
	for (i = 0; i <= len; i++) {
		char c = i < len ? in[i] : '.';

		if (c == '.') {
			if (i == start || i - start > 63 || in[start] == '-' ||
			    in[i - 1] == '-')
				return -1;
			if (i == len && !alpha)
				return -1;
			start = i + 1;
			alpha = 0;
			out[i] = '.';
			continue;
		}
		if (!(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' &&
		    c <= 'z') || (c >= 'A' && c <= 'Z')))
			return -1;
		if (!(c >= '0' && c <= '9'))
			alpha = 1;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[len] = '\0';
	return 0;
}

static void
test_normalize_ascii(void)
{
	static const char alphabet[] = "aZ9-.";
	char in[300], want[300], got[MTS_DOMAIN_BUF], err[128];
	int i, n, wr, gr, bad = 0;
	size_t j, len;

	srandom(8461);
	for (i = 0; i < 200000; i++) {
		/* short names over a small alphabet hit every edge; long
		 * runs of one label test the 63 and 253 limits */
		len = (size_t)(random() % (i % 10 == 0 ? 270 : 12));
		for (j = 0; j < len; j++)
			in[j] = i % 10 == 0 && random() % 64 ? 'a' :
			    alphabet[random() % 5];
		in[len] = '\0';
		wr = reference(in, want);
		gr = mts_domain_normalize(in, got, sizeof(got), err, sizeof(err));
		if (wr != gr || (wr == 0 && strcmp(want, got) != 0)) {
			if (bad++ < 5)
				printf("# '%s': want %d '%s', got %d '%s'\n", in,
				    wr, wr ? "" : want, gr, gr ? err : got);
		}
	}
	n = bad;
	is_int(n, 0, "STS-05 (RFC 8461 §3.4) 200,000 random ASCII names: same answer as the rules written out");
}

/* mts_domain_valid as it was written first (a pass per label, another
 * for the digits): the reference for the one-pass version. */
static int
ref_label(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int
ref_domain_valid(const char *s, size_t len)
{
	size_t start = 0, i, j;

	if (len == 0 || len > MTS_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!ref_label(s + start, i - start))
			return 0;
		if (i == len) {
			for (j = start; j < i && s[j] >= '0' && s[j] <= '9'; j++)
				;
			if (j == i)
				return 0;   /* all-numeric last label */
		}
		start = i + 1;
	}
	return 1;
}

/* Every name of up to 7 bytes over a small alphabet, and the length
 * limits, against the reference. */
static void
test_domain_valid(void)
{
	static const char abc[] = "aZ0-._";
	static const struct { const char *what; size_t label, labels;
	    int valid; } lims[] = {
		{ "a label of 63", 63, 1, 1 },
		{ "a label of 64", 64, 1, 0 },
		{ "253 bytes", 62, 4, 1 },      /* 4 * 62, 4 dots, "a" */
		{ "254 bytes", 62, 4, 0 },
	};
	char name[300];
	size_t len, k, n, bad = 0, tried = 0, i, pos;

	for (len = 0; len <= 7; len++) {
		for (n = 1, k = 0; k < len; k++)
			n *= sizeof(abc) - 1;
		for (k = 0; k < n; k++) {
			size_t x = k;

			for (i = 0; i < len; i++, x /= sizeof(abc) - 1)
				name[i] = abc[x % (sizeof(abc) - 1)];
			tried++;
			if (mts_domain_valid(name, len) !=
			    ref_domain_valid(name, len))
				bad++;
		}
	}
	ok(bad == 0, "STS-65 (RFC 8461 §3.2) %zu short names: the one-pass "
	    "check answers as the reference (%zu differ)", tried, bad);
	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		for (pos = 0, k = 0; k < lims[i].labels; k++) {
			memset(name + pos, 'a', lims[i].label);
			pos += lims[i].label;
			name[pos++] = '.';
		}
		/* the first two rows: no dot at the end; the last two: "a"
		 * or "ab" after it */
		pos = i < 2 ? pos - 1 : pos;
		if (i >= 2) {
			memcpy(name + pos, "ab", 2);
			pos += i == 2 ? 1 : 2;
		}
		ok(mts_domain_valid(name, pos) == lims[i].valid &&
		    ref_domain_valid(name, pos) == lims[i].valid,
		    "STS-65 (RFC 8461 §3.2) %s (%zu bytes): %s", lims[i].what,
		    pos, lims[i].valid ? "valid" : "invalid");
	}
}

int
main(void)
{
	test_domain_valid();
	test_match();
	test_overlong();
	test_normalize();
	test_normalize_ascii();
	return done_testing();
}
