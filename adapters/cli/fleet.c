/* SPDX-License-Identifier: ISC */
/* fleet.c - `mtasts sync`: merge this host's TLS-RPT counts into the
 * fleet's shared level now (a timer runs it; see README "Several MTA
 * hosts"). */
#include "cli.h"

int
cmd_sync(struct cli *c)
{
	mtasts_status st = mtasts_shared_sync(c->ctx);

	if (st != MTASTS_OK)
		return cli_fail(c, st, NULL);
	return CLI_OK;
}
