/* SPDX-License-Identifier: ISC */
/* tlsrpt/collector.h - sys4's tlsrpt collector (tlsrpt-collectd, as used with
 * Postfix 3.10) as an alternative sink for session outcomes. */
#ifndef MTS_TLSRPT_COLLECTOR_H
#define MTS_TLSRPT_COLLECTOR_H

#include "mtasts.h"
#include "tlsrpt/results.h"
#include "base/sbuf.h"

/*
 * One delivery request as libtlsrpt sends it: the recipient domain, the
 * domain's TLSRPT record ("pr"), one policy, and up to two failure
 * details: the session's own (o->result) and, when the policy itself
 * could not be fetched, that failure (fetch, a detail_only outcome).
 */
struct mts_dgram {
	const char *record;                /* _smtp._tls TXT, raw text */
	const struct mts_results_outcome *o;       /* the session */
	const struct mts_results_outcome *fetch;   /* NULL, or the policy's failure */
};

/* Send one delivery request as a datagram to tlsrpt_socket. A domain
 * without a (single, valid) TLSRPT record is not sent, as libtlsrpt's
 * callers do (nothing could be reported to it). */
mtasts_status mts_tlsrpt_send(mtasts_ctx *ctx, const struct mts_results_outcome *o,
    const struct mts_results_outcome *fetch);
/* The datagram, byte for byte libtlsrpt's; pure, for tests. */
void mts_tlsrpt_datagram(struct mts_sbuf *b, const struct mts_dgram *g);
/* libtlsrpt's tlsrpt_failure_t code of an RFC 8460 result type. */
int mts_tlsrpt_code(const char *result);

#endif
