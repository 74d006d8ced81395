/* SPDX-License-Identifier: ISC */
/*
 * sts/lookup_shared.h - policies on the fleet's shared level (store/):
 * a local miss is seeded from it, and a fetch goes through the fleet's
 * fetch lock so that one host fetches and the others take its result
 * (with its fetch time and max_age). Never on the cached path.
 */
#ifndef MTS_STS_LOOKUP_SHARED_H
#define MTS_STS_LOOKUP_SHARED_H

#include "mtasts.h"
#include "sts/entry.h"

/* Seed an empty local entry with the shared policy of domain, if one is
 * still within its max_age. 1 seeded, 0 not. */
int mts_shpol_seed(mtasts_ctx *ctx, const char *domain, struct mts_entry *e);

enum mts_shf {
	MTS_SHF_LOCAL = 0,   /* no shared level (off or down): fetch as alone */
	MTS_SHF_FETCH = 1,   /* we hold the fleet lock: fetch, then _done */
	MTS_SHF_ADOPT = 2,   /* another host fetched it: *got holds it */
	MTS_SHF_BUSY = 3     /* another host is still fetching after lock_wait */
};

/*
 * Before fetching id for domain. have_fetched_at: the fetch time of the
 * policy we hold (0 if none); a refresh (force) adopts only a newer one.
 * token receives our lock token for MTS_SHF_FETCH.
 */
enum mts_shf mts_shpol_begin(mtasts_ctx *ctx, const char *domain,
    const char *id, int force, int64_t have_fetched_at,
    struct mts_entry *got, char token[33]);
/* After our fetch under the lock: publish e's policy (if any), unlock. */
void mts_shpol_done(mtasts_ctx *ctx, const char *domain,
    const struct mts_entry *e, int fetched, const char *token);

#endif
