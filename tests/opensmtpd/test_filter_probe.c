/* SPDX-License-Identifier: ISC */
/* test_filter_probe.c - the filter's SMTP reply reader (probe.c), one
 * row per shape of reply (RFC 5321 §4.2). */
#include <string.h>

#include "tap.h"
#include "filter/probe.h"

static const struct {
	const char *in;
	int code, starttls;
} rows[] = {
	{ .in = "220 mx.example ESMTP\r\n", .code = 220 },
	{ .in = "220\r\n", .code = 220 },
	{ .in = "250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
	  .code = 250, .starttls = 1 },
	{ .in = "250-mx.example\r\n250 starttls\r\n", .code = 250, .starttls = 1 },
	{ .in = "250-mx.example\r\n250 STARTTLSX\r\n", .code = 250 },
	{ .in = "250 mx.example\n", .code = 250 },           /* bare LF */
	{ .in = "421 busy\r\n", .code = 421 },
	{ .in = "25\r\n", .code = -1 },                       /* too short */
	{ .in = "abc text\r\n", .code = -1 },                 /* no code */
	{ .in = "250x\r\n", .code = -1 },                     /* bad separator */
	{ .in = "650 no\r\n", .code = -1 },                   /* not a reply code */
	{ .in = "220-partial", .code = 0 },                   /* needs more */
};

int
main(void)
{
	struct probe_reply st;
	size_t i, j;
	char big[3000];
	int rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		probe_reply_init(&st);
		rc = 0;
		for (j = 0; rows[i].in[j] != '\0' && rc == 0; j++)
			rc = probe_reply_feed(&st, rows[i].in[j]);
		ok(rc == rows[i].code && st.starttls == rows[i].starttls,
		    "%.30s: code %d starttls %d", rows[i].in, rc, st.starttls);
	}
	/* A line longer than the buffer: cut, still read to its end. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "250 ", 4);
	probe_reply_init(&st);
	for (j = 0, rc = 0; j < sizeof(big) && rc == 0; j++)
		rc = probe_reply_feed(&st, big[j]);
	rc = probe_reply_feed(&st, '\n');
	ok(rc == 250 && st.n == 0, "a 3000-byte line: cut, code 250");
	return done_testing();
}
