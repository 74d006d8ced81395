/* SPDX-License-Identifier: ISC */
/*
 * privdrop.c - `refresh` and `report` started as root (cron, systemd)
 * become the owner of the store directory before touching it, so root
 * never reads or writes files that user controls (docs/RELIABILITY.md,
 * privilege model). The library says who the owner is; changing the
 * process's identity is this program's business, not a library's.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int
cli_drop_to_store_owner(struct cli *c)
{
	unsigned long u, g;
	struct passwd *pw;
	gid_t gid;
	uid_t uid;
	mtasts_status st;
	int rc;

	if (geteuid() != 0)
		return CLI_OK;
	if ((st = mtasts_store_owner(c->ctx, &u, &g)) != MTASTS_OK)
		return cli_fail(c, st, "store directory");
	if (u == 0)
		return CLI_OK;          /* a root-owned store: nothing to drop */
	uid = (uid_t)u;
	gid = (gid_t)g;
	pw = getpwuid(uid);
	if (pw != NULL)
		rc = initgroups(pw->pw_name, gid);
	else
		rc = setgroups(1, &gid);
	if (rc == 0)
		rc = setgid(gid);
	if (rc == 0)
		rc = setuid(uid);
	if (rc != 0) {
		fprintf(stderr, "mtasts: cannot become uid %lu (owner of the "
		    "store directory): %s\n", u, strerror(errno));
		return CLI_SOFTWARE;
	}
	/* No way back: a failed drop must not go on as root. */
	if (setuid(0) == 0) {
		fprintf(stderr, "mtasts: privileges not dropped\n");
		return CLI_SOFTWARE;
	}
	return CLI_OK;
}
