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
#include "base/domain.h"
#include "net/dns.h"

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
	/* The policy, kept until fetched_at + max_age (STS-50, RFC 8461 §3.2). */
	struct mts_policy_doc *doc;        /* NULL: no policy cached */
	char policy_id[MTS_TXT_ID_MAX + 1];
	int64_t fetched_at;
	int64_t expires_at;
	/* Back-off after a failed fetch, per id (STS-38, RFC 8461 §3.3). */
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

/*
 * Policies parsed lately, by their exact text: many cached domains
 * serve the same body (a hoster's), and parsing it is a third of
 * decoding a record. A parsed doc depends on its text alone and is
 * immutable, so an equal text gets the same doc by reference.
 */
#define MTS_DOC_MEMO_SLOTS 8

struct mts_doc_memo {
	struct mts_policy_doc *doc[MTS_DOC_MEMO_SLOTS];
	unsigned next;          /* the slot to replace */
};

/* mts_record_decode, with policy texts looked up in dm first. */
int mts_record_decode_memo(const unsigned char *buf, size_t len,
    struct mts_entry *e, struct mts_doc_memo *dm);
void mts_doc_memo_clear(struct mts_doc_memo *dm);

/* A DNS TTL as the cache keeps it: clamped to dns_min_ttl..dns_max_ttl,
 * for the TXT answer (resolve.c) and the MX answer (route.c) alike. */
int64_t mts_ttl_clamp(int64_t ttl, int64_t min, int64_t max);

/*
 * One domain's MX answer, cached beside its entry for the answer's TTL
 * so routing a known domain costs no DNS (route.c). null_mx: the domain
 * published RFC 7505's "MX 0 ." (no mail host at all); unusable: it has
 * MX records but none names a host (DESIGN 19: no candidate, and not the
 * implicit MX either); n = 0 without either: no MX records, the implicit
 * MX (RFC 5321 §5.1, DESIGN 11). Names are normalised LDH host names.
 */
struct mts_mx_entry {
	int64_t expires;
	int null_mx;
	int unusable;
	size_t n;
	struct mts_dns_mx_host hosts[MTS_DNS_MAX_RR];
};

/* Encode into a malloc'ed buffer; 0, or -1 (memory, bad entry). */
int mts_mx_entry_encode(const struct mts_mx_entry *m, unsigned char **out,
    size_t *outlen);
/* Decode; anything malformed, truncated or foreign is -1. */
int mts_mx_entry_decode(const unsigned char *buf, size_t len,
    struct mts_mx_entry *m);

#endif
