/* SPDX-License-Identifier: ISC */
/* test_record.c - the cache record codec: round trips, and every kind of
 * damaged or foreign record refused (never trusted, never a crash). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sts/entry.h"
#include "fuzz/ref_record.h"

static const char *body =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\n"
    "mx: *.example.test\r\nmax_age: 604800\r\n";

static void
fill(struct mts_entry *e)
{
	char err[128];

	mts_entry_init(e);
	e->txt_state = MTS_TXTSTATE_RECORD;
	strcpy(e->txt_id, "20240101T000000");
	e->txt_expires = 1700000300;
	if (mts_policy_parse(body, strlen(body), &e->doc, err, sizeof(err)))
		printf("# fixture: %s\n", err);
	strcpy(e->policy_id, "20240101T000000");
	e->fetched_at = 1700000000;
	e->expires_at = 1700604800;
	strcpy(e->backoff_id, "x1");
	e->backoff_until = 1700000600;
	e->last_result = MTASTS_RESULT_STS_WEBPKI_INVALID;
	strcpy(e->last_reason, "certificate has expired\n\"quoted\"");
}

static void
roundtrip(void)
{
	struct mts_entry a, b;
	unsigned char *buf;
	size_t len;

	fill(&a);
	ok(mts_record_encode(&a, &buf, &len) == 0, "encode a full entry");
	ok(mts_record_decode(buf, len, &b) == 0, "decode it back");
	is_int(b.txt_state, MTS_TXTSTATE_RECORD, "txt state");
	is_str(b.txt_id, "20240101T000000", "txt id");
	is_int(b.txt_expires, 1700000300, "txt expiry");
	is_str(b.policy_id, "20240101T000000", "policy id");
	is_int(b.fetched_at, 1700000000, "fetched_at");
	is_int(b.expires_at, 1700604800, "expires_at");
	is_int(b.doc ? b.doc->nmx : 0, 2, "mx patterns");
	is_str(b.doc ? b.doc->text : "", body, "body kept byte for byte (STS-70, RFC 8460 §4.5)");
	is_str(b.backoff_id, "x1", "back-off id");
	is_int(b.last_result, MTASTS_RESULT_STS_WEBPKI_INVALID, "last result");
	is_str(b.last_reason, "certificate has expired?\"quoted\"",
	    "reason kept on one line");
	mts_entry_clear(&b);

	mts_policy_doc_free(a.doc);
	a.doc = NULL;
	free(buf);
	ok(mts_record_encode(&a, &buf, &len) == 0, "encode without policy");
	ok(mts_record_decode(buf, len, &b) == 0 && b.doc == NULL,
	    "decode without policy");
	mts_entry_clear(&b);
	mts_entry_clear(&a);
	free(buf);
}

struct bad {
	const char *name;
	const char *rec;
};

static const struct bad bads[] = {
	{ "empty", "" },
	{ "foreign magic", "MTSC2\ntxt 0 - 0\nbackoff - 0\nlast 0 \nend\n" },
	{ "truncated after magic", "MTSC1\n" },
	{ "no end line", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 0 \n" },
	{ "bad txt state", "MTSC1\ntxt 7 - 0\nbackoff - 0\nlast 0 \nend\n" },
	{ "id with a dash", "MTSC1\ntxt 2 a-b 0\nbackoff - 0\nlast 0 \nend\n" },
	{ "id of 33 chars", "MTSC1\ntxt 2 123456789012345678901234567890123 0\n"
	  "backoff - 0\nlast 0 \nend\n" },
	{ "number with junk", "MTSC1\ntxt 2 a 12x\nbackoff - 0\nlast 0 \nend\n" },
	{ "result out of range", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 99 x\nend\n" },
	{ "body longer than record", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 0 \n"
	  "policy a 1 2 500\nversion: STSv1\nend\n" },
	{ "body that does not parse", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 0 \n"
	  "policy a 1 2 7\ngarbage\nend\n" },
	{ "negative body length", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 0 \n"
	  "policy a 1 2 -1\n\nend\n" },
	{ "trailing bytes", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 0 \nend\nX" },
	/* Times that would overflow the state machine's arithmetic
	 * (now - fetched_at, expires_at - now): written by whoever can
	 * write the cache, read by root's Exim routing. */
	{ "txt expiry INT64_MIN", "MTSC1\ntxt 2 a -9223372036854775808\n"
	  "backoff - 0\nlast 0 \nend\n" },
	{ "backoff INT64_MAX", "MTSC1\ntxt 0 - 0\nbackoff - 9223372036854775807\n"
	  "last 0 \nend\n" },
	{ "fetched_at INT64_MIN", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 0 \n"
	  "policy a -9223372036854775808 2 42\nversion: STSv1\nmode: none\n"
	  "max_age: 1\nend\n" },
	{ "expires_at past 2^40", "MTSC1\ntxt 0 - 0\nbackoff - 0\nlast 0 \n"
	  "policy a 1 1099511627777 42\nversion: STSv1\nmode: none\n"
	  "max_age: 1\nend\n" },
};

/* The cached MX answer (sts/entry.c, struct mts_mx_entry). */
static const struct bad mx_bads[] = {
	{ "MX: old version without the null MX flag", "MTSX1 99 0\n" },
	{ "MX: null flag not 0/1", "MTSX2\nmx 99 2 0 0\nend\n" },
	{ "MX: null MX with hosts (RFC 7505 §3)", "MTSX2\nmx 99 1 0 1\n10 a.test\nend\n" },
	{ "MX: more hosts than lines", "MTSX2\nmx 99 0 0 2\n10 a.test\nend\n" },
	{ "MX: preference above 65535 (RFC 1035 §3.3.9)", "MTSX2\nmx 99 0 0 1\n65536 a.test\nend\n" },
	{ "MX: negative preference", "MTSX2\nmx 99 0 0 1\n-1 a.test\nend\n" },
	{ "MX: name not an LDH host (DESIGN 19)", "MTSX2\nmx 99 0 0 1\n10 a_b.test\nend\n" },
	{ "MX: raw UTF-8 name (DESIGN 19)", "MTSX2\nmx 99 0 0 1\n10 \xc3\xa9.test\nend\n" },
	{ "MX: a NUL in the name", "MTSX2\nmx 99 0 0 1\n10 a\0b.test\nend\n" },
	{ "MX: unusable flag with hosts (DESIGN 19)", "MTSX2\nmx 99 0 1 1\n10 a.test\nend\n" },
	{ "MX: null and unusable both", "MTSX2\nmx 99 1 1 1\nend\n" },
	{ "MX: count above the cap", "MTSX2\nmx 99 0 0 65\nend\n" },
	{ "MX: trailing bytes", "MTSX2\nmx 99 0 0 0\nend\nX" },
	{ "MX: no end line", "MTSX2\nmx 99 0 0 0\n" },
};

static void
mx_codec(void)
{
	struct mts_mx_entry a, b;
	unsigned char *buf;
	size_t len, i, cut, refused = 0;

	memset(&a, 0, sizeof(a));
	a.expires = 1700000060;
	a.n = 2;
	a.hosts[0].pref = 10;
	strcpy(a.hosts[0].name, "mx1.example.test");
	a.hosts[1].pref = 65535;
	strcpy(a.hosts[1].name, "mx2.example.test");
	ok(mts_mx_entry_encode(&a, &buf, &len) == 0, "MX: encode two hosts");
	ok(mts_mx_entry_decode(buf, len, &b) == 0, "MX: decode them back");
	is_int(b.expires, 1700000060, "MX: expiry");
	is_int(b.n, 2, "MX: two hosts");
	is_str(b.hosts[1].name, "mx2.example.test", "MX: names in order");
	is_int(b.hosts[1].pref, 65535, "MX: preference");
	is_int(b.null_mx, 0, "MX: not a null MX");
	for (cut = 0; cut < len; cut++)
		if (mts_mx_entry_decode(buf, cut, &b) == -1)
			refused++;
	is_int(refused, len, "MX: all %zu truncations refused", len);
	free(buf);

	/* RFC 7505: a null MX reads back as a null MX, never as "no MX
	 * records" (which would be the implicit MX, the domain's A record). */
	memset(&a, 0, sizeof(a));
	a.expires = 5;
	a.null_mx = 1;
	ok(mts_mx_entry_encode(&a, &buf, &len) == 0, "MX: encode a null MX");
	ok(mts_mx_entry_decode(buf, len, &b) == 0 && b.null_mx == 1 && b.n == 0,
	    "MX: a null MX stays a null MX (RFC 7505)");
	free(buf);
	a.n = 1;
	strcpy(a.hosts[0].name, "mx.example.test");
	ok(mts_mx_entry_encode(&a, &buf, &len) == -1,
	    "MX: a null MX with hosts is not written (RFC 7505 §3)");
	memset(&a, 0, sizeof(a));
	a.unusable = 1;
	ok(mts_mx_entry_encode(&a, &buf, &len) == 0 &&
	    mts_mx_entry_decode(buf, len, &b) == 0 && b.unusable == 1 &&
	    b.n == 0 && b.null_mx == 0,
	    "MX: records none of which is a host name stay so (DESIGN 19), "
	    "never the implicit MX");
	free(buf);
	memset(&a, 0, sizeof(a));
	a.n = 1;
	strcpy(a.hosts[0].name, "bad name");
	ok(mts_mx_entry_encode(&a, &buf, &len) == -1,
	    "MX: a name that is no host name is not written");

	for (i = 0; i < sizeof(mx_bads) / sizeof(mx_bads[0]); i++) {
		size_t n = strlen(mx_bads[i].rec);

		if (strstr(mx_bads[i].name, "NUL") != NULL)
			n = sizeof("MTSX2\nmx 99 0 0 1\n10 a\0b.test\nend\n") - 1;
		ok(mts_mx_entry_decode((const unsigned char *)mx_bads[i].rec, n,
		    &b) == -1, "refused: %s", mx_bads[i].name);
	}
	is_int(mts_ttl_clamp(0, 60, 3600), 60, "TTL below dns_min_ttl: raised");
	is_int(mts_ttl_clamp(86400, 60, 3600), 3600, "TTL above dns_max_ttl: lowered");
	is_int(mts_ttl_clamp(300, 60, 3600), 300, "TTL between: kept");
}

/* Policies decoded through a doc memo: an equal text shares the doc
 * parsed first, another text gets its own, a bad one is not kept. */
static void
doc_memo(void)
{
	static const char a[] = "MTSC1\ntxt 2 a 0\nbackoff - 0\nlast 0 \n"
	    "policy a 1 2 55\nversion: STSv1\nmode: enforce\nmx: a.test\n"
	    "max_age: 86400\n\nend\n";
	static const char b[] = "MTSC1\ntxt 2 a 0\nbackoff - 0\nlast 0 \n"
	    "policy a 1 2 55\nversion: STSv1\nmode: testing\nmx: a.test\n"
	    "max_age: 86400\n\nend\n";
	static const char bad[] = "MTSC1\ntxt 2 a 0\nbackoff - 0\nlast 0 \n"
	    "policy a 1 2 55\nversion: STSv1\nmode: enforcX\nmx: a.test\n"
	    "max_age: 86400\n\nend\n";
	struct mts_doc_memo dm;
	struct mts_entry e1, e2, e3, e4;

	memset(&dm, 0, sizeof(dm));
	ok(mts_record_decode_memo((const unsigned char *)a, sizeof(a) - 1, &e1,
	    &dm) == 0 && mts_record_decode_memo((const unsigned char *)a,
	    sizeof(a) - 1, &e2, &dm) == 0 && e1.doc == e2.doc,
	    "doc memo: the same text, the same doc");
	ok(mts_record_decode_memo((const unsigned char *)b, sizeof(b) - 1, &e3,
	    &dm) == 0 && e3.doc != e1.doc &&
	    e3.doc->mode == MTASTS_MODE_TESTING &&
	    e1.doc->mode == MTASTS_MODE_ENFORCE,
	    "doc memo: another text, its own doc");
	ok(mts_record_decode_memo((const unsigned char *)bad, sizeof(bad) - 1,
	    &e4, &dm) == -1 && mts_record_decode_memo((const unsigned char *)bad,
	    sizeof(bad) - 1, &e4, &dm) == -1, "doc memo: a bad text stays bad");
	mts_entry_clear(&e1);
	mts_entry_clear(&e2);
	mts_entry_clear(&e3);
	mts_doc_memo_clear(&dm);
}

/*
 * The one-pass decoder (record_decode.c) against the line-by-line one
 * it replaced (ref_record.h), on the edges of the format: each row is
 * accepted by both, with the same values, or refused by both.
 */
#define R(txt, tail) "MTSC1\n" txt "\nbackoff - 0\nlast 0 \n" tail
#define POL "policy a 1 2 37\nversion: STSv1\nmode: none\nmax_age: 1\n\n"
static const struct {
	const char *what, *rec;
	int accepted;
} edges[] = {
	{ "a minimal record", R("txt 0 - 0", "end\n"), 1 },
	{ "with a policy", R("txt 2 a 5", POL "end\n"), 1 },
	{ "state -0 (strtoll reads it as 0)", R("txt -0 - 0", "end\n"), 1 },
	{ "leading zeros", R("txt 002 0a 0000000005", "end\n"), 1 },
	{ "state 3", R("txt 3 - 0", "end\n"), 0 },
	{ "state -1", R("txt -1 - 0", "end\n"), 0 },
	{ "no state", R("txt  - 0", "end\n"), 0 },
	{ "a lone minus", R("txt - - 0", "end\n"), 0 },
	{ "two spaces", R("txt 0  - 0", "end\n"), 0 },
	{ "trailing space", R("txt 0 - 0 ", "end\n"), 0 },
	{ "a fifth field", R("txt 0 - 0 1", "end\n"), 0 },
	{ "a tab for a space", R("txt 0\t- 0", "end\n"), 0 },
	{ "CRLF", R("txt 0 - 0\r", "end\n"), 0 },
	{ "empty id", R("txt 2  0", "end\n"), 0 },
	{ "id \"-x\"", R("txt 2 -x 0", "end\n"), 0 },
	{ "id \"x-\"", R("txt 2 x- 0", "end\n"), 0 },
	{ "id of 32", R("txt 2 12345678901234567890123456789012 0",
	    "end\n"), 1 },
	{ "id of 33", R("txt 2 123456789012345678901234567890123 0",
	    "end\n"), 0 },
	{ "id with a high byte", R("txt 2 a\xc3\xa9 0", "end\n"), 0 },
	{ "time 2^40", R("txt 0 - 1099511627776", "end\n"), 1 },
	{ "time 2^40 + 1", R("txt 0 - 1099511627777", "end\n"), 0 },
	{ "time negative", R("txt 0 - -5", "end\n"), 0 },
	{ "time past INT64_MAX", R("txt 0 - 99999999999999999999999", "end\n"),
	    0 },
	{ "a txt line of 127 bytes", R("txt 0 - "
	    "00000000000000000000000000000000000000000000000000000000000000"
	    "00000000000000000000000000000000000000000000000000000000"
	    "5", "end\n"), 1 },
	{ "a txt line of 128 bytes", R("txt 0 - "
	    "00000000000000000000000000000000000000000000000000000000000000"
	    "000000000000000000000000000000000000000000000000000000000"
	    "5", "end\n"), 0 },
	/* Numbers are read eight digits at a time: runs around eight. */
	{ "a time of 8 digits", R("txt 0 - 12345678", "end\n"), 1 },
	{ "a time of 9 digits", R("txt 0 - 123456789", "end\n"), 1 },
	{ "a time of 16 digits", R("txt 0 - 0000001234567890", "end\n"), 1 },
	{ "a state of 20 digits", R("txt 00000000000000000002 - 0", "end\n"),
	    1 },
	{ "INT64_MAX as a state", R("txt 9223372036854775807 - 0", "end\n"),
	    0 },
	{ "past INT64_MAX as a state", R("txt 9223372036854775808 - 0",
	    "end\n"), 0 },
	{ "-INT64_MIN as a state", R("txt -9223372036854775808 - 0", "end\n"),
	    0 },
	{ "a ':' among eight digits", R("txt 0 - 1234:678", "end\n"), 0 },
	{ "a '/' among eight digits", R("txt 0 - 1234/678", "end\n"), 0 },
	{ "a high byte among eight digits", R("txt 0 - 1234\xf9" "678",
	    "end\n"), 0 },
	{ "a reason with spaces", "MTSC1\ntxt 0 - 0\nbackoff - 0\n"
	    "last 3 a b  c \nend\n", 1 },
	{ "no space after the result", "MTSC1\ntxt 0 - 0\nbackoff - 0\n"
	    "last 0\nend\n", 0 },
	{ "a reason of 279 bytes (cut to 255)", "MTSC1\ntxt 0 - 0\n"
	    "backoff - 0\nlast 1 "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxx\nend\n", 1 },
	{ "a last line of 288 bytes", "MTSC1\ntxt 0 - 0\n"
	    "backoff - 0\nlast 1 "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxx\nend\n", 0 },
	{ "\"policy \" with nothing after", R("txt 0 - 0", "policy \nend\n"), 0 },
	{ "a policy line with no body length", R("txt 0 - 0",
	    "policy a 1 2\nend\n"), 0 },
	{ "body length 0", R("txt 0 - 0", "policy a 1 2 0\n\nend\n"), 0 },
	{ "body length past the cap", R("txt 0 - 0", "policy a 1 2 65537\n"
	    "\nend\n"), 0 },
	{ "no LF after the body", R("txt 2 a 5", "policy a 1 2 38\nversion: "
	    "STSv1\nmode: none\nmax_age: 1\n\nend\n"), 0 },
	{ "\"end\" without LF", R("txt 0 - 0", "end"), 0 },
	{ "\"end\" twice", R("txt 0 - 0", "end\nend\n"), 0 },
	{ "a line in place of end", R("txt 0 - 0", "endx\n"), 0 },
};
#undef R
#undef POL

static int
same_entry(const struct mts_entry *a, const struct mts_entry *b)
{
	return a->txt_state == b->txt_state && !strcmp(a->txt_id, b->txt_id) &&
	    a->txt_expires == b->txt_expires &&
	    !strcmp(a->policy_id, b->policy_id) &&
	    a->fetched_at == b->fetched_at && a->expires_at == b->expires_at &&
	    !strcmp(a->backoff_id, b->backoff_id) &&
	    a->backoff_until == b->backoff_until &&
	    a->last_result == b->last_result &&
	    !strcmp(a->last_reason, b->last_reason) &&
	    (a->doc == NULL) == (b->doc == NULL) && (a->doc == NULL ||
	    (a->doc->text_len == b->doc->text_len &&
	    !memcmp(a->doc->text, b->doc->text, a->doc->text_len)));
}

/* 1 if both decoders give the same answer for buf. */
static int
agree(const unsigned char *buf, size_t len, int *accepted)
{
	struct mts_entry a, b;
	int ra = mts_record_decode(buf, len, &a);
	int rb = ref_record_decode(buf, len, &b);
	int same = ra == rb && (ra != 0 || same_entry(&a, &b));

	*accepted = ra == 0;
	mts_entry_clear(&a);
	mts_entry_clear(&b);
	return same;
}

static void
against_reference(void)
{
	unsigned char *buf, m[2048];
	size_t i, j, len, bad = 0, tried = 0;
	struct mts_entry e;
	int acc;
	static const unsigned char subst[] = { ' ', '\n', '\0', '-', '0', '9',
	    'a', 'Z', 0xff };

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		ok(agree((const unsigned char *)edges[i].rec,
		    strlen(edges[i].rec), &acc) && acc == edges[i].accepted,
		    "as the old decoder: %s: %s", edges[i].what,
		    edges[i].accepted ? "accepted" : "refused");
	}
	/* Every byte of a full record replaced in turn. */
	fill(&e);
	mts_record_encode(&e, &buf, &len);
	mts_entry_clear(&e);
	for (i = 0; i < len && len <= sizeof(m); i++)
		for (j = 0; j < sizeof(subst); j++) {
			memcpy(m, buf, len);
			m[i] = subst[j];
			tried++;
			if (!agree(m, len, &acc))
				bad++;
		}
	ok(tried > 0 && bad == 0, "as the old decoder: %zu one-byte changes "
	    "of a record, %zu answers differ", tried, bad);
	free(buf);
}

int
main(void)
{
	struct mts_entry e;
	size_t i;

	roundtrip();
	against_reference();
	mx_codec();
	doc_memo();
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		ok(mts_record_decode((const unsigned char *)bads[i].rec,
		    strlen(bads[i].rec), &e) == -1, "refused: %s", bads[i].name);
		ok(e.doc == NULL, "nothing kept: %s", bads[i].name);
	}
	/* Every truncation of a good record is refused. */
	{
		unsigned char *buf;
		size_t len, cut, refused = 0;

		fill(&e);
		mts_record_encode(&e, &buf, &len);
		mts_entry_clear(&e);
		for (cut = 0; cut < len; cut++) {
			struct mts_entry t;
			if (mts_record_decode(buf, cut, &t) == -1)
				refused++;
			else
				mts_entry_clear(&t);
		}
		is_int(refused, len, "all %zu truncations refused", len);
		free(buf);
	}
	return done_testing();
}
