/* SPDX-License-Identifier: ISC */
/* tlsrpt/collector.h - sys4's tlsrpt collector (tlsrpt-collectd, as used with
 * Postfix 3.10) as an alternative sink for session outcomes. */
#ifndef MTS_TLSRPT_COLLECTOR_H
#define MTS_TLSRPT_COLLECTOR_H

#include "mtasts.h"
#include "tlsrpt/results.h"
#include "base/sbuf.h"

/* Send one outcome as a datagram to tlsrpt_socket. */
mtasts_status mts_tlsrpt_send(mtasts_ctx *ctx,
    const struct mts_results_outcome *o);
/* The datagram (libtlsrpt's format); pure, for tests. */
void mts_tlsrpt_datagram(struct mts_sbuf *b,
    const struct mts_results_outcome *o);

#endif
