/* SPDX-License-Identifier: ISC */
/* test_config.c - mtasts.conf(5): the defaults, every key with good and
 * bad values, and the file reader (comments, whitespace, long lines, NUL,
 * unknown keys reported with file:line, a missing file). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "base/config.h"

enum field { F_NONE, F_INT, F_UINT, F_STR };

#define I(f) .field = F_INT, .off = offsetof(struct mts_config, f)
#define U(f) .field = F_UINT, .off = offsetof(struct mts_config, f)
#define S(f) .field = F_STR, .off = offsetof(struct mts_config, f)

struct set_case {
	const char *key, *value;
	int ok;                  /* mts_config_set() must succeed */
	enum field field;        /* where the value lands (ok cases) */
	size_t off;
	long want;               /* F_INT, F_UINT */
	const char *want_str;    /* F_STR; NULL: the value itself */
	const char *err;         /* bad cases: the exact message */
};

static const struct set_case set_cases[] = {
	/* paths: absolute only; empty resets the optional ones */
	{ .key = "cache_file", .value = "/tmp/c.tdb", .ok = 1, S(cache_file) },
	{ .key = "cache_file", .value = "c.tdb",
	  .err = "cache_file: 'c.tdb' is not an absolute path" },
	{ .key = "cache_file", .value = "",
	  .err = "cache_file: '' is not an absolute path" },
	{ .key = "cache_file", .value = "/a\tb",
	  .err = "cache_file: control character in path" },
	{ .key = "dns_trust_anchor", .value = "/etc/unbound/root.key", .ok = 1,
	  S(dns_trust_anchor) },
	{ .key = "dns_trust_anchor", .value = "", .ok = 1, S(dns_trust_anchor) },
	{ .key = "dns_trust_anchor", .value = "root.key",
	  .err = "dns_trust_anchor: 'root.key' is not an absolute path" },
	{ .key = "ca_file", .value = "/etc/ssl/ca.pem", .ok = 1, S(ca_file) },
	{ .key = "ca_file", .value = "./ca.pem",
	  .err = "ca_file: './ca.pem' is not an absolute path" },
	{ .key = "ca_path", .value = "/etc/ssl/certs", .ok = 1, S(ca_path) },
	{ .key = "ca_path", .value = "certs",
	  .err = "ca_path: 'certs' is not an absolute path" },
	{ .key = "mx_ca_file", .value = "/x/mx.pem", .ok = 1, S(mx_ca_file) },
	{ .key = "mx_ca_file", .value = "mx.pem",
	  .err = "mx_ca_file: 'mx.pem' is not an absolute path" },
	{ .key = "mx_ca_path", .value = "/x/certs", .ok = 1, S(mx_ca_path) },
	{ .key = "mx_ca_path", .value = "~/certs",
	  .err = "mx_ca_path: '~/certs' is not an absolute path" },
	/* cache_mode: octal */
	{ .key = "cache_mode", .value = "0640", .ok = 1, U(cache_mode), .want = 0640 },
	{ .key = "cache_mode", .value = "600", .ok = 1, U(cache_mode), .want = 0600 },
	{ .key = "cache_mode", .value = "0", .ok = 1, U(cache_mode), .want = 0 },
	{ .key = "cache_mode", .value = "0777", .ok = 1, U(cache_mode), .want = 0777 },
	{ .key = "cache_mode", .value = "01777",
	  .err = "cache_mode: '01777' is not an octal mode in 0..0777" },
	{ .key = "cache_mode", .value = "0680",
	  .err = "cache_mode: '0680' is not an octal mode in 0..0777" },
	{ .key = "cache_mode", .value = "rw",
	  .err = "cache_mode: 'rw' is not an octal mode in 0..0777" },
	/* dns_upstream: ip[@port], spaces or commas */
	{ .key = "dns_upstream", .value = "127.0.0.1", .ok = 1, S(dns_upstream) },
	{ .key = "dns_upstream", .value = "127.0.10.1@5353, ::1@53 192.0.2.1",
	  .ok = 1, S(dns_upstream) },
	{ .key = "dns_upstream", .value = "2001:db8::1@65535", .ok = 1,
	  S(dns_upstream) },
	{ .key = "dns_upstream", .value = "", .ok = 1, S(dns_upstream) },
	{ .key = "dns_upstream", .value = "ns1.example",
	  .err = "dns_upstream: 'ns1.example' is not an IP address[@port]" },
	{ .key = "dns_upstream", .value = "127.0.0.1@0",
	  .err = "dns_upstream: '127.0.0.1@0': port is not in 1..65535" },
	{ .key = "dns_upstream", .value = "127.0.0.1@65536",
	  .err = "dns_upstream: '127.0.0.1@65536': port is not in 1..65535" },
	{ .key = "dns_upstream", .value = "127.0.0.1@",
	  .err = "dns_upstream: '127.0.0.1@': port is not in 1..65535" },
	{ .key = "dns_upstream", .value = "127.0.0.1 256.1.1.1",
	  .err = "dns_upstream: '256.1.1.1' is not an IP address[@port]" },
	{ .key = "dns_upstream", .value = ",",
	  .err = "dns_upstream: no server in ','" },
	/* integers: decimal seconds within bounds */
	{ .key = "cache_hash_size", .value = "1000003", .ok = 1, I(cache_hash_size),
	  .want = 1000003 },
	{ .key = "cache_hash_size", .value = "0",
	  .err = "cache_hash_size: '0' is not a whole number in 1..100000007" },
	{ .key = "dns_timeout", .value = "1", .ok = 1, I(dns_timeout), .want = 1 },
	{ .key = "dns_timeout", .value = "600", .ok = 1, I(dns_timeout), .want = 600 },
	{ .key = "dns_timeout", .value = "0",
	  .err = "dns_timeout: '0' is not a whole number in 1..600" },
	{ .key = "dns_timeout", .value = "601",
	  .err = "dns_timeout: '601' is not a whole number in 1..600" },
	{ .key = "dns_timeout", .value = "-5",
	  .err = "dns_timeout: '-5' is not a whole number in 1..600" },
	{ .key = "dns_timeout", .value = "5s",
	  .err = "dns_timeout: '5s' is not a whole number in 1..600" },
	{ .key = "dns_timeout", .value = "0x10",
	  .err = "dns_timeout: '0x10' is not a whole number in 1..600" },
	{ .key = "dns_timeout", .value = "99999999999999999999999",
	  .err = "dns_timeout: '99999999999999999999999' is not a whole number "
	  "in 1..600" },
	{ .key = "dns_min_ttl", .value = "0", .ok = 1, I(dns_min_ttl), .want = 0 },
	{ .key = "dns_min_ttl", .value = "604801",
	  .err = "dns_min_ttl: '604801' is not a whole number in "
	  "0..604800" },
	{ .key = "dns_max_ttl", .value = "604800", .ok = 1, I(dns_max_ttl),
	  .want = 604800 },
	{ .key = "dns_max_ttl", .value = "",
	  .err = "dns_max_ttl: '' is not a whole number in 0..604800" },
	{ .key = "connect_timeout", .value = "3", .ok = 1, I(connect_timeout),
	  .want = 3 },
	{ .key = "connect_timeout", .value = "0",
	  .err = "connect_timeout: '0' is not a whole number in 1..600" },
	{ .key = "fetch_timeout", .value = "60", .ok = 1, I(fetch_timeout),
	  .want = 60 },
	{ .key = "fetch_timeout", .value = "1 0",
	  .err = "fetch_timeout: '1 0' is not a whole number in 1..600" },
	{ .key = "fetch_backoff", .value = "0", .ok = 1, I(backoff), .want = 0 },
	{ .key = "fetch_backoff", .value = "86400", .ok = 1, I(backoff),
	  .want = 86400 },
	{ .key = "fetch_backoff", .value = "86401",
	  .err = "fetch_backoff: '86401' is not a whole number in "
	  "0..86400" },
	{ .key = "refresh_interval", .value = "60", .ok = 1, I(refresh_interval),
	  .want = 60 },
	{ .key = "refresh_interval", .value = "31557600", .ok = 1,
	  I(refresh_interval), .want = 31557600 },
	{ .key = "refresh_interval", .value = "59",
	  .err = "refresh_interval: '59' is not a whole number in "
	  "60..31557600" },
	{ .key = "refresh_concurrency", .value = "256", .ok = 1,
	  I(refresh_concurrency), .want = 256 },
	{ .key = "refresh_concurrency", .value = "0",
	  .err = "refresh_concurrency: '0' is not a whole number in "
	  "1..256" },
	{ .key = "lock_wait", .value = "1", .ok = 1, I(lock_wait), .want = 1 },
	{ .key = "lock_wait", .value = "+5",
	  .err = "lock_wait: '+5' is not a whole number in 1..600" },
	/* booleans */
	{ .key = "require_text_plain", .value = "no", .ok = 1,
	  I(require_text_plain), .want = 0 },
	{ .key = "require_text_plain", .value = "YES", .ok = 1,
	  I(require_text_plain), .want = 1 },
	{ .key = "require_text_plain", .value = "false", .ok = 1,
	  I(require_text_plain), .want = 0 },
	{ .key = "require_text_plain", .value = "true", .ok = 1,
	  I(require_text_plain), .want = 1 },
	{ .key = "require_text_plain", .value = "off", .ok = 1,
	  I(require_text_plain), .want = 0 },
	{ .key = "require_text_plain", .value = "on", .ok = 1,
	  I(require_text_plain), .want = 1 },
	{ .key = "require_text_plain", .value = "0", .ok = 1,
	  I(require_text_plain), .want = 0 },
	{ .key = "require_text_plain", .value = "1", .ok = 1,
	  I(require_text_plain), .want = 1 },
	{ .key = "require_text_plain", .value = "maybe",
	  .err = "require_text_plain: 'maybe' is not yes/no/true/false/on/off/1/0" },
	/* words */
	{ .key = "dns_tempfail", .value = "defer", .ok = 1, I(dns_tempfail),
	  .want = MTS_TEMPFAIL_DEFER },
	{ .key = "dns_tempfail", .value = "deliver", .ok = 1, I(dns_tempfail),
	  .want = MTS_TEMPFAIL_DELIVER },
	{ .key = "dns_tempfail", .value = "bounce",
	  .err = "dns_tempfail: 'bounce' is not deliver or defer" },
	{ .key = "log_level", .value = "err", .ok = 1, I(log_level), .want = 3 },
	{ .key = "log_level", .value = "warning", .ok = 1, I(log_level), .want = 4 },
	{ .key = "log_level", .value = "notice", .ok = 1, I(log_level), .want = 5 },
	{ .key = "log_level", .value = "info", .ok = 1, I(log_level), .want = 6 },
	{ .key = "log_level", .value = "debug", .ok = 1, I(log_level), .want = 7 },
	{ .key = "log_level", .value = "7",
	  .err = "log_level: '7' is not err, warning, notice, info or debug" },
	/* keys */
	{ .key = "foo", .value = "1", .err = "unknown key 'foo'" },
	{ .key = "Cache_File", .value = "/x", .err = "unknown key 'Cache_File'" },
	{ .key = "backoff", .value = "1", .err = "unknown key 'backoff'" },
	{ .key = "a b", .value = "1", .err = "invalid key name" },
};

static void
check_field(const struct set_case *t, const struct mts_config *c)
{
	const char *p = (const char *)c + t->off;
	const char *v = t->value ? t->value : "(none)";

	switch (t->field) {
	case F_INT:
		is_int(*(const int *)p, t->want, "%s = '%s': value", t->key,
		    v);
		break;
	case F_UINT:
		is_int(*(const unsigned *)p, t->want, "%s = '%s': value",
		    t->key, v);
		break;
	case F_STR:
		is_str(p, t->want_str ? t->want_str : v,
		    "%s = '%s': value", t->key, v);
		break;
	case F_NONE:
		break;
	}
}

static void
test_set(void)
{
	struct mts_config c, before;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		const struct set_case *t = &set_cases[i];
		int rc;

		mts_config_defaults(&c);
		before = c;
		err[0] = '\0';
		rc = mts_config_set(&c, t->key, t->value, err, sizeof(err));
		if (t->ok) {
			if (!ok(rc == 0, "%s = '%s' accepted", t->key, t->value))
				printf("#   error: %s\n", err);
			check_field(t, &c);
		} else {
			ok(rc == -1, "%s = '%s' refused", t->key, t->value);
			is_str(err, t->err, "%s = '%s': message", t->key,
			    t->value);
			ok(memcmp(&c, &before, sizeof(c)) == 0,
			    "%s = '%s': settings unchanged", t->key, t->value);
		}
	}
}

static void
test_defaults(void)
{
	struct mts_config c;

	memset(&c, 0xa5, sizeof(c));
	mts_config_defaults(&c);
	is_str(c.cache_file, "/var/lib/mtasts/cache.tdb", "default cache_file");
	is_int(c.cache_mode, 0660, "default cache_mode");
	is_str(c.dns_upstream, "", "default dns_upstream: system resolver");
	is_str(c.dns_trust_anchor, "", "default dns_trust_anchor: none");
	is_int(c.dns_timeout, 5, "default dns_timeout");
	is_int(c.dns_min_ttl, 60, "default dns_min_ttl");
	is_int(c.dns_max_ttl, 3600, "default dns_max_ttl");
	is_int(c.dns_tempfail, MTS_TEMPFAIL_DELIVER, "default dns_tempfail");
	is_str(c.ca_file, "", "default ca_file: system");
	is_str(c.ca_path, "", "default ca_path: system");
	is_str(c.mx_ca_file, "", "default mx_ca_file: ca_file");
	is_str(c.mx_ca_path, "", "default mx_ca_path: ca_path");
	is_int(c.connect_timeout, 10, "default connect_timeout");
	is_int(c.fetch_timeout, 30, "default fetch_timeout");
	is_int(c.require_text_plain, 1, "default require_text_plain");
	is_int(c.backoff, 300, "default fetch_backoff");
	is_int(c.refresh_interval, 86400, "default refresh_interval");
	is_int(c.refresh_concurrency, 16, "default refresh_concurrency");
	is_int(c.lock_wait, 45, "default lock_wait");
	is_int(c.log_level, 6, "default log_level: info");
}

static char dir[] = "/tmp/mtasts-test-config.XXXXXX";

/* Write body (len bytes: NULs allowed) to a file in dir; return its path. */
static const char *
write_file(const char *name, const char *body, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(body, 1, len, f) != len) {
		printf("# cannot write %s\n", path);
		if (f != NULL)
			fclose(f);
		return path;
	}
	fclose(f);
	return path;
}

struct load_case {
	const char *name;
	const char *body;
	size_t len;              /* 0: strlen(body) */
	const char *err;         /* NULL: must load; else the text after "path:" */
	int timeout, ttl_min;    /* ok cases: dns_timeout, dns_min_ttl after */
};

static const struct load_case load_cases[] = {
	{ .name = "empty", .body = "", .timeout = 5, .ttl_min = 60 },
	{ .name = "comments and blanks",
	  .body = "# a comment\n\n   \t\n  # indented comment\ndns_timeout = 7\n",
	  .timeout = 7, .ttl_min = 60 },
	{ .name = "whitespace around",
	  .body = "\t dns_timeout\t=\t9 \t\ndns_min_ttl=0\n",
	  .timeout = 9, .ttl_min = 0 },
	{ .name = "CRLF lines", .body = "dns_timeout = 11\r\ndns_min_ttl = 5\r\n",
	  .timeout = 11, .ttl_min = 5 },
	{ .name = "no final newline", .body = "dns_timeout = 12",
	  .timeout = 12, .ttl_min = 60 },
	{ .name = "last one wins", .body = "dns_timeout = 1\ndns_timeout = 2\n",
	  .timeout = 2, .ttl_min = 60 },
	{ .name = "unknown key",
	  .body = "# x\ndns_timeout = 5\nfoo = bar\n", .err = "3: unknown key 'foo'" },
	{ .name = "bad value",
	  .body = "\n\ndns_timeout = 0\n",
	  .err = "3: dns_timeout: '0' is not a whole number in 1..600" },
	{ .name = "no equals", .body = "dns_timeout 5\n",
	  .err = "1: expected key = value" },
	{ .name = "no key", .body = " = 5\n",
	  .err = "1: expected key = value (no key before '=')" },
	{ .name = "inline comment refused",
	  .body = "dns_timeout = 5 # five\n",
	  .err = "1: dns_timeout: ' #' in the value looks like a comment; "
	  "comments go on a line of their own" },
	{ .name = "inline comment after a text value refused",
	  .body = "\nreport_contact = pm@sender.example\t# submitter\n",
	  .err = "2: report_contact: ' #' in the value looks like a comment; "
	  "comments go on a line of their own" },
	{ .name = "a '#' inside a word is part of the value",
	  .body = "report_org_name = Example#1 Mail\ndns_timeout = 5\n",
	  .timeout = 5, .ttl_min = 60 },
	{ .name = "NUL byte", .body = "dns_timeout = 5\nfoo\0 = 1\n", .len = 25,
	  .err = "2: NUL byte in file" },
	{ .name = "min ttl above max ttl",
	  .body = "dns_min_ttl = 7200\ndns_max_ttl = 600\n",
	  .err = "0: dns_min_ttl (7200) is above dns_max_ttl (600)" },
};

static void
test_load_case(const struct load_case *t)
{
	struct mts_config c;
	char err[600], want[600];
	const char *path;
	int rc;

	path = write_file("case.conf", t->body, t->len ? t->len : strlen(t->body));
	mts_config_defaults(&c);
	err[0] = '\0';
	rc = mts_config_load(&c, path, err, sizeof(err));
	if (t->err == NULL) {
		if (!ok(rc == 0, "load: %s", t->name))
			printf("#   error: %s\n", err);
		is_int(c.dns_timeout, t->timeout, "load: %s: dns_timeout", t->name);
		is_int(c.dns_min_ttl, t->ttl_min, "load: %s: dns_min_ttl", t->name);
		return;
	}
	snprintf(want, sizeof(want), "%s:%s", path, t->err);
	ok(rc == -1, "load: %s: refused", t->name);
	is_str(err, want, "load: %s: message", t->name);
}

/* 1023 bytes of line are allowed, 1024 are not. */
static void
test_long_line(void)
{
	struct mts_config c;
	char body[1100], err[1200], want[600];
	const char *path;
	size_t n;

	strcpy(body, "cache_file = /");
	n = strlen(body);
	memset(body + n, 'a', 1023 - n);
	body[1023] = '\n';
	path = write_file("long.conf", body, 1024);
	mts_config_defaults(&c);
	ok(mts_config_load(&c, path, err, sizeof(err)) == 0,
	    "1023-byte line accepted");
	is_int(strlen(c.cache_file), 1023 - n + 1, "1023-byte line: value kept");

	strcpy(body, "# ");
	memset(body + 2, 'x', 1021);
	memcpy(body + 1023, "\ndns_timeout = 8\n", 17);
	path = write_file("long.conf", body, 1040);
	mts_config_defaults(&c);
	ok(mts_config_load(&c, path, err, sizeof(err)) == 0,
	    "1023-byte comment line accepted");
	is_int(c.dns_timeout, 8, "line after a 1023-byte line read");

	body[1023] = 'x';
	path = write_file("long.conf", body, 1040);
	mts_config_defaults(&c);
	ok(mts_config_load(&c, path, err, sizeof(err)) == -1,
	    "1024-byte line refused");
	snprintf(want, sizeof(want), "%s:1: line longer than 1023 bytes", path);
	is_str(err, want, "long line: message");
}

static void
test_missing(void)
{
	struct mts_config c;
	char path[300], err[600], want[700];

	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	mts_config_defaults(&c);
	ok(mts_config_load(&c, path, err, sizeof(err)) == -1,
	    "missing file refused");
	snprintf(want, sizeof(want), "%s:0: cannot open: No such file or "
	    "directory", path);
	is_str(err, want, "missing file: message");
	ok(mts_config_load(&c, dir, err, sizeof(err)) == -1,
	    "a directory is refused");
	is_int(c.dns_timeout, 5, "settings untouched by a failed load");
}

static void
test_partial(void)
{
	static const char body[] = "dns_timeout = 9\nbogus = 1\n"
	    "fetch_timeout = 9\n";

	struct mts_config c;
	char err[600];
	const char *path;

	path = write_file("partial.conf", body, strlen(body));
	mts_config_defaults(&c);
	ok(mts_config_load(&c, path, err, sizeof(err)) == -1, "partial: refused");
	is_int(c.dns_timeout, 9, "partial: settings before the error applied");
	is_int(c.fetch_timeout, 30, "partial: settings after it are not");
}

int
main(void)
{
	static const char *files[] = { "case.conf", "long.conf",
	    "partial.conf" };
	char path[300];
	size_t i;

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_defaults();
	test_set();
	for (i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++)
		test_load_case(&load_cases[i]);
	test_long_line();
	test_missing();
	test_partial();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	if (rmdir(dir) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
