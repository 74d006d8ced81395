/* SPDX-License-Identifier: ISC */
/* test_headers.c - the core's headers live together: one file includes
 * the resolve state machine's and the results store's, whose types once
 * shared a tag (enum and struct mts_results_outcome) so that no file could
 * include both. Compiling this file is the test; the rows check that
 * each type is the one its module names. */
#include <string.h>

#include "mtasts.h"
#include "sts/resolve.h"
#include "tlsrpt/results.h"
#include "tlsrpt/collector.h"
#include "tap.h"

int
main(void)
{
	struct mts_decision d;
	enum mts_resolve_outcome o = MTS_OUT_TEMPFAIL;
	struct mts_results_outcome r;

	memset(&d, 0, sizeof(d));
	memset(&r, 0, sizeof(r));
	d.outcome = o;
	r.domain = "example.com";
	is_int(d.outcome, MTS_OUT_TEMPFAIL, 
	    "resolve outcome: enum mts_resolve_outcome");
	is_str(r.domain, "example.com", 
	    "results session: struct mts_results_outcome");
	return done_testing();
}
