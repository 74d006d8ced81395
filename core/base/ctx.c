/* SPDX-License-Identifier: ISC */
/* base/ctx.c - the context: settings, error message, log callback, clock,
 * fork detection and lazy opening of cache, DNS and HTTPS machinery. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/export.h"
#include "sts/cache.h"
#include "net/cert.h"
#include "base/ctx.h"
#include "base/domain.h"
#include "tlsrpt/results.h"
#include "store/shared.h"
#include "net/dns.h"
#include "net/fetch.h"
#include "base/storefile.h"
#include "base/util.h"

/*
 * The one piece of process-wide state: a counter bumped in every fork
 * child (pthread_atfork), so that a context notices it now lives in a
 * child without a getpid() system call on every call (the hot path).
 * glibc drops the handler if this object is ever unloaded.
 */
static volatile unsigned long fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void
on_fork_child(void)
{
	fork_gen++;
}

static void
register_atfork(void)
{
	(void)pthread_atfork(NULL, NULL, on_fork_child);
}

MTS_API mtasts_ctx *
mtasts_new(void)
{
	mtasts_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return NULL;
	mts_config_defaults_zeroed(&ctx->cfg);     /* calloc zeroed it */
	pthread_once(&atfork_once, register_atfork);
	ctx->fork_gen = fork_gen;
	return ctx;
}

static void
drop_network(mtasts_ctx *ctx)
{
	mts_dns_free(ctx->dns);
	ctx->dns = NULL;
	mts_fetcher_free(ctx->fetcher);
	ctx->fetcher = NULL;
}

MTS_API void
mtasts_free(mtasts_ctx *ctx)
{
	if (ctx == NULL)
		return;
	mts_ctx_enter(ctx);
	mts_stat_flush(ctx);
	mts_cache_close(ctx->cache);
	drop_network(ctx);
	mts_cert_store_free(ctx->mx_store);
	mts_cert_store_free(ctx->https_store);
	mts_results_close(ctx->results);
	mts_shared_drop(ctx);
	free(ctx);
}

/* Settings change what the lazily opened parts were opened with. */
static void
drop_opened(mtasts_ctx *ctx)
{
	mts_cache_close(ctx->cache);
	ctx->cache = NULL;
	drop_network(ctx);
	mts_cert_store_free(ctx->mx_store);
	ctx->mx_store = NULL;
	mts_cert_store_free(ctx->https_store);
	ctx->https_store = NULL;
	mts_results_close(ctx->results);
	ctx->results = NULL;
	mts_shared_drop(ctx);
}

MTS_API mtasts_status
mtasts_load_config(mtasts_ctx *ctx, const char *path)
{
	if (ctx == NULL || path == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	drop_opened(ctx);
	if (mts_config_load(&ctx->cfg, path, ctx->err, sizeof(ctx->err)) != 0)
		return MTASTS_ERR_CONFIG;
	ctx->err[0] = '\0';
	return MTASTS_OK;
}

MTS_API mtasts_status
mtasts_set(mtasts_ctx *ctx, const char *key, const char *value)
{
	if (ctx == NULL || key == NULL || value == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	drop_opened(ctx);
	if (mts_config_set(&ctx->cfg, key, value, ctx->err,
	    sizeof(ctx->err)) != 0)
		return MTASTS_ERR_CONFIG;
	ctx->err[0] = '\0';
	return MTASTS_OK;
}

MTS_API const char *
mtasts_error(const mtasts_ctx *ctx)
{
	return ctx == NULL ? "" : ctx->err;
}

MTS_API void
mtasts_set_log(mtasts_ctx *ctx, mtasts_log_fn *fn, void *arg)
{
	if (ctx == NULL)
		return;
	ctx->log_fn = fn;
	ctx->log_arg = arg;
}

MTS_API int
mtasts_log_level(const mtasts_ctx *ctx)
{
	return ctx == NULL ? MTASTS_LOG_INFO : ctx->cfg.log_level;
}

MTS_API void
mtasts_set_clock(mtasts_ctx *ctx, mtasts_clock_fn *fn, void *arg)
{
	if (ctx == NULL)
		return;
	ctx->clock_fn = fn;
	ctx->clock_arg = arg;
}

mtasts_status
mts_fail(mtasts_ctx *ctx, mtasts_status st, const char *fmt, ...)
{
	va_list ap;

	if (ctx != NULL) {
		va_start(ap, fmt);
		(void)mts_vfmt(ctx->err, sizeof(ctx->err), fmt, ap);
		va_end(ap);
		mts_sanitize(ctx->err);   /* it reaches stderr and MTA logs */
	}
	return st;
}

void
mts_log(mtasts_ctx *ctx, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (ctx == NULL || ctx->log_fn == NULL || level > ctx->cfg.log_level)
		return;
	va_start(ap, fmt);
	(void)mts_vfmt(line, sizeof(line), fmt, ap);
	va_end(ap);
	mts_sanitize(line);   /* no terminal or syslog control from the network */
	ctx->log_fn(ctx->log_arg, level, line);
}

int64_t
mts_now(mtasts_ctx *ctx)
{
	struct timespec ts;

	if (ctx->clock_fn != NULL)
		return ctx->clock_fn(ctx->clock_arg);
	/* time(NULL) is this clock; clock_gettime is bound already (the
	 * monotonic clock), and each libc function a fresh Exim process
	 * binds costs a symbol lookup through Exim's 40 libraries. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL);
	return (int64_t)ts.tv_sec;
}

mtasts_status
mts_ctx_domain(mtasts_ctx *ctx, const char *domain, char *out)
{
	char err[128];

	if (domain == NULL)
		return mts_fail(ctx, MTASTS_ERR_INVALID, "no domain");
	if (mts_domain_normalize(domain, out, MTS_DOMAIN_BUF, err,
	    sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_INVALID, "domain \"%.64s\": %s",
		    domain, err);
	return MTASTS_OK;
}

void
mts_ctx_enter(mtasts_ctx *ctx)
{
	char err[256];

	ctx->err[0] = '\0';
	if (ctx->fork_gen == fork_gen)
		return;
	ctx->fork_gen = fork_gen;
	/*
	 * A fork child shares the parent's sockets: closing a libcurl handle
	 * here could send a TLS close_notify on the parent's connection, so
	 * the inherited handle is abandoned (a small one-time leak), never
	 * cleaned up. libunbound runs synchronously (no worker), so its
	 * context only holds sockets and can be freed.
	 */
	ctx->fetcher = NULL;
	/* The parent holds and flushes the counts this child inherited. */
	memset(&ctx->stats, 0, sizeof(ctx->stats));
	mts_shared_forget(ctx);
	/* A persistent DNS handle's worker process belongs to the parent:
	 * deleting the handle would stop it for the parent too. */
	if (ctx->dns == NULL || !mts_dns_is_persistent(ctx->dns))
		mts_dns_free(ctx->dns);
	ctx->dns = NULL;
	if (ctx->cache != NULL && mts_cache_reopen(ctx->cache, err,
	    sizeof(err)) != 0) {
		mts_log(ctx, MTASTS_LOG_ERR, "cache=reopen-failed error=\"%s\"", err);
		mts_cache_close(ctx->cache);
		ctx->cache = NULL;
	}
	/* The results store is opened per process; a child opens its own. */
	if (ctx->results != NULL) {
		mts_results_close(ctx->results);
		ctx->results = NULL;
	}
}

mtasts_status
mts_ctx_results(mtasts_ctx *ctx, struct mts_results **out)
{
	char err[MTS_ERR_MAX - 32];

	if (ctx->results == NULL && mts_results_open(&ctx->results,
	    ctx->cfg.results_file, ctx->cfg.cache_mode, ctx->cfg.cache_mmap, err,
	    sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_IO, "results: %s", err);
	*out = ctx->results;
	return MTASTS_OK;
}

mtasts_status
mts_ctx_cache(mtasts_ctx *ctx, struct mts_cache **out)
{
	char err[MTS_ERR_MAX - 32];
	int rc;

	if (ctx->cache == NULL && (rc = mts_cache_open(&ctx->cache,
	    ctx->cfg.cache_file, ctx->cfg.cache_mode, ctx->cfg.cache_mmap,
	    ctx->cfg.cache_hash_size, err, sizeof(err))) != 0) {
		ctx->cache_refused = rc == MTS_STORE_REFUSED;
		return mts_fail(ctx, MTASTS_ERR_CACHE, "cache: %s", err);
	}
	ctx->cache_refused = 0;
	*out = ctx->cache;
	return MTASTS_OK;
}

mtasts_status
mts_ctx_dns(mtasts_ctx *ctx, struct mts_dns **out)
{
	char err[MTS_ERR_MAX - 32];

	/* A query never outlasts the whole lookup's deadline. */
	int t = ctx->cfg.dns_timeout < ctx->cfg.lookup_timeout ?
	    ctx->cfg.dns_timeout : ctx->cfg.lookup_timeout;

	if (ctx->dns == NULL && mts_dns_open(&ctx->dns, ctx->cfg.dns_upstream,
	    ctx->cfg.dns_trust_anchor, t, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_DNS, "dns: %s", err);
	/* A failure leaves the handle synchronous, which works as well. */
	if (ctx->cfg.dns_worker && !mts_dns_is_persistent(ctx->dns))
		(void)mts_dns_persistent(ctx->dns);
	*out = ctx->dns;
	return MTASTS_OK;
}

mtasts_status
mts_ctx_fetcher(mtasts_ctx *ctx, struct mts_fetcher **out)
{
	if (ctx->fetcher == NULL && mts_fetcher_new(&ctx->fetcher) != 0)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "cannot set up libcurl");
	*out = ctx->fetcher;
	return MTASTS_OK;
}

mtasts_status
mts_ctx_https_store(mtasts_ctx *ctx, struct mts_cert_store **out)
{
	char err[MTS_ERR_MAX - 32];

	if (ctx->https_store == NULL && mts_cert_store_open_https(
	    &ctx->https_store, ctx->cfg.ca_file, ctx->cfg.ca_path, err,
	    sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_CERT, "CA store: %s", err);
	*out = ctx->https_store;
	return MTASTS_OK;
}

MTS_API mtasts_status
mtasts_prepare(mtasts_ctx *ctx)
{
	struct mts_cert_store *s;

	if (ctx == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	return mts_ctx_https_store(ctx, &s);
}

mtasts_status
mts_ctx_mx_store(mtasts_ctx *ctx, struct mts_cert_store **out)
{
	char err[MTS_ERR_MAX - 32];
	const char *file = ctx->cfg.mx_ca_file[0] ? ctx->cfg.mx_ca_file :
	    ctx->cfg.ca_file;
	const char *path = ctx->cfg.mx_ca_path[0] ? ctx->cfg.mx_ca_path :
	    ctx->cfg.ca_path;

	if (ctx->mx_store == NULL && mts_cert_store_open(&ctx->mx_store, file,
	    path, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_CERT, "CA store: %s", err);
	*out = ctx->mx_store;
	return MTASTS_OK;
}

void
mts_ctx_https_opts(const mtasts_ctx *ctx, struct mts_https_opts *o,
    long left_ms)
{
	long c = ctx->cfg.connect_timeout * 1000L;
	long t = ctx->cfg.fetch_timeout * 1000L;

	memset(o, 0, sizeof(*o));
	o->ca_file = ctx->cfg.ca_file;
	o->ca_path = ctx->cfg.ca_path;
	o->connect_ms = c < left_ms ? c : left_ms;
	o->total_ms = t < left_ms ? t : left_ms;
	o->allow = &ctx->cfg.allow_networks;
	o->proxy = ctx->cfg.https_proxy;
}
