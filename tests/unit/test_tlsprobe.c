/* SPDX-License-Identifier: ISC */
/* test_tlsprobe.c - the SMTP reply reader of net/tlsprobe.c (RFC 5321
 * §4.2 reply syntax, RFC 3207 §4 STARTTLS keyword), one row per rule. */
#include <string.h>

#include "tap.h"
#include "net/tlsprobe.h"

static const struct {
	const char *name, *in;
	int code;            /* 0: need more, -1: not a reply */
	size_t used;
	int starttls;
} rows[] = {
	{ "§4.2: one line \"220 text\"", "220 mx ESMTP\r\n", 220, 14, 0 },
	{ "§4.2: code alone", "250\r\n", 250, 5, 0 },
	{ "§4.2: LF alone ends a line", "250 ok\n", 250, 7, 0 },
	{ "§4.2.1: continuation lines then the last", "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n", 250, 38, 1 },
	{ "RFC 3207 §4: STARTTLS keyword on a continuation line", "250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n", 250, 36, 1 },
	{ "RFC 3207 §4: keyword case-insensitive", "250-mx\r\n250 starttls\r\n", 250, 22, 1 },
	{ "a longer keyword is not STARTTLS", "250-mx\r\n250 STARTTLSX\r\n", 250, 23, 0 },
	{ "STARTTLS inside text is not the keyword", "250-mx\r\n250 X-STARTTLS\r\n", 250, 24, 0 },
	{ "incomplete: no line end yet", "250-mx\r\n250 STA", 0, 0, 0 },
	{ "incomplete: continuation only", "250-mx\r\n", 0, 0, 0 },
	{ "not a reply: letters for a code", "abc hello\r\n", -1, 0, 0 },
	{ "not a reply: short code", "25\r\n", -1, 0, 0 },
	{ "not a reply: bad separator", "250xok\r\n", -1, 0, 0 },
	{ "empty input needs more", "", 0, 0, 0 },
	{ "stop at the first reply", "220 a\r\n250 b\r\n", 220, 7, 0 },
};

int
main(void)
{
	size_t i, used;
	char longline[700];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int tls = 0;
		int code = mts_smtp_reply_scan(rows[i].in, strlen(rows[i].in),
		    &used, &tls);

		is_int(code, rows[i].code, "%s: code", rows[i].name);
		if (code > 0)
			is_int((int)used, (int)rows[i].used, "%s: bytes used", rows[i].name);
		is_int(tls, rows[i].starttls, "%s: STARTTLS seen", rows[i].name);
	}
	/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets. */
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "250 ", 4);
	is_int(mts_smtp_reply_scan(longline, sizeof(longline), &used, NULL), -1,
	    "§4.5.3.1.5: an endless line is refused, not waited for");
	return done_testing();
}
