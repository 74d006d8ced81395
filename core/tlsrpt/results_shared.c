/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/results_shared.c - the journal push, the fleet's day and send state
 * (results_shared.h).
 *
 * Journal records are the results store's own (results.c): P (policy),
 * C and D (counters). A push moves up to BATCH_MAX of them, in one tdb
 * transaction, into one batch record (Xbatch) numbered from Xseq, then
 * sends it. On Redis, hash <prefix>r:<day> holds the same keys as
 * fields (counters as decimal, HINCRBY; policies HSETNX), so the report
 * reads a day back with the store's own reader (mts_results_day_pairs).
 * The batch carries the host's name and an epoch drawn when the journal
 * was made (Xepoch), so a journal rebuilt from scratch never has its
 * batches taken for old ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tdb.h>

#include "base/export.h"
#include "base/ctx.h"
#include "store/shared.h"
#include "tlsrpt/results_shared.h"
#include "base/util.h"

#define US '\x1f'
#define BATCH_MAX 500
#define PUSH_EVERY 2            /* s: the record path pushes no more often */
#define PUSH_ROUNDS 64          /* batches per push at most */
#define ARGV_HEAD 4

/* Apply one batch once: KEYS[1] = applied hash; ARGV = who, seq, prefix,
 * ttl, then (op, day, field, value) per record. */
static const char apply_lua[] =
    "local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')\n"
    "if tonumber(ARGV[2]) <= last then return 0 end\n"
    "for i = 5, #ARGV, 4 do\n"
    "  local h = ARGV[3] .. 'r:' .. ARGV[i+1]\n"
    "  if ARGV[i] == 'i' then redis.call('HINCRBY', h, ARGV[i+2], ARGV[i+3])\n"
    "  else redis.call('HSETNX', h, ARGV[i+2], ARGV[i+3]) end\n"
    "  redis.call('EXPIRE', h, ARGV[4])\n"
    "  redis.call('SADD', ARGV[3] .. 'days', ARGV[i+1])\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";

static TDB_DATA
sdatum(const char *s)
{
	TDB_DATA d;

	d.dptr = (unsigned char *)(uintptr_t)s;
	d.dsize = strlen(s);
	return d;
}

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void
put64(unsigned char *p, uint64_t v)
{
	size_t i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get64(struct tdb_context *t, const char *key)
{
	TDB_DATA v = tdb_fetch(t, sdatum(key));
	uint64_t n = v.dptr && v.dsize == 8 ? le64(v.dptr) : 0;

	free(v.dptr);
	return n;
}

static int
set64(struct tdb_context *t, const char *key, uint64_t n)
{
	unsigned char b[8];
	TDB_DATA v;

	put64(b, n);
	v.dptr = b;
	v.dsize = 8;
	return tdb_store(t, sdatum(key), v, TDB_REPLACE);
}

/* A journal record: P, C or D, a day, and for counters an 8-byte value. */
static int
journal_rec(TDB_DATA k, TDB_DATA v)
{
	if (k.dsize < 2 + MTS_DAY_LEN + 1 || k.dptr[1] != US ||
	    k.dptr[2 + MTS_DAY_LEN] != US)
		return 0;
	if (k.dptr[0] == 'P')
		return 1;
	return (k.dptr[0] == 'C' || k.dptr[0] == 'D') && v.dsize == 8;
}

/* The batch: seq(8) then per record klen(4) key vlen(4) value. */
struct gather {
	unsigned char *buf;
	size_t len, cap, n;
	TDB_DATA keys[BATCH_MAX];
	int oom;
};

static int
grow(struct gather *g, size_t more)
{
	unsigned char *nb;
	size_t cap;

	if (g->len + more <= g->cap)
		return 0;
	cap = (g->cap ? g->cap * 2 : 4096) + more;
	if ((nb = realloc(g->buf, cap)) == NULL)
		return -1;
	g->buf = nb;
	g->cap = cap;
	return 0;
}

static void
put32(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static int
gather_one(struct tdb_context *t, TDB_DATA k, TDB_DATA v, void *arg)
{
	struct gather *g = arg;

	(void)t;
	if (!journal_rec(k, v))
		return 0;
	if (g->n == BATCH_MAX)
		return 1;                       /* stop: the batch is full */
	if (grow(g, 8 + k.dsize + v.dsize) != 0 ||
	    (g->keys[g->n].dptr = malloc(k.dsize)) == NULL) {
		g->oom = 1;
		return -1;
	}
	memcpy(g->keys[g->n].dptr, k.dptr, k.dsize);
	g->keys[g->n++].dsize = k.dsize;
	put32(g->buf + g->len, k.dsize);
	memcpy(g->buf + g->len + 4, k.dptr, k.dsize);
	g->len += 4 + k.dsize;
	put32(g->buf + g->len, v.dsize);
	memcpy(g->buf + g->len + 4, v.dptr, v.dsize);
	g->len += 4 + v.dsize;
	return 0;
}

/* Move records into a new batch: 1 made, 0 nothing to move, -1 error. */
static int
make_batch(struct tdb_context *t)
{
	struct gather g;
	TDB_DATA v;
	uint64_t seq;
	size_t i;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	if (tdb_transaction_start(t) != 0)
		return -1;
	if (grow(&g, 8) != 0)
		goto out;
	g.len = 8;
	if (tdb_traverse(t, gather_one, &g) < 0 && g.oom)
		goto out;
	if (g.n == 0) {
		rc = 0;
		goto out;
	}
	seq = get64(t, "Xseq") + 1;
	put64(g.buf, seq);
	for (i = 0; i < g.n; i++)
		if (tdb_delete(t, g.keys[i]) != 0)
			goto out;
	v.dptr = g.buf;
	v.dsize = g.len;
	if (tdb_store(t, sdatum("Xbatch"), v, TDB_REPLACE) != 0 ||
	    set64(t, "Xseq", seq) != 0)
		goto out;
	if (tdb_transaction_commit(t) != 0)
		goto freeit;
	rc = 1;
	goto freeit;
out:
	tdb_transaction_cancel(t);
freeit:
	for (i = 0; i < g.n; i++)
		free(g.keys[i].dptr);
	free(g.buf);
	return rc;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Who we are in "applied": host id and the journal's epoch. */
static int
who_of(mtasts_ctx *ctx, struct tdb_context *t, char *buf, size_t bufsz)
{
	char host[256], tok[33];
	TDB_DATA v = tdb_fetch(t, sdatum("Xepoch"));

	if (v.dptr == NULL || v.dsize != 32) {
		free(v.dptr);
		mts_shared_token(tok);
		if (tdb_store(t, sdatum("Xepoch"), sdatum(tok), TDB_INSERT) != 0 &&
		    tdb_error(t) != TDB_ERR_EXISTS)
			return -1;
		v = tdb_fetch(t, sdatum("Xepoch"));
		if (v.dptr == NULL || v.dsize != 32) {
			free(v.dptr);
			return -1;
		}
	}
	memcpy(tok, v.dptr, 32);
	tok[32] = '\0';
	free(v.dptr);
	if (ctx->cfg.shared_host_id[0] != '\0')
		mts_strlcpy(host, ctx->cfg.shared_host_id, sizeof(host));
	else if (gethostname(host, sizeof(host)) != 0)
		mts_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	mts_fmt(buf, bufsz, "%s:%s", host, tok);
	return 0;
}

/*
 * Send the stored batch. 0 applied (now or before) and dropped, 1 no
 * batch, -1 failed (kept). Counter values go as decimal for HINCRBY.
 */
static int
send_batch(mtasts_ctx *ctx, struct tdb_context *t, const char *who,
    char *err, size_t errsz)
{
	TDB_DATA b = tdb_fetch(t, sdatum("Xbatch"));
	struct mts_rreply rep;
	const char **argv = NULL;
	size_t *lens = NULL, off, n = 0, kl, vl, na;
	char (*nums)[24] = NULL, seq[24], ttl[24], applied[128];
	char script_keys[] = "1";
	int rc = -1;

	mts_fmt(err, errsz, "out of memory");
	if (b.dptr == NULL)
		return 1;
	if (b.dsize < 8)
		goto drop;                      /* damaged: nothing to send */
	for (off = 8; off + 4 <= b.dsize; n++) {
		kl = get32(b.dptr + off);
		if (kl > b.dsize - off - 4 || b.dsize - off - 4 - kl < 4)
			goto drop;
		off += 4 + kl;
		vl = get32(b.dptr + off);
		if (vl > b.dsize - off - 4)
			goto drop;
		off += 4 + vl;
	}
	na = 4 + ARGV_HEAD + 4 * n;       /* EVAL script 1 key, head, records */
	if ((argv = calloc(na, sizeof(*argv))) == NULL ||
	    (lens = calloc(na, sizeof(*lens))) == NULL ||
	    (nums = calloc(n ? n : 1, sizeof(*nums))) == NULL)
		goto out;
	mts_fmt(seq, sizeof(seq), "%llu", (unsigned long long)le64(b.dptr));
	mts_fmt(ttl, sizeof(ttl), "%d", (ctx->cfg.results_keep_days + 2) * 86400);
	mts_shared_key(ctx, applied, sizeof(applied), "applied", NULL);
	argv[0] = "EVAL"; argv[1] = apply_lua; argv[2] = script_keys;
	argv[3] = applied; argv[4] = who; argv[5] = seq;
	argv[6] = ctx->cfg.shared_prefix; argv[7] = ttl;
	for (off = 8, na = 8, n = 0; off + 4 <= b.dsize; n++) {
		const unsigned char *k, *v;

		kl = get32(b.dptr + off);
		k = b.dptr + off + 4;
		off += 4 + kl;
		vl = get32(b.dptr + off);
		v = b.dptr + off + 4;
		off += 4 + vl;
		argv[na++] = k[0] == 'P' ? "s" : "i";
		argv[na] = (const char *)k + 2;         /* the day */
		lens[na++] = MTS_DAY_LEN;
		argv[na] = (const char *)k;
		lens[na++] = kl;
		if (k[0] == 'P') {
			argv[na] = (const char *)v;
			lens[na++] = vl;
		} else {
			mts_fmt(nums[n], sizeof(nums[n]), "%llu",
			    (unsigned long long)(vl == 8 ? le64(v) : 0));
			argv[na++] = nums[n];
		}
	}
	for (off = 0; off < na; off++)
		if (lens[off] == 0)
			lens[off] = strlen(argv[off]);
	if (mts_shared_cmd(ctx, (int)na, argv, lens, &rep, err, errsz) != 0)
		goto out;
	mts_rreply_free(&rep);
drop:
	rc = tdb_delete(t, sdatum("Xbatch")) == 0 ? 0 : -1;
out:
	free(argv);
	free(lens);
	free(nums);
	free(b.dptr);
	return rc;
}

int
mts_rshared_push(mtasts_ctx *ctx, struct mts_results *r, int soon)
{
	struct tdb_context *t = mts_results_tdb(r);
	char who[400], err[256] = "";
	int64_t now = mts_now(ctx);
	int rc = 0, i, mb;

	if (soon && get64(t, "Xlast") + PUSH_EVERY > (uint64_t)now)
		return 1;
	if (mts_results_push_lock(r, !soon) != 0)
		return soon ? 1 : -1;           /* another process pushes */
	(void)set64(t, "Xlast", (uint64_t)now);
	if (who_of(ctx, t, who, sizeof(who)) != 0) {
		rc = -1;
		mts_fmt(err, sizeof(err), "results: cannot keep the journal's "
		    "epoch: %s", tdb_errorstr(t));
		goto out;
	}
	for (i = 0; i < PUSH_ROUNDS; i++) {
		if ((rc = send_batch(ctx, t, who, err, sizeof(err))) < 0)
			break;
		if ((mb = make_batch(t)) <= 0) {
			rc = mb;
			if (mb < 0)
				mts_fmt(err, sizeof(err), "results: %s",
				    tdb_errorstr(t));
			break;
		}
		rc = 0;
	}
out:
	mts_results_push_unlock(r);
	if (rc < 0)
		mts_fail(ctx, MTASTS_ERR_TEMPFAIL, "%s", err);
	return rc < 0 ? -1 : 0;
}

int
mts_rshared_day(mtasts_ctx *ctx, const char *day, struct mts_rday **out,
    size_t *n, char *err, size_t errsz)
{
	struct mts_rreply rep, f, v;
	struct mts_kv *kv = NULL;
	unsigned char (*nums)[8] = NULL;
	char key[64];
	size_t i, m = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	mts_shared_key(ctx, key, sizeof(key), "r", day);
	if (mts_shared_cmdv(ctx, &rep, 2, "HGETALL", key) != 0) {
		mts_fmt(err, errsz, "shared store: %s", ctx->err[0] ? ctx->err :
		    "unavailable");
		return -1;
	}
	if (rep.type != MTS_R_ARRAY) {
		mts_fmt(err, errsz, "shared store: unexpected reply");
		goto out;
	}
	if ((kv = calloc(rep.n / 2 + 1, sizeof(*kv))) == NULL ||
	    (nums = calloc(rep.n / 2 + 1, sizeof(*nums))) == NULL) {
		mts_fmt(err, errsz, "out of memory");
		goto out;
	}
	for (i = 0; i + 1 < rep.n; i += 2) {
		mts_rreply_at(&rep, i, &f);
		mts_rreply_at(&rep, i + 1, &v);
		if (f.type != MTS_R_STR || v.type != MTS_R_STR || f.len < 1)
			continue;
		kv[m].k = f.str;
		kv[m].klen = f.len;
		if (f.str[0] == 'P') {
			kv[m].v = v.str;
			kv[m].vlen = v.len;
		} else {
			/* Counters: the store's 8-byte form for the reader. */
			char d[24];
			uint64_t c = 0;
			size_t j;

			if (v.len == 0 || v.len >= sizeof(d))
				continue;
			for (j = 0; j < v.len; j++) {
				if (v.str[j] < '0' || v.str[j] > '9')
					break;
				c = c * 10 + (uint64_t)(v.str[j] - '0');
			}
			if (j != v.len)
				continue;
			put64(nums[m], c);
			kv[m].v = nums[m];
			kv[m].vlen = 8;
		}
		m++;
	}
	rc = mts_results_day_pairs(day, kv, m, out, n, err, errsz);
out:
	free(kv);
	free(nums);
	mts_rreply_free(&rep);
	return rc;
}

static void
send_field(char *buf, size_t bufsz, const char *day, const char *domain,
    const char *rua)
{
	mts_fmt(buf, bufsz, "%s%c%s%c%s", day, US, domain, US, rua);
}

int
mts_rshared_send_get(mtasts_ctx *ctx, const char *day, const char *domain,
    const char *rua, struct mts_send *s)
{
	struct mts_rreply rep;
	char key[80], field[1200];
	int rc = 0;

	memset(s, 0, sizeof(*s));
	mts_shared_key(ctx, key, sizeof(key), "send", NULL);
	send_field(field, sizeof(field), day, domain, rua);
	if (mts_shared_cmdv(ctx, &rep, 3, "HGET", key, field) != 0)
		return -1;
	if (rep.type == MTS_R_STR)
		rc = mts_send_parse((const unsigned char *)rep.str, rep.len, s);
	mts_rreply_free(&rep);
	return rc;
}

int
mts_rshared_send_put(mtasts_ctx *ctx, const char *day, const char *domain,
    const char *rua, const struct mts_send *s, char *err, size_t errsz)
{
	struct mts_rreply rep;
	char key[80], field[1200], val[512];

	mts_shared_key(ctx, key, sizeof(key), "send", NULL);
	send_field(field, sizeof(field), day, domain, rua);
	(void)mts_send_fmt(val, sizeof(val), s);
	if (mts_shared_cmdv(ctx, &rep, 4, "HSET", key, field, val) != 0) {
		mts_fmt(err, errsz, "shared store: cannot store send state");
		return -1;
	}
	mts_rreply_free(&rep);
	return 0;
}

int
mts_rshared_send_walk(mtasts_ctx *ctx, mts_send_walk_fn *fn, void *arg)
{
	struct mts_rreply rep, f, v;
	struct mts_send s;
	char key[80], fb[1200], *p[3];
	size_t i, j, np;

	mts_shared_key(ctx, key, sizeof(key), "send", NULL);
	if (mts_shared_cmdv(ctx, &rep, 2, "HGETALL", key) != 0)
		return -1;
	for (i = 0; rep.type == MTS_R_ARRAY && i + 1 < rep.n; i += 2) {
		mts_rreply_at(&rep, i, &f);
		mts_rreply_at(&rep, i + 1, &v);
		if (f.type != MTS_R_STR || v.type != MTS_R_STR ||
		    f.len >= sizeof(fb) || mts_send_parse((const unsigned char *)
		    v.str, v.len, &s) != 0)
			continue;
		memcpy(fb, f.str, f.len);
		fb[f.len] = '\0';
		p[0] = fb;
		for (j = 0, np = 1; j < f.len && np < 3; j++)
			if (fb[j] == US) {
				fb[j] = '\0';
				p[np++] = fb + j + 1;
			}
		if (np == 3 && fn(arg, p[0], p[1], p[2], &s) != 0)
			break;
	}
	mts_rreply_free(&rep);
	return 0;
}

MTS_API mtasts_status
mtasts_shared_sync(mtasts_ctx *ctx)
{
	struct mts_results *r;
	mtasts_status st;

	if (ctx == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	if (!mts_shared_on(ctx))
		return MTASTS_OK;
	if ((st = mts_ctx_results(ctx, &r)) != MTASTS_OK)
		return st;
	/* Asked for (a timer, an admin): try even if marked down. */
	ctx->shared_force = 1;
	if (mts_rshared_push(ctx, r, 0) != 0) {
		char why[MTS_ERR_MAX / 2];

		ctx->shared_force = 0;
		mts_strlcpy(why, ctx->err, sizeof(why));
		return mts_fail(ctx, MTASTS_ERR_TEMPFAIL, "shared store: counts "
		    "not merged (%s); kept for a later merge", why);
	}
	ctx->shared_force = 0;
	return MTASTS_OK;
}
