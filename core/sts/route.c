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
/* A decimal number ending at sep, within [p, end). */
static int
num(const char **p, const char *end, char sep, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (s == end || *s != sep)
		return -1;
	*p = s + 1;
	*out = v;
	return 0;
}

static int
mx_decode(const unsigned char *buf, size_t len, struct mtasts_route *r,
    int64_t *expires)
{
	const char *p = (const char *)buf, *end = p + len, *nl;
	uint64_t exp, n, pref;
	size_t i, k;

	if (len < 6 || memcmp(p, "MTSX1 ", 6) != 0)
		return -1;
	p += 6;
	if (num(&p, end, ' ', INT64_MAX, &exp) || num(&p, end, '\n',
	    MTS_DNS_MAX_RR, &n))
		return -1;
	for (i = 0; i < n; i++) {
		if (num(&p, end, ' ', UINT32_MAX, &pref) ||
		    (nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
		    (k = (size_t)(nl - p)) >= sizeof(r->mx[i].name) ||
		    !mts_domain_valid(p, k))
			return -1;
		memcpy(r->mx[i].name, p, k);
		r->mx[i].name[k] = '\0';
		r->mx[i].pref = (unsigned)pref;
		p = nl + 1;
	}
	if (p != end)
		return -1;
	*expires = (int64_t)exp;
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

/* 0 with r filled from a fresh cached MX answer, else -1. */
static int
mx_cached(mtasts_ctx *ctx, const char *domain, struct mtasts_route *r)
{
	struct mts_cache *c;
	const unsigned char *buf = NULL;
	size_t len = 0;
	int64_t expires = 0;
	int rc = -1;

	if (mts_ctx_cache(ctx, &c) != MTASTS_OK ||
	    mts_cache_aux_get(c, "mx", domain, &buf, &len) != 0)
		return -1;
	if (mx_decode(buf, len, r, &expires) == 0 && expires > mts_now(ctx))
		rc = 0;
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
    int enforce, int cached_only)
{
	struct mts_dns_mx mx;
	struct mts_dns *dns;
	mtasts_status st;
	size_t i;

	if (mx_cached(ctx, domain, r) == 0)
		return MTASTS_OK;
	if (cached_only)
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
route_common(mtasts_ctx *ctx, const char *domain, int cached_only,
    mtasts_route **out)
{
	struct mtasts_route *r;
	mtasts_status st;
	mtasts_mode m;
	size_t i;

	if (ctx == NULL || out == NULL)
		return MTASTS_ERR_INVALID;
	/* Not zeroed (34 KiB): every field read is written first; mx[i]
	 * only for i < n. */
	if ((r = malloc(sizeof(*r))) == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	r->policy = NULL;
	r->n = r->allowed = 0;
	st = cached_only ? mtasts_lookup_cached(ctx, domain, &r->policy) :
	    mtasts_lookup(ctx, domain, &r->policy);
	if (st != MTASTS_OK)
		goto fail;
	m = r->policy->mode;
	if (cached_only && mtasts_policy_needs_refresh(r->policy) &&
	    r->policy->source != MTASTS_SOURCE_CACHE) {
		st = mts_fail(ctx, MTASTS_ERR_NOT_FOUND, "%s: not cached", domain);
		goto fail;
	}
	if (m == MTASTS_MODE_TESTING || m == MTASTS_MODE_ENFORCE) {
		st = mx_hosts(ctx, r->policy->domain, r, m == MTASTS_MODE_ENFORCE,
		    cached_only);
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
mtasts_route_lookup_cached(mtasts_ctx *ctx, const char *domain,
    mtasts_route **out)
{
	return route_common(ctx, domain, 1, out);
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
