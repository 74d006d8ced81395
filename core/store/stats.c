/* SPDX-License-Identifier: ISC */
/* store/stats.c - flushing and reading the counters (stats.h): one record
 * ("stats", "v1") in the cache file, n little-endian uint64s, updated
 * under the cache's per-name lock so that processes add up. */
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/sbuf.h"
#include "base/stats.h"
#include "sts/cache.h"
#include "sts/resolve.h"

#define NCOUNT (MTS_SG_N * MTS_STATS_SLOTS)
/* Not a domain name (a space), so no domain's lock is taken. */
#define LOCK_NAME "stats counters"

static void
load(const unsigned char *buf, size_t len, uint64_t *v)
{
	size_t i, k;

	memset(v, 0, NCOUNT * sizeof(*v));
	if (buf == NULL || len != NCOUNT * 8)
		return;                 /* absent or foreign: from zero */
	for (i = 0; i < NCOUNT; i++)
		for (k = 0; k < 8; k++)
			v[i] |= (uint64_t)buf[i * 8 + k] << (8 * k);
}

int
mts_stat_read(mtasts_ctx *ctx, uint64_t out[MTS_SG_N][MTS_STATS_SLOTS])
{
	struct mts_cache *c;
	unsigned char *buf = NULL;
	size_t len = 0;

	if (mts_ctx_cache(ctx, &c) != MTASTS_OK)
		return -1;
	if (mts_cache_aux_get(c, "stats", "v1", &buf, &len) < 0)
		return -1;
	load(buf, len, &out[0][0]);
	free(buf);
	return 0;
}

void
mts_stat_flush(mtasts_ctx *ctx)
{
	struct mts_stats *s = &ctx->stats;
	struct mts_cache *c;
	uint64_t v[NCOUNT];
	unsigned char *buf = NULL, out[NCOUNT * 8];
	size_t len = 0, i, k;
	int waited;

	if (s->npending == 0)
		return;
	if (mts_ctx_cache(ctx, &c) != MTASTS_OK) {
		ctx->err[0] = '\0';
		return;                 /* kept for a later flush */
	}
	if (mts_cache_lock(c, LOCK_NAME, 2, &waited) != 0)
		return;
	if (mts_cache_aux_get(c, "stats", "v1", &buf, &len) >= 0) {
		load(buf, len, v);
		for (i = 0; i < NCOUNT; i++)
			v[i] += s->pending[i / MTS_STATS_SLOTS][i % MTS_STATS_SLOTS];
		for (i = 0; i < NCOUNT; i++)
			for (k = 0; k < 8; k++)
				out[i * 8 + k] = (unsigned char)(v[i] >> (8 * k));
		if (mts_cache_aux_put(c, "stats", "v1", out, sizeof(out)) == 0)
			memset(s, 0, sizeof(*s));
	}
	free(buf);
	mts_cache_unlock(c, LOCK_NAME);
}

/* ---- mtasts_stats(): the Prometheus text exposition format ---- */

static const char *const mode_names[] = { "nopolicy", "none", "testing",
	"enforce" };
static const char *const action_names[] = { "deliver", "defer" };

static const char *
slot_name(int slot)
{
	switch (slot) {
	case MTS_SLOT_NOMX:     return "no-mx-allowed";
	case MTS_SLOT_TEMPFAIL: return "tempfail";
	case MTS_SLOT_SHARED:   return "shared-store";
	}
	return mtasts_result_str((mtasts_result)slot);
}

static void
head(struct mts_sbuf *b, const char *name, const char *type,
    const char *help)
{
	mts_sbuf_fmt(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
by_slot(struct mts_sbuf *b, const char *name, const char *label,
    const uint64_t *v, int nslots)
{
	int i;

	for (i = 0; i < nslots; i++)
		if (v[i] != 0)
			mts_sbuf_fmt(b, "%s{%s=\"%s\"} %llu\n", name, label,
			    slot_name(i), (unsigned long long)v[i]);
}

struct age {
	int64_t now, oldest, sum;
	uint64_t modes[4], policies;
};

static int
age_one(void *arg, const char *domain, const struct mts_entry *e)
{
	struct age *a = arg;
	int64_t age;

	(void)domain;
	if (e->doc == NULL) {
		a->modes[MTASTS_MODE_NOPOLICY]++;
		return 0;
	}
	if ((unsigned)e->doc->mode < 4)
		a->modes[e->doc->mode]++;
	age = a->now - e->fetched_at;
	if (age < 0)
		age = 0;
	a->policies++;
	a->sum += age;
	if (age > a->oldest)
		a->oldest = age;
	return 0;
}

MTS_API mtasts_status
mtasts_stats(mtasts_ctx *ctx, char **text, size_t *len)
{
	static const char *const rs[] = { "sent", "failed", "gave-up" };
	uint64_t v[MTS_SG_N][MTS_STATS_SLOTS];
	struct mts_cache *c;
	struct mts_sbuf b;
	struct age a;
	char err[160];
	mtasts_status st;
	int i, k;

	if (ctx == NULL || text == NULL || len == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	mts_stat_flush(ctx);
	if ((st = mts_ctx_cache(ctx, &c)) != MTASTS_OK)
		return st;
	if (mts_stat_read(ctx, v) != 0)
		return mts_fail(ctx, MTASTS_ERR_CACHE, "stats: cannot read");
	memset(&a, 0, sizeof(a));
	a.now = mts_now(ctx);
	if (mts_cache_walk(c, age_one, &a, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_CACHE, "cache: %s", err);
	mts_sbuf_init(&b);
	head(&b, "mtasts_decisions_total", "counter", "Routing and "
	    "certificate decisions by policy mode and action.");
	for (i = 0; i < 4; i++)
		for (k = 0; k < 2; k++)
			mts_sbuf_fmt(&b, "mtasts_decisions_total{mode=\"%s\","
			    "action=\"%s\"} %llu\n", mode_names[i],
			    action_names[k],
			    (unsigned long long)v[MTS_SG_DECISION][i * 2 + k]);
	head(&b, "mtasts_enforce_deferrals_total", "counter", "Enforce "
	    "decisions that refused an MX or deferred, by reason.");
	by_slot(&b, "mtasts_enforce_deferrals_total", "reason",
	    v[MTS_SG_DEFER], MTS_STATS_SLOTS);
	head(&b, "mtasts_policy_fetches_total", "counter", "Policy fetches "
	    "by result (shared-store: taken from another host).");
	by_slot(&b, "mtasts_policy_fetches_total", "result", v[MTS_SG_FETCH],
	    MTS_STATS_SLOTS);
	head(&b, "mtasts_tlsrpt_sessions_total", "counter", "TLS sessions "
	    "recorded for TLS-RPT, by result type.");
	by_slot(&b, "mtasts_tlsrpt_sessions_total", "result",
	    v[MTS_SG_SESSION], 12);
	head(&b, "mtasts_reports_total", "counter", "TLS-RPT report "
	    "deliveries by outcome.");
	for (i = 0; i < 3; i++)
		mts_sbuf_fmt(&b, "mtasts_reports_total{outcome=\"%s\"} %llu\n",
		    rs[i], (unsigned long long)v[MTS_SG_REPORT][i]);
	head(&b, "mtasts_cache_entries", "gauge", "Cached domains by the "
	    "mode of their policy (nopolicy: a cached no-policy answer).");
	for (i = 0; i < 4; i++)
		mts_sbuf_fmt(&b, "mtasts_cache_entries{mode=\"%s\"} %llu\n",
		    mode_names[i], (unsigned long long)a.modes[i]);
	head(&b, "mtasts_cache_policy_age_seconds_max", "gauge", "Age of the "
	    "oldest cached policy.");
	mts_sbuf_fmt(&b, "mtasts_cache_policy_age_seconds_max %lld\n",
	    (long long)a.oldest);
	head(&b, "mtasts_cache_policy_age_seconds_sum", "gauge", "Sum of the "
	    "ages of the cached policies (divide by mtasts_cache_policies).");
	mts_sbuf_fmt(&b, "mtasts_cache_policy_age_seconds_sum %lld\n",
	    (long long)a.sum);
	head(&b, "mtasts_cache_policies", "gauge", "Cached policies.");
	mts_sbuf_fmt(&b, "mtasts_cache_policies %llu\n",
	    (unsigned long long)a.policies);
	if (b.oom) {
		mts_sbuf_free(&b);
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	}
	*text = b.buf;
	*len = b.len;
	return MTASTS_OK;
}
