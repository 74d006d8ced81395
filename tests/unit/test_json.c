/* SPDX-License-Identifier: ISC */
/* test_json.c - the one JSON string escaper (mtasts_json_quote), which
 * the TLS-RPT report, the collector datagram and the CLI's --json all
 * use: RFC 8259 §7 escapes, valid UTF-8 (RFC 3629 §4) passed through,
 * anything else U+FFFD so the output is I-JSON (RFC 7493 §2.1) whatever
 * a policy host, a TXT record or an EHLO name sent. */
#include <string.h>

#include "mtasts.h"
#include "base/sbuf.h"
#include "tap.h"

static const struct {
	const char *name, *in, *want;
} rows[] = {
	{ .name = "plain", .in = "mx.example.com", .want = "\"mx.example.com\"" },
	{ .name = "empty", .in = "", .want = "\"\"" },
	{ .name = "RFC 8259 §7: quote and backslash", .in = "a\"b\\c",
	  .want = "\"a\\\"b\\\\c\"" },
	{ .name = "RFC 8259 §7: two-character escapes", .in = "\b\f\n\r\t",
	  .want = "\"\\b\\f\\n\\r\\t\"" },
	{ .name = "RFC 8259 §7: other controls as \\u00XX", .in = "\x01\x1f",
	  .want = "\"\\u0001\\u001f\"" },
	{ .name = "DEL escaped (log and terminal safety)", .in = "\x7f",
	  .want = "\"\\u007f\"" },
	{ .name = "RFC 3629: 2-byte UTF-8 kept", .in = "\xc3\xa9",
	  .want = "\"\xc3\xa9\"" },
	{ .name = "RFC 3629: 3-byte UTF-8 kept", .in = "\xe2\x82\xac",
	  .want = "\"\xe2\x82\xac\"" },
	{ .name = "RFC 3629: 4-byte UTF-8 kept", .in = "\xf0\x9f\x93\xa7",
	  .want = "\"\xf0\x9f\x93\xa7\"" },
	{ .name = "RFC 3629 §3: overlong form is U+FFFD", .in = "\xc0\xaf",
	  .want = "\"\\ufffd\\ufffd\"" },
	{ .name = "RFC 3629 §3: surrogate is U+FFFD", .in = "\xed\xa0\x80",
	  .want = "\"\\ufffd\\ufffd\\ufffd\"" },
	{ .name = "RFC 3629 §3: above U+10FFFF is U+FFFD",
	  .in = "\xf4\x90\x80\x80", .want = "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ .name = "cut-short sequence is U+FFFD, the rest kept",
	  .in = "\xe2\x82" "x", .want = "\"\\ufffd\\ufffdx\"" },
	{ .name = "lone continuation byte", .in = "\x80", .want = "\"\\ufffd\"" },
};

static void
quote_rows(void)
{
	char buf[128];
	struct mts_sbuf b;
	size_t i, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = mtasts_json_quote(buf, sizeof(buf), rows[i].in);
		is_str(buf, rows[i].want, "%s", rows[i].name);
		is_int(n, strlen(rows[i].want), "%s: length", rows[i].name);
		/* The core's buffers escape through the same function. */
		mts_sbuf_init(&b);
		mts_sbuf_json(&b, rows[i].in);
		is_str(b.buf, rows[i].want, "%s: same in the core", rows[i].name);
		mts_sbuf_free(&b);
	}
}

static void
bounds(void)
{
	char buf[8];
	size_t n;

	memset(buf, 'X', sizeof(buf));
	n = mtasts_json_quote(buf, sizeof(buf), "abc\"def");
	is_int(n, 10, "snprintf-like: the full length is returned");
	is_str(buf, "\"abc\\\"d", "truncated output is NUL-terminated");
	memset(buf, 'X', sizeof(buf));
	n = mtasts_json_quote(buf, 4, "a\nb");
	is_str(buf, "\"a", "an escape is never cut in half");
	is_int(n, 6, "and the length is still the full one");
	is_int(mtasts_json_quote(NULL, 0, "\x01"), 8,
	    "NULL, 0 measures (\\u0001 and the quotes)");
	is_int(mtasts_json_quote(buf, sizeof(buf), NULL), 2, "NULL is \"\"");
	is_str(buf, "\"\"", "NULL is written as \"\"");
}

int
main(void)
{
	quote_rows();
	bounds();
	return done_testing();
}
