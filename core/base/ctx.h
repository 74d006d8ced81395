/* SPDX-License-Identifier: ISC */
/* base/ctx.h - the context behind mtasts_ctx: settings, lazily opened cache,
 * DNS and HTTPS machinery, the error message and the log callback. */
#ifndef MTS_BASE_CTX_H
#define MTS_BASE_CTX_H

#include <stdint.h>
#include <sys/types.h>

#include "mtasts.h"
#include "base/config.h"
#include "base/stats.h"

#define MTS_ERR_MAX 512

struct mts_cache;
struct mts_dns;
struct mts_fetcher;
struct mts_cert_store;
struct mts_results;
struct mts_redis;

struct mtasts_ctx {
	struct mts_config cfg;
	unsigned long fork_gen;         /* fork generation seen last (ctx.c) */
	int cache_warned;               /* "running uncached" logged once */
	int cache_refused;              /* last open refused (storefile.h) */
	int64_t deadline_ms;            /* this lookup's end (mts_mono_ms) */
	struct mts_cache *cache;        /* opened on first use */
	struct mts_dns *dns;            /* opened on first cache miss */
	struct mts_fetcher *fetcher;    /* idem */
	struct mts_cert_store *https_store; /* CA store for policy fetches,
	                                 parsed once, kept across forks */
	struct mts_cert_store *mx_store;/* opened on first certificate check */
	struct mts_results *results;    /* TLS-RPT store, opened on first record */
	int results_warned;             /* "cannot record" logged once */
	struct mts_redis *shared;       /* fleet level, opened off the hot path */
	int64_t shared_down_until;      /* this process's copy of "down" */
	int shared_force;               /* sync/report: try even when "down" */
	struct mts_stats stats;         /* counters not yet flushed (stats.h) */
	mtasts_log_fn *log_fn;
	void *log_arg;
	mtasts_clock_fn *clock_fn;
	void *clock_arg;
	char err[MTS_ERR_MAX];
};

/* Keep a message on the context and return status (for "return mts_fail(...)"). */
mtasts_status mts_fail(mtasts_ctx *ctx, mtasts_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Log one key=value line at level, if a callback is set and level allows. */
void mts_log(mtasts_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t mts_now(mtasts_ctx *ctx);
/* domain normalised into out (MTS_DOMAIN_BUF bytes, base/domain.h), or
 * MTASTS_ERR_INVALID with the reason on ctx. */
mtasts_status mts_ctx_domain(mtasts_ctx *ctx, const char *domain, char *out);
/* Notice a fork and drop per-process state (STYLE 5). Call on API entry. */
void mts_ctx_enter(mtasts_ctx *ctx);
/* Lazily open the parts; on failure the message is on ctx. */
mtasts_status mts_ctx_cache(mtasts_ctx *ctx, struct mts_cache **out);
mtasts_status mts_ctx_dns(mtasts_ctx *ctx, struct mts_dns **out);
mtasts_status mts_ctx_fetcher(mtasts_ctx *ctx, struct mts_fetcher **out);
/* The CA store policy fetches trust (ca_file / ca_path / system). */
mtasts_status mts_ctx_https_store(mtasts_ctx *ctx, struct mts_cert_store **out);
mtasts_status mts_ctx_results(mtasts_ctx *ctx, struct mts_results **out);
mtasts_status mts_ctx_mx_store(mtasts_ctx *ctx, struct mts_cert_store **out);

/* The HTTPS options every request of the core uses (net/https.h): the
 * policy hosts' CAs, connect_timeout and fetch_timeout cut to left_ms,
 * allow_networks. */
struct mts_https_opts;
void mts_ctx_https_opts(const mtasts_ctx *ctx, struct mts_https_opts *o,
    long left_ms);

#endif
