/* SPDX-License-Identifier: ISC */
/* test_fleet.c - the fleet's pure parts: shared_store addresses
 * (mtasts.conf(5)) and the strict JSON reader behind `cache import`
 * (RFC 8259), one row per rule. */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "base/config.h"
#include "base/jsonread.h"

static void
store_addr(void)
{
	static const struct {
		const char *in;
		int ok, unix_socket, port;
		const char *host, *path;
	} rows[] = {
	{ .in = "redis://10.0.0.5:6380", .ok = 1, .port = 6380, .host = "10.0.0.5" },
	{ .in = "redis://redis.example", .ok = 1, .port = 6379, .host = "redis.example" },
	{ .in = "redis://[2001:db8::1]:7000", .ok = 1, .port = 7000, .host = "2001:db8::1" },
	{ .in = "redis://[2001:db8::1]", .ok = 1, .port = 6379, .host = "2001:db8::1" },
	{ .in = "unix:/run/redis/redis.sock", .ok = 1, .unix_socket = 1, .path = "/run/redis/redis.sock" },
	{ .in = "/run/redis/redis.sock", .ok = 1, .unix_socket = 1, .path = "/run/redis/redis.sock" },
	{ .in = "rediss://h:1" }, { .in = "redis://" }, { .in = "redis://h:0" },
	{ .in = "redis://h:65536" }, { .in = "redis://h:x" },
	{ .in = "redis://user@h:1" }, { .in = "redis://[::1" },
	{ .in = "redis://[::1]x" }, { .in = "h:6379" }, { .in = "relative.sock" },
	};
	struct mts_store_addr a;
	char err[128];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rc = mts_store_addr_parse(rows[i].in, &a, err, sizeof(err));
		if (!rows[i].ok) {
			ok(rc != 0 && err[0] != '\0', "shared_store '%s' refused "
			    "(%s)", rows[i].in, err);
			continue;
		}
		ok(rc == 0 && a.unix_socket == rows[i].unix_socket &&
		    (a.unix_socket ? strcmp(a.path, rows[i].path) == 0 :
		    strcmp(a.host, rows[i].host) == 0 && a.port == rows[i].port),
		    "shared_store '%s'", rows[i].in);
	}
}

static void
jsonread(void)
{
	static const struct {
		const char *in, *want;   /* want NULL: refused */
		const char *name;
	} strings[] = {
	{ "\"abc\"", "abc", "RFC 8259 §7 plain string" },
	{ "\"a\\\"b\\\\c\\/d\\n\\t\"", "a\"b\\c/d\n\t", "§7 two-character escapes" },
	{ "\"\\u00e9\"", "\xc3\xa9", "§7 \\u escape to UTF-8" },
	{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", "§7 surrogate pair" },
	{ "\"\\ud83d\"", NULL, "lone high surrogate refused" },
	{ "\"\\ude00\"", NULL, "lone low surrogate refused" },
	{ "\"\\u0000\"", NULL, "NUL refused (C strings)" },
	{ "\"a\tb\"", NULL, "§7 raw control character refused" },
	{ "\"\xc3\"", NULL, "§8.1 invalid UTF-8 refused" },
	{ "\"\xed\xa0\x80\"", NULL, "UTF-8 surrogate refused (RFC 3629)" },
	{ "\"abc", NULL, "unterminated refused" },
	{ "\"\\x\"", NULL, "unknown escape refused" },
	{ "\"0123456789abcdef\"", NULL, "longer than the buffer refused" },
	};
	static const struct {
		const char *in;
		int ok;
		int64_t want;
	} ints[] = {
	{ "0", 1, 0 }, { "1700000000", 1, 1700000000 }, { "-5", 1, -5 },
	{ "01", 0, 0 }, { "1.5", 0, 0 }, { "1e3", 0, 0 }, { "-", 0, 0 },
	{ "99999999999999999999", 0, 0 },
	};
	static const struct {
		const char *in;
		int ok;
	} skips[] = {
	{ "{\"a\":[1,{\"b\":null}],\"c\":true,\"d\":\"x\"}", 1 },
	{ "[]", 1 }, { "{}", 1 }, { "[1,]", 0 }, { "{\"a\":1,}", 0 },
	{ "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", 0 },
	{ "nul", 0 }, { "{\"a\" 1}", 0 }, { "[1] x", 0 },
	};
	struct mts_jr j;
	char out[16];
	int64_t v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		mts_jr_init(&j, strings[i].in, strlen(strings[i].in));
		rc = mts_jr_string(&j, out, sizeof(out));
		ok(strings[i].want ? rc == 0 && strcmp(out, strings[i].want) == 0 :
		    rc != 0 && j.err[0] != '\0', "%s", strings[i].name);
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		mts_jr_init(&j, ints[i].in, strlen(ints[i].in));
		rc = mts_jr_int(&j, &v);
		ok(ints[i].ok ? rc == 0 && v == ints[i].want : rc != 0,
		    "§6 integer '%s' %s", ints[i].in, ints[i].ok ? "read" :
		    "refused");
	}
	for (i = 0; i < sizeof(skips) / sizeof(skips[0]); i++) {
		mts_jr_init(&j, skips[i].in, strlen(skips[i].in));
		rc = mts_jr_skip(&j) == 0 && mts_jr_end(&j) == 0;
		ok(rc == skips[i].ok, "value '%s' %s", skips[i].in,
		    skips[i].ok ? "skipped whole" : "refused");
	}
}

int
main(void)
{
	store_addr();
	jsonread();
	return done_testing();
}
