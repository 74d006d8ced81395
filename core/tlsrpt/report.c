/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/report.c - mtasts_report_run(): for one UTC day, a report per policy
 * domain, sent to each rua of its _smtp._tls record exactly once.
 *
 * Send state lives in the results store, per (day, domain, rua):
 * "sending" is written before a send and "sent" after it, so a run that
 * dies in between leaves "sending", which later runs do not repeat (a
 * report that may have gone out is not sent twice; the log says so).
 * Failures are retried with doubling back-off for 24 hours after the
 * first attempt (RPT-82, RFC 8460 §5.5), by any later run, whatever day it is asked for.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/export.h"
#include "base/ctx.h"
#include "net/dns.h"
#include "base/domain.h"
#include "tlsrpt/report.h"
#include "net/https.h"
#include "base/netaddr.h"
#include "tlsrpt/results.h"
#include "tlsrpt/results_shared.h"
#include "store/shared.h"
#include "tlsrpt/tlsrpt_txt.h"
#include "base/util.h"

#define RETRY_FIRST 300
#define RETRY_MAX 21600
#define RETRY_WINDOW 86400
#define SEND_TIMEOUT 60

struct run {
	mtasts_ctx *ctx;
	struct mts_results *res;
	unsigned flags;
	mtasts_report_fn *fn;
	void *arg;
	char submitter[256], contact[300], org[256], from[300];
	int64_t now;
	int failed;             /* a send failed this run */
	int shared;             /* a fleet: counts and send state on Redis */
};

/* Send state: the local store's, or the fleet's. */
static int
send_get(struct run *r, const char *day, const char *domain, const char *rua,
    struct mts_send *s)
{
	if (r->shared)
		return mts_rshared_send_get(r->ctx, day, domain, rua, s);
	return mts_results_send_get(r->res, day, domain, rua, s);
}

static int
send_put(struct run *r, const char *day, const char *domain, const char *rua,
    const struct mts_send *s, char *err, size_t errsz)
{
	if (r->shared)
		return mts_rshared_send_put(r->ctx, day, domain, rua, s, err,
		    errsz);
	return mts_results_send_put(r->res, day, domain, rua, s, err, errsz);
}

static void
tell(struct run *r, const struct mts_report_meta *m, const char *rua,
    const char *outcome, const char *detail, const struct mts_sbuf *json)
{
	mtasts_report_info i;

	if (strcmp(outcome, "sent") == 0)
		mts_stat_add(r->ctx, &r->ctx->stats, MTS_SG_REPORT, MTS_RS_SENT);
	else if (strcmp(outcome, "failed") == 0)
		mts_stat_add(r->ctx, &r->ctx->stats, MTS_SG_REPORT,
		    MTS_RS_FAILED);
	else if (strcmp(outcome, "gave-up") == 0)
		mts_stat_add(r->ctx, &r->ctx->stats, MTS_SG_REPORT,
		    MTS_RS_GAVEUP);
	mts_log(r->ctx, strcmp(outcome, "failed") == 0 || strcmp(outcome,
	    "gave-up") == 0 ? MTASTS_LOG_WARNING : MTASTS_LOG_INFO,
	    "tlsrpt=%s day=%s domain=%s rua=\"%s\" detail=\"%s\"", outcome,
	    m->day, m->domain, rua ? rua : "", detail);
	if (r->fn == NULL)
		return;
	memset(&i, 0, sizeof(i));
	i.day = m->day;
	i.domain = m->domain;
	i.rua = rua;
	i.outcome = outcome;
	i.detail = detail;
	i.filename = m->filename;
	if (json != NULL) {
		i.json = json->buf;
		i.json_len = json->len;
	}
	r->fn(r->arg, &i);
}

/* Who we are (RPT-53 (RFC 8460 §5.3): the submitter is the contact's domain). */
static mtasts_status
identity(struct run *r)
{
	const struct mts_config *c = &r->ctx->cfg;
	const char *at;

	if (c->report_contact[0] != '\0') {
		if ((at = strrchr(c->report_contact, '@')) == NULL ||
		    at == c->report_contact || at[1] == '\0')
			return mts_fail(r->ctx, MTASTS_ERR_CONFIG, "report_contact:"
			    " '%s' is not an address", c->report_contact);
		mts_strlcpy(r->contact, c->report_contact, sizeof(r->contact));
		if (c->report_submitter[0] != '\0' &&
		    strcasecmp(c->report_submitter, at + 1) != 0)
			return mts_fail(r->ctx, MTASTS_ERR_CONFIG, "report_submitter"
			    " must be the domain of report_contact (RFC 8460 "
			    "§5.3)");
		mts_strlcpy(r->submitter, at + 1, sizeof(r->submitter));
	} else {
		if (c->report_submitter[0] != '\0')
			mts_strlcpy(r->submitter, c->report_submitter,
			    sizeof(r->submitter));
		else if (gethostname(r->submitter, sizeof(r->submitter)) != 0)
			return mts_fail(r->ctx, MTASTS_ERR_CONFIG, "set "
			    "report_submitter or report_contact");
		r->submitter[sizeof(r->submitter) - 1] = '\0';
		mts_fmt(r->contact, sizeof(r->contact), "postmaster@%s",
		    r->submitter);
	}
	mts_strlcpy(r->org, c->report_org_name[0] ? c->report_org_name :
	    r->submitter, sizeof(r->org));
	mts_strlcpy(r->from, c->report_from[0] ? c->report_from : r->contact,
	    sizeof(r->from));
	return MTASTS_OK;
}

/* The rua list of a domain (RPT-02 (RFC 8460 §3)/03); -1 on a DNS failure (retry). */
static int
rua_of(struct run *r, const char *domain, struct mts_rptrec *rec,
    char *why, size_t whysz)
{
	struct mts_dns *dns;
	struct mts_dns_txt t;
	char name[MTS_DOMAIN_BUF + 16];
	int rc = 0;

	memset(rec, 0, sizeof(*rec));
	if (mts_ctx_dns(r->ctx, &dns) != MTASTS_OK) {
		mts_strlcpy(why, r->ctx->err, whysz);
		return -1;
	}
	mts_fmt(name, sizeof(name), "_smtp._tls.%s", domain);
	memset(&t, 0, sizeof(t));
	if (mts_dns_txt(dns, name, &t) != 0 || t.status == MTS_DNS_TEMPFAIL ||
	    t.status == MTS_DNS_BOGUS) {
		mts_fmt(why, whysz, "%s: %s", name, t.reason);
		rc = -1;
	} else if (t.status != MTS_DNS_OK)
		mts_fmt(why, whysz, "%s: no record", name);
	else if (mts_rptrec_select(t.recs, t.lens, t.n, rec, NULL, why, whysz) !=
	    MTS_RPTREC_FOUND)
		rec->n = 0;
	mts_dns_txt_clear(&t);
	return rc;
}

/* A remote domain must not have root's report delivered to a local
 * mailbox (postmaster@localhost, root@[127.0.0.1]). 0 or -1 + err. */
static int
mailto_public(const struct mts_rua *u, char *err, size_t errsz)
{
	const char *at = strrchr(u->addr, '@');
	const char *why = mts_name_special(at != NULL ? at + 1 : "");

	if (why == NULL)
		return 0;
	mts_fmt(err, errsz, "mailto: %s is %s, not a public mail domain: "
	    "refused", at != NULL ? at + 1 : u->addr, why);
	return -1;
}

static int
deliver(struct run *r, const struct mts_report_meta *m,
    const struct mts_rua *u, const struct mts_sbuf *gz, char *err,
    size_t errsz)
{
	const struct mts_config *c = &r->ctx->cfg;
	struct mts_sbuf mail;
	struct mts_dns *dns;
	enum mts_dns_status st;
	struct mts_https_opts o;
	char host[300], addrs[MTS_DNS_ADDRS_BUF] = "";
	long port;
	int rc;

	if (u->scheme == MTS_RUA_HTTPS) {
		if (mts_url_host(u->uri, host, sizeof(host), &port) == 0 &&
		    mts_ctx_dns(r->ctx, &dns) == MTASTS_OK)
			mts_dns_addrs(dns, host, addrs, sizeof(addrs), &st, err,
			    errsz);
		/* The same HTTPS setup as the policy fetch (net/https.c):
		 * verified, TLS >= 1.2, no redirect (RPT-72, RFC 8460 §5.4), public
		 * addresses only unless allow_networks says otherwise. */
		mts_ctx_https_opts(r->ctx, &o, c->connect_timeout * 2000L);
		return mts_https_post(&o, u->uri, addrs,
		    "application/tlsrpt+gzip", gz->buf, gz->len, err, errsz);
	}
	if (mailto_public(u, err, errsz) != 0)
		return -1;
	mts_sbuf_init(&mail);
	mts_report_mail(&mail, m, u->addr, gz, r->now);
	rc = mail.oom ? -1 : mts_sendmail(c->sendmail, r->from, u->addr, &mail,
	    SEND_TIMEOUT, err, errsz);
	mts_sbuf_free(&mail);
	return rc;
}

/* One rua: consult and advance its send state around the delivery. */
static void
one_rua(struct run *r, const struct mts_report_meta *m,
    const struct mts_rua *u, const struct mts_sbuf *gz)
{
	struct mts_send s;
	char err[MTS_FIELD_MAX] = "";
	int64_t wait;

	if (send_get(r, m->day, m->domain, u->uri, &s) != 0)
		memset(&s, 0, sizeof(s));
	switch (s.state) {
	case MTS_SEND_SENT:
		tell(r, m, u->uri, "already-sent", "", NULL);
		return;
	case MTS_SEND_SENDING:
		tell(r, m, u->uri, "already-sent", "an earlier run stopped "
		    "while sending; not repeated", NULL);
		return;
	case MTS_SEND_GAVEUP:
		tell(r, m, u->uri, "gave-up", s.error, NULL);
		return;
	case MTS_SEND_RETRY:
		if (s.next > r->now) {
			tell(r, m, u->uri, "retry-later", s.error, NULL);
			return;
		}
		break;
	case MTS_SEND_NEW:
		s.first = r->now;
		break;
	}
	s.state = MTS_SEND_SENDING;
	s.attempts++;
	s.last = r->now;
	if (send_put(r, m->day, m->domain, u->uri, &s, err,
	    sizeof(err)) != 0) {
		tell(r, m, u->uri, "failed", err, NULL);   /* not sent: no record */
		r->failed = 1;
		return;
	}
	if (deliver(r, m, u, gz, err, sizeof(err)) == 0) {
		s.state = MTS_SEND_SENT;
		s.error[0] = '\0';
		tell(r, m, u->uri, "sent", "", NULL);
	} else if (r->now - s.first >= RETRY_WINDOW) {
		s.state = MTS_SEND_GAVEUP;
		mts_strlcpy(s.error, err, sizeof(s.error));
		tell(r, m, u->uri, "gave-up", err, NULL);
	} else {
		wait = (int64_t)RETRY_FIRST << (s.attempts > 7 ? 7 : s.attempts - 1);
		s.state = MTS_SEND_RETRY;
		s.next = r->now + (wait > RETRY_MAX ? RETRY_MAX : wait);
		mts_strlcpy(s.error, err, sizeof(s.error));
		tell(r, m, u->uri, "failed", err, NULL);
		r->failed = 1;
	}
	(void)send_put(r, m->day, m->domain, u->uri, &s, err,
	    sizeof(err));
}

static void
one_domain(struct run *r, const char *day, const struct mts_rday *d)
{
	struct mts_report_meta m;
	struct mts_sbuf json, gz;
	struct mts_rptrec rec;
	char why[256] = "";
	size_t i;

	memset(&m, 0, sizeof(m));
	m.org = r->org;
	m.contact = r->contact;
	m.submitter = r->submitter;
	m.from = r->from;
	m.domain = d->domain;
	mts_strlcpy(m.day, day, sizeof(m.day));
	m.start = mts_day_start(day);
	mts_sbuf_init(&json);
	mts_sbuf_init(&gz);
	if (mts_report_names(&m) != 0) {
		tell(r, &m, NULL, "failed", "names too long", NULL);
		goto out;
	}
	mts_report_json(&json, &m, d);
	if (json.oom || mts_gzip(json.buf, json.len, &gz) != 0) {
		tell(r, &m, NULL, "failed", "out of memory", NULL);
		goto out;
	}
	if (r->flags & MTASTS_REPORT_DRY_RUN) {
		tell(r, &m, NULL, "dry-run", "", &json);
		goto out;
	}
	if (rua_of(r, d->domain, &rec, why, sizeof(why)) != 0) {
		tell(r, &m, NULL, "retry-later", why, NULL);
		r->failed = 1;
		goto out;
	}
	if (rec.n == 0)
		tell(r, &m, NULL, "no-rua", why[0] ? why : "no mailto: or "
		    "https: rua", NULL);
	for (i = 0; i < rec.n; i++)
		one_rua(r, &m, &rec.rua[i], &gz);
out:
	mts_sbuf_free(&json);
	mts_sbuf_free(&gz);
}

static mtasts_status
one_day(struct run *r, const char *day, const char *domain)
{
	struct mts_rday *days = NULL;
	size_t n = 0, i;
	char err[256];

	if (r->shared ? mts_rshared_day(r->ctx, day, &days, &n, err,
	    sizeof(err)) != 0 : mts_results_day(r->res, day, &days, &n, err,
	    sizeof(err)) != 0)
		return mts_fail(r->ctx, r->shared ? MTASTS_ERR_TEMPFAIL :
		    MTASTS_ERR_IO, "%s", err);
	for (i = 0; i < n; i++)
		if (domain == NULL || strcmp(domain, days[i].domain) == 0)
			one_domain(r, day, &days[i]);
	mts_rdays_free(days, n);
	return MTASTS_OK;
}

/* Earlier days with a retry now due (other days' reports are done). */
struct due {
	const char *skip;
	int64_t now;
	char days[16][MTS_DAY_LEN + 1];
	size_t n;
};

static int
due_one(void *arg, const char *day, const char *domain, const char *rua,
    const struct mts_send *s)
{
	struct due *d = arg;
	size_t i;

	(void)domain;
	(void)rua;
	if (s->state != MTS_SEND_RETRY || s->next > d->now ||
	    strcmp(day, d->skip) == 0)
		return 0;
	for (i = 0; i < d->n; i++)
		if (strcmp(d->days[i], day) == 0)
			return 0;
	if (d->n < sizeof(d->days) / sizeof(d->days[0]))
		mts_strlcpy(d->days[d->n++], day, MTS_DAY_LEN + 1);
	return 0;
}

static mtasts_status
run_locked(struct run *r, const char *day, const char *domain)
{
	struct due due;
	char keep[MTS_DAY_LEN + 1], err[256];
	mtasts_status st;
	size_t i;

	if ((st = one_day(r, day, domain)) != MTASTS_OK ||
	    (r->flags & MTASTS_REPORT_DRY_RUN))
		return st;
	memset(&due, 0, sizeof(due));
	due.skip = day;
	due.now = r->now;
	if (r->shared)
		(void)mts_rshared_send_walk(r->ctx, due_one, &due);
	else
		(void)mts_results_send_walk(r->res, due_one, &due);
	for (i = 0; i < due.n; i++)
		if ((st = one_day(r, due.days[i], domain)) != MTASTS_OK)
			return st;
	/* A fleet's days expire on Redis; the local journal is not purged
	 * (what it holds is not yet merged). */
	if (r->shared)
		return MTASTS_OK;
	mts_day_of(r->now - (int64_t)r->ctx->cfg.results_keep_days * 86400,
	    keep);
	if (mts_results_purge(r->res, keep, err, sizeof(err)) != 0)
		mts_log(r->ctx, MTASTS_LOG_WARNING, "tlsrpt=purge-failed "
		    "error=\"%s\"", err);
	return MTASTS_OK;
}

/*
 * A fleet's report run: this host's counts merged first (a report never
 * leaves without them), then the fleet's report lock, so one host of the
 * fleet sends each report, once.
 */
static mtasts_status
fleet_begin(struct run *r, unsigned flags, char token[33])
{
	char why[MTS_ERR_MAX / 2];
	int lk;

	if (mts_rshared_push(r->ctx, r->res, 0) != 0) {
		mts_strlcpy(why, r->ctx->err, sizeof(why));
		return mts_fail(r->ctx, MTASTS_ERR_TEMPFAIL, "shared store: "
		    "this host's counts cannot be merged now (%s); retry later",
		    why);
	}
	if (flags & MTASTS_REPORT_DRY_RUN)
		return MTASTS_OK;
	mts_shared_token(token);
	/* The lock dies with its TTL if this host dies mid-run. */
	lk = mts_shared_lock(r->ctx, "report-lock", NULL, token, 3600 * 1000);
	if (lk < 0)
		return mts_fail(r->ctx, MTASTS_ERR_TEMPFAIL, "shared store "
		    "unavailable: no report run now");
	if (lk > 0)
		return mts_fail(r->ctx, MTASTS_ERR_TEMPFAIL, "another host of "
		    "the fleet holds the report lock");
	return MTASTS_OK;
}

MTS_API mtasts_status
mtasts_report_run(mtasts_ctx *ctx, const char *day, const char *domain,
    unsigned flags, mtasts_report_fn *fn, void *arg)
{
	char want[MTS_DAY_LEN + 1], dom[MTS_DOMAIN_BUF], err[256], token[33];
	struct run r;
	mtasts_status st;
	int lk;

	if (ctx == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.flags = flags;
	r.fn = fn;
	r.arg = arg;
	r.now = mts_now(ctx);
	if (day == NULL)
		mts_day_of(r.now - 86400, want);
	else if (mts_day_start(day) < 0)
		return mts_fail(ctx, MTASTS_ERR_INVALID, "'%s' is not a day "
		    "(YYYY-MM-DD)", day);
	else
		mts_strlcpy(want, day, sizeof(want));
	if (mts_day_start(want) + 86400 > r.now &&
	    !(flags & MTASTS_REPORT_ALLOW_OPEN))
		return mts_fail(ctx, MTASTS_ERR_INVALID, "day %s has not ended "
		    "yet (UTC)", want);
	if (domain != NULL && mts_domain_normalize(domain, dom, sizeof(dom),
	    err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_INVALID, "domain: %s", err);
	if ((st = identity(&r)) != MTASTS_OK ||
	    (st = mts_ctx_results(ctx, &r.res)) != MTASTS_OK)
		return st;
	if (!(flags & MTASTS_REPORT_DRY_RUN) &&
	    (lk = mts_results_run_lock(r.res, err, sizeof(err))) != 0)
		return lk > 0 ? mts_fail(ctx, MTASTS_ERR_TEMPFAIL, "another "
		    "report run holds the lock") : mts_fail(ctx, MTASTS_ERR_IO,
		    "%s", err);
	r.shared = mts_shared_on(ctx);
	ctx->shared_force = r.shared;
	if (r.shared && (st = fleet_begin(&r, flags, token)) != MTASTS_OK) {
		ctx->shared_force = 0;
		mts_results_close(ctx->results);
		ctx->results = NULL;
		return st;
	}
	st = run_locked(&r, want, domain ? dom : NULL);
	if (r.shared && !(flags & MTASTS_REPORT_DRY_RUN))
		mts_shared_unlock(ctx, "report-lock", NULL, token);
	ctx->shared_force = 0;
	if (st == MTASTS_OK && r.failed)
		st = mts_fail(ctx, MTASTS_ERR_TEMPFAIL, "some reports could not "
		    "be sent; they are retried by later runs");
	/* Closing the store drops the run lock. */
	mts_results_close(ctx->results);
	ctx->results = NULL;
	return st;
}
