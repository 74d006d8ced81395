/* SPDX-License-Identifier: ISC */
/* route_out.c - `route --exim` output and the exit codes of `route`
 * (docs/CLI-CONTRACT.md), for the CLI and mtasts-run alike. */
#include "route_out.h"

/* Exim's ${run} route_data: the allowed hosts as one colon-separated
 * list, no newline. Only an enforce policy routes through mtasts (the
 * exit code says which); testing domains take the normal router. */
void
cli_route_exim(FILE *f, const mtasts_route *r)
{
	const char *h;
	size_t k;

	if (mtasts_route_decide(r) != MTASTS_ROUTE_POLICY)
		return;
	for (k = 0; (h = mtasts_route_allowed_mx(r, k)) != NULL; k++)
		fprintf(f, "%s%s", k > 0 ? ":" : "", h);
}

/* 0: route through the allowed hosts; 2: route normally; 3: defer (the
 * core's route action for enforce). With --exim, testing means "route
 * normally" like no policy. */
int
cli_route_exit(const mtasts_route *r, int exim)
{
	const mtasts_policy *p = mtasts_route_policy(r);
	mtasts_mode m = mtasts_policy_mode(p);
	mtasts_route_action a = mtasts_route_decide(r);

	if (a == MTASTS_ROUTE_DEFER)
		return 3;
	if (m == MTASTS_MODE_NOPOLICY || m == MTASTS_MODE_NONE)
		return 2;
	if (exim && a == MTASTS_ROUTE_NORMAL)
		return 2;
	return 0;
}
