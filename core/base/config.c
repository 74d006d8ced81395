/* SPDX-License-Identifier: ISC */
/* base/config.c - mtasts.conf(5): the defaults, one "key = value" setting, and
 * a file of them. Every value is checked here, once, so the rest of the
 * core can trust struct mts_config. Never prints, never exits. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/util.h"

#define LINE_MAX_BYTES 1023

enum kind { K_INT, K_MODE, K_BOOL, K_PATH, K_OPTPATH, K_UPSTREAM,
	K_TEMPFAIL, K_LOGLEVEL, K_TEXT, K_STORE, K_NETLIST, K_PROXY };

struct key {
	const char *name;
	enum kind kind;
	size_t off;        /* offsetof(struct mts_config, field) */
	size_t size;       /* string fields: buffer size */
	long lo, hi;       /* K_INT bounds */
};

#define INT(n, f, l, h) { n, K_INT, offsetof(struct mts_config, f), 0, l, h }
#define STR(n, k, f) { n, k, offsetof(struct mts_config, f), \
	sizeof(((struct mts_config *)0)->f), 0, 0 }
#define OTHER(n, k, f) { n, k, offsetof(struct mts_config, f), 0, 0, 0 }

/* The bounds are documented in mtasts.conf(5); keep the two in step. */
static const struct key keys[] = {
	STR("cache_file", K_PATH, cache_file),
	OTHER("cache_mode", K_MODE, cache_mode),
	OTHER("cache_mmap", K_BOOL, cache_mmap),
	INT("cache_hash_size", cache_hash_size, 1, 100000007),
	STR("dns_upstream", K_UPSTREAM, dns_upstream),
	STR("dns_trust_anchor", K_OPTPATH, dns_trust_anchor),
	INT("dns_timeout", dns_timeout, 1, 600),
	INT("dns_min_ttl", dns_min_ttl, 0, 604800),
	INT("dns_max_ttl", dns_max_ttl, 0, 604800),
	OTHER("dns_tempfail", K_TEMPFAIL, dns_tempfail),
	OTHER("dns_worker", K_BOOL, dns_worker),
	STR("ca_file", K_OPTPATH, ca_file),
	STR("ca_path", K_OPTPATH, ca_path),
	STR("mx_ca_file", K_OPTPATH, mx_ca_file),
	STR("mx_ca_path", K_OPTPATH, mx_ca_path),
	INT("connect_timeout", connect_timeout, 1, 600),
	INT("fetch_timeout", fetch_timeout, 1, 600),
	OTHER("require_text_plain", K_BOOL, require_text_plain),
	INT("fetch_backoff", backoff, 0, 86400),
	INT("refresh_interval", refresh_interval, 60, 31557600),
	INT("refresh_concurrency", refresh_concurrency, 1, 256),
	INT("lock_wait", lock_wait, 1, 600),
	OTHER("log_level", K_LOGLEVEL, log_level),
	STR("results_file", K_PATH, results_file),
	STR("tlsrpt_socket", K_OPTPATH, tlsrpt_socket),
	INT("results_keep_days", results_keep_days, 2, 3660),
	STR("report_org_name", K_TEXT, report_org_name),
	STR("report_submitter", K_TEXT, report_submitter),
	STR("report_contact", K_TEXT, report_contact),
	STR("report_from", K_TEXT, report_from),
	STR("sendmail", K_PATH, sendmail),
	STR("shared_store", K_STORE, shared_store),
	STR("shared_password", K_TEXT, shared_password),
	STR("shared_prefix", K_TEXT, shared_prefix),
	STR("shared_host_id", K_TEXT, shared_host_id),
	INT("shared_timeout", shared_timeout, 10, 60000),
	INT("shared_retry", shared_retry, 1, 3600),
	OTHER("allow_networks", K_NETLIST, allow_networks),
	STR("https_proxy", K_PROXY, https_proxy),
	INT("lookup_timeout", lookup_timeout, 1, 600),
};

void
mts_config_defaults(struct mts_config *c)
{
	memset(c, 0, sizeof(*c));
	mts_config_defaults_zeroed(c);
}

void
mts_config_defaults_zeroed(struct mts_config *c)
{
	mts_strlcpy(c->cache_file, "/var/lib/mtasts/cache.tdb",
	    sizeof(c->cache_file));
	c->cache_mode = 0660;
	/* A mapped file truncated under a process kills it (SIGBUS): the
	 * MTA user can do that to root's Exim deliveries. read/write it. */
	c->cache_mmap = 0;
	c->cache_hash_size = 100003;
	/* Empty strings: system resolver, no trust anchor, system CAs. */
	c->dns_timeout = 5;
	c->dns_min_ttl = 60;
	c->dns_max_ttl = 3600;
	c->dns_tempfail = MTS_TEMPFAIL_DELIVER;
	c->connect_timeout = 10;
	c->fetch_timeout = 30;
	c->require_text_plain = 1;
	c->backoff = 300;
	c->refresh_interval = 86400;
	c->refresh_concurrency = 16;
	c->lock_wait = 45;
	c->log_level = 6;
	mts_strlcpy(c->results_file, "/var/lib/mtasts/results.tdb",
	    sizeof(c->results_file));
	c->results_keep_days = 31;
	mts_strlcpy(c->sendmail, "/usr/sbin/sendmail", sizeof(c->sendmail));
	c->lookup_timeout = 4;
	mts_strlcpy(c->shared_prefix, "mtasts:", sizeof(c->shared_prefix));
	c->shared_timeout = 500;
	c->shared_retry = 30;
}

static int parse_num(const char *v, int base, long hi, long *out);

int
mts_store_addr_parse(const char *s, struct mts_store_addr *a, char *err,
    size_t errsz)
{
	const char *h, *e, *p = NULL;
	long port = 6379;

	memset(a, 0, sizeof(*a));
	if (strncmp(s, "unix:", 5) == 0)
		s += 5;
	if (*s == '/') {
		a->unix_socket = 1;
		if (strlen(s) >= sizeof(a->path) || strlen(s) >= 108) {
			mts_fmt(err, errsz, "socket path too long");
			return -1;
		}
		mts_strlcpy(a->path, s, sizeof(a->path));
		return 0;
	}
	if (strncmp(s, "redis://", 8) != 0) {
		mts_fmt(err, errsz, "'%.64s' is not redis://host:port, "
		    "unix:/path or /path", s);
		return -1;
	}
	h = s + 8;
	if (*h == '[') {               /* an IPv6 literal */
		if ((e = strchr(h, ']')) == NULL)
			goto bad;
		h++;
		p = e[1] == ':' ? e + 2 : e[1] == '\0' ? NULL : "";
	} else {
		e = strchr(h, ':');
		p = e ? e + 1 : NULL;
		e = e ? e : h + strlen(h);
	}
	if (e == h || (size_t)(e - h) >= sizeof(a->host))
		goto bad;
	memcpy(a->host, h, (size_t)(e - h));
	a->host[e - h] = '\0';
	if (strpbrk(a->host, "/@?# ") != NULL)
		goto bad;
	if (p != NULL && (parse_num(p, 10, 65535, &port) != 0 || port == 0))
		goto bad;
	a->port = (int)port;
	return 0;
bad:
	mts_fmt(err, errsz, "'%.64s': expected redis://host:port", s);
	return -1;
}

static int
set_store(const struct key *k, void *field, const char *v, char *why,
    size_t whysz)
{
	struct mts_store_addr a;

	if (*v != '\0' && mts_store_addr_parse(v, &a, why, whysz) != 0)
		return -1;
	if (strlen(v) >= k->size) {
		mts_fmt(why, whysz, "longer than %zu bytes", k->size - 1);
		return -1;
	}
	mts_strlcpy(field, v, k->size);
	return 0;
}

/* ASCII case-insensitive equality: config words are ASCII, locale-free. */
static int
word_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (mts_lower((unsigned char)*a) != mts_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Unsigned number in base 8 or 10, digits only, capped before overflow. */
static int
parse_num(const char *v, int base, long hi, long *out)
{
	long n = 0;

	if (*v == '\0')
		return -1;
	for (; *v; v++) {
		int d = *v - '0';

		if (!mts_is_digit((unsigned char)*v) || d >= base)
			return -1;
		n = n * base + d;
		if (n > hi)
			return 1;   /* out of range; stop before overflow */
	}
	*out = n;
	return 0;
}

static int
set_int(const struct key *k, void *field, const char *v, char *why,
    size_t whysz)
{
	long n = 0;
	int rc = parse_num(v, 10, k->hi, &n);

	if (rc < 0 || (rc == 0 && n < k->lo) || rc > 0) {
		mts_fmt(why, whysz, "'%.64s' is not a whole number "
		    "in %ld..%ld", v, k->lo, k->hi);
		return -1;
	}
	*(int *)field = (int)n;
	return 0;
}

static int
set_mode(void *field, const char *v, char *why, size_t whysz)
{
	long n = 0;

	if (parse_num(v, 8, 0777, &n) != 0) {
		mts_fmt(why, whysz, "'%.64s' is not an octal mode in 0..0777", v);
		return -1;
	}
	*(unsigned *)field = (unsigned)n;
	return 0;
}

static int
set_bool(void *field, const char *v, char *why, size_t whysz)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (word_eq(v, yes[i]) || word_eq(v, no[i])) {
			*(int *)field = word_eq(v, yes[i]);
			return 0;
		}
	}
	mts_fmt(why, whysz, "'%.64s' is not yes/no/true/false/on/off/1/0", v);
	return -1;
}

static int
set_path(const struct key *k, void *field, const char *v, char *why,
    size_t whysz)
{
	const char *s;

	/* An empty optional path means "the default" (system CAs, none). */
	if (*v == '\0' && k->kind == K_OPTPATH)
		goto ok;
	if (*v != '/') {
		mts_fmt(why, whysz, "'%.64s' is not an absolute path", v);
		return -1;
	}
	for (s = v; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			mts_fmt(why, whysz, "control character in path");
			return -1;
		}
	}
	if (strlen(v) >= k->size) {
		mts_fmt(why, whysz, "path longer than %zu bytes", k->size - 1);
		return -1;
	}
ok:
	mts_strlcpy(field, v, k->size);
	return 0;
}

/* One "ip[@port]": an IPv4 or IPv6 literal, port 1..65535. */
static int
check_server(const char *tok, size_t len, char *why, size_t whysz)
{
	char ip[INET6_ADDRSTRLEN + 8];
	unsigned char addr[sizeof(struct in6_addr)];
	const char *at;
	long port = 0;

	if (len >= sizeof(ip))
		goto bad;
	memcpy(ip, tok, len);
	ip[len] = '\0';
	if ((at = strrchr(ip, '@')) != NULL) {
		if (parse_num(at + 1, 10, 65535, &port) != 0 || port < 1) {
			mts_fmt(why, whysz, "'%s': port is not in 1..65535", ip);
			return -1;
		}
		ip[at - ip] = '\0';
	}
	if (inet_pton(AF_INET, ip, addr) == 1 ||
	    inet_pton(AF_INET6, ip, addr) == 1)
		return 0;
bad:
	mts_fmt(why, whysz, "'%.*s' is not an IP address[@port]",
	    (int)(len > 64 ? 64 : len), tok);
	return -1;
}

static int
set_upstream(const struct key *k, void *field, const char *v, char *why,
    size_t whysz)
{
	const char *sep = " ,\t";
	const char *s = v;
	size_t len, n = 0;

	if (strlen(v) >= k->size) {
		mts_fmt(why, whysz, "longer than %zu bytes", k->size - 1);
		return -1;
	}
	/* Empty: back to the system resolver (/etc/resolv.conf). */
	while (*(s += strspn(s, sep)) != '\0') {
		len = strcspn(s, sep);
		if (check_server(s, len, why, whysz) != 0)
			return -1;
		s += len;
		n++;
	}
	if (n == 0 && *v != '\0') {
		mts_fmt(why, whysz, "no server in '%.64s'", v);
		return -1;
	}
	mts_strlcpy(field, v, k->size);
	return 0;
}

static int
set_tempfail(void *field, const char *v, char *why, size_t whysz)
{
	if (word_eq(v, "deliver"))
		*(enum mts_tempfail *)field = MTS_TEMPFAIL_DELIVER;
	else if (word_eq(v, "defer"))
		*(enum mts_tempfail *)field = MTS_TEMPFAIL_DEFER;
	else {
		mts_fmt(why, whysz, "'%.64s' is not deliver or defer", v);
		return -1;
	}
	return 0;
}

static int
set_loglevel(void *field, const char *v, char *why, size_t whysz)
{
	/* Index + 3 is the syslog level (LOG_ERR .. LOG_DEBUG). */
	static const char *names[] = { "err", "warning", "notice", "info",
	    "debug" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (word_eq(v, names[i])) {
			*(int *)field = (int)i + 3;
			return 0;
		}
	}
	mts_fmt(why, whysz, "'%.64s' is not err, warning, notice, info or "
	    "debug", v);
	return -1;
}

/* Free text (names, addresses): printable ASCII, since it ends up in
 * mail headers and JSON; checked for its meaning where it is used. */
static int
set_text(const struct key *k, void *field, const char *v, char *why,
    size_t whysz)
{
	const char *s;

	for (s = v; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
			mts_fmt(why, whysz, "only printable ASCII is allowed");
			return -1;
		}
	}
	if (strlen(v) >= k->size) {
		mts_fmt(why, whysz, "longer than %zu bytes", k->size - 1);
		return -1;
	}
	mts_strlcpy(field, v, k->size);
	return 0;
}

/*
 * https_proxy: "" (none) or http://host[:port][/]. Only an HTTP proxy:
 * the policy fetch and the report POST go through it with CONNECT, so
 * TLS and the certificate check stay end to end (RFC 8461 §3.3).
 */
static int
set_proxy(const struct key *k, char *field, const char *v, char *why,
    size_t whysz)
{
	if (*v != '\0' && (strncmp(v, "http://", 7) != 0 || v[7] == '\0')) {
		mts_fmt(why, whysz, "not an http://host:port proxy URL");
		return -1;
	}
	if (strchr(v, ' ') != NULL) {
		mts_fmt(why, whysz, "a proxy URL has no blanks");
		return -1;
	}
	return set_text(k, field, v, why, whysz);  /* printable, bounded */
}

static int
apply(const struct key *k, struct mts_config *c, const char *v, char *why,
    size_t whysz)
{
	void *field = (char *)c + k->off;

	switch (k->kind) {
	case K_INT:      return set_int(k, field, v, why, whysz);
	case K_MODE:     return set_mode(field, v, why, whysz);
	case K_BOOL:     return set_bool(field, v, why, whysz);
	case K_PATH:
	case K_OPTPATH:  return set_path(k, field, v, why, whysz);
	case K_UPSTREAM: return set_upstream(k, field, v, why, whysz);
	case K_TEMPFAIL: return set_tempfail(field, v, why, whysz);
	case K_LOGLEVEL: return set_loglevel(field, v, why, whysz);
	case K_TEXT:     return set_text(k, field, v, why, whysz);
	case K_STORE:    return set_store(k, field, v, why, whysz);
	case K_NETLIST:  return mts_netlist_parse(v, field, why, whysz);
	case K_PROXY:    return set_proxy(k, field, v, why, whysz);
	}
	mts_fmt(why, whysz, "internal error: key kind");
	return -1;
}

/* A key worth echoing in a message: short, [a-z0-9_-] only. */
static int
printable_key(const char *key)
{
	size_t n = strlen(key);

	return n > 0 && n <= 64 && strspn(key, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

int
mts_config_set(struct mts_config *c, const char *key, const char *value,
    char *err, size_t errsz)
{
	char why[200];
	size_t i;

	if (c == NULL || key == NULL || value == NULL) {
		mts_fmt(err, errsz, "missing key or value");
		return -1;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].name) != 0)
			continue;
		if (apply(&keys[i], c, value, why, sizeof(why)) != 0) {
			mts_fmt(err, errsz, "%s: %s", key, why);
			return -1;
		}
		return 0;
	}
	if (printable_key(key))
		mts_fmt(err, errsz, "unknown key '%s'", key);
	else
		mts_fmt(err, errsz, "invalid key name");
	return -1;
}

/* Strip SP, HTAB and CR (CRLF files) from both ends, in place. */
static char *
trim(char *s)
{
	char *e;

	while (mts_is_wsp((unsigned char)*s) || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (mts_is_wsp((unsigned char)e[-1]) || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * A blank then '#' inside a value: "key = value   # note" is a comment
 * to its writer but would be part of the value (a report_contact with a
 * note inside goes out in every TLS-RPT report). No key's value needs
 * " #", so such a line is refused rather than guessed at.
 */
static int
comment_tail(const char *v)
{
	for (; *v != '\0'; v++)
		if (mts_is_wsp((unsigned char)v[0]) && v[1] == '#')
			return 1;
	return 0;
}

/* One line, without its newline. Returns 0 or -1 with why set. */
static int
config_line(struct mts_config *c, char *line, char *why, size_t whysz)
{
	char *s = trim(line), *eq, *key, *value;

	if (*s == '\0' || *s == '#')
		return 0;
	if ((eq = strchr(s, '=')) == NULL) {
		mts_fmt(why, whysz, "expected key = value");
		return -1;
	}
	*eq = '\0';
	key = trim(s);
	if (*key == '\0') {
		mts_fmt(why, whysz, "expected key = value (no key before '=')");
		return -1;
	}
	value = trim(eq + 1);
	if (comment_tail(value)) {
		mts_fmt(why, whysz, "%s: ' #' in the value looks like a comment; "
		    "comments go on a line of their own", key);
		return -1;
	}
	return mts_config_set(c, key, value, why, whysz);
}

/* Settings that only make sense together, checked once the file is read. */
static int
config_coherent(const struct mts_config *c, char *why, size_t whysz)
{
	if (c->dns_min_ttl > c->dns_max_ttl) {
		mts_fmt(why, whysz, "dns_min_ttl (%d) is above dns_max_ttl (%d)",
		    c->dns_min_ttl, c->dns_max_ttl);
		return -1;
	}
	return 0;
}

struct reader {
	int fd;
	char buf[4096];
	size_t pos, len;
};

/* Next byte: 1, or 0 at end of file, or -1 on a read error. */
static int
next_byte(struct reader *r, char *ch)
{
	ssize_t n;

	if (r->pos == r->len) {
		do
			n = read(r->fd, r->buf, sizeof(r->buf));
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return n == 0 ? 0 : -1;
		r->pos = 0;
		r->len = (size_t)n;
	}
	*ch = r->buf[r->pos++];
	return 1;
}

/*
 * Read one line into line (LINE_MAX_BYTES + 1). Returns 1 with a line,
 * 0 at end of file, -1 with why set (too long, NUL byte, read error).
 */
static int
read_line(struct reader *r, char *line, char *why, size_t whysz)
{
	size_t n = 0;
	int rc;
	char ch;

	while ((rc = next_byte(r, &ch)) == 1 && ch != '\n') {
		if (ch == '\0') {
			mts_fmt(why, whysz, "NUL byte in file");
			return -1;
		}
		if (n == LINE_MAX_BYTES) {
			mts_fmt(why, whysz, "line longer than %d bytes",
			    LINE_MAX_BYTES);
			return -1;
		}
		line[n++] = ch;
	}
	if (rc < 0) {
		mts_fmt(why, whysz, "read: %s", strerror(errno));
		return -1;
	}
	line[n] = '\0';
	return rc == 1 || n > 0;
}

int
mts_config_load(struct mts_config *c, const char *path, char *err,
    size_t errsz)
{
	struct reader r = { .fd = -1 };
	char line[LINE_MAX_BYTES + 1], why[400];
	unsigned lineno = 0;
	int rc;

	if (c == NULL || path == NULL) {
		mts_fmt(err, errsz, "missing config path");
		return -1;
	}
	if ((r.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		mts_fmt(why, sizeof(why), "cannot open: %s", strerror(errno));
		goto fail;
	}
	while (lineno++, (rc = read_line(&r, line, why, sizeof(why))) == 1)
		if (config_line(c, line, why, sizeof(why)) != 0)
			goto fail;
	if (rc < 0)
		goto fail;
	if (config_coherent(c, why, sizeof(why)) != 0) {
		lineno = 0;   /* not one line's fault */
		goto fail;
	}
	close(r.fd);
	return 0;
fail:
	mts_fmt(err, errsz, "%s:%u: %s", path, lineno, why);
	if (r.fd >= 0)
		close(r.fd);
	return -1;
}
