/* SPDX-License-Identifier: ISC */
/*
 * store/shared.h - the shared level of a fleet (Redis, shared_store): the
 * connection kept on the context, opened lazily off the hot path, and the
 * "down" state shared by every process of the host, so that a Redis that
 * is down or slow costs one timeout per shared_retry seconds per host,
 * is logged once, and never changes a delivery.
 *
 * Keys (all under shared_prefix, "mtasts:" by default):
 *   pol:<domain>    a policy as the cache codec encodes it (entry.c),
 *                   with its fetch time and max_age; expires with it
 *   lock:<domain>   the fleet's fetch lock, SET NX PX (dies with its TTL)
 *   r:<day>         hash: TLS-RPT counters (HINCRBY) and policies
 *   days            set of days with counters
 *   applied         hash: host -> last batch of counts applied
 *   send            hash: report send state per (day, domain, rua)
 *   report-lock     the fleet's report run lock
 */
#ifndef MTS_STORE_SHARED_H
#define MTS_STORE_SHARED_H

#include <stddef.h>
#include <stdint.h>

#include "mtasts.h"
#include "store/redis.h"

/* 1 if shared_store is set. */
int mts_shared_on(const mtasts_ctx *ctx);

/*
 * One command on the shared level. 0 with *rep (free it), or -1: not
 * configured, marked down, or this command failed (a network failure
 * marks the level down for shared_retry seconds and is logged once; a
 * Redis error reply is logged). err (may be NULL) gets the reason.
 */
int mts_shared_cmd(mtasts_ctx *ctx, int argc, const char **argv,
    const size_t *lens, struct mts_rreply *rep, char *err, size_t errsz);
/* The same with NUL-terminated arguments. */
int mts_shared_cmdv(mtasts_ctx *ctx, struct mts_rreply *rep, int argc, ...);

/* prefix + name into buf. */
void mts_shared_key(const mtasts_ctx *ctx, char *buf, size_t bufsz,
    const char *name, const char *arg);

/* A random token (hex, NUL-terminated, 32 chars) for locks. */
void mts_shared_token(char tok[33]);

/* Lock name for ttl_ms with token: 0 taken, 1 held by another, -1 down. */
int mts_shared_lock(mtasts_ctx *ctx, const char *name, const char *arg,
    const char *token, int64_t ttl_ms);
/* Release it if it is still ours (compare and delete). */
void mts_shared_unlock(mtasts_ctx *ctx, const char *name, const char *arg,
    const char *token);

/* Context housekeeping (ctx.c): on free/config change, and after fork. */
void mts_shared_drop(mtasts_ctx *ctx);
void mts_shared_forget(mtasts_ctx *ctx);

#endif
