/* SPDX-License-Identifier: ISC */
/* sts/entry.h - one domain's cache entry and its versioned encoding.
 * Pure: the tdb I/O lives in cache.c. */
#ifndef MTS_STS_ENTRY_H
#define MTS_STS_ENTRY_H

/* Times read back from the cache are Unix seconds in 0..MTS_TIME_MAX
 * (entry.c): arithmetic on them cannot overflow. */
#define MTS_TIME_MAX ((int64_t)1 << 40)

#include <stddef.h>
#include <stdint.h>

#include "mtasts.h"
#include "sts/policy.h"
#include "sts/sts_txt.h"

enum mts_txt_state {
	MTS_TXTSTATE_UNKNOWN = 0,  /* never looked up (or forgotten) */
	MTS_TXTSTATE_NONE = 1,     /* no usable record (none, several, invalid) */
	MTS_TXTSTATE_RECORD = 2    /* one valid record with txt_id */
};

struct mts_entry {
	/* The TXT answer, kept for its DNS TTL (hot path: no DNS). */
	enum mts_txt_state txt_state;
	char txt_id[MTS_TXT_ID_MAX + 1];
	int64_t txt_expires;
	/* The policy, kept until fetched_at + max_age (STS-50). */
	struct mts_policy_doc *doc;        /* NULL: no policy cached */
	char policy_id[MTS_TXT_ID_MAX + 1];
	int64_t fetched_at;
	int64_t expires_at;
	/* Back-off after a failed fetch, per id (STS-38). */
	char backoff_id[MTS_TXT_ID_MAX + 1];
	int64_t backoff_until;
	/* The last discovery failure, for TLS-RPT and `mtasts policy`. */
	mtasts_result last_result;
	char last_reason[MTASTS_REASON_MAX];
};

void mts_entry_init(struct mts_entry *e);
/* Free what the entry owns and reset it. */
void mts_entry_clear(struct mts_entry *e);

/* Encode into a malloc'ed buffer. Returns 0 or -1 (memory). */
int mts_record_encode(const struct mts_entry *e, unsigned char **out,
    size_t *outlen);
/*
 * Decode; any malformed, truncated or foreign record is -1 (the caller
 * drops it and refetches: never trusted, never a crash).
 */
int mts_record_decode(const unsigned char *buf, size_t len,
    struct mts_entry *e);

#endif
