/* SPDX-License-Identifier: ISC */
/* audit.c - `mtasts audit DOMAIN`: the core's checks printed grouped, as
 * JSON, or as one monitoring line (--brief, Nagios/Icinga style). Exit:
 * 0 all ok, 1 any failure, 2 warnings only (docs/CLI-CONTRACT.md). */
#include <string.h>

#include "cli.h"
#include "json.h"

#define AUDIT_WARN 2            /* exit code: warnings, no failure */

static const char *const group_title[][2] = {
	{ "txt", "_mta-sts TXT record (RFC 8461 §3.1)" },
	{ "policy-host", "Policy host (RFC 8461 §3.3)" },
	{ "policy", "Policy (RFC 8461 §3.2)" },
	{ "mx", "MX records against the policy (RFC 8461 §4.1)" },
	{ "smtp", "MX hosts: STARTTLS and certificates (RFC 8461 §4.2)" },
	{ "tlsrpt", "TLS-RPT record (RFC 8460 §3)" },
	{ "readiness", "Readiness" },
	{ "cache", "This host's cache" },
};

static const char *
title(const char *group)
{
	size_t i;

	for (i = 0; i < sizeof(group_title) / sizeof(group_title[0]); i++)
		if (strcmp(group_title[i][0], group) == 0)
			return group_title[i][1];
	return group;
}

static void
print_text(FILE *f, const mtasts_audit *a)
{
	const char *last = "";
	size_t i;

	for (i = 0; i < mtasts_audit_count(a); i++) {
		const char *g = mtasts_audit_group(a, i);
		const char *adv = mtasts_audit_advice(a, i);

		if (strcmp(g, last) != 0)
			fprintf(f, "%s%s\n", i ? "\n" : "", title(g));
		last = g;
		fprintf(f, "  %-4s  %s\n", mtasts_check_status_str(
		    mtasts_audit_status(a, i)), mtasts_audit_seen(a, i));
		if (adv[0] != '\0' && mtasts_audit_status(a, i) >= MTASTS_CHECK_WARN)
			fprintf(f, "        fix: %s\n", adv);
	}
}

static void
print_json(FILE *f, const char *domain, const mtasts_audit *a)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "domain", domain);
	json_kstr(&j, "status", mtasts_check_status_str(mtasts_audit_worst(a)));
	json_key(&j, "checks");
	json_arr_begin(&j);
	for (i = 0; i < mtasts_audit_count(a); i++) {
		json_obj_begin(&j);
		json_kstr(&j, "group", mtasts_audit_group(a, i));
		json_kstr(&j, "check", mtasts_audit_name(a, i));
		json_kstr(&j, "status", mtasts_check_status_str(mtasts_audit_status(a, i)));
		json_kstr(&j, "seen", mtasts_audit_seen(a, i));
		json_kstr(&j, "advice", mtasts_audit_advice(a, i));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	fputc('\n', f);
}

/* "MTASTS CRITICAL - example.com: 2 failures, 1 warning; first: ..." */
static void
print_brief(FILE *f, const char *domain, const mtasts_audit *a)
{
	static const char *const word[] = { "OK", "OK", "WARNING", "CRITICAL" };
	mtasts_check_status w = mtasts_audit_worst(a);
	size_t i, nfail = 0, nwarn = 0, first = (size_t)-1;

	for (i = 0; i < mtasts_audit_count(a); i++) {
		mtasts_check_status s = mtasts_audit_status(a, i);

		nfail += s == MTASTS_CHECK_FAIL;
		nwarn += s == MTASTS_CHECK_WARN;
		if (s == w && first == (size_t)-1)
			first = i;
	}
	fprintf(f, "MTASTS %s - %s: %zu failure%s, %zu warning%s", word[w],
	    domain, nfail, nfail == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s");
	if (w >= MTASTS_CHECK_WARN)
		fprintf(f, "; %s", mtasts_audit_seen(a, first));
	fputc('\n', f);
}

int
cmd_audit(struct cli *c)
{
	const char *domain = c->argv[0];
	unsigned flags = (c->no_smtp ? MTASTS_AUDIT_NO_SMTP : 0) |
	    (c->update_cache ? MTASTS_AUDIT_UPDATE_CACHE : 0);
	mtasts_audit *a = NULL;
	mtasts_status st;
	struct out o;
	int rc;

	if ((st = mtasts_audit_run(c->ctx, domain, flags, &a)) != MTASTS_OK)
		return cli_fail(c, st, "audit");
	if (out_open(&o) != 0) {
		mtasts_audit_free(a);
		return CLI_SOFTWARE;
	}
	if (c->brief)
		print_brief(o.f, domain, a);
	else if (c->json)
		print_json(o.f, domain, a);
	else
		print_text(o.f, a);
	rc = out_commit(&o);
	if (rc == CLI_OK)
		rc = mtasts_audit_worst(a) == MTASTS_CHECK_FAIL ? CLI_NO :
		    mtasts_audit_worst(a) == MTASTS_CHECK_WARN ? AUDIT_WARN : CLI_OK;
	mtasts_audit_free(a);
	return rc;
}
