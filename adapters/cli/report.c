/* SPDX-License-Identifier: ISC */
/*
 * report.c - `mtasts record` (one session outcome, for Exim's ${run} and
 * scripts) and `mtasts report` (build and send a day's TLS-RPT reports,
 * from cron or a timer). Human lines by default, one JSON object per
 * report with --json; a dry run prints the report JSON itself.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static const char *
opt_arg(const struct cli *c, int i)
{
	return c->argc > i && c->argv[i][0] != '\0' && strcmp(c->argv[i],
	    "-") != 0 ? c->argv[i] : NULL;
}

/* from-tls: for MTAs that can only say what they saw (Exim's ${run}
 * cannot hold a condition with spaces in an argument); the core's
 * classifier names it, as for every adapter. */
static void
from_tls(const struct cli *c, mtasts_session *s)
{
	mtasts_session_facts f;
	mtasts_policy *p = NULL;

	memset(&f, 0, sizeof(f));
	if (c->cipher == NULL || c->cipher[0] == '\0')
		f.seen = MTASTS_SEEN_CLEAR;
	else if (c->verified == NULL || strcmp(c->verified, "1") != 0)
		f.seen = MTASTS_SEEN_TLS_FAILED;
	else
		f.seen = MTASTS_SEEN_TLS;
	f.mx_host = s->mx_host;
	/* The policy from the cache, as mtasts_record() takes it. */
	if (mtasts_lookup_cached(c->ctx, s->domain, &p) != MTASTS_OK)
		p = NULL;
	(void)mtasts_session_classify(p, &f, &s->result, &s->reason_code);
	mtasts_policy_free(p);
}

int
cmd_record(struct cli *c)
{
	mtasts_session s;
	mtasts_status st;

	memset(&s, 0, sizeof(s));
	s.domain = c->argv[0];
	s.mx_host = opt_arg(c, 2);
	s.receiving_ip = opt_arg(c, 3);
	s.sending_ip = opt_arg(c, 4);
	if (strcmp(c->argv[1], "from-tls") == 0)
		from_tls(c, &s);
	else if (mtasts_result_parse(c->argv[1], &s.result) != MTASTS_OK)
		return cli_usage_error("record: '%s' is not success or an RFC "
		    "8460 result type", c->argv[1]);
	if (opt_arg(c, 5) != NULL)
		s.reason_code = opt_arg(c, 5);
	if ((st = mtasts_record(c->ctx, NULL, &s)) != MTASTS_OK)
		return cli_fail(c, st, "record");
	return CLI_OK;
}

struct shown {
	const struct cli *c;
	FILE *f;
	size_t n;
};

static void
show_one(void *arg, const mtasts_report_info *i)
{
	struct shown *s = arg;
	struct json j;

	s->n++;
	if (i->json != NULL && !s->c->json) {
		fwrite(i->json, 1, i->json_len, s->f);
		return;
	}
	if (!s->c->json) {
		fprintf(s->f, "%s %s %s%s%s%s%s\n", i->day, i->domain,
		    i->outcome, i->rua ? " " : "", i->rua ? i->rua : "",
		    i->detail[0] ? ": " : "", i->detail);
		return;
	}
	json_init(&j, s->f);
	json_obj_begin(&j);
	json_kstr(&j, "day", i->day);
	json_kstr(&j, "domain", i->domain);
	json_kstr(&j, "outcome", i->outcome);
	if (i->rua)
		json_kstr(&j, "rua", i->rua);
	json_kstr(&j, "detail", i->detail);
	json_kstr(&j, "filename", i->filename);
	json_obj_end(&j);
	fputc('\n', s->f);
	/* The report itself, verbatim, on its own line after its summary. */
	if (i->json != NULL)
		fwrite(i->json, 1, i->json_len, s->f);
}

int
cmd_report(struct cli *c)
{
	struct shown s = { c, stdout, 0 };
	unsigned flags = 0;
	mtasts_status st;
	int rc;

	if ((rc = cli_drop_to_store_owner(c)) != CLI_OK)
		return rc;
	if (c->dry_run)
		flags |= MTASTS_REPORT_DRY_RUN;
	if (c->open_day)
		flags |= MTASTS_REPORT_ALLOW_OPEN;
	/* Lines go out as they happen: a long run shows its progress, and
	 * each line stands alone (no partial document to protect). */
	st = mtasts_report_run(c->ctx, c->argc > 0 ? c->argv[0] : NULL,
	    c->domain, flags, show_one, &s);
	fflush(stdout);
	if (st != MTASTS_OK)
		return cli_fail(c, st, "report");
	if (s.n == 0 && !c->json)
		fprintf(stderr, "mtasts: report: no sessions recorded for that "
		    "day\n");
	return CLI_OK;
}
