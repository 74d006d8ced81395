/* SPDX-License-Identifier: ISC */
/* base/store_owner.c - who owns the store directories, for a root
 * process that becomes that user before touching them (mtasts.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/storefile.h"
#include "base/util.h"

/* 0 with the owner, 1 if the directory does not exist, -1 + err. */
static int
dir_owner(const char *file, unsigned long *uid, unsigned long *gid,
    char *err, size_t errsz)
{
	struct mts_store_dir d;
	char base[256];
	int rc;

	rc = mts_store_dir_open(file, &d, base, sizeof(base), err, errsz);
	if (rc == -1 && errno == ENOENT)
		return 1;
	if (rc != 0)
		return -1;
	*uid = d.uid;
	*gid = d.gid;
	mts_store_dir_close(&d);
	return 0;
}

MTS_API mtasts_status
mtasts_store_owner(mtasts_ctx *ctx, unsigned long *uid, unsigned long *gid)
{
	const char *files[2];
	unsigned long u, g;
	char err[MTS_ERR_MAX - 64];
	int i, rc, seen = 0;

	if (ctx == NULL || uid == NULL || gid == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	files[0] = ctx->cfg.cache_file;
	files[1] = ctx->cfg.results_file;
	*uid = (unsigned long)geteuid();
	*gid = (unsigned long)getegid();
	for (i = 0; i < 2; i++) {
		if ((rc = dir_owner(files[i], &u, &g, err, sizeof(err))) < 0)
			return mts_fail(ctx, MTASTS_ERR_CACHE, "%s", err);
		if (rc == 1)
			continue;
		if (seen && u != *uid)
			return mts_fail(ctx, MTASTS_ERR_CONFIG, "the directories "
			    "of cache_file and results_file have different "
			    "owners (uid %lu and %lu)", *uid, u);
		*uid = u;
		*gid = g;
		seen = 1;
	}
	return MTASTS_OK;
}
