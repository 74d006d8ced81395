/* SPDX-License-Identifier: ISC */
/* test_record.c - the cache record codec: round trips, and every kind of
 * damaged or foreign record refused (never trusted, never a crash). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sts/entry.h"

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

int
main(void)
{
	struct mts_entry e;
	size_t i;

	roundtrip();
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
