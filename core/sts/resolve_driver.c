/* SPDX-License-Identifier: ISC */
/*
 * sts/resolve_driver.c - the driver around resolve.c: reads the cache, does
 * the DNS and HTTPS work the state machine asks for, writes the cache
 * back, and hands out policy objects (mtasts.h "Policy lookup"). The
 * cache-management API is in cache_api.c, the pure parsers' wrappers in
 * parse_api.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "sts/cache.h"
#include "base/ctx.h"
#include "net/dns.h"
#include "net/fetch.h"
#include "sts/policy_obj.h"
#include "sts/resolve_driver.h"
#include "sts/lookup_shared.h"
#include "base/util.h"

/* The TXT lookup, reduced to what the state machine needs (STS-10 (RFC 8461 §3.1)..17). */
static void
txt_answer(mtasts_ctx *ctx, const char *domain, struct mts_txt_answer *t)
{
	struct mts_dns *dns;
	struct mts_dns_txt r;
	struct mts_txt txt;
	char name[MTS_DOMAIN_BUF + 16], host[MTS_DOMAIN_BUF + 16], err[128];
	enum mts_txt_sel sel;

	memset(t, 0, sizeof(*t));
	t->kind = MTS_TXTK_TEMPFAIL;
	if (mts_ctx_dns(ctx, &dns) != MTASTS_OK) {
		mts_fmt(t->reason, sizeof(t->reason), "%s", ctx->err);
		return;
	}
	mts_fmt(name, sizeof(name), "_mta-sts.%s", domain);
	mts_fmt(host, sizeof(host), "mta-sts.%s", domain);
	/* With the policy host's addresses in flight (a persistent
	 * resolver: `mtasts refresh`); fetch_doc() then takes them. */
	if (mts_dns_txt_with_addrs(dns, name, host, &r) != 0) {
		mts_fmt(t->reason, sizeof(t->reason), "%s: lookup failed: %s",
		    name, r.reason);
		return;
	}
	t->ttl = r.ttl;
	mts_strlcpy(t->reason, r.reason, sizeof(t->reason));
	switch (r.status) {
	case MTS_DNS_OK:
		sel = mts_txt_select(r.recs, r.lens, r.n, &txt, NULL, err,
		    sizeof(err));
		t->kind = sel == MTS_TXT_FOUND ? MTS_TXTK_RECORD : MTS_TXTK_NONE;
		if (sel == MTS_TXT_FOUND)
			mts_strlcpy(t->id, txt.id, sizeof(t->id));
		else if (sel == MTS_TXT_MULTIPLE)
			mts_fmt(t->reason, sizeof(t->reason), "%s: %s "
			    "(STS-14, RFC 8461 §3.1)", name, err);
		else if (sel == MTS_TXT_INVALID)
			mts_fmt(t->reason, sizeof(t->reason), "%s: invalid "
			    "record: %s", name, err);
		else
			mts_fmt(t->reason, sizeof(t->reason), "%s: %s "
			    "(STS-13, RFC 8461 §3.1)", name, err);
		break;
	case MTS_DNS_NODATA:
	case MTS_DNS_NXDOMAIN:
		t->kind = MTS_TXTK_NONE;
		break;
	default:
		break;
	}
	mts_dns_txt_clear(&r);
}

/* Milliseconds left of this lookup's lookup_timeout (ctx->deadline). */
static long
remaining_ms(const mtasts_ctx *ctx)
{
	int64_t left = ctx->deadline_ms - mts_mono_ms();

	return left > 0 ? (long)left : 0;
}

void
mts_fetch_opts_from_ctx(const mtasts_ctx *ctx, struct mts_fetch_opts *o,
    const char *addrs, long budget_ms)
{
	memset(o, 0, sizeof(*o));
	mts_ctx_https_opts(ctx, &o->https, budget_ms);
	o->trust = ctx->https_store;
	o->require_text_plain = ctx->cfg.require_text_plain;
	o->resolve_addrs = addrs;
}

/*
 * Fetch and parse the policy. The policy host is resolved through our
 * own DNS (the configured upstream) and pinned for libcurl, so one DNS
 * path serves TXT, MX and the policy host.
 */
static struct mts_policy_doc *
fetch_doc(mtasts_ctx *ctx, const char *domain, mtasts_result *fail,
    char *reason, size_t reasonsz)
{
	struct mts_fetch_result r;
	struct mts_fetch_opts o;
	struct mts_policy_doc *doc = NULL;
	struct mts_fetcher *f;
	struct mts_cert_store *trust;
	struct mts_dns *dns;
	enum mts_dns_status st;
	char host[MTS_DOMAIN_BUF + 16], addrs[MTS_DNS_ADDRS_BUF], err[160];

	*fail = MTASTS_RESULT_STS_POLICY_FETCH_ERROR;
	if (mts_ctx_dns(ctx, &dns) != MTASTS_OK ||
	    mts_ctx_fetcher(ctx, &f) != MTASTS_OK) {
		mts_strlcpy(reason, ctx->err, reasonsz);
		return NULL;
	}
	if (mts_ctx_https_store(ctx, &trust) != MTASTS_OK) {
		/* An unreadable CA file: a fetch error, as libcurl said it. */
		mts_strlcpy(reason, ctx->err, reasonsz);
		return NULL;
	}
	mts_fmt(host, sizeof(host), "mta-sts.%s", domain);
	mts_dns_addrs(dns, host, addrs, sizeof(addrs), &st, err, sizeof(err));
	if (st != MTS_DNS_OK) {
		mts_fmt(reason, reasonsz, "policy host: %s", err);
		return NULL;
	}
	if (remaining_ms(ctx) == 0) {
		mts_fmt(reason, reasonsz, "lookup_timeout (%d s) reached before "
		    "the policy fetch", ctx->cfg.lookup_timeout);
		return NULL;
	}
	memset(&r, 0, sizeof(r));
	mts_fetch_opts_from_ctx(ctx, &o, addrs, remaining_ms(ctx));
	if (mts_fetch_policy(f, &o, domain, &r) != 0) {
		*fail = r.result;
		mts_strlcpy(reason, r.reason, reasonsz);
		goto out;
	}
	if (mts_policy_parse(r.body, r.len, &doc, err, sizeof(err)) != 0) {
		*fail = MTASTS_RESULT_STS_POLICY_INVALID;  /* STS-71 (RFC 8461 §3.3) */
		mts_fmt(reason, reasonsz, "invalid policy: %s", err);
	}
out:
	mts_fetch_result_clear(&r);
	return doc;
}

/* The cached TXT answer, as if just looked up (fetch without DNS). */
static void
txt_from_entry(const struct mts_entry *e, int64_t now, struct mts_txt_answer *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = e->txt_state == MTS_TXTSTATE_RECORD ? MTS_TXTK_RECORD :
	    MTS_TXTK_NONE;
	mts_strlcpy(t->id, e->txt_id, sizeof(t->id));
	t->ttl = e->txt_expires > now ? e->txt_expires - now : 0;
	mts_strlcpy(t->reason, "cached TXT answer", sizeof(t->reason));
}

/*
 * The cache, or NULL to run uncached when its file cannot be opened
 * (unreadable, unwritable, a directory, a damaged tdb): lookups then do
 * DNS and HTTPS every time, without the fetch lock. An enforce domain
 * stays protected whenever its policy can be fetched. Logged once per
 * context, so an MTA's log is not flooded. Two cases are errors
 * instead (the caller defers, never fails open): a store file refused
 * by the privilege checks (storefile.h: someone tampered with the
 * directory), and a cache-only lookup, which without the cache knows
 * nothing about a domain that may be under enforce.
 */
static mtasts_status
cache_or_none(mtasts_ctx *ctx, int cache_only, struct mts_cache **out)
{
	*out = NULL;
	if (mts_ctx_cache(ctx, out) == MTASTS_OK)
		return MTASTS_OK;
	if (ctx->cache_refused || cache_only) {
		mts_log(ctx, MTASTS_LOG_ERR, "cache=%s error=\"%s\"",
		    ctx->cache_refused ? "refused" : "unavailable", ctx->err);
		return MTASTS_ERR_CACHE;
	}
	if (!ctx->cache_warned)
		mts_log(ctx, MTASTS_LOG_ERR, "cache=unavailable mode=uncached "
		    "error=\"%s\"", ctx->err);
	ctx->cache_warned = 1;
	ctx->err[0] = '\0';
	return MTASTS_OK;
}

/*
 * Another process held this domain's fetch lock for all of lock_wait.
 * A valid cached policy still applies; without one the domain may have
 * a policy we have not seen (its TXT record says so), so the answer is
 * "defer", never "no policy" (issue: a held lock must not open the way
 * to plaintext).
 */
static enum mts_step
lock_timed_out(mtasts_ctx *ctx, struct mts_entry *e, const char *id,
    const struct mts_resolve_cfg *rc, struct mts_decision *d)
{
	static const char why[] = "another process is still fetching this "
	    "policy";

	if (mts_policy_valid(e, mts_now(ctx))) {
		mts_resolve_fetched(e, id, NULL,
		    MTASTS_RESULT_STS_POLICY_FETCH_ERROR, why, mts_now(ctx), rc, d);
		d->store = 0;   /* not our failure to record */
		return MTS_STEP_DONE;
	}
	d->outcome = MTS_OUT_TEMPFAIL;
	d->source = MTASTS_SOURCE_NONE;
	d->result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR;
	d->store = 0;
	mts_fmt(d->reason, sizeof(d->reason), "%s (waited lock_wait = %d s): "
	    "deferring", why, ctx->cfg.lock_wait);
	return MTS_STEP_DONE;
}

/*
 * Another host of the fleet fetched this policy: take it as if we had,
 * with its fetch time and max_age (so the fleet expires it together),
 * store it locally, and release the local lock.
 */
static enum mts_step
shared_adopt(mtasts_ctx *ctx, struct mts_cache *cache, const char *domain,
    struct mts_entry *e, struct mts_entry *got, const char *id,
    const struct mts_resolve_cfg *rc, struct mts_decision *d)
{
	char err[128];

	mts_resolve_fetched(e, id, got->doc, MTASTS_RESULT_SUCCESS, "",
	    mts_now(ctx), rc, d);
	got->doc = NULL;
	e->fetched_at = got->fetched_at;
	e->expires_at = got->expires_at;
	mts_entry_clear(got);
	mts_fmt(d->reason, sizeof(d->reason), "policy id %s from the shared "
	    "store (fetched by the fleet at %lld)", e->policy_id,
	    (long long)e->fetched_at);
	mts_log(ctx, MTASTS_LOG_INFO, "domain=%s event=shared-adopt id=%s",
	    domain, e->policy_id);
	mts_stat_add(ctx, &ctx->stats, MTS_SG_FETCH, MTS_SLOT_SHARED);
	if (cache != NULL && mts_cache_put(cache, domain, e, err,
	    sizeof(err)) != 0)
		mts_log(ctx, MTASTS_LOG_ERR, "domain=%s cache=store-failed "
		    "error=\"%s\"", domain, err);
	d->store = 0;
	if (cache != NULL)
		mts_cache_unlock(cache, domain);
	return MTS_STEP_DONE;
}

/* Fetch under the cross-process lock: one fetch per domain (no herd). */
static enum mts_step
locked_fetch(mtasts_ctx *ctx, struct mts_cache *cache, const char *domain,
    struct mts_entry *e, const struct mts_txt_answer *t, int force,
    const struct mts_resolve_cfg *rc, struct mts_decision *d)
{
	struct mts_policy_doc *doc;
	struct mts_entry fresh;
	char id[MTS_TXT_ID_MAX + 1], reason[MTASTS_REASON_MAX], err[128];
	char token[33];
	mtasts_result fail;
	enum mts_shf sh = MTS_SHF_LOCAL;
	int waited = 0, rcl, fetched;

	rcl = cache == NULL ? 0 :
	    mts_cache_lock(cache, domain, ctx->cfg.lock_wait, &waited);
	if (rcl == 0 && waited && mts_cache_get(cache, domain, &fresh, err,
	    sizeof(err)) == 0) {
		/* Another process fetched meanwhile: decide from its result. */
		mts_entry_clear(e);
		*e = fresh;
		if (mts_resolve_txt(e, t, mts_now(ctx), force, rc, d) ==
		    MTS_STEP_DONE) {
			mts_cache_unlock(cache, domain);
			return MTS_STEP_DONE;
		}
	}
	mts_strlcpy(id, d->fetch_id, sizeof(id));
	if (rcl == 1)
		return lock_timed_out(ctx, e, id, rc, d);
	if (rcl < 0) {
		/* No lock to be had (the file's locks fail): fetch anyway. */
		mts_log(ctx, MTASTS_LOG_ERR, "domain=%s cache=lock-failed "
		    "error=\"%s\"", domain, strerror(errno));
	}
	/* A fleet: one fetch per domain for every host (lookup_shared.c). */
	sh = mts_shpol_begin(ctx, domain, id, force, e->fetched_at, &fresh,
	    token);
	if (sh == MTS_SHF_ADOPT)
		return shared_adopt(ctx, rcl == 0 ? cache : NULL, domain, e,
		    &fresh, id, rc, d);
	if (sh == MTS_SHF_BUSY) {
		if (cache != NULL && rcl == 0)
			mts_cache_unlock(cache, domain);
		return lock_timed_out(ctx, e, id, rc, d);
	}
	doc = fetch_doc(ctx, domain, &fail, reason, sizeof(reason));
	mts_log(ctx, doc ? MTASTS_LOG_INFO : MTASTS_LOG_WARNING,
	    "domain=%s event=fetch id=%s result=%s reason=\"%s\"", domain, id,
	    mtasts_result_str(doc ? MTASTS_RESULT_SUCCESS : fail),
	    doc ? "ok" : reason);
	fetched = doc != NULL;
	mts_stat_add(ctx, &ctx->stats, MTS_SG_FETCH,
	    fetched ? MTASTS_RESULT_SUCCESS : (int)fail);
	mts_resolve_fetched(e, id, doc, fail, reason, mts_now(ctx), rc, d);
	if (sh == MTS_SHF_FETCH)
		mts_shpol_done(ctx, domain, e, fetched, token);
	if (cache != NULL && d->store && mts_cache_put(cache, domain, e, err,
	    sizeof(err)) != 0)
		mts_log(ctx, MTASTS_LOG_ERR, "domain=%s cache=store-failed "
		    "error=\"%s\"", domain, err);
	d->store = 0;
	if (cache != NULL && rcl == 0)
		mts_cache_unlock(cache, domain);
	return MTS_STEP_DONE;
}

/* A cache-only answer: never drops a valid cached policy (enforce!). */
static void
cached_only(const struct mts_entry *e, int64_t now, struct mts_decision *d)
{
	if (mts_policy_valid(e, now)) {
		d->outcome = MTS_OUT_POLICY;
		d->source = MTASTS_SOURCE_CACHE;
		mts_fmt(d->reason, sizeof(d->reason), "cached policy, id %s "
		    "(not checked against DNS)", e->policy_id);
	} else if (e->txt_state == MTS_TXTSTATE_RECORD &&
	    e->last_result != MTASTS_RESULT_SUCCESS) {
		/* A policy is announced but could not be fetched: TLS-RPT
		 * reports that (RFC 8460 §4.3.2.2) even from the cache. */
		d->outcome = MTS_OUT_NOPOLICY;
		d->source = MTASTS_SOURCE_NONE;
		d->result = e->last_result;
		mts_fmt(d->reason, sizeof(d->reason), "%s", e->last_reason);
	} else {
		d->outcome = MTS_OUT_NOPOLICY;
		d->source = MTASTS_SOURCE_NONE;
		mts_fmt(d->reason, sizeof(d->reason), "not in the cache");
	}
}

/* A "no policy" answer the cache holds: no usable TXT record, or a
 * record whose policy could not be fetched. A record whose policy is
 * being fetched (stored before the fetch) or has expired is not one: an
 * enforce policy may be behind it. */
static int
entry_known(const struct mts_entry *e)
{
	return e->txt_state == MTS_TXTSTATE_NONE ||
	    (e->txt_state == MTS_TXTSTATE_RECORD &&
	    e->last_result != MTASTS_RESULT_SUCCESS);
}

static mtasts_status
finish(mtasts_ctx *ctx, const char *domain, struct mts_entry *e,
    int present, const struct mts_decision *d,
    const struct mts_resolve_cfg *rc, mtasts_policy **out)
{
	mtasts_policy *p;
	int64_t now = mts_now(ctx);
	int refresh = mts_entry_needs_refresh(e, present, now, rc);

	mts_log(ctx, MTASTS_LOG_DEBUG, "domain=%s outcome=%d source=%s "
	    "result=%s reason=\"%s\"", domain, (int)d->outcome,
	    mtasts_source_str(d->source), mtasts_result_str(d->result), d->reason);
	if (d->outcome == MTS_OUT_TEMPFAIL)
		return mts_fail(ctx, MTASTS_ERR_TEMPFAIL, "%s: %s", domain,
		    d->reason);
	if ((p = mts_pobj_new(domain, e, d, 1)) == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	p->needs_refresh = refresh;
	p->known = present && entry_known(e);
	*out = p;
	return MTASTS_OK;
}

/*
 * The policy object for a memo entry at now, from the state machine,
 * when it decides from the entry alone (fresh TXT answer, policy valid:
 * no store, no I/O); NULL with *st untouched if it does not, NULL with
 * *st set on no memory. Kept in the memo slot (*hot) for as long as the
 * same answer holds (mts_resolve_span), so that the next lookups of the
 * domain run neither the state machine nor a copy.
 */
static mtasts_policy *
memo_policy(mtasts_ctx *ctx, const char *domain, const struct mts_entry *m,
    int64_t now, mtasts_policy **hot, mtasts_status *st)
{
	struct mts_resolve_cfg rc;
	struct mts_decision d;
	mtasts_policy *p;

	mts_resolve_cfg_from(&rc, &ctx->cfg);
	if (mts_resolve_start(m, now, 0, &rc, &d) != MTS_STEP_DONE
	    || d.store || d.outcome == MTS_OUT_TEMPFAIL)
		return NULL;
	if ((p = mts_pobj_shared(domain, m, &d)) == NULL) {
		*st = mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	p->needs_refresh = mts_entry_needs_refresh(m, 1, now, &rc);
	p->known = entry_known(m);
	mts_resolve_span(m, now, &rc, &p->span_lo, &p->span_hi);
	if (p->span_lo < p->span_hi) {
		mtasts_policy_free(*hot);
		*hot = mts_pobj_ref(p);
	}
	return p;
}

/*
 * The hot path: the entry this process read last is still current, and
 * the policy object made from it answers for now: one more reference to
 * it, no copy, no allocation, no I/O. 1 if not applicable.
 */
static int
from_memo(mtasts_ctx *ctx, struct mts_cache *cache, const char *domain,
    mtasts_policy **out, mtasts_status *st)
{
	mtasts_policy **hot, *p;
	const struct mts_entry *m = mts_cache_peek(cache, domain, &hot);
	int64_t now;

	if (m == NULL)
		return 1;
	*st = MTASTS_OK;
	now = mts_now(ctx);
	p = *hot;
	if (p != NULL && p->span_lo <= now && now < p->span_hi)
		p = mts_pobj_ref(p);
	else if ((p = memo_policy(ctx, domain, m, now, hot, st)) == NULL)
		return *st == MTASTS_OK ? 1 : 0;
	if (ctx->log_fn != NULL && ctx->cfg.log_level >= MTASTS_LOG_DEBUG)
		mts_log(ctx, MTASTS_LOG_DEBUG, "domain=%s outcome=%d source=%s "
		    "result=%s reason=\"%s\"", domain, (int)p->outcome,
		    mtasts_source_str(p->source), mtasts_result_str(p->result),
		    p->reason);
	*out = p;
	*st = MTASTS_OK;
	return 0;
}

static mtasts_status
resolve_domain(mtasts_ctx *ctx, const char *domain, int force, int cache_only,
    mtasts_policy **out)
{
	struct mts_resolve_cfg rc;
	struct mts_txt_answer t;
	struct mts_decision d;
	struct mts_cache *cache;
	struct mts_entry e;
	char err[160];
	enum mts_step step;
	mtasts_status st;
	int present, rechecked = 0;

	mts_resolve_cfg_from(&rc, &ctx->cfg);
	if ((st = cache_or_none(ctx, cache_only, &cache)) != MTASTS_OK)
		return st;
	if (!force && cache != NULL && from_memo(ctx, cache, domain, out,
	    &st) == 0)
		return st;
again:
	mts_entry_init(&e);
	present = 1;
	/* One deadline for the whole discovery of this domain (DNS and
	 * fetch): a hostile policy host cannot hold an MTA process longer. */
	ctx->deadline_ms = mts_mono_ms() + ctx->cfg.lookup_timeout * 1000L;
	if (cache != NULL &&
	    (present = mts_cache_get(cache, domain, &e, err, sizeof(err))) < 0) {
		mts_log(ctx, MTASTS_LOG_ERR, "domain=%s cache=read-failed "
		    "error=\"%s\"", domain, err);
		mts_entry_clear(&e);
		if (cache_only)
			return mts_fail(ctx, MTASTS_ERR_CACHE, "cache: %s", err);
		/* A damaged file: this lookup goes on as if uncached. */
		mts_entry_init(&e);
	}
	present = present == 0;
	/* A local miss asks the fleet (never the cached path). */
	if (!present && !cache_only)
		(void)mts_shpol_seed(ctx, domain, &e);
	step = mts_resolve_start(&e, mts_now(ctx), force, &rc, &d);
	if (step != MTS_STEP_DONE && cache_only && !rechecked && cache != NULL) {
		/* The cache cannot answer from what this process saw last,
		 * which may be up to SEQ_RECHECK_MS old: another process
		 * (the OpenSMTPD filter's background child) may have cached
		 * the domain since. Look at the file once more before "not
		 * cached yet" (issue 14). */
		rechecked = 1;
		mts_entry_clear(&e);
		mts_cache_recheck(cache);
		goto again;
	}
	if (step != MTS_STEP_DONE && cache_only) {
		cached_only(&e, mts_now(ctx), &d);
		step = MTS_STEP_DONE;
	}
	if (step == MTS_STEP_NEED_TXT) {
		txt_answer(ctx, domain, &t);
		step = mts_resolve_txt(&e, &t, mts_now(ctx), force, &rc, &d);
	} else
		txt_from_entry(&e, mts_now(ctx), &t);
	if (cache != NULL && d.store && mts_cache_put(cache, domain, &e, err,
	    sizeof(err)) != 0)
		mts_log(ctx, MTASTS_LOG_ERR, "domain=%s cache=store-failed "
		    "error=\"%s\"", domain, err);
	if (step == MTS_STEP_NEED_FETCH)
		(void)locked_fetch(ctx, cache, domain, &e, &t, force, &rc, &d);
	st = finish(ctx, domain, &e, present, &d, &rc, out);
	mts_entry_clear(&e);
	return st;
}

mtasts_status
mts_lookup_domain(mtasts_ctx *ctx, const char *domain, int force,
    int cache_only, mtasts_policy **out)
{
	char dom[MTS_DOMAIN_BUF];
	mtasts_status st;

	if (ctx == NULL || out == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	/* Normalised once: the memo's keys are normalised names, and
	 * normalising one gives it back, so a name equal to a key needs no
	 * second pass. */
	if (!force && domain != NULL && ctx->cache != NULL)
		if (from_memo(ctx, ctx->cache, domain, out, &st) == 0)
			return st;
	if ((st = mts_ctx_domain(ctx, domain, dom)) != MTASTS_OK)
		return st;
	return resolve_domain(ctx, dom, force, cache_only, out);
}

MTS_API mtasts_status
mtasts_lookup(mtasts_ctx *ctx, const char *domain, mtasts_policy **out)
{
	return mts_lookup_domain(ctx, domain, 0, 0, out);
}

MTS_API mtasts_status
mtasts_lookup_cached(mtasts_ctx *ctx, const char *domain, mtasts_policy **out)
{
	return mts_lookup_domain(ctx, domain, 0, 1, out);
}
