/*
 * route.c - the MX hosts a policy allows, in preference order (RFC 8461
 * §5.1 step 2), for MTAs that route before connecting (Exim's
 * manualroute, OpenSMTPD's relayhost table).
 */
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "dns.h"
#include "pobj.h"
#include "util.h"

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

/* MX records of the domain: the domain itself when it has none
 * (RFC 5321 §5.1 implicit MX, DESIGN 11). */
static mtasts_status
mx_hosts(mtasts_ctx *ctx, const char *domain, struct mtasts_route *r,
    int enforce)
{
	struct mts_dns_mx mx;
	struct mts_dns *dns;
	mtasts_status st;
	size_t i;

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

MTS_API mtasts_status
mtasts_route_lookup(mtasts_ctx *ctx, const char *domain, mtasts_route **out)
{
	struct mtasts_route *r;
	mtasts_status st;
	mtasts_mode m;
	size_t i;

	if (ctx == NULL || out == NULL)
		return MTASTS_ERR_INVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	if ((st = mtasts_lookup(ctx, domain, &r->policy)) != MTASTS_OK)
		goto fail;
	m = r->policy->mode;
	if (m == MTASTS_MODE_TESTING || m == MTASTS_MODE_ENFORCE) {
		st = mx_hosts(ctx, r->policy->domain, r, m == MTASTS_MODE_ENFORCE);
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
