/* SPDX-License-Identifier: ISC */
/*
 * sts/route.c - the MX hosts a policy allows, in preference order (RFC 8461
 * §5.1 step 2), for MTAs that route before connecting (Exim's
 * manualroute, OpenSMTPD's relayhost table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/export.h"
#include "sts/cache.h"
#include "sts/entry.h"
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
	int null_mx;                  /* RFC 7505: no mail host */
	int stale;                    /* the MX answer is past its TTL */
	struct route_mx mx[MTS_DNS_MAX_RR];
};

/*
 * The MX answer is cached beside the policy for its DNS TTL (clamped as
 * the TXT answer is), so a routing call for a known domain costs no DNS,
 * and a caller that must not block (the OpenSMTPD table) can route from
 * the cache alone. The codec is entry.c's (struct mts_mx_entry).
 */
static void
mx_store(mtasts_ctx *ctx, const char *domain, const struct mts_dns_mx *mx)
{
	struct mts_mx_entry m;
	struct mts_cache *c;
	unsigned char *buf;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.expires = mts_now(ctx) + mts_ttl_clamp(mx->ttl, ctx->cfg.dns_min_ttl,
	    ctx->cfg.dns_max_ttl);
	m.null_mx = mx->null_mx;
	if (mx->status == MTS_DNS_OK && !mx->null_mx) {
		m.n = mx->n;
		memcpy(m.hosts, mx->hosts, mx->n * sizeof(m.hosts[0]));
		m.unusable = mx->n == 0 && mx->not_host > 0;
	}
	if (mts_ctx_cache(ctx, &c) != MTASTS_OK ||
	    mts_mx_entry_encode(&m, &buf, &len) != 0)
		return;
	/* A cache that cannot be written costs a DNS query next time. */
	(void)mts_cache_aux_put(c, "mx", domain, (const char *)buf, len);
	free(buf);
}

/*
 * r from an MX answer: the hosts in preference order; none for a null
 * MX (RFC 7505: the domain accepts no mail, DESIGN 19) or for MX records
 * none of which names a host (DESIGN 19: they are records, so there is
 * no implicit MX either); the domain itself when it has no MX records
 * (RFC 5321 §5.1 implicit MX, DESIGN 11).
 */
static void
mx_fill(struct mtasts_route *r, const char *domain, int none,
    const struct mts_dns_mx_host *hosts, size_t n)
{
	size_t i;

	r->n = 0;
	if (none)
		return;
	if (n == 0) {
		mts_strlcpy(r->mx[0].name, domain, sizeof(r->mx[0].name));
		r->n = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		mts_strlcpy(r->mx[i].name, hosts[i].name, sizeof(r->mx[i].name));
		r->mx[i].pref = hosts[i].pref;
	}
	r->n = n;
}

static int
mx_decode(const unsigned char *buf, size_t len, void *out)
{
	return mts_mx_entry_decode(buf, len, out);
}

/* 0 with r filled from a fresh cached MX answer (or, with stale_ok, an
 * expired one: r->stale set), else -1. The answer comes decoded from
 * the cache's memo (read and decoded once per write of the cache); its
 * TTL is checked on every call. */
static int
mx_cached(mtasts_ctx *ctx, const char *domain, struct mtasts_route *r,
    int stale_ok)
{
	const struct mts_mx_entry *m;
	const void *dec;
	struct mts_cache *c;
	int64_t now;

	if (mts_ctx_cache(ctx, &c) != MTASTS_OK ||
	    mts_cache_aux_peek_decoded(c, "mx", domain, mx_decode,
	    sizeof(*m), &dec) != 0)
		return -1;
	m = dec;
	now = mts_now(ctx);
	if (m->expires <= now && !stale_ok)
		return -1;
	mx_fill(r, domain, m->null_mx || m->unusable, m->hosts, m->n);
	r->null_mx = m->null_mx;
	r->stale |= m->expires <= now;
	return 0;
}

/* MX records of the domain (mx_fill). cached_only: never DNS. */
static mtasts_status
mx_hosts(mtasts_ctx *ctx, const char *domain, struct mtasts_route *r,
    int enforce, unsigned flags)
{
	struct mts_dns_mx mx;
	struct mts_dns *dns;
	mtasts_status st;

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
	if (mx.status == MTS_DNS_NODATA)
		mx.n = 0;
	mx_fill(r, domain, mx.null_mx || (mx.n == 0 && mx.not_host > 0),
	    mx.hosts, mx.n);
	r->null_mx = mx.null_mx;
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
	/* Not zeroed (34 KiB): every field read is written first; mx[i]
	 * only for i < n. */
	if ((r = malloc(sizeof(*r))) == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	r->policy = NULL;
	r->n = r->allowed = 0;
	r->null_mx = 0;
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
	} else if (cached_only && m == MTASTS_MODE_NOPOLICY && !r->policy->known) {
		/* A TXT record stored before its policy's fetch ended (another
		 * process is fetching): "no policy" would send enforce mail
		 * down the opportunistic path. Not known yet (issue 14). */
		st = mts_fail(ctx, MTASTS_ERR_NOT_FOUND, "%s: policy being "
		    "fetched, not cached yet", domain);
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
	/* mtasts stats: one add on the context (base/stats.h). */
	i = m == MTASTS_MODE_ENFORCE && r->allowed == 0 && !r->null_mx ?
	    MTASTS_ACTION_DEFER : MTASTS_ACTION_DELIVER;
	mts_stat_add(ctx, &ctx->stats, MTS_SG_DECISION, (int)(m * 2 + i));
	if (i == MTASTS_ACTION_DEFER)
		mts_stat_add(ctx, &ctx->stats, MTS_SG_DEFER, MTS_SLOT_NOMX);
	*out = r;
	return MTASTS_OK;
fail:
	if (st == MTASTS_ERR_TEMPFAIL)
		mts_stat_add(ctx, &ctx->stats, MTS_SG_DEFER, MTS_SLOT_TEMPFAIL);
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
MTS_API int mtasts_route_null_mx(const mtasts_route *r) { return r->null_mx; }

/* 1 if ip is one of list ("ip,ip,[v6]", mts_dns_addrs's format). */
static int
addr_listed(const char *list, const char *ip)
{
	size_t n = strlen(ip);
	const char *p = list, *end;

	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (*p == '[' && end - p >= 2 && end[-1] == ']' &&
		    (size_t)(end - p - 2) == n && strncasecmp(p + 1, ip, n) == 0)
			return 1;
		if ((size_t)(end - p) == n && strncasecmp(p, ip, n) == 0)
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/*
 * The allowed MX name that the MTA's host stands for. Exim renames a
 * host to its CNAME's target (host.c) but checks the certificate
 * against the MX name, and must send that name as SNI and judge the
 * session under it: the name itself when it is an allowed MX, else the
 * first allowed MX (preference order) whose addresses hold ip.
 */
MTS_API mtasts_status
mtasts_route_mx_name(mtasts_ctx *ctx, const mtasts_route *r,
    const char *host, const char *ip, const char **name)
{
	char addrs[1024], why[128];
	enum mts_dns_status ds;
	struct mts_dns *dns;
	size_t i;

	if (ctx == NULL || r == NULL || host == NULL || name == NULL)
		return MTASTS_ERR_INVALID;
	*name = NULL;
	for (i = 0; i < r->n; i++)
		if (r->mx[i].v.action == MTASTS_ACTION_DELIVER &&
		    strcasecmp(r->mx[i].name, host) == 0) {
			*name = r->mx[i].name;
			return MTASTS_OK;
		}
	if (ip == NULL || ip[0] == '\0' || mts_ctx_dns(ctx, &dns) != MTASTS_OK)
		return mts_fail(ctx, MTASTS_ERR_NOT_FOUND, "%s: no allowed MX",
		    host);
	for (i = 0; i < r->n; i++) {
		if (r->mx[i].v.action != MTASTS_ACTION_DELIVER ||
		    mts_dns_addrs(dns, r->mx[i].name, addrs, sizeof(addrs), &ds,
		    why, sizeof(why)) != 0 || ds != MTS_DNS_OK)
			continue;
		if (addr_listed(addrs, ip)) {
			*name = r->mx[i].name;
			return MTASTS_OK;
		}
	}
	return mts_fail(ctx, MTASTS_ERR_NOT_FOUND, "%s [%s]: no allowed MX "
	    "resolves to it", host, ip);
}

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
