/* SPDX-License-Identifier: ISC */
/* sts/resolve_driver.h - the one entry into the resolve driver, shared by
 * mtasts_lookup*() and the cache-management API (mtasts_refresh). */
#ifndef MTS_STS_RESOLVE_DRIVER_H
#define MTS_STS_RESOLVE_DRIVER_H

#include "mtasts.h"

struct mts_fetch_opts;

/*
 * The policy for domain (any form; normalised here), as mtasts_lookup().
 * force: a refresh (STS-54 (RFC 8461 §3.3), STS-55 (RFC 8461 §10.2): ignore the cached TXT answer's TTL,
 * refetch a policy due for it); cache_only: no DNS, no HTTPS.
 */
mtasts_status mts_lookup_domain(mtasts_ctx *ctx, const char *domain,
    int force, int cache_only, mtasts_policy **out);

/* The policy fetch's options from the context's settings (HTTPS setup,
 * the shared CA store, media type rule), pinned to addrs, within
 * budget_ms: one place for the resolver and `mtasts audit`. */
void mts_fetch_opts_from_ctx(const mtasts_ctx *ctx, struct mts_fetch_opts *o,
    const char *addrs, long budget_ms);

#endif
