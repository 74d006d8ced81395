/* SPDX-License-Identifier: ISC */
/*
 * base/stats.h - counters for `mtasts stats`, kept cheaply: an increment
 * is one add to an array on the context; the counts go to the cache
 * file (one record, under a lock) only every STATS_FLUSH_EVERY counts,
 * on each TLS-RPT record, and when the context is freed. A fork child
 * drops what it inherited (its parent still holds and flushes it), so
 * nothing is counted twice; a process that ends without any of those
 * leaves its last few decisions uncounted (counters for trends).
 */
#ifndef MTS_BASE_STATS_H
#define MTS_BASE_STATS_H

#include <stdint.h>

#include "mtasts.h"

#define MTS_STATS_SLOTS 16          /* per group: results 0..11, extras */
#define MTS_STATS_FLUSH_EVERY 256

enum mts_stat_group {
	MTS_SG_DECISION = 0,        /* slot = mode * 2 + action */
	MTS_SG_DEFER,               /* enforce defers: slot = result, or below */
	MTS_SG_FETCH,               /* policy fetches: slot = result, or below */
	MTS_SG_SESSION,             /* TLS-RPT sessions: slot = result */
	MTS_SG_REPORT,              /* slot = MTS_RS_* */
	MTS_SG_N
};

/* Extra slots after the result types (0..11). */
enum { MTS_SLOT_NOMX = 12, MTS_SLOT_TEMPFAIL = 13, MTS_SLOT_SHARED = 14 };
enum { MTS_RS_SENT = 0, MTS_RS_FAILED = 1, MTS_RS_GAVEUP = 2 };

struct mts_stats {
	uint32_t pending[MTS_SG_N][MTS_STATS_SLOTS];
	uint32_t npending;
};

void mts_stat_flush(mtasts_ctx *ctx);

static inline void
mts_stat_add(mtasts_ctx *ctx, struct mts_stats *s, int group, int slot)
{
	if (slot < 0 || slot >= MTS_STATS_SLOTS)
		return;
	s->pending[group][slot]++;
	if (++s->npending >= MTS_STATS_FLUSH_EVERY)
		mts_stat_flush(ctx);
}

/* The flushed totals of the host (cache file), 0 or -1. */
int mts_stat_read(mtasts_ctx *ctx, uint64_t out[MTS_SG_N][MTS_STATS_SLOTS]);

#endif
