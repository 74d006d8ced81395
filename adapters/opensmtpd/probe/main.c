/* SPDX-License-Identifier: ISC */
/*
 * main.c - filter-mtasts-probe CONF IP MX DOMAIN TIMEOUT: the TLS probe
 * of filter-mtasts as a program of its own, so that the filter, which
 * smtpd keeps running, is linked without OpenSSL (core/offline). It
 * fetches the chain IP presents after STARTTLS with SNI MX
 * (filter/probe.c), judges it under DOMAIN's cached policy
 * (mtasts_verdict_cert, RFC 8461 §4.2) and prints the RFC 8460 result
 * type as a number and a newline. Exit 0 with a verdict; 1 without one
 * (no STARTTLS, timeout, nothing cached: the session is not counted),
 * the reason on stderr (smtpd's log, like the filter's own lines).
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/osm.h"
#include "filter/probe.h"

int
main(int argc, char *argv[])
{
	mtasts_policy *p = NULL;
	mtasts_verdict v;
	mtasts_ctx *ctx;
	char *pem = NULL, err[128];
	size_t len = 0;
	int timeout;

	if (argc != 6 || (timeout = atoi(argv[5])) <= 0) {
		fprintf(stderr, "usage: filter-mtasts-probe CONF IP MX DOMAIN "
		    "TIMEOUT\n");
		return 64;
	}
	if (probe_chain(argv[2], argv[3], "mtasts-probe.invalid", timeout,
	    &pem, &len, err, sizeof(err)) != 0) {
		osm_log(MTASTS_LOG_NOTICE, "probe ip=%s mx=%s domain=%s: %s: "
		    "session not counted", argv[2], argv[3], argv[4], err);
		return 1;
	}
	if ((ctx = osm_ctx(argv[1])) == NULL)
		return 1;
	if (mtasts_lookup_cached(ctx, argv[4], &p) != MTASTS_OK) {
		osm_log(MTASTS_LOG_NOTICE, "probe domain=%s: %s: session not "
		    "counted", argv[4], mtasts_error(ctx));
		return 1;
	}
	/* an undecodable chain is filled in as a failed validation */
	(void)mtasts_verdict_cert(ctx, p, argv[3], (unsigned char *)pem, len,
	    &v);
	printf("%d\n", (int)v.result);
	mtasts_policy_free(p);
	mtasts_free(ctx);
	free(pem);
	return fflush(stdout) == 0 ? 0 : 1;
}
