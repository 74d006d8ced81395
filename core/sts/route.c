/* SPDX-License-Identifier: ISC */
/*
 * sts/route.c - the MX hosts a policy allows, in preference order (RFC 8461
 * §5.1 step 2), for MTAs that route before connecting (Exim's
 * manualroute, OpenSMTPD's relayhost table).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "sts/cache.h"
#include "base/ctx.h"
#include "net/dns.h"
#include "base/domain.h"
#include "sts/policy_obj.h"
#include "base/util.h"

struct route_mx {
	char name[MTS_DOMAIN_BUF];
	unsigned pref;
	mtasts_verdict v;
};

struct mtasts_route {
	mtasts_policy *policy;
	size_t n, allowed;
	int stale;              /* the MX answer is past its TTL */
	struct route_mx mx[MTS_DNS_MAX_RR];
};

/*
 * The MX answer is cached beside the policy for its DNS TTL (clamped to
 * dns_min_ttl..dns_max_ttl, as the TXT answer is), so a routing call for
 * a known domain costs no DNS, and a caller that must not block (the
 * OpenSMTPD table) can route from the cache alone. Encoding:
 *   "MTSX1 <expires> <n>\n" then n lines "<pref> <name>\n"
 * (n = 0: no MX, the implicit MX). Anything else is ignored.
 */
static int
mx_decode(const unsigned char *buf, size_t len, struct mtasts_route *r,
    int64_t *expires)
{
	char tmp[MTS_DNS_MAX_RR * (MTS_DOMAIN_BUF + 16) + 64], *line, *save;
	unsigned pref;
	size_t n, i;

	if (len == 0 || len >= sizeof(tmp) || memchr(buf, 0, len) != NULL)
		return -1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if ((line = strtok_r(tmp, "\n", &save)) == NULL ||
	    sscanf(line, "MTSX1 %" SCNd64 " %zu", expires, &n) != 2 ||
	    n > MTS_DNS_MAX_RR)
		return -1;
	for (i = 0; i < n; i++) {
		char name[MTS_DOMAIN_BUF + 1];

		if ((line = strtok_r(NULL, "\n", &save)) == NULL ||
		    sscanf(line, "%u %254s", &pref, name) != 2 ||
		    !mts_domain_valid(name, strlen(name)))
			return -1;
		mts_strlcpy(r->mx[i].name, name, sizeof(r->mx[i].name));
		r->mx[i].pref = pref;
	}
	r->n = n;
	return 0;
}

static void
mx_store(mtasts_ctx *ctx, const char *domain, const struct mts_dns_mx *mx)
{
	char buf[MTS_DNS_MAX_RR * (MTS_DOMAIN_BUF + 16) + 64];
	int64_t ttl = mx->ttl;
	struct mts_cache *c;
	size_t len, i;

	if (ttl < ctx->cfg.dns_min_ttl)
		ttl = ctx->cfg.dns_min_ttl;
	if (ttl > ctx->cfg.dns_max_ttl)
		ttl = ctx->cfg.dns_max_ttl;
	if (mts_ctx_cache(ctx, &c) != MTASTS_OK)
		return;
	len = (size_t)snprintf(buf, sizeof(buf), "MTSX1 %" PRId64 " %zu\n",
	    mts_now(ctx) + ttl, mx->status == MTS_DNS_OK ? mx->n : 0);
	for (i = 0; mx->status == MTS_DNS_OK && i < mx->n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %s\n",
		    mx->hosts[i].pref, mx->hosts[i].name);
	/* A cache that cannot be written costs a DNS query next time. */
	(void)mts_cache_aux_put(c, "mx", domain, buf, len);
}

/* 0 with r filled from a fresh cached MX answer (or, with stale_ok, an
 * expired one: r->stale set), else -1. */
static int
mx_cached(mtasts_ctx *ctx, const char *domain, struct mtasts_route *r,
    int stale_ok)
{
	struct mts_cache *c;
	unsigned char *buf = NULL;
	size_t len = 0;
	int64_t expires = 0;
	int rc = -1;

	if (mts_ctx_cache(ctx, &c) != MTASTS_OK ||
	    mts_cache_aux_get(c, "mx", domain, &buf, &len) != 0)
		return -1;
	if (mx_decode(buf, len, r, &expires) == 0 &&
	    (expires > mts_now(ctx) || stale_ok)) {
		r->stale = expires <= mts_now(ctx);
		rc = 0;
	}
	free(buf);
	if (rc == 0 && r->n == 0) {          /* implicit MX, DESIGN 11 */
		mts_strlcpy(r->mx[0].name, domain, sizeof(r->mx[0].name));
		r->n = 1;
	}
	if (rc != 0)
		r->n = 0;
	return rc;
}

/* MX records of the domain: the domain itself when it has none
 * (RFC 5321 §5.1 implicit MX, DESIGN 11). cached_only: never DNS. */
static mtasts_status
mx_hosts(mtasts_ctx *ctx, const char *domain, struct mtasts_route *r,
    int enforce, unsigned flags)
{
	struct mts_dns_mx mx;
	struct mts_dns *dns;
	mtasts_status st;
	size_t i;

	if (mx_cached(ctx, domain, r, 0) == 0)
		return MTASTS_OK;
	/* RFC 8767 §4 (serve stale): a caller that must answer at once
	 * gets the expired answer rather than nothing, and refreshes it
	 * elsewhere; under enforce the policy still filters its hosts. */
	if ((flags & MTASTS_ROUTE_CACHED) && (flags & MTASTS_ROUTE_STALE_MX) &&
	    mx_cached(ctx, domain, r, 1) == 0)
		return MTASTS_OK;
	if (flags & MTASTS_ROUTE_CACHED)
		return mts_fail(ctx, MTASTS_ERR_NOT_FOUND, "%s: MX hosts not "
		    "cached", domain);
	if ((st = mts_ctx_dns(ctx, &dns)) != MTASTS_OK)
		return enforce ? MTASTS_ERR_TEMPFAIL : MTASTS_OK;
	if (mts_dns_mx(dns, domain, &mx) != 0)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	if (mx.status == MTS_DNS_TEMPFAIL || mx.status == MTS_DNS_BOGUS) {
		if (enforce)
			return mts_fail(ctx, MTASTS_ERR_TEMPFAIL, "MX lookup: %s",
			    mx.reason);
		return MTASTS_OK;
	}
	if (mx.status == MTS_DNS_OK || mx.status == MTS_DNS_NODATA)
		mx_store(ctx, domain, &mx);
	if (mx.status == MTS_DNS_NODATA) {
		mts_strlcpy(r->mx[0].name, domain, sizeof(r->mx[0].name));
		r->n = 1;
		return MTASTS_OK;
	}
	for (i = 0; i < mx.n; i++) {
		mts_strlcpy(r->mx[i].name, mx.hosts[i].name, sizeof(r->mx[i].name));
		r->mx[i].pref = mx.hosts[i].pref;
	}
	r->n = mx.n;
	return MTASTS_OK;
}

static mtasts_status
route_common(mtasts_ctx *ctx, const char *domain, unsigned flags,
    mtasts_route **out)
{
	int cached_only = (flags & MTASTS_ROUTE_CACHED) != 0;
	struct mtasts_route *r;
	mtasts_status st;
	mtasts_mode m;
	size_t i;

	if (ctx == NULL || out == NULL)
		return MTASTS_ERR_INVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	st = cached_only ? mtasts_lookup_cached(ctx, domain, &r->policy) :
	    mtasts_lookup(ctx, domain, &r->policy);
	if (st != MTASTS_OK)
		goto fail;
	m = r->policy->mode;
	/* STALE: an expired answer the cache still holds (no record, or
	 * a policy past its max_age) is served as what it says, no policy,
	 * while the caller refreshes it (RFC 8767 §4); a domain the cache
	 * never answered for stays "not cached". */
	if (cached_only && mtasts_policy_needs_refresh(r->policy) &&
	    r->policy->source != MTASTS_SOURCE_CACHE &&
	    (flags & MTASTS_ROUTE_STALE_MX) && r->policy->known)
		r->stale = 1;
	else if (cached_only && mtasts_policy_needs_refresh(r->policy) &&
	    r->policy->source != MTASTS_SOURCE_CACHE) {
		st = mts_fail(ctx, MTASTS_ERR_NOT_FOUND, "%s: not cached", domain);
		goto fail;
	}
	if (m == MTASTS_MODE_TESTING || m == MTASTS_MODE_ENFORCE ||
	    (flags & MTASTS_ROUTE_ANY_MODE)) {
		st = mx_hosts(ctx, r->policy->domain, r, m == MTASTS_MODE_ENFORCE,
		    flags);
		if (st != MTASTS_OK)
			goto fail;
	}
	for (i = 0; i < r->n; i++) {
		(void)mtasts_verdict_mx(r->policy, r->mx[i].name,
		    MTASTS_TLS_NOT_YET, MTASTS_RESULT_SUCCESS, &r->mx[i].v);
		if (r->mx[i].v.action == MTASTS_ACTION_DELIVER)
			r->allowed++;
	}
	*out = r;
	return MTASTS_OK;
fail:
	mtasts_route_free(r);
	return st;
}

MTS_API mtasts_status
mtasts_route_lookup(mtasts_ctx *ctx, const char *domain, mtasts_route **out)
{
	return route_common(ctx, domain, 0, out);
}

MTS_API mtasts_status
mtasts_route_lookup_flags(mtasts_ctx *ctx, const char *domain, unsigned flags,
    mtasts_route **out)
{
	return route_common(ctx, domain, flags, out);
}

MTS_API int mtasts_route_stale(const mtasts_route *r) { return r->stale; }

MTS_API mtasts_status
mtasts_route_lookup_cached(mtasts_ctx *ctx, const char *domain,
    mtasts_route **out)
{
	return route_common(ctx, domain, MTASTS_ROUTE_CACHED, out);
}

MTS_API void
mtasts_route_free(mtasts_route *r)
{
	if (r == NULL)
		return;
	mtasts_policy_free(r->policy);
	free(r);
}

MTS_API const mtasts_policy *mtasts_route_policy(const mtasts_route *r) { return r->policy; }
MTS_API size_t mtasts_route_mx_count(const mtasts_route *r) { return r->n; }
MTS_API size_t mtasts_route_allowed_count(const mtasts_route *r) { return r->allowed; }

MTS_API const char *
mtasts_route_mx(const mtasts_route *r, size_t i)
{
	return i < r->n ? r->mx[i].name : NULL;
}

MTS_API unsigned
mtasts_route_mx_pref(const mtasts_route *r, size_t i)
{
	return i < r->n ? r->mx[i].pref : 0;
}

MTS_API const mtasts_verdict *
mtasts_route_mx_verdict(const mtasts_route *r, size_t i)
{
	return i < r->n ? &r->mx[i].v : NULL;
}
