/* SPDX-License-Identifier: ISC */
/*
 * store/redis.h - a small Redis client over hiredis (Debian 12's 0.14):
 * connect with timeouts, AUTH, one command at a time with binary-safe
 * arguments. Takes explicit options, never the context (like net/), so
 * it can be tested alone. No TLS: hiredis 0.14 has none (see
 * mtasts.conf(5) for a local socket or stunnel).
 */
#ifndef MTS_STORE_REDIS_H
#define MTS_STORE_REDIS_H

#include <stddef.h>

#include "base/config.h"

struct mts_redis;

struct mts_redis_opts {
	const struct mts_store_addr *addr;
	const char *password;          /* "" or NULL: no AUTH */
	int timeout_ms;                /* connect and each command */
};

/* Reply kinds we hand back (hiredis's REDIS_REPLY_* folded). */
enum mts_rtype { MTS_R_NIL = 0, MTS_R_STR, MTS_R_INT, MTS_R_ARRAY,
	MTS_R_STATUS };

struct mts_rreply {
	enum mts_rtype type;
	long long integer;
	const char *str;               /* MTS_R_STR, MTS_R_STATUS */
	size_t len;
	size_t n;                      /* MTS_R_ARRAY: elements */
	void *raw;                     /* the hiredis reply, for mts_rreply_at */
};

/* 0 connected (and authenticated), or -1 with err. */
int mts_redis_open(struct mts_redis **out, const struct mts_redis_opts *o,
    char *err, size_t errsz);
void mts_redis_close(struct mts_redis *r);
/* After fork: forget the connection without a word on it (the parent
 * keeps using it). */
void mts_redis_forget(struct mts_redis *r);

/*
 * One command. 0 with *rep filled (free with mts_rreply_free), or -1
 * with err: a network error or timeout (the connection is then dead:
 * close it), or a Redis error reply (*dead stays 0).
 */
int mts_redis_cmd(struct mts_redis *r, int argc, const char **argv,
    const size_t *lens, struct mts_rreply *rep, int *dead, char *err,
    size_t errsz);
void mts_rreply_free(struct mts_rreply *rep);
/* Element i of an array reply, as a reply that needs no free. */
void mts_rreply_at(const struct mts_rreply *rep, size_t i,
    struct mts_rreply *out);

#endif
