/* SPDX-License-Identifier: ISC */
/*
 * sts/lookup_shared.c - policies on the shared level (lookup_shared.h).
 * A shared record is the cache codec's encoding (entry.c) of an entry
 * holding only the policy part: id, fetched_at, expires_at and the
 * document. It is decoded like a local record (bounded, validated,
 * fuzzed): a host's Redis is no more trusted than its tdb.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/ctx.h"
#include "base/domain.h"
#include "sts/lookup_shared.h"
#include "sts/resolve.h"
#include "store/shared.h"
#include "base/util.h"

#define POLL_MS 100

/* The shared policy of domain: 0 found (e filled), 1 none, -1 down. */
static int
get_policy(mtasts_ctx *ctx, const char *domain, struct mts_entry *e)
{
	struct mts_rreply rep;
	char key[MTS_DOMAIN_BUF + 80];
	int rc = 1;

	mts_entry_init(e);
	mts_shared_key(ctx, key, sizeof(key), "pol", domain);
	if (mts_shared_cmdv(ctx, &rep, 2, "GET", key) != 0)
		return -1;
	if (rep.type == MTS_R_STR && mts_record_decode((const unsigned char *)
	    rep.str, rep.len, e) == 0 && e->doc != NULL)
		rc = 0;
	else if (rep.type == MTS_R_STR)
		mts_log(ctx, MTASTS_LOG_WARNING, "domain=%s shared=bad-record "
		    "(ignored)", domain);
	mts_rreply_free(&rep);
	if (rc != 0) {
		mts_entry_clear(e);
		mts_entry_init(e);
	}
	return rc;
}

/* Move the policy part of src into dst (dst's TXT state is kept). */
static void
take_policy(struct mts_entry *dst, struct mts_entry *src)
{
	mts_policy_doc_free(dst->doc);
	dst->doc = src->doc;
	src->doc = NULL;
	mts_strlcpy(dst->policy_id, src->policy_id, sizeof(dst->policy_id));
	dst->fetched_at = src->fetched_at;
	dst->expires_at = src->expires_at;
}

int
mts_shpol_seed(mtasts_ctx *ctx, const char *domain, struct mts_entry *e)
{
	struct mts_entry s;

	if (!mts_shared_on(ctx) || get_policy(ctx, domain, &s) != 0)
		return 0;
	if (!mts_policy_valid(&s, mts_now(ctx))) {
		mts_entry_clear(&s);
		return 0;
	}
	take_policy(e, &s);
	mts_entry_clear(&s);
	mts_log(ctx, MTASTS_LOG_INFO, "domain=%s event=shared-seed id=%s "
	    "fetched_at=%lld", domain, e->policy_id, (long long)e->fetched_at);
	return 1;
}

/* What another host fetched is good for us: the id we want, within its
 * max_age, and for a refresh newer than ours. */
static int
usable(mtasts_ctx *ctx, const struct mts_entry *s, const char *id, int force,
    int64_t have)
{
	return strcmp(s->policy_id, id) == 0 &&
	    mts_policy_valid(s, mts_now(ctx)) && (!force || s->fetched_at > have);
}

static void
nap(void)
{
	struct timespec ts = { 0, POLL_MS * 1000000L };

	(void)nanosleep(&ts, NULL);
}

enum mts_shf
mts_shpol_begin(mtasts_ctx *ctx, const char *domain, const char *id,
    int force, int64_t have, struct mts_entry *got, char token[33])
{
	/* The lock outlives a whole discovery (lookup_timeout), then dies
	 * with its TTL: a host that dies while fetching holds nobody up for
	 * longer. */
	int64_t ttl = (int64_t)(ctx->cfg.lookup_timeout + 5) * 1000;
	int tries = ctx->cfg.lock_wait * (1000 / POLL_MS), rc;

	mts_entry_init(got);
	if (!mts_shared_on(ctx))
		return MTS_SHF_LOCAL;
	mts_shared_token(token);
	for (;;) {
		if ((rc = get_policy(ctx, domain, got)) < 0)
			return MTS_SHF_LOCAL;
		if (rc == 0 && usable(ctx, got, id, force, have))
			return MTS_SHF_ADOPT;
		mts_entry_clear(got);
		mts_entry_init(got);
		if ((rc = mts_shared_lock(ctx, "lock", domain, token, ttl)) < 0)
			return MTS_SHF_LOCAL;
		if (rc == 0)
			return MTS_SHF_FETCH;
		/* Within lock_wait and this lookup's own deadline. */
		if (tries-- <= 0 || mts_mono_ms() >= ctx->deadline_ms)
			return MTS_SHF_BUSY;
		nap();
	}
}

void
mts_shpol_done(mtasts_ctx *ctx, const char *domain, const struct mts_entry *e,
    int fetched, const char *token)
{
	struct mts_rreply rep;
	struct mts_entry p;
	unsigned char *buf = NULL;
	size_t len = 0;
	char key[MTS_DOMAIN_BUF + 80], px[32];
	const char *argv[5];
	size_t lens[5];
	int64_t left = e->expires_at - mts_now(ctx);

	if (fetched && e->doc != NULL && left > 0) {
		/* Only the policy part: the TXT answer is each host's own. */
		mts_entry_init(&p);
		p.doc = e->doc;
		mts_strlcpy(p.policy_id, e->policy_id, sizeof(p.policy_id));
		p.fetched_at = e->fetched_at;
		p.expires_at = e->expires_at;
		if (mts_record_encode(&p, &buf, &len) == 0) {
			mts_shared_key(ctx, key, sizeof(key), "pol", domain);
			mts_fmt(px, sizeof(px), "%lld", (long long)left * 1000);
			argv[0] = "SET"; lens[0] = 3;
			argv[1] = key; lens[1] = strlen(key);
			argv[2] = (const char *)buf; lens[2] = len;
			argv[3] = "PX"; lens[3] = 2;
			argv[4] = px; lens[4] = strlen(px);
			if (mts_shared_cmd(ctx, 5, argv, lens, &rep, NULL,
			    0) == 0) {
				mts_rreply_free(&rep);
				mts_log(ctx, MTASTS_LOG_INFO, "domain=%s "
				    "event=shared-store id=%s", domain,
				    e->policy_id);
			}
		}
		free(buf);
	}
	mts_shared_unlock(ctx, "lock", domain, token);
}
