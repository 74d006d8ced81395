/* SPDX-License-Identifier: ISC */
/* fleet.c - several MTA hosts: `mtasts sync` merges this host's TLS-RPT
 * counts into the fleet's shared level now (a timer runs it), `cache
 * export` / `cache import FILE|-` carry cached policies to a new host
 * (README "Several MTA hosts"). */
#include <stdlib.h>

#include "cli.h"

int cache_export(const struct cli *c);
int cache_import(const struct cli *c);

int
cache_export(const struct cli *c)
{
	char *json = NULL;
	size_t len = 0;
	mtasts_status st;
	int rc;

	if ((rc = cli_drop_to_store_owner((struct cli *)c)) != CLI_OK)
		return rc;
	st = mtasts_cache_export(c->ctx, &json, &len);
	if (st != MTASTS_OK)
		return cli_fail(c, st, "cache export");
	if (fwrite(json, 1, len, stdout) != len || fflush(stdout) != 0) {
		free(json);
		return cli_fail(c, MTASTS_ERR_IO, "stdout");
	}
	free(json);
	return CLI_OK;
}

int
cache_import(const struct cli *c)
{
	char *buf = NULL, err[256];
	size_t len = 0, imported = 0, skipped = 0;
	mtasts_status st;
	int rc;

	/* 64 MiB: some ten thousand policies of the 64 KiB maximum. */
	if ((rc = cli_drop_to_store_owner((struct cli *)c)) != CLI_OK)
		return rc;
	rc = cli_read_file(c->argv[1], 64u << 20, &buf, &len, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "mtasts: %s: %s\n", c->argv[1], rc > 0 ?
		    "larger than 64 MiB" : err);
		return rc > 0 ? CLI_NO : CLI_SOFTWARE;
	}
	st = mtasts_cache_import(c->ctx, buf, len, &imported, &skipped);
	free(buf);
	printf("imported %zu skipped %zu\n", imported, skipped);
	if (st != MTASTS_OK)
		return cli_fail(c, st, "cache import");
	return CLI_OK;
}

int
cmd_sync(struct cli *c)
{
	mtasts_status st;
	int rc;

	/* Started as root (a timer): become the store's owner first. */
	if ((rc = cli_drop_to_store_owner(c)) != CLI_OK)
		return rc;
	st = mtasts_shared_sync(c->ctx);
	if (st != MTASTS_OK)
		return cli_fail(c, st, NULL);
	return CLI_OK;
}

int
cmd_stats(struct cli *c)
{
	char *text = NULL;
	size_t len = 0;
	mtasts_status st;
	int rc;

	if ((rc = cli_drop_to_store_owner(c)) != CLI_OK)
		return rc;
	st = mtasts_stats(c->ctx, &text, &len);
	if (st != MTASTS_OK)
		return cli_fail(c, st, "stats");
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		free(text);
		return cli_fail(c, MTASTS_ERR_IO, "stdout");
	}
	free(text);
	return CLI_OK;
}
