/* SPDX-License-Identifier: ISC */
/*
 * store/redis.c - the hiredis wrapper (redis.h).
 *
 * mtasts_exim.so is linked without libhiredis, as without libcurl
 * (net/curl_load.c, GNUmakefile): a delivery answered from the cache
 * never talks to Redis, so it should not map the library either. It is
 * loaded here, into the global scope, before the first hiredis call,
 * which lazy binding then resolves; the mtasts binary and the OpenSMTPD
 * programs link it and this finds it already loaded.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis.h>

#include "store/redis.h"
#include "base/util.h"

struct mts_redis {
	redisContext *c;
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded = -1;

static void
load(void)
{
	loaded = dlopen("libhiredis.so.0.14", RTLD_NOW | RTLD_GLOBAL) != NULL ||
	    dlopen("libhiredis.so", RTLD_NOW | RTLD_GLOBAL) != NULL ? 0 : -1;
}

static struct timeval
tv_of(int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

static void
fold(redisReply *r, struct mts_rreply *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = r;
	switch (r->type) {
	case REDIS_REPLY_STRING:
		out->type = MTS_R_STR;
		break;
	case REDIS_REPLY_STATUS:
		out->type = MTS_R_STATUS;
		break;
	case REDIS_REPLY_INTEGER:
		out->type = MTS_R_INT;
		out->integer = r->integer;
		return;
	case REDIS_REPLY_ARRAY:
		out->type = MTS_R_ARRAY;
		out->n = r->elements;
		return;
	default:
		out->type = MTS_R_NIL;
		return;
	}
	out->str = r->str;
	out->len = r->len;
}

int
mts_redis_cmd(struct mts_redis *r, int argc, const char **argv,
    const size_t *lens, struct mts_rreply *rep, int *dead, char *err,
    size_t errsz)
{
	redisReply *x;

	*dead = 0;
	memset(rep, 0, sizeof(*rep));
	if (r == NULL || r->c == NULL || r->c->err) {
		*dead = 1;
		mts_fmt(err, errsz, "not connected");
		return -1;
	}
	x = redisCommandArgv(r->c, argc, argv, lens);
	if (x == NULL) {
		*dead = 1;
		mts_fmt(err, errsz, "%s", r->c->errstr[0] ? r->c->errstr :
		    "connection lost");
		return -1;
	}
	if (x->type == REDIS_REPLY_ERROR) {
		mts_fmt(err, errsz, "%.*s", (int)(x->len > 200 ? 200 : x->len),
		    x->str);
		freeReplyObject(x);
		return -1;
	}
	fold(x, rep);
	return 0;
}

void
mts_rreply_free(struct mts_rreply *rep)
{
	if (rep != NULL && rep->raw != NULL)
		freeReplyObject(rep->raw);
	if (rep != NULL)
		memset(rep, 0, sizeof(*rep));
}

void
mts_rreply_at(const struct mts_rreply *rep, size_t i, struct mts_rreply *out)
{
	redisReply *x = rep->raw;

	memset(out, 0, sizeof(*out));
	if (x == NULL || rep->type != MTS_R_ARRAY || i >= x->elements)
		return;
	fold(x->element[i], out);
	out->raw = NULL;            /* owned by the array */
}

int
mts_redis_open(struct mts_redis **out, const struct mts_redis_opts *o,
    char *err, size_t errsz)
{
	struct mts_redis *r;
	struct mts_rreply rep;
	const char *argv[2];
	size_t lens[2];
	int dead;

	*out = NULL;
	pthread_once(&load_once, load);
	if (loaded != 0) {
		mts_fmt(err, errsz, "cannot load libhiredis: %s", dlerror());
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		mts_fmt(err, errsz, "out of memory");
		return -1;
	}
	r->c = o->addr->unix_socket ?
	    redisConnectUnixWithTimeout(o->addr->path, tv_of(o->timeout_ms)) :
	    redisConnectWithTimeout(o->addr->host, o->addr->port,
	    tv_of(o->timeout_ms));
	if (r->c == NULL || r->c->err) {
		mts_fmt(err, errsz, "connect %s%s%s: %s", o->addr->unix_socket ?
		    o->addr->path : o->addr->host, o->addr->unix_socket ? "" :
		    ":", "", r->c ? r->c->errstr : "out of memory");
		goto fail;
	}
	if (redisSetTimeout(r->c, tv_of(o->timeout_ms)) != REDIS_OK) {
		mts_fmt(err, errsz, "cannot set the timeout");
		goto fail;
	}
	if (o->password != NULL && o->password[0] != '\0') {
		argv[0] = "AUTH";
		argv[1] = o->password;
		lens[0] = 4;
		lens[1] = strlen(o->password);
		if (mts_redis_cmd(r, 2, argv, lens, &rep, &dead, err,
		    errsz) != 0)
			goto fail;
		mts_rreply_free(&rep);
	}
	*out = r;
	return 0;
fail:
	mts_redis_close(r);
	return -1;
}

void
mts_redis_close(struct mts_redis *r)
{
	if (r == NULL)
		return;
	if (r->c != NULL)
		redisFree(r->c);
	free(r);
}

void
mts_redis_forget(struct mts_redis *r)
{
	/* redisFree only closes our copy of the descriptor and frees
	 * memory: nothing is written, so the parent's connection (same
	 * socket) stays open and in step. */
	mts_redis_close(r);
}
