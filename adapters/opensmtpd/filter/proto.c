/* SPDX-License-Identifier: ISC */
/*
 * proto.c - the OpenSMTPD filter protocol without I/O: assembles lines
 * from arbitrary chunks, answers the handshake, turns report lines into
 * struct flt_event and rcpt-to requests into backend calls, and queues
 * the answers for flt_serve() (or a fuzzer) to write.
 *
 * Wire formats, as read in OpenSMTPD's usr.sbin/smtpd/lka_filter.c
 * (v6.8.0p2, protocol 0.6; 7.4.0p0 and 7.8.0p1, protocol 0.7):
 *   in   config|<key>|<value> ... config|ready         (lka_proc_config)
 *   out  register|report|smtp-out|*                    (processor_register,
 *        register|filter|smtp-in|rcpt-to               lka_report_register_hook,
 *        register|ready                                lka_filter_register_hook)
 *   in   report|<ver>|<sec>.<usec>|<subsystem>|<event>|<sid>[|<fields>]
 *   in   filter|<ver>|<sec>.<usec>|smtp-in|<phase>|<sid>|<token>|<param>
 *   out  filter-result|<sid>|<token>|proceed
 *        filter-result|<sid>|<token>|reject|<code> <text>
 * smtpd fatalx()es, taking the whole daemon down, on an unknown register|
 * line, on anything but register| before register|ready, on a reqid or
 * token that is not hex, and on a filter-result during data-line; every
 * answer written here is shaped so that none of these can happen.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "proto.h"

#define EXCERPT_MAX	80	/* bytes of an offending line quoted in logs */

struct flt_conn {
	const struct flt_backend *be;
	int		 registered;	/* register|ready is in the output */
	int		 overlong;	/* the current line passed FLT_LINE_MAX */
	size_t		 linelen;
	char		*out;
	size_t		 outlen, outsz;
	char		 smtpd[32];	/* config|smtpd-version, for the log */
	int		 minor;		/* protocol 0.<minor> of the last request */
	char		 line[FLT_LINE_MAX + 1];
};

/* Events whose fields are known: how many, and which one may hold '|'. */
static const struct shape {
	const char	*event;
	size_t		 nfields;
	size_t		 rest;		/* takes the '|'s, from protocol 0.<since> */
	size_t		 rest_old;	/* ... and before it */
	int		 since;
} shapes[] = {
	{ "link-connect",	4, 3, 3, 0 },	/* rdns|fcrdns|src|dest */
	{ "link-greeting",	1, 0, 0, 0 },	/* hostname */
	{ "link-identify",	2, 1, 1, 0 },	/* method|identity */
	{ "link-tls",		1, 0, 0, 0 },	/* version:cipher:bits */
	{ "link-disconnect",	0, 0, 0, 0 },
	{ "link-auth",		2, 1, 0, 7 },	/* 0.7 result|user, 0.6 user|result */
	{ "tx-reset",		1, 0, 0, 0 },	/* msgid */
	{ "tx-begin",		1, 0, 0, 0 },	/* msgid */
	{ "tx-mail",		3, 2, 1, 6 },	/* msgid|result|address (0.5: address|result) */
	{ "tx-rcpt",		3, 2, 1, 6 },	/* msgid|result|address (0.5: address|result) */
	{ "tx-envelope",	2, 1, 1, 0 },	/* msgid|evpid */
	{ "tx-data",		2, 1, 1, 0 },	/* msgid|result */
	{ "tx-commit",		2, 1, 1, 0 },	/* msgid|size */
	{ "tx-rollback",	1, 0, 0, 0 },	/* msgid */
	{ "protocol-client",	1, 0, 0, 0 },	/* command */
	{ "protocol-server",	1, 0, 0, 0 },	/* response */
	{ "filter-report",	3, 2, 2, 0 },	/* builtin|name|message */
	{ "filter-response",	3, 2, 2, 0 },	/* phase|response[|param] */
	{ "timeout",		0, 0, 0, 0 },
};

static void	flt_log(struct flt_conn *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
flt_log(struct flt_conn *c, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->be->log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->be->log(c->be->arg, level, msg);
}

/* A printable, bounded copy of untrusted input for a log line. */
static const char *
excerpt(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t i, n = len < bufsz - 4 ? len : bufsz - 4;

	for (i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n < len)
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

/* Room for n more bytes of output; 0, or -1 (logged) without memory. */
static int
out_reserve(struct flt_conn *c, size_t n)
{
	char *p;
	size_t sz = c->outsz ? c->outsz : 4096;

	if (c->outsz - c->outlen >= n)
		return 0;
	while (sz - c->outlen < n)
		sz *= 2;
	if ((p = realloc(c->out, sz)) == NULL) {
		flt_log(c, LOG_ERR, "out of memory, answer lost");
		return -1;
	}
	c->out = p;
	c->outsz = sz;
	return 0;
}

/* One whole output line from NULL-terminated pieces, or nothing. */
static void
out_line(struct flt_conn *c, ...)
{
	const char *s;
	size_t total = 1, n;
	va_list ap;

	va_start(ap, c);
	while ((s = va_arg(ap, const char *)) != NULL)
		total += strlen(s);
	va_end(ap);
	if (out_reserve(c, total) == -1)
		return;
	va_start(ap, c);
	while ((s = va_arg(ap, const char *)) != NULL) {
		n = strlen(s);
		memcpy(c->out + c->outlen, s, n);
		c->outlen += n;
	}
	va_end(ap);
	c->out[c->outlen++] = '\n';
}

/* The field at *p up to the next '|', NUL-terminated; *p moves past it. */
static char *
field(char **p)
{
	char *f = *p, *bar;

	if (f == NULL)
		return NULL;
	if ((bar = strchr(f, '|')) != NULL) {
		*bar = '\0';
		*p = bar + 1;
	} else
		*p = NULL;
	return f;
}

/* A reqid or token as smtpd prints (%016"PRIx64") and strtoull()s it. */
static int
hexid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return n > 0 && n <= 16 && s[n] == '\0';
}

/* The minor of "0.<minor>", or -1 for anything else (read: the newest). */
static int
minor(const char *v)
{
	int m = 0;

	if (v[0] != '0' || v[1] != '.' || v[2] == '\0')
		return -1;
	for (v += 2; *v >= '0' && *v <= '9' && m < 1000; v++)
		m = m * 10 + (*v - '0');
	return *v == '\0' ? m : -1;
}

static void
do_register(struct flt_conn *c)
{
	/*
	 * 6.8 takes "*" for every report event of a subsystem
	 * (lka_report_register_hook) but only one named phase per filter
	 * line (lka_filter_register_hook); "*" also survives events a
	 * version lacks, where a name it does not know is fatal.
	 */
	if (c->be->report != NULL)
		out_line(c, "register|report|smtp-out|*", NULL);
	if (c->be->rcpt != NULL)
		out_line(c, "register|filter|smtp-in|rcpt-to", NULL);
	if (c->be->report == NULL && c->be->rcpt == NULL)
		flt_log(c, LOG_WARNING, "registering for nothing");
	out_line(c, "register|ready", NULL);
	c->registered = 1;
}

static void
on_config(struct flt_conn *c, char *p)
{
	char *key = field(&p);

	if (strcmp(key, "ready") == 0 && p == NULL) {
		if (c->registered) {
			flt_log(c, LOG_WARNING, "config|ready again, ignored");
			return;
		}
		do_register(c);
		flt_log(c, LOG_INFO, "registered with smtpd %s",
		    c->smtpd[0] ? c->smtpd : "(version unknown)");
		return;
	}
	if (c->registered)
		flt_log(c, LOG_WARNING, "config|%s after the handshake, "
		    "ignored", key);
	else if (p == NULL)
		flt_log(c, LOG_WARNING, "config|%s without a value", key);
	else {
		if (strcmp(key, "smtpd-version") == 0)
			(void)snprintf(c->smtpd, sizeof(c->smtpd), "%s", p);
		flt_log(c, LOG_DEBUG, "smtpd config %s=%s", key, p);
	}
}

/* Fills ev->fields from the payload p, splitting as shape s says. */
static void
split(struct flt_event *ev, char *p, const struct shape *s)
{
	char *right[FLT_FIELDS_MAX], *bar;
	size_t n = FLT_FIELDS_MAX, k = FLT_FIELDS_MAX - 1, i = 0, r = 0;
	int m = minor(ev->version);

	if (s != NULL) {
		n = s->nfields ? s->nfields : 1;	/* keep stray data */
		k = m >= 0 && m < s->since ? s->rest_old : s->rest;
	}
	while (i < k && p != NULL)
		ev->fields[i++] = field(&p);
	if (p != NULL) {
		while (r < n - 1 - k && (bar = strrchr(p, '|')) != NULL) {
			*bar = '\0';
			right[r++] = bar + 1;
		}
		ev->fields[i++] = p;
		while (r > 0)
			ev->fields[i++] = right[--r];
	}
	ev->nfields = i;
}

static void
on_report(struct flt_conn *c, char *p, int intact)
{
	struct flt_event ev;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	ev.version = field(&p);
	ev.timestamp = field(&p);
	ev.subsystem = field(&p);
	ev.event = field(&p);
	ev.session = field(&p);
	if (ev.session == NULL || ev.event[0] == '\0' || !hexid(ev.session)) {
		flt_log(c, LOG_WARNING, "malformed report line, dropped");
		return;
	}
	if (!intact || !c->registered) {
		flt_log(c, LOG_WARNING, "%s report %s dropped",
		    intact ? "unexpected" : "damaged", ev.event);
		return;
	}
	if (strcmp(ev.subsystem, "smtp-in") != 0 &&
	    strcmp(ev.subsystem, "smtp-out") != 0) {
		flt_log(c, LOG_WARNING, "report for unknown subsystem, dropped");
		return;
	}
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (strcmp(shapes[i].event, ev.event) == 0)
			break;
	split(&ev, p, i < sizeof(shapes) / sizeof(shapes[0]) ?
	    &shapes[i] : NULL);
	if (c->be->report != NULL)
		c->be->report(c->be->arg, &ev);
}

static void
answer(struct flt_conn *c, int m, const char *sid, const char *token,
    const char *decision, const char *param)
{
	/* Protocol 0.4 and older had the token first (0.5: 07b26429). */
	if (m >= 0 && m < 5) {
		const char *t = sid;

		sid = token;
		token = t;
	}
	out_line(c, "filter-result|", sid, "|", token, "|", decision,
	    param ? "|" : "", param ? param : "", NULL);
}

/*
 * What smtpd will relay to the client: one line of printable ASCII
 * starting "4xx " or "5xx " (util.c valid_smtp_response(); anything else
 * becomes "421 Internal server error" and a disconnect).  '|' may stay:
 * smtpd splits only up to the decision.
 */
static int
clean_reply(char *reply)
{
	size_t i;

	for (i = 0; reply[i] != '\0'; i++)
		if ((unsigned char)reply[i] < 0x20 || reply[i] == 0x7f)
			reply[i] = ' ';
		else if ((unsigned char)reply[i] > 0x7f)
			reply[i] = '?';
	return i >= 5 && (reply[0] == '4' || reply[0] == '5') &&
	    reply[1] >= '0' && reply[1] <= '9' &&
	    reply[2] >= '0' && reply[2] <= '9' && reply[3] == ' ';
}

static void
reject(struct flt_conn *c, int m, const char *sid, const char *token,
    char *reply)
{
	reply[FLT_REPLY_MAX] = '\0';
	if (!clean_reply(reply)) {
		flt_log(c, LOG_ERR, "backend reject reply is not an SMTP "
		    "4xx/5xx reply, using a generic one");
		(void)snprintf(reply, FLT_REPLY_MAX + 1,
		    "451 4.7.0 Temporary failure, try again later");
	}
	answer(c, m, sid, token, "reject", reply);
}

static void
on_rcpt(struct flt_conn *c, int m, const char *sid, const char *token,
    const char *rcpt)
{
	char reply[FLT_REPLY_MAX + 1];
	int rc;

	if (c->be->rcpt == NULL) {
		answer(c, m, sid, token, "proceed", NULL);
		return;
	}
	reply[0] = '\0';
	c->minor = m;
	rc = c->be->rcpt(c->be->arg, sid, token, rcpt, reply, sizeof(reply));
	if (rc == FLT_RCPT_LATER)
		return;                 /* the backend calls flt_answer() */
	if (rc == 0)
		answer(c, m, sid, token, "proceed", NULL);
	else
		reject(c, m, sid, token, reply);
}

const struct flt_backend *
flt_conn_backend(const struct flt_conn *c)
{
	return c->be;
}

void
flt_answer(struct flt_conn *c, const char *session, const char *token,
    const char *reply)
{
	char buf[FLT_REPLY_MAX + 1];

	if (!hexid(session) || !hexid(token))
		return;
	if (reply == NULL) {
		answer(c, c->minor, session, token, "proceed", NULL);
		return;
	}
	(void)snprintf(buf, sizeof(buf), "%s", reply);
	reject(c, c->minor, session, token, buf);
}

/*
 * A filter request.  A malformed one is answered "proceed" whenever the
 * session id and token can be trusted: smtpd holds the SMTP session until
 * it has an answer, and failing open here is safe only because the
 * rcpt-to check is an early courtesy - the table (K_DOMAIN check and
 * K_RELAYHOST lookup) enforces the policy again at delivery.
 */
static void
on_filter(struct flt_conn *c, char *p, int intact)
{
	char *version, *subsystem, *phase, *sid, *token;
	int m;

	version = field(&p);
	(void)field(&p);			/* timestamp */
	subsystem = field(&p);
	phase = field(&p);
	sid = field(&p);
	token = field(&p);
	/* A damaged line may have lost the token's end: need its '|'. */
	if (token == NULL || !hexid(sid) || !hexid(token) ||
	    (!intact && p == NULL)) {
		flt_log(c, LOG_ERR, "filter request without a usable session "
		    "id and token, dropped");
		return;
	}
	if (!c->registered) {
		/* Anything but register| before register|ready kills smtpd. */
		flt_log(c, LOG_ERR, "filter request before the handshake, "
		    "dropped");
		return;
	}
	m = minor(version);
	if (strcmp(phase, "data-line") == 0) {
		/* Never registered; the only harmless answer is an echo. */
		flt_log(c, LOG_WARNING, "unexpected data-line request");
		if (intact && p != NULL)
			out_line(c, "filter-dataline|", sid, "|", token, "|", p,
			    NULL);
		return;
	}
	if (!intact || strcmp(subsystem, "smtp-in") != 0 ||
	    strcmp(phase, "rcpt-to") != 0 || p == NULL) {
		flt_log(c, LOG_WARNING, "%s %s|%s request, answering proceed",
		    intact ? "unexpected" : "damaged", subsystem, phase);
		answer(c, m, sid, token, "proceed", NULL);
		return;
	}
	on_rcpt(c, m, sid, token, p);
}

/* One line without its '\n'; intact is 0 if it was cut or holds a NUL. */
static void
on_line(struct flt_conn *c, char *line, size_t len, int intact)
{
	char ex[EXCERPT_MAX + 4];

	if (len == 0 && intact) {
		flt_log(c, LOG_DEBUG, "empty line from smtpd");
		return;
	}
	if (!intact)
		flt_log(c, LOG_WARNING, "%s line from smtpd: %s",
		    c->overlong ? "over-long" : "NUL in", excerpt(line, len,
		    ex, sizeof(ex)));
	if (strncmp(line, "config|", 7) == 0 && intact)
		on_config(c, line + 7);
	else if (strncmp(line, "report|", 7) == 0)
		on_report(c, line + 7, intact);
	else if (strncmp(line, "filter|", 7) == 0)
		on_filter(c, line + 7, intact);
	else if (intact)
		flt_log(c, LOG_WARNING, "unknown line from smtpd, dropped: %s",
		    excerpt(line, len, ex, sizeof(ex)));
}

static void
line_end(struct flt_conn *c)
{
	size_t len = c->linelen;

	c->line[len] = '\0';
	if (len > 0 && c->line[len - 1] == '\r')	/* smtpd sends none */
		c->line[--len] = '\0';
	on_line(c, c->line, len, !c->overlong &&
	    memchr(c->line, '\0', len) == NULL);
	c->linelen = 0;
	c->overlong = 0;
}

void
flt_feed(struct flt_conn *c, const char *buf, size_t len)
{
	const char *nl;
	size_t n, room;

	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) : len;
		room = FLT_LINE_MAX - c->linelen;
		if (n > room)
			c->overlong = 1;
		memcpy(c->line + c->linelen, buf, n < room ? n : room);
		c->linelen += n < room ? n : room;
		if (nl == NULL)
			break;
		line_end(c);
		buf += n + 1;
		len -= n + 1;
	}
}

void
flt_eof(struct flt_conn *c)
{
	if (c->linelen > 0 || c->overlong)
		flt_log(c, LOG_WARNING, "smtpd closed the stream inside a "
		    "line of %zu bytes, dropped", c->linelen);
	c->linelen = 0;
	c->overlong = 0;
}

struct flt_conn *
flt_conn_new(const struct flt_backend *be)
{
	struct flt_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->be = be;
	return c;
}

void
flt_conn_free(struct flt_conn *c)
{
	if (c == NULL)
		return;
	free(c->out);
	free(c);
}

const char *
flt_pending(const struct flt_conn *c, size_t *len)
{
	*len = c->outlen;
	return c->out;
}

void
flt_consume(struct flt_conn *c, size_t n)
{
	if (n >= c->outlen) {
		c->outlen = 0;
		return;
	}
	memmove(c->out, c->out + n, c->outlen - n);
	c->outlen -= n;
}

int
flt_registered(const struct flt_conn *c)
{
	return c->registered;
}

/*
 * As smtpd reads it (smtp_session.c smtp_mailaddr(), to.c
 * text_to_mailaddr()): the text between '<' and the first '>', the
 * domain after the last '@', a source route cut at the user's first ':'.
 */
int
flt_rcpt_mailbox(const char *rcpt, char *buf, size_t bufsz)
{
	const char *s, *e, *at, *colon;
	size_t n;

	/* Debian's 6.8 sends the parsed mailbox bare ("a@b.example", seen
	 * on the wire); the bracketed form is the raw argument. */
	if (rcpt[0] != '<') {
		n = strcspn(rcpt, " ");
		if (n == 0 || n >= bufsz)
			return -1;
		memcpy(buf, rcpt, n);
		buf[n] = '\0';
		return 0;
	}
	if ((e = strchr(rcpt, '>')) == NULL)
		return -1;
	s = rcpt + 1;
	for (at = NULL, colon = s; colon < e; colon++)
		if (*colon == '@')
			at = colon;
	if (at == NULL)
		at = e;
	if ((colon = memchr(s, ':', (size_t)(at - s))) != NULL)
		s = colon + 1;
	if (at == s)			/* no user part: smtpd refuses it */
		return -1;
	n = (size_t)(at - s) + (size_t)(e - at);
	if (n >= bufsz)
		return -1;
	memcpy(buf, s, (size_t)(at - s));
	memcpy(buf + (at - s), at, (size_t)(e - at));
	buf[n] = '\0';
	return 0;
}
