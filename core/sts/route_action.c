/* SPDX-License-Identifier: ISC */
/*
 * sts/route_action.c - the one answer to "what does the MTA do with this
 * domain's mail" from a route: the verdict table of RFC 8461 §5 (enforce:
 * only the MX hosts the policy allows) and §5.1 (none allowed: the mail
 * stays queued, never bounced, never sent around the policy). Built on
 * the route's public accessors only.
 */
#include "base/export.h"
#include "mtasts.h"

MTS_API mtasts_route_action
mtasts_route_decide(const mtasts_route *r)
{
	const mtasts_policy *p = r != NULL ? mtasts_route_policy(r) : NULL;

	/* No route or no policy is no decision to enforce anything; a core
	 * error has already failed the lookup (callers defer on it). */
	if (p == NULL || mtasts_policy_mode(p) != MTASTS_MODE_ENFORCE)
		return MTASTS_ROUTE_NORMAL;
	if (mtasts_route_allowed_count(r) == 0)
		return MTASTS_ROUTE_DEFER;      /* STS-83 (RFC 8461 §5.1) */
	return MTASTS_ROUTE_POLICY;
}

MTS_API const char *
mtasts_route_action_str(mtasts_route_action a)
{
	switch (a) {
	case MTASTS_ROUTE_NORMAL: return "normal";
	case MTASTS_ROUTE_POLICY: return "policy";
	case MTASTS_ROUTE_DEFER: return "defer";
	}
	return "unknown";
}

MTS_API const char *
mtasts_route_allowed_mx(const mtasts_route *r, size_t k)
{
	size_t i, n;

	if (r == NULL)
		return NULL;
	n = mtasts_route_mx_count(r);
	for (i = 0; i < n; i++)
		if (mtasts_route_mx_verdict(r, i)->action ==
		    MTASTS_ACTION_DELIVER && k-- == 0)
			return mtasts_route_mx(r, i);
	return NULL;
}
