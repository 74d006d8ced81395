/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/results_shared.h - TLS-RPT counts and send state of a fleet on the
 * shared level (store/), so that one report per domain per day leaves
 * the fleet.
 *
 * With shared_store set, the local results file is each host's journal:
 * sessions are counted there as without a fleet (one local tdb write,
 * nothing on the network), and pushed to Redis in batches, each applied
 * atomically and at most once (a Lua script that checks and advances the
 * host's batch number, then HINCRBYs the counters). A push that fails
 * leaves its batch in the journal, resent as is later: Redis down or
 * slow loses no count and doubles none, and no delivery waits for it.
 */
#ifndef MTS_TLSRPT_RESULTS_SHARED_H
#define MTS_TLSRPT_RESULTS_SHARED_H

#include "mtasts.h"
#include "tlsrpt/results.h"

/*
 * Push the journal. soon: from the record path, at most once every few
 * seconds per host and only when no other process is pushing. 0 all
 * pushed (or nothing to push), 1 skipped, -1 the shared level failed
 * (counts kept locally; message on ctx).
 */
int mts_rshared_push(mtasts_ctx *ctx, struct mts_results *r, int soon);
/* The fleet's counts of one day, like mts_results_day(). */
int mts_rshared_day(mtasts_ctx *ctx, const char *day, struct mts_rday **out,
    size_t *n, char *err, size_t errsz);
/* Send state on the shared level, like mts_results_send_*(). */
int mts_rshared_send_get(mtasts_ctx *ctx, const char *day,
    const char *domain, const char *rua, struct mts_send *s);
int mts_rshared_send_put(mtasts_ctx *ctx, const char *day,
    const char *domain, const char *rua, const struct mts_send *s,
    char *err, size_t errsz);
int mts_rshared_send_walk(mtasts_ctx *ctx, mts_send_walk_fn *fn, void *arg);

#endif
