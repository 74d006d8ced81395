/* SPDX-License-Identifier: ISC */
/*
 * sts/resolve.c - the RFC 8461 §5.1 state machine (see resolve.h).
 * Every branch names the checklist rule it follows.
 */
#include <stdarg.h>
#include <string.h>

#include "sts/resolve.h"
#include "base/util.h"

void
mts_resolve_cfg_from(struct mts_resolve_cfg *rc, const struct mts_config *c)
{
	rc->backoff = c->backoff;
	rc->dns_min_ttl = c->dns_min_ttl;
	rc->dns_max_ttl = c->dns_max_ttl;
	rc->refresh_interval = c->refresh_interval;
	rc->tempfail = c->dns_tempfail;
}

int
mts_policy_valid(const struct mts_entry *e, int64_t now)
{
	return e->doc != NULL && e->expires_at > now;
}

static int
policy_due(const struct mts_entry *e, int64_t now,
    const struct mts_resolve_cfg *rc)
{
	return now - e->fetched_at >= rc->refresh_interval
	    || e->expires_at - now <= rc->refresh_interval;
}

int
mts_entry_needs_refresh(const struct mts_entry *e, int present, int64_t now,
    const struct mts_resolve_cfg *rc)
{
	if (!present || e->txt_state == MTS_TXTSTATE_UNKNOWN)
		return 1;
	if (e->doc != NULL)
		return policy_due(e, now, rc);
	return e->txt_expires <= now;
}

static enum mts_step
done(struct mts_decision *d, enum mts_resolve_outcome o, mtasts_source src,
    mtasts_result r, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum mts_step
done(struct mts_decision *d, enum mts_resolve_outcome o, mtasts_source src,
    mtasts_result r, const char *fmt, ...)
{
	va_list ap;

	d->outcome = o;
	d->source = src;
	d->result = r;
	va_start(ap, fmt);
	(void)mts_vfmt(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	return MTS_STEP_DONE;
}

static enum mts_step
need_fetch(struct mts_decision *d, const char *id)
{
	mts_strlcpy(d->fetch_id, id, sizeof(d->fetch_id));
	return MTS_STEP_NEED_FETCH;
}

/* A fetch for this id failed recently (STS-38, RFC 8461 §3.3): do not try again yet. */
static enum mts_step
backed_off(const struct mts_entry *e, int64_t now, struct mts_decision *d)
{
	if (mts_policy_valid(e, now))  /* STS-41 (RFC 8461 §3.3), STS-52 (RFC 8461 §3.3) */
		return done(d, MTS_OUT_POLICY, MTASTS_SOURCE_STALE, e->last_result,
		    "refresh failed, cached policy kept until its max_age: %s",
		    e->last_reason);
	return done(d, MTS_OUT_NOPOLICY, MTASTS_SOURCE_NONE, e->last_result,
	    "back-off after a recent fetch failure: %s", e->last_reason);
}

/* Decide from the entry's TXT state, which is fresh. */
static enum mts_step
from_txt_state(const struct mts_entry *e, int64_t now, int force,
    const struct mts_resolve_cfg *rc, struct mts_decision *d)
{
	int valid = mts_policy_valid(e, now);

	if (e->txt_state != MTS_TXTSTATE_RECORD) {
		/* STS-15 (RFC 8461 §3.1)/53: no usable TXT does not remove a cached policy;
		 * STS-55 (RFC 8461 §10.2): a refresh still fetches it, whatever the TXT says. */
		if (valid && force && policy_due(e, now, rc))
			return need_fetch(d, e->policy_id);
		if (valid)
			return done(d, MTS_OUT_POLICY, MTASTS_SOURCE_CACHE,
			    MTASTS_RESULT_SUCCESS, "no usable TXT record; "
			    "cached policy applies until its max_age");
		return done(d, MTS_OUT_NOPOLICY, MTASTS_SOURCE_NONE,
		    MTASTS_RESULT_SUCCESS, "no usable _mta-sts TXT record");
	}
	if (valid && strcmp(e->policy_id, e->txt_id) == 0) {
		/* STS-51 (RFC 8461 §5.1): same id, keep the cached policy. */
		if (force && policy_due(e, now, rc))
			return need_fetch(d, e->txt_id);
		return done(d, MTS_OUT_POLICY, MTASTS_SOURCE_CACHE,
		    MTASTS_RESULT_SUCCESS, "cached policy, id %s", e->txt_id);
	}
	if (strcmp(e->backoff_id, e->txt_id) == 0 && e->backoff_until > now)
		return backed_off(e, now, d);
	return need_fetch(d, e->txt_id);  /* STS-51 (RFC 8461 §5.1): new id, or none cached */
}

enum mts_step
mts_resolve_start(const struct mts_entry *e, int64_t now, int force,
    const struct mts_resolve_cfg *rc, struct mts_decision *d)
{
	/* Field by field: the two text buffers need only be empty. */
	d->outcome = MTS_OUT_POLICY;
	d->source = MTASTS_SOURCE_NONE;
	d->result = MTASTS_RESULT_SUCCESS;
	d->reason[0] = '\0';
	d->store = 0;
	d->fetch_id[0] = '\0';
	if (force || e->txt_state == MTS_TXTSTATE_UNKNOWN
	    || e->txt_expires <= now)
		return MTS_STEP_NEED_TXT;
	return from_txt_state(e, now, 0, rc, d);
}

/*
 * Every test that mts_resolve_start (without force) and
 * mts_entry_needs_refresh make of the time is "now >= T" for one T of
 * the entry: txt_expires (the TXT answer's TTL), expires_at (max_age,
 * mts_policy_valid), backoff_until (STS-38), and policy_due's
 * fetched_at + refresh_interval and expires_at - refresh_interval. So
 * their answers hold from the last such T at or before now to the
 * first one after it. The times are bounded (entry.c's parse_time, at
 * most 2^40); anything far outside gets an empty span, so that no
 * arithmetic here or there can overflow.
 */
#define SPAN_BOUND (INT64_C(1) << 60)

void
mts_resolve_span(const struct mts_entry *e, int64_t now,
    const struct mts_resolve_cfg *rc, int64_t *lo, int64_t *hi)
{
	int64_t t[5];
	size_t i;

	t[0] = e->txt_expires;
	t[1] = e->expires_at;
	t[2] = e->backoff_until;
	*lo = *hi = now;
	for (i = 0; i < 3; i++)
		if (t[i] < -SPAN_BOUND || t[i] > SPAN_BOUND)
			return;
	if (e->fetched_at < -SPAN_BOUND || e->fetched_at > SPAN_BOUND ||
	    rc->refresh_interval < -SPAN_BOUND ||
	    rc->refresh_interval > SPAN_BOUND ||
	    now < -SPAN_BOUND || now > SPAN_BOUND)
		return;
	t[3] = e->fetched_at + rc->refresh_interval;
	t[4] = e->expires_at - rc->refresh_interval;
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	for (i = 0; i < 5; i++) {
		if (t[i] <= now && t[i] > *lo)
			*lo = t[i];
		if (t[i] > now && t[i] < *hi)
			*hi = t[i];
	}
}

static int64_t
clamp_ttl(int64_t ttl, const struct mts_resolve_cfg *rc)
{
	return mts_ttl_clamp(ttl, rc->dns_min_ttl, rc->dns_max_ttl);
}

/* DESIGN 8: DNS temporary failure; the failure itself is not cached. */
static enum mts_step
txt_tempfail(const struct mts_entry *e, const struct mts_txt_answer *t,
    int64_t now, const struct mts_resolve_cfg *rc, struct mts_decision *d)
{
	if (mts_policy_valid(e, now))  /* STS-52 (RFC 8461 §3.3) */
		return done(d, MTS_OUT_POLICY, MTASTS_SOURCE_STALE,
		    MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "TXT lookup failed (%s); "
		    "cached policy applies until its max_age", t->reason);
	if (rc->tempfail == MTS_TEMPFAIL_DEFER)
		return done(d, MTS_OUT_TEMPFAIL, MTASTS_SOURCE_NONE,
		    MTASTS_RESULT_STS_POLICY_FETCH_ERROR,
		    "TXT lookup failed (%s); deferring (dns_tempfail = defer)",
		    t->reason);
	return done(d, MTS_OUT_NOPOLICY, MTASTS_SOURCE_NONE,
	    MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "TXT lookup failed (%s); "
	    "delivering without MTA-STS (dns_tempfail = deliver)", t->reason);
}

enum mts_step
mts_resolve_txt(struct mts_entry *e, const struct mts_txt_answer *t,
    int64_t now, int force, const struct mts_resolve_cfg *rc,
    struct mts_decision *d)
{
	enum mts_step step;

	memset(d, 0, sizeof(*d));
	if (t->kind == MTS_TXTK_TEMPFAIL)
		return txt_tempfail(e, t, now, rc, d);
	/* The answer, positive or negative, is kept for its TTL. */
	e->txt_state = t->kind == MTS_TXTK_RECORD ? MTS_TXTSTATE_RECORD :
	    MTS_TXTSTATE_NONE;
	mts_strlcpy(e->txt_id, t->kind == MTS_TXTK_RECORD ? t->id : "",
	    sizeof(e->txt_id));
	e->txt_expires = now + clamp_ttl(t->ttl, rc);
	d->store = 1;
	step = from_txt_state(e, now, force, rc, d);
	d->store = 1;
	if (step == MTS_STEP_DONE && t->kind == MTS_TXTK_NONE
	    && d->outcome == MTS_OUT_NOPOLICY)
		mts_fmt(d->reason, sizeof(d->reason), "%s", t->reason);
	return step;
}

void
mts_resolve_fetched(struct mts_entry *e, const char *id,
    struct mts_policy_doc *doc, mtasts_result fail, const char *fail_reason,
    int64_t now, const struct mts_resolve_cfg *rc, struct mts_decision *d)
{
	char idbuf[sizeof(e->policy_id)];

	/* id may point into *d (its fetch_id), which is cleared next. */
	mts_strlcpy(idbuf, id, sizeof(idbuf));
	id = idbuf;
	memset(d, 0, sizeof(*d));
	d->store = 1;
	if (doc != NULL) {
		mts_policy_doc_free(e->doc);
		e->doc = doc;
		mts_strlcpy(e->policy_id, id, sizeof(e->policy_id));
		e->fetched_at = now;
		/* STS-50 (RFC 8461 §3.2); max_age 0 (DESIGN 3) expires at once: used now, never again. */
		e->expires_at = now + doc->max_age;
		e->backoff_id[0] = '\0';
		e->backoff_until = 0;
		e->last_result = MTASTS_RESULT_SUCCESS;
		e->last_reason[0] = '\0';
		(void)done(d, MTS_OUT_POLICY, MTASTS_SOURCE_FETCHED,
		    MTASTS_RESULT_SUCCESS, "fetched policy, id %s, max_age %lld",
		    id, (long long)doc->max_age);
		return;
	}
	mts_strlcpy(e->backoff_id, id, sizeof(e->backoff_id));
	e->backoff_until = now + rc->backoff;  /* STS-38 (RFC 8461 §3.3) */
	e->last_result = fail;
	mts_strlcpy(e->last_reason, fail_reason, sizeof(e->last_reason));
	if (mts_policy_valid(e, now)) {         /* STS-41 (RFC 8461 §3.3), STS-52 (RFC 8461 §3.3) */
		(void)done(d, MTS_OUT_POLICY, MTASTS_SOURCE_STALE, fail,
		    "policy fetch failed (%s); cached policy kept until its "
		    "max_age", fail_reason);
		return;
	}
	(void)done(d, MTS_OUT_NOPOLICY, MTASTS_SOURCE_NONE, fail,  /* STS-40 (RFC 8461 §3.3) */
	    "policy fetch failed (%s); no cached policy: delivering without "
	    "MTA-STS", fail_reason);
}
