/* SPDX-License-Identifier: ISC */
/*
 * test_filter_proto.c - the filter protocol layer against transcripts of
 * what smtpd writes, asserting the exact bytes answered.  The lines are
 * built from the format strings in OpenSMTPD's usr.sbin/smtpd/lka_filter.c:
 *   v6.8.0p2 (Debian's 6.8, protocol 0.6):
 *     lka_proc_config()          config| lines, lines 207-218
 *     filter_protocol_query()    filter|0.6|... lines 940-962
 *     report_smtp_broadcast()    report|0.6|... lines 1392-1396 (no '|'
 *                                after the session id when the event has
 *                                no fields: link-disconnect, timeout)
 *     lka_report_smtp_*()        event fields, lines 1402-1700
 *     mta_session.c              smtp-out: rdns = route->dst->ptrname,
 *                                fcrdns always "pass", src = our end,
 *                                dest = the MX (mta_connected()); link-tls =
 *                                ssl_to_text() "version:cipher:bits"
 *   7.8.0p1 (protocol 0.7): lka_proc_config() adds config|protocol|0.7
 *     (since 7.6.0), lka_report_smtp_link_auth() swaps to result|username
 *     (since 7.4.0, commit 0a125ccc).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "filter/proto.h"

struct rec {
	char	 events[16384];	/* one line per report */
	char	 rcpts[2048];	/* one line per rcpt call */
	char	 lastlog[512];
	int	 nlog, nwarn;	/* nwarn: LOG_WARNING and worse */
	const char *reply;	/* NULL: proceed */
	int	 ticks, closefd, closeafter;
};

static void
append(char *buf, size_t sz, const char *s)
{
	size_t n = strlen(buf);

	(void)snprintf(buf + n, sz - n, "%s", s);
}

static void
rec_report(void *arg, const struct flt_event *ev)
{
	struct rec *r = arg;
	char line[2048];
	size_t i;

	(void)snprintf(line, sizeof(line), "%s %s %s %s %s n=%zu",
	    ev->version, ev->timestamp, ev->subsystem, ev->event,
	    ev->session, ev->nfields);
	for (i = 0; i < ev->nfields; i++) {
		append(line, sizeof(line), " [");
		append(line, sizeof(line), ev->fields[i]);
		append(line, sizeof(line), "]");
	}
	append(line, sizeof(line), "\n");
	append(r->events, sizeof(r->events), line);
}

static int
rec_rcpt(void *arg, const char *session, const char *token,
    const char *rcpt, char *reply,
    size_t replysz)
{
	struct rec *r = arg;
	(void)token;

	append(r->rcpts, sizeof(r->rcpts), session);
	append(r->rcpts, sizeof(r->rcpts), " ");
	append(r->rcpts, sizeof(r->rcpts), rcpt);
	append(r->rcpts, sizeof(r->rcpts), "\n");
	if (r->reply == NULL || strstr(rcpt, "reject") == NULL)
		return 0;
	(void)snprintf(reply, replysz, "%s", r->reply);
	return 1;
}

static void
rec_log(void *arg, int level, const char *msg)
{
	struct rec *r = arg;

	r->nlog++;
	if (level <= LOG_WARNING)
		r->nwarn++;
	(void)snprintf(r->lastlog, sizeof(r->lastlog), "%s", msg);
}

static void
rec_tick(void *arg)
{
	struct rec *r = arg;

	if (++r->ticks == r->closeafter && r->closefd >= 0) {
		close(r->closefd);
		r->closefd = -1;
	}
}

static struct flt_backend
backend(struct rec *r)
{
	struct flt_backend be = { r, rec_rcpt, rec_report, rec_tick,
	    rec_log, 0, NULL };

	memset(r, 0, sizeof(*r));
	r->closefd = -1;
	return be;
}

/* Feeds in chunks of chunk bytes (0: all at once); returns the output. */
static char *
run_conn(struct flt_conn *c, const char *in, size_t len, size_t chunk)
{
	static char out[1 << 17];
	const char *p;
	size_t n, olen, step = chunk ? chunk : len;

	for (n = 0; n < len; n += step)
		flt_feed(c, in + n, len - n < step ? len - n : step);
	p = flt_pending(c, &olen);
	if (olen >= sizeof(out))
		olen = sizeof(out) - 1;
	if (olen)
		memcpy(out, p, olen);
	out[olen] = '\0';
	flt_consume(c, olen);
	return out;
}

static char *
run(const struct flt_backend *be, const char *in, size_t chunk)
{
	struct flt_conn *c = flt_conn_new(be);
	char *out;

	out = run_conn(c, in, strlen(in), chunk);
	flt_conn_free(c);
	return out;
}

#define HS68 \
	"config|smtpd-version|6.8.0p2\n" \
	"config|smtp-session-timeout|300\n" \
	"config|subsystem|smtp-in\n" \
	"config|subsystem|smtp-out\n" \
	"config|admd|mx.example.org\n" \
	"config|ready\n"
#define HS78 \
	"config|smtpd-version|7.8.0p1\n" \
	"config|protocol|0.7\n" \
	"config|smtp-session-timeout|300\n" \
	"config|subsystem|smtp-in\n" \
	"config|subsystem|smtp-out\n" \
	"config|admd|mx.example.org\n" \
	"config|ready\n"
#define REG \
	"register|report|smtp-out|*\n" \
	"register|filter|smtp-in|rcpt-to\n" \
	"register|ready\n"

#define SID  "7641df9771b4ed00"
#define TOK  "1ef1c203cc576e5d"
#define OSID "76a1b2c3d4e5f601"

/* One outbound delivery as 6.8 reports it with "relay ... filter NAME". */
static const char out68[] =
    "report|0.6|1700000001.000001|smtp-out|link-connect|" OSID
    "|mx1.example.net|pass|192.0.2.10:40312|198.51.100.25:25\n"
    "report|0.6|1700000001.020000|smtp-out|link-greeting|" OSID
    "|mx1.example.net\n"
    "report|0.6|1700000001.020100|smtp-out|protocol-server|" OSID
    "|220 mx1.example.net ESMTP ready\n"
    "report|0.6|1700000001.020200|smtp-out|link-identify|" OSID
    "|EHLO|relay.example.org\n"
    "report|0.6|1700000001.020300|smtp-out|protocol-client|" OSID
    "|STARTTLS\n"
    "report|0.6|1700000001.040000|smtp-out|link-tls|" OSID
    "|TLSv1.3:TLS_AES_256_GCM_SHA384:256\n"
    "report|0.6|1700000001.050000|smtp-out|tx-begin|" OSID "|0b4f1c2a\n"
    "report|0.6|1700000001.050001|smtp-out|tx-mail|" OSID
    "|0b4f1c2a|ok|sender@example.org\n"
    "report|0.6|1700000001.060000|smtp-out|tx-rcpt|" OSID
    "|0b4f1c2a|tempfail|user@example.net\n"
    "report|0.6|1700000001.060001|smtp-out|tx-envelope|" OSID
    "|0b4f1c2a|0b4f1c2a5e6d7c8b\n"
    "report|0.6|1700000001.070000|smtp-out|protocol-server|" OSID
    "|250 2.0.0 Ok: queued as A|B\n"
    "report|0.6|1700000001.080000|smtp-out|tx-reset|" OSID "|0b4f1c2a\n"
    "report|0.6|1700000001.090000|smtp-out|link-disconnect|" OSID "\n";

static const char out68_events[] =
    "0.6 1700000001.000001 smtp-out link-connect " OSID " n=4"
    " [mx1.example.net] [pass] [192.0.2.10:40312] [198.51.100.25:25]\n"
    "0.6 1700000001.020000 smtp-out link-greeting " OSID " n=1"
    " [mx1.example.net]\n"
    "0.6 1700000001.020100 smtp-out protocol-server " OSID " n=1"
    " [220 mx1.example.net ESMTP ready]\n"
    "0.6 1700000001.020200 smtp-out link-identify " OSID " n=2"
    " [EHLO] [relay.example.org]\n"
    "0.6 1700000001.020300 smtp-out protocol-client " OSID " n=1"
    " [STARTTLS]\n"
    "0.6 1700000001.040000 smtp-out link-tls " OSID " n=1"
    " [TLSv1.3:TLS_AES_256_GCM_SHA384:256]\n"
    "0.6 1700000001.050000 smtp-out tx-begin " OSID " n=1 [0b4f1c2a]\n"
    "0.6 1700000001.050001 smtp-out tx-mail " OSID " n=3"
    " [0b4f1c2a] [ok] [sender@example.org]\n"
    "0.6 1700000001.060000 smtp-out tx-rcpt " OSID " n=3"
    " [0b4f1c2a] [tempfail] [user@example.net]\n"
    "0.6 1700000001.060001 smtp-out tx-envelope " OSID " n=2"
    " [0b4f1c2a] [0b4f1c2a5e6d7c8b]\n"
    "0.6 1700000001.070000 smtp-out protocol-server " OSID " n=1"
    " [250 2.0.0 Ok: queued as A|B]\n"
    "0.6 1700000001.080000 smtp-out tx-reset " OSID " n=1 [0b4f1c2a]\n"
    "0.6 1700000001.090000 smtp-out link-disconnect " OSID " n=0\n";

#define RCPT68 \
    "filter|0.6|1700000002.000001|smtp-in|rcpt-to|" SID "|" TOK \
    "|<user@example.net>\n" \
    "filter|0.6|1700000002.000002|smtp-in|rcpt-to|" SID "|" TOK \
    "|<reject@example.net> NOTIFY=NEVER\n"

static void
test_handshake(void)
{
	struct rec r;
	struct flt_backend be = backend(&r);
	struct flt_conn *c;

	is_str(run(&be, HS68, 0), REG, "6.8 handshake: register lines");
	is_int(r.nwarn, 0, "6.8 handshake: no warnings");
	is_str(r.lastlog, "registered with smtpd 6.8.0p2",
	    "6.8 handshake: logged with smtpd's version");
	be = backend(&r);
	is_str(run(&be, HS78, 0), REG, "7.8 handshake (config|protocol|0.7)");

	be = backend(&r);
	c = flt_conn_new(&be);
	is_str(run_conn(c, HS68, strlen(HS68) - 1, 0), "",
	    "nothing before config|ready ends");
	ok(!flt_registered(c), "not registered before config|ready");
	is_str(run_conn(c, "\n", 1, 0), REG, "its newline completes it");
	ok(flt_registered(c), "registered after config|ready");
	is_str(run_conn(c, "config|ready\n", 13, 0), "",
	    "a second config|ready registers nothing");
	is_str(run_conn(c, "config|late|1\n", 14, 0), "",
	    "config after the handshake ignored");
	flt_conn_free(c);

	be = backend(&r);
	be.rcpt = NULL;
	is_str(run(&be, HS68, 0), "register|report|smtp-out|*\n"
	    "register|ready\n", "no rcpt callback: no filter registration");
	be = backend(&r);
	be.report = NULL;
	is_str(run(&be, HS68, 0), "register|filter|smtp-in|rcpt-to\n"
	    "register|ready\n", "no report callback: no report registration");
}

static void
test_rcpt(void)
{
	struct rec r;
	struct flt_backend be = backend(&r);

	r.reply = "451 4.7.5 MTA-STS policy for example.net cannot be met";
	is_str(run(&be, HS68 RCPT68, 0), REG
	    "filter-result|" SID "|" TOK "|proceed\n"
	    "filter-result|" SID "|" TOK "|reject|451 4.7.5 MTA-STS policy "
	    "for example.net cannot be met\n", "6.8 rcpt-to: proceed, reject");
	is_str(r.rcpts, SID " <user@example.net>\n"
	    SID " <reject@example.net> NOTIFY=NEVER\n",
	    "backend saw session and the raw RCPT TO argument");

	be = backend(&r);
	r.reply = "550 5.7.1 no";
	is_str(run(&be, HS78 "filter|0.7|1700000002.5|smtp-in|rcpt-to|" SID
	    "|" TOK "|<reject@x.example>\n", 0), REG
	    "filter-result|" SID "|" TOK "|reject|550 5.7.1 no\n",
	    "7.8 rcpt-to reject: same reply format in 0.7");

	be = backend(&r);
	r.reply = "451 4.7.5 a|b\r\n451 c\x01\xc3\xa9";
	is_str(run(&be, HS68 "filter|0.6|1.000001|smtp-in|rcpt-to|" SID "|"
	    TOK "|<reject@x>\n", 0), REG "filter-result|" SID "|" TOK
	    "|reject|451 4.7.5 a|b  451 c ??\n",
	    "reply: CR/LF/controls to space, 8-bit to '?', '|' kept");

	be = backend(&r);
	r.reply = "hello";
	is_str(run(&be, HS68 "filter|0.6|1.000001|smtp-in|rcpt-to|" SID "|"
	    TOK "|<reject@x>\n", 0), REG "filter-result|" SID "|" TOK
	    "|reject|451 4.7.0 Temporary failure, try again later\n",
	    "reply not 4xx/5xx: generic tempfail, not smtpd's 421");
	ok(r.nwarn == 1, "... and logged");

	be = backend(&r);
	r.reply = "250 ok";
	is_str(run(&be, HS68 "filter|0.6|1.000001|smtp-in|rcpt-to|" SID "|"
	    TOK "|<reject@x>\n", 0), REG "filter-result|" SID "|" TOK
	    "|reject|451 4.7.0 Temporary failure, try again later\n",
	    "2xx reject reply replaced");

	{
		char big[FLT_REPLY_MAX + 100], want[FLT_REPLY_MAX + 200];

		memset(big, 'x', sizeof(big) - 1);
		memcpy(big, "451 ", 4);
		big[sizeof(big) - 1] = '\0';
		be = backend(&r);
		r.reply = big;
		(void)snprintf(want, sizeof(want), "%sfilter-result|%s|%s|"
		    "reject|%.*s\n", REG, SID, TOK, FLT_REPLY_MAX, big);
		is_str(run(&be, HS68 "filter|0.6|1.000001|smtp-in|rcpt-to|"
		    SID "|" TOK "|<reject@x>\n", 0), want,
		    "reply cut at FLT_REPLY_MAX bytes");
	}

	be = backend(&r);
	is_str(run(&be, HS68 "filter|0.4|1.000001|smtp-in|rcpt-to|" SID "|"
	    TOK "|<a@b>\n", 0), REG "filter-result|" TOK "|" SID "|proceed\n",
	    "protocol 0.4: token first in the answer");
	be = backend(&r);
	is_str(run(&be, HS68 "filter|0.6|1.000001|smtp-in|rcpt-to|" SID "|"
	    TOK "|<odd|local@b>\n", 0), REG "filter-result|" SID "|" TOK
	    "|proceed\n", "'|' in the address");
	is_str(r.rcpts, SID " <odd|local@b>\n", "... reaches the backend whole");
}

static void
test_reports(void)
{
	struct rec r;
	struct flt_backend be = backend(&r);

	{
		static char in[sizeof(HS68) + sizeof(out68)];

		(void)snprintf(in, sizeof(in), "%s%s", HS68, out68);
		is_str(run(&be, in, 0), REG, "reports are not answered");
	}
	is_str(r.events, out68_events, "6.8 smtp-out delivery: every event");
	is_int(r.nwarn, 0, "no warnings");

	be = backend(&r);
	(void)run(&be, HS78
	    "report|0.7|1.000001|smtp-out|link-auth|" OSID "|pass|us|er\n"
	    "report|0.6|1.000001|smtp-out|link-auth|" OSID "|us|er|pass\n"
	    "report|0.5|1.000001|smtp-in|tx-rcpt|" SID "|0b4f1c2a|a|b@x|ok\n"
	    "report|0.6|1.000001|smtp-in|tx-rcpt|" SID "|0b4f1c2a|ok|a|b@x\n"
	    "report|0.6|1.000001|smtp-out|link-connect|" OSID
	    "|mx.example.net|pass|[2001:db8::2]:40312|[2001:db8::1]:25\n"
	    "report|0.6|1.000001|smtp-out|link-greeting|" OSID "|\n"
	    "report|0.6|1.000001|smtp-out|timeout|" OSID "\n"
	    "report|0.6|1.000001|smtp-in|filter-response|" SID
	    "|rcpt-to|proceed\n"
	    "report|0.6|1.000001|smtp-in|filter-response|" SID
	    "|rcpt-to|reject|451 a|b\n"
	    "report|0.7|1.000001|smtp-out|link-future|" OSID "|a|b||c\n"
	    "report|0.7|1.000001|smtp-out|link-disconnect|" OSID "|stray|x\n",
	    0);
	is_str(r.events,
	    "0.7 1.000001 smtp-out link-auth " OSID " n=2 [pass] [us|er]\n"
	    "0.6 1.000001 smtp-out link-auth " OSID " n=2 [us|er] [pass]\n"
	    "0.5 1.000001 smtp-in tx-rcpt " SID " n=3 [0b4f1c2a] [a|b@x] [ok]\n"
	    "0.6 1.000001 smtp-in tx-rcpt " SID " n=3 [0b4f1c2a] [ok] [a|b@x]\n"
	    "0.6 1.000001 smtp-out link-connect " OSID " n=4 [mx.example.net]"
	    " [pass] [[2001:db8::2]:40312] [[2001:db8::1]:25]\n"
	    "0.6 1.000001 smtp-out link-greeting " OSID " n=1 []\n"
	    "0.6 1.000001 smtp-out timeout " OSID " n=0\n"
	    "0.6 1.000001 smtp-in filter-response " SID " n=2 [rcpt-to]"
	    " [proceed]\n"
	    "0.6 1.000001 smtp-in filter-response " SID " n=3 [rcpt-to]"
	    " [reject] [451 a|b]\n"
	    "0.7 1.000001 smtp-out link-future " OSID " n=4 [a] [b] [] [c]\n"
	    "0.7 1.000001 smtp-out link-disconnect " OSID " n=1 [stray|x]\n",
	    "field splitting: the '|'-bearing field per event and version");

	{
		static char in[4096];
		size_t i;

		be = backend(&r);
		(void)snprintf(in, sizeof(in), "%sreport|0.7|1.1|smtp-out|"
		    "many|" OSID, HS78);
		for (i = 0; i < FLT_FIELDS_MAX + 4; i++)
			append(in, sizeof(in), "|f");
		append(in, sizeof(in), "\n");
		(void)run(&be, in, 0);
		ok(strstr(r.events, " n=16 [f] [f] [f] [f] [f] [f] [f] [f] [f]"
		    " [f] [f] [f] [f] [f] [f] [f|f|f|f|f]\n") != NULL,
		    "unknown event: %d fields, the last takes the rest",
		    FLT_FIELDS_MAX);
	}
}

static void
test_chunks(void)
{
	static char in[8192], whole[8192];
	static const size_t sizes[] = { 1, 2, 3, 7, 64, 4096 };
	struct rec r;
	struct flt_backend be;
	char evs[sizeof(r.events)];
	size_t i;

	(void)snprintf(in, sizeof(in), "%s%s%s", HS68, out68, RCPT68);
	be = backend(&r);
	r.reply = "451 4.7.5 no";
	(void)snprintf(whole, sizeof(whole), "%s", run(&be, in, 0));
	memcpy(evs, r.events, sizeof(evs));
	is_str(whole, REG "filter-result|" SID "|" TOK "|proceed\n"
	    "filter-result|" SID "|" TOK "|reject|451 4.7.5 no\n",
	    "merged: one read holding the whole session");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		be = backend(&r);
		r.reply = "451 4.7.5 no";
		is_str(run(&be, in, sizes[i]), whole,
		    "chunks of %zu bytes: same output", sizes[i]);
		is_str(r.events, evs, "chunks of %zu bytes: same events",
		    sizes[i]);
	}
	be = backend(&r);
	is_str(run(&be, "config|ready\r\nfilter|0.6|1.1|smtp-in|rcpt-to|" SID
	    "|" TOK "|<a@b>\r\n", 0), REG "filter-result|" SID "|" TOK
	    "|proceed\n", "CRLF line ends tolerated");
	is_str(r.rcpts, SID " <a@b>\n", "... CR not in the address");
}

static void
test_garbage(void)
{
	struct rec r;
	struct flt_backend be = backend(&r);
	static const char next[] = "filter|0.6|1.1|smtp-in|rcpt-to|" SID
	    "|" TOK "|<a@b>\n";
	struct flt_conn *c;
	char *big;
	size_t n;

	is_str(run(&be, "filter|0.6|1.1|smtp-in|rcpt-to|" SID "|" TOK
	    "|<a@b>\n" HS68, 0), REG,
	    "filter request before config|ready: dropped, not answered");
	is_int(r.nwarn, 1, "... logged");
	be = backend(&r);
	is_str(run(&be, "report|0.6|1.1|smtp-out|tx-begin|" OSID "|1\n" HS68,
	    0), REG, "report before config|ready: dropped");
	is_str(r.events, "", "... not delivered");

	be = backend(&r);
	is_str(run(&be, HS68
	    "report|0.6|1\n"
	    "report\n"
	    "report|0.6|1.1|smtp-out|link-tls\n"
	    "report|0.6|1.1|smtp-out|link-tls|nothex|x\n"
	    "report|0.6|1.1|smtp-sideways|link-tls|" OSID "|x\n"
	    "filter|0.6|1.1|smtp-in|rcpt-to|" SID "\n"
	    "filter|0.6|1.1|smtp-in|rcpt-to|" SID "|\n"
	    "filter|0.6|1.1|smtp-in|rcpt-to|" SID "|xyz|<a@b>\n"
	    "filter|0.6|1.1|smtp-in|rcpt-to|11112222333344445|" TOK "|<a@b>\n"
	    "filter-result|" SID "|" TOK "|proceed\n"
	    "register|ready\n"
	    "\n"
	    "|||\n"
	    "bogus\n", 0), REG, "too few fields, bad ids, unknown types: "
	    "no answer");
	is_str(r.events, "", "... no report delivered");
	is_str(r.rcpts, "", "... backend not asked");
	is_int(r.nwarn, 13, "... each logged but the empty line");

	be = backend(&r);
	is_str(run(&be, HS68
	    "filter|0.6|1.1|smtp-sideways|rcpt-to|" SID "|" TOK "|<a@b>\n"
	    "filter|0.6|1.1|smtp-in|teleport|" SID "|" TOK "|x\n"
	    "filter|0.6|1.1|smtp-in|commit|" SID "|" TOK "|\n"
	    "filter|0.6|1.1|smtp-in|rcpt-to|" SID "|" TOK "\n"
	    "filter|0.6|1.1|smtp-in|data-line|" SID "|" TOK "|a line|x\n",
	    0), REG
	    "filter-result|" SID "|" TOK "|proceed\n"
	    "filter-result|" SID "|" TOK "|proceed\n"
	    "filter-result|" SID "|" TOK "|proceed\n"
	    "filter-result|" SID "|" TOK "|proceed\n"
	    "filter-dataline|" SID "|" TOK "|a line|x\n",
	    "unknown subsystem/phase, no address: proceed; data-line echoed");
	is_str(r.rcpts, "", "... backend not asked");

	be = backend(&r);
	r.reply = "451 4.7.5 no";
	{
		static const char in[] = HS68
		    "filter|0.6|1.1|smtp-in|rcpt-to|" SID "|" TOK
		    "|<reject@a\0.b>\n"
		    "report|0.6|1.1|smtp-out|link-tls|" OSID "|TLS\0v1.3\n"
		    "filter|0.6|1.1|smtp-in|rcpt-to|" SID "|" TOK "\0|<a@b>\n"
		    "config|smtp-session\0-timeout|1\n";
		c = flt_conn_new(&be);
		is_str(run_conn(c, in, sizeof(in) - 1, 0), REG
		    "filter-result|" SID "|" TOK "|proceed\n",
		    "NUL bytes: request with a whole token answered proceed, "
		    "the rest dropped");
		flt_conn_free(c);
	}
	is_str(r.rcpts, "", "... a NUL-cut address never reaches the backend");
	is_str(r.events, "", "... nor a NUL-cut report");

	n = FLT_LINE_MAX + 5000;
	big = malloc(n + 512);
	be = backend(&r);
	c = flt_conn_new(&be);
	(void)run_conn(c, HS68, strlen(HS68), 0);
	(void)snprintf(big, 512, "report|0.6|1.1|smtp-out|protocol-server|"
	    OSID "|250 ");
	memset(big + strlen(big), 'x', n - strlen(big));
	big[n] = '\n';
	is_str(run_conn(c, big, n + 1, 1000), "", "over-long report dropped");
	is_str(r.events, "", "... not delivered");
	ok(strstr(r.lastlog, "damaged") != NULL, "... logged: %s", r.lastlog);
	(void)snprintf(big, 512, "filter|0.6|1.1|smtp-in|rcpt-to|" SID "|" TOK
	    "|<reject@");
	memset(big + strlen(big), 'x', n - strlen(big));
	big[n] = '\n';
	is_str(run_conn(c, big, n + 1, 0), "filter-result|" SID "|" TOK
	    "|proceed\n", "over-long rcpt-to: proceed, backend not asked");
	is_str(r.rcpts, "", "... backend not asked");
	memset(big, 'y', n);
	big[n] = '\n';
	is_str(run_conn(c, big, n + 1, 0), "", "over-long garbage dropped");
	is_str(run_conn(c, next, strlen(next), 0), "filter-result|" SID "|"
	    TOK "|proceed\n", "the next line is read normally");
	memset(big, 'z', n);
	(void)run_conn(c, big, n, 0);
	r.nwarn = 0;
	flt_eof(c);
	ok(r.nwarn == 1, "EOF inside a line: logged");
	flt_conn_free(c);
	free(big);
}

static void
test_mailbox(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "<user@example.net>", "user@example.net" },
		{ "<user@example.net> NOTIFY=NEVER ORCPT=rfc822;x@y", "user@example.net" },
		{ "<@relay.example,@b.example:user@example.net>", "user@example.net" },
		{ "<postmaster>", "postmaster" },
		{ "<a|b@example.net>", "a|b@example.net" },
		{ "<a@b@example.net>", "a@b@example.net" },
		{ "user@example.net", "user@example.net" },  /* 6.8 sends it bare */
		{ "<user@example.net", NULL },
		{ "<>", NULL },
		{ "<@example.net>", NULL },
		{ "", NULL },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = flt_rcpt_mailbox(cases[i].in, buf, sizeof(buf));

		if (cases[i].want == NULL)
			ok(rc == -1, "mailbox of '%s': refused", cases[i].in);
		else if (ok(rc == 0, "mailbox of '%s': accepted", cases[i].in))
			is_str(buf, cases[i].want, "mailbox of '%s'",
			    cases[i].in);
	}
	ok(flt_rcpt_mailbox("<user@example.net>", buf, 16) == -1,
	    "mailbox: too long for the buffer");
	ok(flt_rcpt_mailbox("<user@example.ne>", buf, 17) == 0,
	    "mailbox: exactly fits");
}

static int
rec_idle(void *arg)
{
	(void)arg;
	return 0;
}

/*
 * be->busy says 0: flt_serve() waits in read() alone, no tick while
 * smtpd is silent (200 ms with tick_ms 10), on a blocking and on a
 * non-blocking stream alike; the answer is the same.
 */
static void
test_serve_idle(void)
{
	static const char in[] = HS68 "filter|0.6|1.1|smtp-in|rcpt-to|" SID
	    "|" TOK "|<a@b>\n";
	static const char want[] = REG "filter-result|" SID "|" TOK
	    "|proceed\n";
	const struct timespec gap = { 0, 200 * 1000000 };
	struct rec r;
	struct flt_backend be;
	char got[1024];
	int ip[2], op[2], nb, st;
	ssize_t n;
	pid_t pid;

	for (nb = 0; nb < 2; nb++) {
		be = backend(&r);
		be.tick_ms = 10;
		be.busy = rec_idle;
		if (pipe(ip) == -1 || pipe(op) == -1)
			abort();
		fflush(stdout);
		if ((pid = fork()) == -1)
			abort();
		if (pid == 0) {         /* smtpd: silent, a request, silent, EOF */
			nanosleep(&gap, NULL);
			if (write(ip[1], in, sizeof(in) - 1) < 0)
				_exit(1);
			nanosleep(&gap, NULL);
			_exit(0);
		}
		close(ip[1]);
		if (nb)
			(void)fcntl(ip[0], F_SETFL, O_NONBLOCK);
		is_int(flt_serve(ip[0], op[1], &be), 0, "%s, busy 0: 0 at EOF",
		    nb ? "non-blocking" : "blocking");
		is_int(r.ticks, 0, "%s, busy 0: no tick while idle",
		    nb ? "non-blocking" : "blocking");
		waitpid(pid, &st, 0);
		close(op[1]);
		n = read(op[0], got, sizeof(got) - 1);
		got[n > 0 ? n : 0] = '\0';
		is_str(got, want, "%s, busy 0: same bytes",
		    nb ? "non-blocking" : "blocking");
		close(ip[0]);
		close(op[0]);
	}
}

/* flt_serve() on real descriptors: the bytes written, ticks, EOF, errors. */
static void
test_serve(void)
{
	static const char in[] = HS68 "filter|0.6|1.1|smtp-in|rcpt-to|" SID
	    "|" TOK "|<a@b>\n";
	static const char want[] = REG "filter-result|" SID "|" TOK
	    "|proceed\n";
	struct rec r;
	struct flt_backend be;
	char got[1024];
	int ip[2], op[2], sp[2];
	ssize_t n;

	be = backend(&r);
	if (pipe(ip) == -1 || pipe(op) == -1)
		abort();
	if (write(ip[1], in, sizeof(in) - 1) != (ssize_t)sizeof(in) - 1)
		abort();
	close(ip[1]);
	is_int(flt_serve(ip[0], op[1], &be), 0, "serve: 0 at EOF");
	close(op[1]);
	n = read(op[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, want, "serve: exact bytes written");
	close(ip[0]);
	close(op[0]);

	/* Ticks run while smtpd is silent; the 3rd closes the input. */
	be = backend(&r);
	be.tick_ms = 10;
	r.closeafter = 3;
	if (pipe(ip) == -1 || pipe(op) == -1)
		abort();
	if (write(ip[1], in, sizeof(in) - 1) != (ssize_t)sizeof(in) - 1)
		abort();
	r.closefd = ip[1];
	(void)fcntl(ip[0], F_SETFL, O_NONBLOCK);
	is_int(flt_serve(ip[0], op[1], &be), 0, "serve with ticks: 0 at EOF");
	is_int(r.ticks, 3, "serve: ticked while idle");
	close(op[1]);
	n = read(op[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, want, "serve with ticks: same bytes");
	close(ip[0]);
	close(op[0]);

	/* smtpd gone: the write fails, EPIPE without a SIGPIPE death. */
	be = backend(&r);
	if (pipe(ip) == -1 || socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		abort();
	if (write(ip[1], in, sizeof(in) - 1) != (ssize_t)sizeof(in) - 1)
		abort();
	close(ip[1]);
	close(sp[1]);
	is_int(flt_serve(ip[0], sp[0], &be), -1, "serve: -1 on a write error");
	ok(strstr(r.lastlog, "write") != NULL, "... logged: %s", r.lastlog);
	close(ip[0]);
	close(sp[0]);

	be = backend(&r);
	if (pipe(ip) == -1)
		abort();
	close(ip[1]);
	close(ip[0]);
	is_int(flt_serve(ip[0], 1, &be), -1, "serve: -1 on a read error");
}

/* A deferred rcpt-to answer (FLT_RCPT_LATER, then flt_answer()). */
static int
later_rcpt(void *arg, const char *session, const char *token,
    const char *rcpt, char *reply, size_t replysz)
{
	(void)arg; (void)session; (void)token; (void)rcpt; (void)reply;
	(void)replysz;
	return FLT_RCPT_LATER;
}

static void
test_later(void)
{
	struct flt_backend be;
	struct flt_conn *c;
	const char *out;
	size_t len;
	char got[1024];
	static const char req[] = "filter|0.6|1700000002.000001|smtp-in|"
	    "rcpt-to|" SID "|" TOK "|<a@b.example>\n";

	memset(&be, 0, sizeof(be));
	be.rcpt = later_rcpt;
	c = flt_conn_new(&be);
	flt_feed(c, HS68, strlen(HS68));
	out = flt_pending(c, &len);
	flt_consume(c, len);
	flt_feed(c, req, strlen(req));
	(void)flt_pending(c, &len);
	is_int((long)len, 0, "deferred rcpt-to: no answer yet");
	flt_answer(c, SID, TOK, "451 4.7.5 later\r\n");
	out = flt_pending(c, &len);
	snprintf(got, sizeof(got), "%.*s", (int)len, out);
	is_str(got, "filter-result|" SID "|" TOK "|reject|451 4.7.5 later  \n",
	    "flt_answer: reject, reply cleaned");
	flt_consume(c, len);
	flt_answer(c, SID, TOK, NULL);
	out = flt_pending(c, &len);
	snprintf(got, sizeof(got), "%.*s", (int)len, out);
	is_str(got, "filter-result|" SID "|" TOK "|proceed\n",
	    "flt_answer: proceed");
	flt_consume(c, len);
	flt_answer(c, "not-hex", TOK, NULL);
	(void)flt_pending(c, &len);
	is_int((long)len, 0, "flt_answer with a bad session id: nothing sent");
	flt_conn_free(c);
}

int
main(void)
{
	test_handshake();
	test_rcpt();
	test_later();
	test_reports();
	test_chunks();
	test_garbage();
	test_mailbox();
	test_serve();
	test_serve_idle();
	return done_testing();
}
