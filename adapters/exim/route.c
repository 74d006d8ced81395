/* SPDX-License-Identifier: ISC */
/*
 * route.c - routing-time dlfuncs. The verdict that matters is made here,
 * where a failure can defer (EXIM-NOTES: security host lists must stay
 * static, since an error inside them fails open):
 *
 *   ${dlfunc{mtasts_exim.so}{mtasts_exim_route}{$domain}{CONF}}
 *     enforce, some MX allowed -> "mx1:mx2" (MX preference order)
 *     enforce, no MX allowed   -> failure: the router defers
 *     anything else            -> forced failure: the next router routes
 *   ${dlfunc{mtasts_exim.so}{mtasts_exim_mode}{$domain}{CONF}}
 *     -> "enforce", "testing", "none" or "no-policy"
 *
 * A core error never means "no policy": it is a failure (defer).
 */
#include <string.h>

#include "exim.h"

#define HOSTS_MAX 4096

/* "mx1:mx2" from the allowed hosts; 0, or -1 if it does not fit. */
static int
host_list(const mtasts_route *r, char *buf, size_t bufsz)
{
	size_t used = 0, k, len;
	const char *h;

	buf[0] = '\0';
	for (k = 0; (h = mtasts_route_allowed_mx(r, k)) != NULL; k++) {
		len = strlen(h);
		if (used + len + 2 > bufsz)
			return -1;
		if (used > 0)
			buf[used++] = ':';
		memcpy(buf + used, h, len + 1);
		used += len;
	}
	return 0;
}

/* TLS-RPT: the MX hosts an enforce policy rules out are never connected
 * to; the core names the failure (mx-not-in-policy, DESIGN 9). */
static void
record_disallowed(mtasts_ctx *ctx, const char *domain, const mtasts_route *r)
{
	size_t i, n = mtasts_route_mx_count(r);
	mtasts_session_facts f;
	mtasts_session s;

	for (i = 0; i < n; i++) {
		memset(&f, 0, sizeof(f));
		f.seen = MTASTS_SEEN_NO_SESSION;
		f.mx_host = mtasts_route_mx(r, i);
		memset(&s, 0, sizeof(s));
		s.domain = domain;
		s.mx_host = f.mx_host;
		if (mtasts_session_classify(mtasts_route_policy(r), &f,
		    &s.result, &s.reason_code) == MTASTS_OK)
			(void)mtasts_record(ctx, mtasts_route_policy(r), &s);
	}
}

EXIM_API int
mtasts_exim_route(uschar **yield, int argc, uschar *argv[])
{
	static char hosts[HOSTS_MAX];
	const char *domain = exim_arg(argc, argv, 0), *why = NULL;
	mtasts_route *r = NULL;
	mtasts_status st;
	mtasts_ctx *ctx;
	int rc = FAIL;

	if (domain == NULL) {
		*yield = exim_msg("mtasts_exim_route: no domain argument");
		return FAIL;
	}
	if ((ctx = exim_ctx(exim_arg(argc, argv, 1), &why)) == NULL) {
		*yield = exim_msg("%s", why);
		return FAIL;
	}
	st = mtasts_route_lookup(ctx, domain, &r);
	if (st == MTASTS_ERR_INVALID)
		return FAIL_FORCED;   /* an address literal: not MTA-STS's business */
	if (st != MTASTS_OK) {
		*yield = exim_msg("MTA-STS: %s: %s", domain, mtasts_error(ctx));
		return FAIL;
	}
	switch (mtasts_route_decide(r)) {
	case MTASTS_ROUTE_NORMAL:
		rc = FAIL_FORCED;
		break;
	case MTASTS_ROUTE_DEFER:
		record_disallowed(ctx, domain, r);
		*yield = exim_msg("MTA-STS: %s: enforce policy allows none of "
		    "its MX hosts", domain);
		break;
	case MTASTS_ROUTE_POLICY:
		record_disallowed(ctx, domain, r);
		if (host_list(r, hosts, sizeof(hosts)) != 0) {
			*yield = exim_msg("MTA-STS: %s: too many MX hosts",
			    domain);
			break;
		}
		*yield = (uschar *)hosts;
		rc = OK;
		break;
	}
	mtasts_route_free(r);
	return rc;
}

EXIM_API int
mtasts_exim_mode(uschar **yield, int argc, uschar *argv[])
{
	const char *domain = exim_arg(argc, argv, 0), *why = NULL;
	mtasts_policy *p = NULL;
	mtasts_status st;
	mtasts_ctx *ctx;

	if (domain == NULL) {
		*yield = exim_msg("mtasts_exim_mode: no domain argument");
		return FAIL;
	}
	if ((ctx = exim_ctx(exim_arg(argc, argv, 1), &why)) == NULL) {
		*yield = exim_msg("%s", why);
		return FAIL;
	}
	st = mtasts_lookup(ctx, domain, &p);
	if (st == MTASTS_ERR_INVALID) {
		*yield = (uschar *)"no-policy";
		return OK;
	}
	if (st != MTASTS_OK) {
		*yield = exim_msg("MTA-STS: %s: %s", domain, mtasts_error(ctx));
		return FAIL;
	}
	*yield = (uschar *)mtasts_mode_str(mtasts_policy_mode(p));
	mtasts_policy_free(p);
	return OK;
}
