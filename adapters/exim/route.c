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
 *   ${dlfunc{mtasts_exim.so}{mtasts_exim_mx_name}{$domain}{$host}
 *       {$host_address}{CONF}}   (tls_sni of the enforce transport)
 *     -> the policy-checked MX name Exim's $host stands for (Exim renames
 *        a host to its CNAME target); forced failure: none (no SNI)
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
	char hosts[HOSTS_MAX];
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
		if (mtasts_route_null_mx(r))
			*yield = exim_msg("MTA-STS: %s: null MX (RFC 7505): the "
			    "domain accepts no mail", domain);
		else
			*yield = exim_msg("MTA-STS: %s: enforce policy allows "
			    "none of its MX hosts", domain);
		break;
	case MTASTS_ROUTE_POLICY:
		record_disallowed(ctx, domain, r);
		if (host_list(r, hosts, sizeof(hosts)) != 0) {
			*yield = exim_msg("MTA-STS: %s: too many MX hosts",
			    domain);
			break;
		}
		/* Exim's store, not a static buffer: see cert.c. */
		*yield = string_copy((const uschar *)hosts);
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

int
exim_mx_name(mtasts_ctx *ctx, const char *domain, const char *host,
    const char *ip, char *buf, size_t bufsz)
{
	mtasts_route *r = NULL;
	const char *name = NULL;
	int rc = -1;

	if (mtasts_route_lookup(ctx, domain, &r) != MTASTS_OK)
		return -1;
	if (mtasts_route_mx_name(ctx, r, host, ip, &name) == MTASTS_OK &&
	    strlen(name) < bufsz) {
		memcpy(buf, name, strlen(name) + 1);
		rc = 0;
	}
	mtasts_route_free(r);
	return rc;
}

EXIM_API int
mtasts_exim_mx_name(uschar **yield, int argc, uschar *argv[])
{
	static char name[256];
	const char *domain = exim_arg(argc, argv, 0), *host = exim_arg(argc, argv, 1);
	const char *ip = exim_arg(argc, argv, 2), *why = NULL;
	mtasts_ctx *ctx;

	if (domain == NULL || host == NULL || ip == NULL ||
	    (ctx = exim_ctx(exim_arg(argc, argv, 3), &why)) == NULL ||
	    exim_mx_name(ctx, domain, host, ip, name, sizeof(name)) != 0)
		return FAIL_FORCED;   /* no SNI; the name check still runs */
	*yield = (uschar *)name;
	return OK;
}
