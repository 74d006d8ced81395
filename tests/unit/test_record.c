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
	is_str(b.doc ? b.doc->text : "", body, "body kept byte for byte (STS-70)");
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

int
main(void)
{
	struct mts_entry e;
	size_t i;

	roundtrip();
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
