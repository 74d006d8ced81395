/* SPDX-License-Identifier: ISC */
/* show.c - how a policy object is printed: `policy`, `cache show` and
 * `cache list --json` share this, so the three always agree. */
#include <inttypes.h>
#include <time.h>

#include "cli.h"
#include "json.h"

void
show_policy_json(struct json *j, const mtasts_policy *p)
{
	size_t i, n = mtasts_policy_mx_count(p);

	json_obj_begin(j);
	json_kstr(j, "domain", mtasts_policy_domain(p));
	json_kstr(j, "mode", mtasts_mode_str(mtasts_policy_mode(p)));
	json_kstr(j, "source", mtasts_source_str(mtasts_policy_source(p)));
	json_kstr(j, "id", mtasts_policy_id(p));
	json_kint(j, "max_age", mtasts_policy_max_age(p));
	json_kint(j, "fetched_at", mtasts_policy_fetched_at(p));
	json_kint(j, "expires_at", mtasts_policy_expires_at(p));
	json_key(j, "mx");
	json_arr_begin(j);
	for (i = 0; i < n; i++)
		json_str(j, mtasts_policy_mx(p, i));
	json_arr_end(j);
	json_kstr(j, "result", mtasts_result_str(mtasts_policy_result(p)));
	json_kstr(j, "reason", mtasts_policy_reason(p));
	json_kbool(j, "needs_refresh", mtasts_policy_needs_refresh(p));
	json_kstr(j, "text", mtasts_policy_text(p));
	json_obj_end(j);
}

/* Human form: "key: value" lines; the body itself only in --json. */
void
show_policy_text(FILE *f, const mtasts_policy *p)
{
	size_t i, n = mtasts_policy_mx_count(p);
	const char *id = mtasts_policy_id(p);
	char t1[CLI_TIME_MAX], t2[CLI_TIME_MAX];

	fprintf(f, "domain: %s\n", mtasts_policy_domain(p));
	fprintf(f, "mode: %s\n", mtasts_mode_str(mtasts_policy_mode(p)));
	fprintf(f, "source: %s\n", mtasts_source_str(mtasts_policy_source(p)));
	if (id[0] != '\0')
		fprintf(f, "id: %s\n", id);
	if (mtasts_policy_mode(p) != MTASTS_MODE_NOPOLICY) {
		fprintf(f, "max_age: %" PRId64 "\n", mtasts_policy_max_age(p));
		fprintf(f, "fetched_at: %s\n",
		    cli_time(mtasts_policy_fetched_at(p), t1));
		fprintf(f, "expires_at: %s\n",
		    cli_time(mtasts_policy_expires_at(p), t2));
	}
	for (i = 0; i < n; i++)
		fprintf(f, "mx: %s\n", mtasts_policy_mx(p, i));
	fprintf(f, "result: %s\n", mtasts_result_str(mtasts_policy_result(p)));
	fprintf(f, "reason: %s\n", mtasts_policy_reason(p));
	fprintf(f, "needs_refresh: %s\n",
	    mtasts_policy_needs_refresh(p) ? "yes" : "no");
}

int
show_policy(const struct cli *c, const mtasts_policy *p)
{
	struct out o;
	struct json j;

	if (out_open(&o) != 0)
		return cli_fail(c, MTASTS_ERR_NOMEM, "output");
	if (c->json) {
		json_init(&j, o.f);
		show_policy_json(&j, p);
		fputc('\n', o.f);
	} else
		show_policy_text(o.f, p);
	return out_commit(&o);
}

const char *
cli_time(int64_t t, char *buf)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || (int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, CLI_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		buf[0] = '-';
		buf[1] = '\0';
	}
	return buf;
}
