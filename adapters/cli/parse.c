/* SPDX-License-Identifier: ISC */
/* parse.c - the pure checks: `parse-policy`, `match` (`parse-txt` and
 * `parse-tlsrpt` are in rrset.c). No network, no cache; for checking a
 * policy file by hand and for tests. parse-policy prints JSON whatever
 * --json says. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

/* RFC 8461 §3.3: a policy body larger than 64 KiB is refused. */
#define POLICY_MAX (64 * 1024)

static int
print_policy(const struct cli *c, const mtasts_policy *p)
{
	size_t i, n = mtasts_policy_mx_count(p);
	struct out o;
	struct json j;

	if (out_open(&o) != 0)
		return cli_fail(c, MTASTS_ERR_NOMEM, "output");
	json_init(&j, o.f);
	json_obj_begin(&j);
	json_kstr(&j, "version", "STSv1");
	json_kstr(&j, "mode", mtasts_mode_str(mtasts_policy_mode(p)));
	json_kint(&j, "max_age", mtasts_policy_max_age(p));
	json_key(&j, "mx");
	json_arr_begin(&j);
	for (i = 0; i < n; i++)
		json_str(&j, mtasts_policy_mx(p, i));
	json_arr_end(&j);
	json_obj_end(&j);
	fputc('\n', o.f);
	return out_commit(&o);
}

int
cmd_parse_policy(struct cli *c)
{
	mtasts_policy *p = NULL;
	char *body = NULL, err[512];
	size_t len = 0;
	mtasts_status st;
	int rc;

	rc = cli_read_file(c->argv[0], POLICY_MAX, &body, &len, err,
	    sizeof(err));
	if (rc < 0)
		return cli_usage_error("%s", err);
	if (rc > 0) {
		fprintf(stderr, "mtasts: invalid policy: larger than %d bytes\n",
		    POLICY_MAX);
		return CLI_NO;
	}
	st = mtasts_policy_parse(c->ctx, body, len, &p);
	if (st == MTASTS_ERR_SYNTAX) {
		fprintf(stderr, "mtasts: invalid policy: %s\n",
		    mtasts_error(c->ctx));
		rc = CLI_NO;
	} else if (st != MTASTS_OK)
		rc = cli_fail(c, st, c->argv[0]);
	else
		rc = print_policy(c, p);
	mtasts_policy_free(p);
	free(body);
	return rc;
}

int
cmd_match(struct cli *c)
{
	int m = mtasts_mx_match(c->argv[0], c->argv[1]);

	if (printf("%s\n", m ? "match" : "no match") < 0)
		return CLI_SOFTWARE;
	return m ? CLI_OK : CLI_NO;
}
