/* SPDX-License-Identifier: ISC */
/*
 * main.c - table-mtasts: an OpenSMTPD table backend that makes smtpd
 * enforce MTA-STS (RFC 8461), for smtpd.conf lines such as
 *
 *   table mtasts mtasts:/etc/mtasts/mtasts.conf
 *   match from local for domain <mtasts> action "mtasts"
 *   action "mtasts" relay domain <mtasts> ...
 *
 * Two questions, both answered from the cache at once (smtpd blocks on
 * its tables and shuts down if one exits):
 *  - K_DOMAIN check: is this recipient domain under an enforce policy?
 *  - K_RELAYHOST lookup: "smtp+tls://<MX host the policy allows>", which
 *    makes smtpd require STARTTLS and verify chain and name against that
 *    host. Later attempts within ROTATE_WINDOW move down the allowed
 *    list, so a failing MX does not hold the domain's mail for ever. No
 *    MX allowed, or nothing cached yet: temporary failure (queued). A
 *    domain no longer under enforce: "smtp://<MX>" (normal delivery).
 * Cold or due domains are resolved by background children (osm_bg).
 * A broken config or cache never ends the process: it answers
 * "temporary failure" and logs why.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/osm.h"
#include "table/proto.h"

#define ROTATE_SLOTS 512
#define ROTATE_WINDOW 3600      /* seconds: later lookups are retries */
#define BG_MAX 8
#define BG_TIMEOUT 120
#define BG_AGAIN 30

struct rotate {
	char domain[256];
	unsigned n;
	time_t last;
};

struct table {
	const char *conf;
	mtasts_ctx *ctx;
	struct osm_bg *bg;
	struct rotate rot[ROTATE_SLOTS];
};

/* Which allowed MX to hand out: the first, then the next for each later
 * lookup while the domain keeps being asked for (a retry). */
static unsigned
next_index(struct table *t, const char *domain)
{
	unsigned h = 5381;
	const char *s;
	struct rotate *r;
	time_t now = time(NULL);

	for (s = domain; *s; s++)
		h = h * 33 + (unsigned char)*s;
	r = &t->rot[h % ROTATE_SLOTS];
	if (strcmp(r->domain, domain) != 0 || now - r->last > ROTATE_WINDOW) {
		snprintf(r->domain, sizeof(r->domain), "%s", domain);
		r->n = 0;
	} else
		r->n++;
	r->last = now;
	return r->n;
}

static int
ready(struct table *t)
{
	if (t->ctx == NULL && (t->ctx = osm_ctx(t->conf)) != NULL &&
	    (t->bg = osm_bg_new(t->ctx, BG_MAX, BG_TIMEOUT, BG_AGAIN)) != NULL)
		osm_bg_exec(t->bg, osm_full_bin(), t->conf);
	return t->ctx != NULL && t->bg != NULL;
}

/*
 * K_DOMAIN: found for an enforce domain. A domain whose policy is not
 * known yet (cold, due, or the cache cannot be read) is a temporary
 * failure, never "not-found": not-found sends the message down the
 * opportunistic action, in clear if need be, and an enforce policy may
 * be behind it. smtpd answers the RCPT 451 and the sender retries; the
 * filter normally holds the RCPT until a background child has cached
 * the answer, so this is the fallback when it could not.
 */
static enum tbl_answer
check(void *arg, enum tbl_service svc, const char *key)
{
	struct table *t = arg;
	mtasts_route *r = NULL;
	const mtasts_policy *p;
	enum tbl_answer a;
	mtasts_status st;

	if (svc != TBL_SVC_DOMAIN || !ready(t))
		return TBL_TEMPFAIL;
	/* As the filter judges RCPT: what the cache holds, an expired
	 * answer included while a child refreshes it (RFC 8767 §4). */
	st = mtasts_route_lookup_flags(t->ctx, key, MTASTS_ROUTE_CACHED |
	    MTASTS_ROUTE_STALE_MX, &r);
	if (st == MTASTS_ERR_INVALID)
		return TBL_NOTFOUND;    /* a literal, garbage: no policy domain */
	if (st != MTASTS_OK) {
		(void)osm_bg_refresh(t->bg, key);
		osm_log(MTASTS_LOG_NOTICE, "check domain=%s -> tempfail (policy "
		    "not known yet: %s; resolving in the background)", key,
		    mtasts_error(t->ctx));
		return TBL_TEMPFAIL;
	}
	p = mtasts_route_policy(r);
	if (mtasts_policy_needs_refresh(p) || mtasts_route_stale(r))
		(void)osm_bg_refresh(t->bg, mtasts_policy_domain(p));
	a = mtasts_policy_mode(p) == MTASTS_MODE_ENFORCE ? TBL_FOUND :
	    TBL_NOTFOUND;
	osm_log(MTASTS_LOG_INFO, "check domain=%s mode=%s source=%s%s -> %s",
	    key, mtasts_mode_str(mtasts_policy_mode(p)),
	    mtasts_source_str(mtasts_policy_source(p)),
	    mtasts_route_stale(r) ? " stale" : "",
	    a == TBL_FOUND ? "enforce" : "not-enforce");
	mtasts_route_free(r);
	return a;
}

/* The k-th MX host (wrapping) the core's route action allows: under
 * enforce one the policy allows, otherwise any of them in preference
 * order (DESIGN 18: mail queued under an enforce policy that was relaxed
 * or expired follows the current one). NULL to defer. */
static const char *
pick(const mtasts_route *r, unsigned k)
{
	size_t n = mtasts_route_mx_count(r);

	switch (mtasts_route_decide(r)) {
	case MTASTS_ROUTE_NORMAL:
		return n > 0 ? mtasts_route_mx(r, k % n) : NULL;
	case MTASTS_ROUTE_POLICY:
		return mtasts_route_allowed_mx(r,
		    k % (unsigned)mtasts_route_allowed_count(r));
	case MTASTS_ROUTE_DEFER:
		break;
	}
	return NULL;
}

/* "smtp+tls://MX" or "smtp://MX" into val; -1 when it does not fit. */
static int
relay_url(char *val, size_t valsz, int enforce, const char *mx)
{
	const char *scheme = enforce ? "smtp+tls://" : "smtp://";
	size_t sn = enforce ? 11 : 7, mn = strlen(mx);

	if (sn + mn >= valsz)
		return -1;
	memcpy(val, scheme, sn);
	memcpy(val + sn, mx, mn + 1);
	return 0;
}

/*
 * K_RELAYHOST, asked at every delivery attempt of a message routed by
 * `relay domain <mtasts>`: under enforce "smtp+tls://<allowed MX>"
 * (STARTTLS required, chain and name verified); for a domain that is no
 * longer under enforce (testing, none, no policy, the policy expired and
 * not renewed) "smtp://<MX>", its normal MX hosts in preference order
 * with opportunistic TLS, so that nothing waits for a bounce. A cached
 * MX answer past its TTL is used (the policy still filters it) while a
 * child refreshes it, so a retry later than the MX TTL finds a route.
 */
static enum tbl_answer
lookup(void *arg, enum tbl_service svc, const char *key, char *val,
    size_t valsz)
{
	struct table *t = arg;
	mtasts_route *r = NULL;
	enum tbl_answer a = TBL_TEMPFAIL;
	const char *mx;
	mtasts_status st;
	int enforce;

	if (svc != TBL_SVC_RELAYHOST || !ready(t))
		return TBL_TEMPFAIL;
	st = mtasts_route_lookup_flags(t->ctx, key, MTASTS_ROUTE_CACHED |
	    MTASTS_ROUTE_ANY_MODE | MTASTS_ROUTE_STALE_MX, &r);
	if (st != MTASTS_OK) {
		(void)osm_bg_refresh(t->bg, key);
		osm_log(MTASTS_LOG_NOTICE, "relayhost domain=%s -> tempfail "
		    "(%s; resolving in the background)", key, mtasts_error(t->ctx));
		return TBL_TEMPFAIL;
	}
	if (mtasts_policy_needs_refresh(mtasts_route_policy(r)) ||
	    mtasts_route_stale(r))
		(void)osm_bg_refresh(t->bg, key);
	enforce = mtasts_route_decide(r) != MTASTS_ROUTE_NORMAL;
	mx = pick(r, next_index(t, key));
	if (mx == NULL && enforce) {
		osm_log(MTASTS_LOG_WARNING, "relayhost domain=%s -> not-found: "
		    "the enforce policy allows none of its MX hosts", key);
		a = TBL_NOTFOUND;
	} else if (mx == NULL) {
		(void)osm_bg_refresh(t->bg, key);
		osm_log(MTASTS_LOG_NOTICE, "relayhost domain=%s -> tempfail "
		    "(no MX host cached; resolving in the background)", key);
	} else if (relay_url(val, valsz, enforce, mx) == 0) {
		osm_log(MTASTS_LOG_INFO, "relayhost domain=%s mode=%s%s -> %s",
		    key, mtasts_mode_str(mtasts_policy_mode(
		    mtasts_route_policy(r))), mtasts_route_stale(r) ?
		    " mx=stale" : "", val);
		a = TBL_FOUND;
	}
	mtasts_route_free(r);
	return a;
}

static void
update(void *arg)
{
	struct table *t = arg;

	/* smtpctl update table: re-read the config (it may have been fixed). */
	osm_bg_free(t->bg);
	mtasts_free(t->ctx);
	t->bg = NULL;
	t->ctx = NULL;
	(void)ready(t);
}

static void
tick(void *arg)
{
	struct table *t = arg;

	if (t->bg != NULL)
		osm_bg_reap(t->bg);
}

/* Children to reap or kill: the loop polls with ticks; else it only
 * reads (a lookup is one read and one write). */
static int
busy(void *arg)
{
	struct table *t = arg;

	return t->bg != NULL && osm_bg_running(t->bg) > 0;
}

int
main(int argc, char *argv[])
{
	static struct table t;
	struct tbl_backend be;
	int rc;

	osm_log_init("table-mtasts");
	t.conf = argc > 1 ? argv[1] : NULL;
	(void)ready(&t);
	memset(&be, 0, sizeof(be));
	be.arg = &t;
	be.check = check;
	be.lookup = lookup;
	be.update = update;
	be.tick = tick;
	be.busy = busy;
	be.log = osm_core_log;
	be.tick_ms = 500;
	rc = tbl_serve(0, 1, &be);
	osm_bg_free(t.bg);
	mtasts_free(t.ctx);
	return rc == 0 ? 0 : 1;
}
