/* SPDX-License-Identifier: ISC */
/*
 * sts/cache_api.c - the cache-management API (mtasts.h "Cache
 * management"): walk, drop, flush, and refresh one domain now through
 * the resolve driver.
 */
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/util.h"
#include "sts/cache.h"
#include "sts/policy_obj.h"
#include "sts/resolve_driver.h"

struct walk_arg {
	mtasts_ctx *ctx;
	mtasts_cache_fn *fn;
	void *arg;
	struct mts_resolve_cfg rc;
};

static int
walk_entry(void *arg, const char *domain, const struct mts_entry *e)
{
	struct walk_arg *w = arg;
	struct mts_decision d;
	struct mts_entry copy = *e;   /* shallow: the doc is copied below */
	mtasts_policy *p;
	int64_t now = mts_now(w->ctx);
	int stop;

	memset(&d, 0, sizeof(d));
	d.outcome = MTS_OUT_POLICY;
	d.source = MTASTS_SOURCE_CACHE;
	d.result = e->last_result;
	mts_strlcpy(d.reason, e->doc == NULL ? "no policy cached" :
	    mts_policy_valid(e, now) ? "cached policy" : "cached policy, expired",
	    sizeof(d.reason));
	if ((p = mts_pobj_new(domain, &copy, &d, 0)) == NULL)
		return 1;
	p->needs_refresh = mts_entry_needs_refresh(e, 1, now, &w->rc);
	stop = w->fn(w->arg, p);
	mtasts_policy_free(p);
	return stop;
}

MTS_API mtasts_status
mtasts_cache_walk(mtasts_ctx *ctx, mtasts_cache_fn *fn, void *arg)
{
	struct walk_arg w = { ctx, fn, arg, { 0, 0, 0, 0, 0 } };
	struct mts_cache *cache;
	char err[160];
	mtasts_status st;

	if (ctx == NULL || fn == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	mts_resolve_cfg_from(&w.rc, &ctx->cfg);
	if ((st = mts_ctx_cache(ctx, &cache)) != MTASTS_OK)
		return st;
	if (mts_cache_walk(cache, walk_entry, &w, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_CACHE, "cache: %s", err);
	return MTASTS_OK;
}

MTS_API mtasts_status
mtasts_cache_drop(mtasts_ctx *ctx, const char *domain)
{
	struct mts_cache *cache;
	char dom[MTS_DOMAIN_BUF], err[160];
	mtasts_status st;
	int rc;

	if (ctx == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	if ((st = mts_ctx_domain(ctx, domain, dom)) != MTASTS_OK ||
	    (st = mts_ctx_cache(ctx, &cache)) != MTASTS_OK)
		return st;
	if ((rc = mts_cache_del(cache, dom, err, sizeof(err))) < 0)
		return mts_fail(ctx, MTASTS_ERR_CACHE, "cache: %s", err);
	if (rc == 1)
		return mts_fail(ctx, MTASTS_ERR_NOT_FOUND, "%s: not cached", dom);
	return MTASTS_OK;
}

MTS_API mtasts_status
mtasts_cache_flush(mtasts_ctx *ctx)
{
	struct mts_cache *cache;
	char err[160];
	mtasts_status st;

	if (ctx == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	if ((st = mts_ctx_cache(ctx, &cache)) != MTASTS_OK)
		return st;
	if (mts_cache_wipe(cache, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_CACHE, "cache: %s", err);
	return MTASTS_OK;
}

MTS_API mtasts_status
mtasts_refresh(mtasts_ctx *ctx, const char *domain, mtasts_policy **out)
{
	return mts_lookup_domain(ctx, domain, 1, 0, out);
}
