/* SPDX-License-Identifier: ISC */
/* store/shared.c - the shared level's connection and down state (shared.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ctx.h"
#include "sts/cache.h"
#include "store/shared.h"
#include "base/util.h"

#define ARGS_MAX 16

int
mts_shared_on(const mtasts_ctx *ctx)
{
	return ctx->cfg.shared_store[0] != '\0';
}

void
mts_shared_key(const mtasts_ctx *ctx, char *buf, size_t bufsz,
    const char *name, const char *arg)
{
	mts_fmt(buf, bufsz, "%s%s%s%s", ctx->cfg.shared_prefix, name,
	    arg ? ":" : "", arg ? arg : "");
}

void
mts_shared_token(char tok[33])
{
	unsigned char b[16];
	size_t i;
	int fd;

	memset(b, 0, sizeof(b));
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			b[0] ^= (unsigned char)getpid();
		close(fd);
	}
	for (i = 0; i < sizeof(b); i++)
		(void)snprintf(tok + 2 * i, 3, "%02x", b[i]);
}

/*
 * The host-wide down state: a record in the local cache, "until when
 * not to try". Reading it is one local tdb read, on the paths that
 * would talk to Redis anyway (never the cached decision).
 */
static int64_t
down_until(mtasts_ctx *ctx)
{
	struct mts_cache *c;
	unsigned char *buf = NULL;
	size_t len = 0, i;
	int64_t t = 0;

	if (mts_ctx_cache(ctx, &c) != MTASTS_OK) {
		ctx->err[0] = '\0';
		return ctx->shared_down_until;
	}
	if (mts_cache_aux_get(c, "shared", "down", &buf, &len) == 0 &&
	    len == 8)
		for (i = 0; i < 8; i++)
			t |= (int64_t)buf[i] << (8 * i);
	free(buf);
	return t > ctx->shared_down_until ? t : ctx->shared_down_until;
}

static void
set_down(mtasts_ctx *ctx, int64_t until)
{
	struct mts_cache *c;
	unsigned char buf[8];
	size_t i;

	ctx->shared_down_until = until;
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)((uint64_t)until >> (8 * i));
	if (mts_ctx_cache(ctx, &c) == MTASTS_OK)
		(void)mts_cache_aux_put(c, "shared", "down", buf, sizeof(buf));
	ctx->err[0] = '\0';
}

/* A network failure: close, and tell the host not to try for a while.
 * Logged by the process that finds the level down, once per outage. */
static void
went_down(mtasts_ctx *ctx, const char *why)
{
	int64_t now = mts_now(ctx);

	mts_redis_close(ctx->shared);
	ctx->shared = NULL;
	if (down_until(ctx) == 0)
		mts_log(ctx, MTASTS_LOG_ERR, "shared=down store=%s error=\"%s\" "
		    "(going on with the local cache and local counts; retried "
		    "every %ds)", ctx->cfg.shared_store, why,
		    ctx->cfg.shared_retry);
	set_down(ctx, now + ctx->cfg.shared_retry);
}

static int
connect_shared(mtasts_ctx *ctx, char *err, size_t errsz)
{
	struct mts_store_addr a;
	struct mts_redis_opts o;
	int64_t until;

	if (ctx->shared != NULL)
		return 0;
	until = down_until(ctx);
	if (until > mts_now(ctx) && !ctx->shared_force) {
		mts_fmt(err, errsz, "shared store down (retry after %lld)",
		    (long long)until);
		return -1;
	}
	if (mts_store_addr_parse(ctx->cfg.shared_store, &a, err, errsz) != 0)
		return -1;
	memset(&o, 0, sizeof(o));
	o.addr = &a;
	o.password = ctx->cfg.shared_password;
	o.timeout_ms = ctx->cfg.shared_timeout;
	if (mts_redis_open(&ctx->shared, &o, err, errsz) != 0) {
		went_down(ctx, err);
		return -1;
	}
	if (until != 0) {
		mts_log(ctx, MTASTS_LOG_NOTICE, "shared=up store=%s",
		    ctx->cfg.shared_store);
		set_down(ctx, 0);
	}
	return 0;
}

int
mts_shared_cmd(mtasts_ctx *ctx, int argc, const char **argv,
    const size_t *lens, struct mts_rreply *rep, char *err, size_t errsz)
{
	char buf[256];
	int dead = 0;

	if (err == NULL) {
		err = buf;
		errsz = sizeof(buf);
	}
	memset(rep, 0, sizeof(*rep));
	if (!mts_shared_on(ctx)) {
		mts_fmt(err, errsz, "no shared_store");
		return -1;
	}
	if (connect_shared(ctx, err, errsz) != 0)
		return -1;
	if (mts_redis_cmd(ctx->shared, argc, argv, lens, rep, &dead, err,
	    errsz) == 0)
		return 0;
	if (dead)
		went_down(ctx, err);
	else
		mts_log(ctx, MTASTS_LOG_ERR, "shared=error command=%s "
		    "error=\"%s\"", argv[0], err);
	return -1;
}

int
mts_shared_cmdv(mtasts_ctx *ctx, struct mts_rreply *rep, int argc, ...)
{
	const char *argv[ARGS_MAX];
	size_t lens[ARGS_MAX];
	va_list ap;
	int i;

	if (argc > ARGS_MAX)
		return -1;
	va_start(ap, argc);
	for (i = 0; i < argc; i++) {
		argv[i] = va_arg(ap, const char *);
		lens[i] = strlen(argv[i]);
	}
	va_end(ap);
	return mts_shared_cmd(ctx, argc, argv, lens, rep, NULL, 0);
}

int
mts_shared_lock(mtasts_ctx *ctx, const char *name, const char *arg,
    const char *token, int64_t ttl_ms)
{
	struct mts_rreply rep;
	char key[1200], ttl[32];
	int rc;

	mts_shared_key(ctx, key, sizeof(key), name, arg);
	mts_fmt(ttl, sizeof(ttl), "%lld", (long long)ttl_ms);
	if (mts_shared_cmdv(ctx, &rep, 6, "SET", key, token, "NX", "PX",
	    ttl) != 0)
		return -1;
	rc = rep.type == MTS_R_STATUS ? 0 : 1;    /* OK, or nil: held */
	mts_rreply_free(&rep);
	return rc;
}

void
mts_shared_unlock(mtasts_ctx *ctx, const char *name, const char *arg,
    const char *token)
{
	static const char cad[] = "if redis.call('GET', KEYS[1]) == ARGV[1] "
	    "then return redis.call('DEL', KEYS[1]) end return 0";
	struct mts_rreply rep;
	char key[1200];

	mts_shared_key(ctx, key, sizeof(key), name, arg);
	if (mts_shared_cmdv(ctx, &rep, 5, "EVAL", cad, "1", key, token) == 0)
		mts_rreply_free(&rep);
}

void
mts_shared_drop(mtasts_ctx *ctx)
{
	mts_redis_close(ctx->shared);
	ctx->shared = NULL;
}

void
mts_shared_forget(mtasts_ctx *ctx)
{
	mts_redis_forget(ctx->shared);
	ctx->shared = NULL;
}
