/* SPDX-License-Identifier: ISC */
/* sts/verdict.h - what verdict.c shares inside the core. */
#ifndef MTS_STS_VERDICT_H
#define MTS_STS_VERDICT_H

#include "mtasts.h"

/* 1 for the failures a TLS session with an MX can end in (RFC 8460
 * §4.3.1, §4.3.2.1), as opposed to success and the policy-discovery
 * types (§4.3.2.2). */
int mts_session_failure(mtasts_result r);

#endif
