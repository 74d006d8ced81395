/* SPDX-License-Identifier: ISC */
/* line.c - the table protocol 0.1 of OpenSMTPD 7.6 and later: one
 * request or reply per '\n'-terminated line, '|'-separated fields.
 *
 * Verified against OpenSMTPD 7.8.0p1 usr.sbin/smtpd/table_proc.c (and
 * smtpd-tables.7, whose fetch example answers "lookup-result": the code
 * reads "fetch-result").  smtpd sends
 *   config|smtpd-version|V, config|protocol|0.1, config|tablename|NAME,
 *   config|ready
 * and reads "register|SERVICE" lines up to "register|ready".  Requests:
 *   table|0.1|SEC.USEC|NAME|check|SERVICE|ID|KEY  -> check-result|ID|R
 *   table|0.1|SEC.USEC|NAME|lookup|SERVICE|ID|KEY -> lookup-result|ID|R
 *   table|0.1|SEC.USEC|NAME|fetch|SERVICE|ID      -> fetch-result|ID|R
 *   table|0.1|SEC.USEC|NAME|update|ID             -> update-result|ID|ok
 * R is found (lookup: found|VALUE), not-found or error|MESSAGE; KEY is
 * the rest of the line and may hold '|'.  A reply with another ID, or
 * a line smtpd cannot parse, is fatal to smtpd.  Closing is EOF.
 */
#include <string.h>
#include <syslog.h>

#include "table/conn.h"

#define TBL_LINE_VERSION	"0.1"
#define TBL_ID_MAX		64

struct tbl_str {
	const char	*p;
	size_t		 n;
};

/* One request, its fields pointing into c->in. */
struct tbl_req {
	struct tbl_str	 f[5];		/* table, version, ts, name, op */
	struct tbl_str	 svc, id, key;
	int		 haskey;	/* the line went on after ID */
};

static int
tbl_eq(struct tbl_str s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* Cuts the next '|'-terminated field off *rest; -1 when there is none. */
static int
tbl_field(struct tbl_str *rest, struct tbl_str *f)
{
	const char *bar = memchr(rest->p, '|', rest->n);

	if (bar == NULL)
		return -1;
	f->p = rest->p;
	f->n = (size_t)(bar - rest->p);
	rest->n -= f->n + 1;
	rest->p = bar + 1;
	return 0;
}

static int
tbl_id_ok(struct tbl_str id)
{
	size_t i;

	if (id.n == 0 || id.n > TBL_ID_MAX)
		return 0;
	for (i = 0; i < id.n; i++)
		if (id.p[i] <= ' ' || id.p[i] > '~')
			return 0;
	return 1;
}

/* Appends n bytes at *p (room checked by the caller). */
static char *
tbl_put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* "<op>-result|<id>|<status>[|<more>]\n", written straight into c->out
 * (room checked once): the whole reply, one write() in serve.c. */
static void
tbl_line_reply(struct tbl_conn *c, const struct tbl_req *r,
    const char *status, const char *more)
{
	size_t sn = strlen(status), mn = more != NULL ? strlen(more) : 0;
	size_t len = r->f[4].n + 8 + r->id.n + 1 + sn +
	    (more != NULL ? 1 + mn : 0) + 1;
	char *p;

	if (len > TBL_OUTSZ - c->outlen) {
		tbl_log(c, LOG_ERR, "line reply does not fit");
		return;
	}
	p = c->out + c->outlen;
	p = tbl_put(p, r->f[4].p, r->f[4].n);
	p = tbl_put(p, "-result|", 8);
	p = tbl_put(p, r->id.p, r->id.n);
	*p++ = '|';
	p = tbl_put(p, status, sn);
	if (more != NULL) {
		*p++ = '|';
		p = tbl_put(p, more, mn);
	}
	*p++ = '\n';
	c->outlen += len;
	c->nrequests++;
}

static void
tbl_line_error(struct tbl_conn *c, const struct tbl_req *r, const char *msg)
{
	char id[TBL_ID_MAX + 1];

	tbl_vis(id, sizeof(id), r->id.p, r->id.n);
	tbl_log(c, LOG_ERR, "request %s: %s", id, msg);
	tbl_line_reply(c, r, "error", msg);
}

static int
tbl_line_service(struct tbl_str s, enum tbl_service *svc)
{
	static const char *const other[] = {
		"alias", "credentials", "netaddr", "userinfo", "source",
		"mailaddr", "addrname", "mailaddrmap", "string", "regex",
		"auth",
	};
	size_t i;

	if (tbl_eq(s, "domain")) {
		*svc = TBL_SVC_DOMAIN;
		return 0;
	}
	if (tbl_eq(s, "relayhost")) {
		*svc = TBL_SVC_RELAYHOST;
		return 0;
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (tbl_eq(s, other[i])) {
			*svc = TBL_SVC_OTHER;
			return 0;
		}
	return -1;
}

/*
 * Splits a request into fields.  -1 when no reply can be addressed (no
 * operation we know, no usable ID).  When `cut` is set the line was
 * truncated: only fields followed by a '|' are whole.
 */
static int
tbl_line_split(const char *l, size_t len, int cut, struct tbl_req *r)
{
	struct tbl_str rest = { l, len };
	size_t i;
	int withsvc;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 5; i++)
		if (tbl_field(&rest, &r->f[i]) == -1)
			return -1;
	if (tbl_eq(r->f[4], "check") || tbl_eq(r->f[4], "lookup") ||
	    tbl_eq(r->f[4], "fetch"))
		withsvc = 1;
	else if (tbl_eq(r->f[4], "update"))
		withsvc = 0;
	else
		return -1;
	if (withsvc && tbl_field(&rest, &r->svc) == -1)
		return -1;
	if (tbl_field(&rest, &r->id) == 0) {
		r->haskey = 1;
		r->key = rest;
	} else if (!cut)
		r->id = rest;
	else
		return -1;
	return tbl_id_ok(r->id) ? 0 : -1;
}

static void
tbl_line_query(struct tbl_conn *c, const struct tbl_req *r)
{
	char val[TBL_VALSZ];
	enum tbl_service svc;
	enum tbl_answer a;
	int lookup = tbl_eq(r->f[4], "lookup");

	if (!r->haskey) {
		tbl_line_error(c, r, "missing key");
		return;
	}
	if (tbl_line_service(r->svc, &svc) == -1) {
		tbl_line_error(c, r, "unknown service");
		return;
	}
	/* the key ends where the line ended, at the NUL put there */
	a = tbl_ask(c, lookup, svc, r->key.p, val, sizeof(val));
	if (a == TBL_FOUND && lookup && val[strcspn(val, "\r\n")] != '\0')
		tbl_line_error(c, r, "value holds a line break");
	else if (a == TBL_FOUND)
		tbl_line_reply(c, r, "found", lookup ? val : NULL);
	else if (a == TBL_NOTFOUND)
		tbl_line_reply(c, r, "not-found", NULL);
	else
		tbl_line_reply(c, r, "error", "temporary failure");
}

static void
tbl_line_request(struct tbl_conn *c, const char *l, size_t len)
{
	struct tbl_req r;
	char vis[80];

	if (tbl_line_split(l, len, 0, &r) == -1) {
		tbl_vis(vis, sizeof(vis), l, len);
		tbl_log(c, LOG_ERR, "unanswerable request \"%s\"", vis);
		return;
	}
	if (!tbl_eq(r.f[1], TBL_LINE_VERSION) || c->badversion)
		tbl_line_error(c, &r, "unsupported protocol version");
	else if (memchr(l, '\0', len) != NULL)
		tbl_line_error(c, &r, "NUL byte in request");
	else if (tbl_eq(r.f[4], "update")) {
		if (r.haskey)
			tbl_line_error(c, &r, "too many fields");
		else {
			if (c->be->update != NULL)
				c->be->update(c->be->arg);
			tbl_line_reply(c, &r, "ok", NULL);
		}
	} else if (tbl_eq(r.f[4], "fetch")) {
		/* we keep no list to iterate */
		if (r.haskey)
			tbl_line_error(c, &r, "too many fields");
		else
			tbl_line_reply(c, &r, "not-found", NULL);
	} else
		tbl_line_query(c, &r);
}

static void
tbl_line_register(struct tbl_conn *c)
{
	static const char reg[] =
	    "register|domain\nregister|relayhost\nregister|ready\n";

	if (c->registered) {
		tbl_log(c, LOG_ERR, "second config|ready ignored");
		return;
	}
	if (tbl_out(c, reg, sizeof(reg) - 1) == 0)
		c->registered = 1;
}

static void
tbl_line_config(struct tbl_conn *c, const char *l, size_t len)
{
	struct tbl_str rest = { l, len }, f, key;
	char vis[80];

	(void)tbl_field(&rest, &f);		/* "config" */
	if (tbl_field(&rest, &key) == -1) {
		if (tbl_eq(rest, "ready"))
			tbl_line_register(c);
		return;
	}
	tbl_vis(vis, sizeof(vis), rest.p, rest.n);
	if (tbl_eq(key, "protocol") && !tbl_eq(rest, TBL_LINE_VERSION)) {
		/* Registering anyway keeps smtpd alive; it gets errors. */
		tbl_log(c, LOG_ERR, "table protocol %s, want %s: every "
		    "request will fail", vis, TBL_LINE_VERSION);
		c->badversion = 1;
	} else if (tbl_eq(key, "tablename"))
		tbl_log(c, LOG_DEBUG, "line protocol, table \"%s\"", vis);
}

/* One line, '\n' already replaced by a NUL. */
static void
tbl_line_one(struct tbl_conn *c, const char *l, size_t len)
{
	char vis[80];

	if (len >= 7 && memcmp(l, "config|", 7) == 0)
		tbl_line_config(c, l, len);
	else if (len >= 6 && memcmp(l, "table|", 6) == 0)
		tbl_line_request(c, l, len);
	else {
		tbl_vis(vis, sizeof(vis), l, len);
		tbl_log(c, LOG_ERR, "unknown line \"%s\"", vis);
	}
}

/* The first TBL_LINE_MAX bytes of a longer line: answer if we can. */
static void
tbl_line_overlong(struct tbl_conn *c, const char *l, size_t len)
{
	struct tbl_req r;

	tbl_log(c, LOG_ERR, "line longer than %d bytes discarded",
	    TBL_LINE_MAX);
	if (len >= 6 && memcmp(l, "table|", 6) == 0 &&
	    tbl_line_split(l, len, 1, &r) == 0)
		tbl_line_reply(c, &r, "error", "line too long");
	c->discarding = 1;
}

/* Inside an over-long line: drops bytes up to and including its '\n'. */
static size_t
tbl_line_skip(struct tbl_conn *c, const char *l, size_t left)
{
	const char *nl = memchr(l, '\n', left);

	if (nl == NULL)
		return left;
	c->discarding = 0;
	return (size_t)(nl - l) + 1;
}

/*
 * Answers every complete line in c->in while c->out has room for the
 * largest reply; a line over TBL_LINE_MAX is answered from its start
 * and skipped up to its end.
 */
static int
tbl_line_process(struct tbl_conn *c)
{
	size_t off = 0, left;
	char *l, *nl;

	while ((left = c->inlen - off) > 0 &&
	    TBL_OUTSZ - c->outlen >= TBL_REPLY_MAX) {
		l = c->in + off;
		if (c->discarding) {
			off += tbl_line_skip(c, l, left);
			continue;
		}
		nl = memchr(l, '\n', left < TBL_LINE_MAX ? left : TBL_LINE_MAX);
		if (nl != NULL) {
			*nl = '\0';
			tbl_line_one(c, l, (size_t)(nl - l));
			off += (size_t)(nl - l) + 1;
		} else if (left >= TBL_LINE_MAX) {
			tbl_line_overlong(c, l, TBL_LINE_MAX);
			off += TBL_LINE_MAX;
		} else
			break;
	}
	/* only when something was taken: a frame or line arriving byte
	 * by byte must not cost a copy of itself per byte */
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	return 0;
}

const struct tbl_proto_ops tbl_proto_line = {
	.name = "7.6+ line",
	.process = tbl_line_process,
};
