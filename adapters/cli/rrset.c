/* SPDX-License-Identifier: ISC */
/* rrset.c - `parse-txt` and `parse-tlsrpt`: the records of one TXT RRset
 * as DNS returns them, run through the sender's selection rule and
 * parser (mtasts_rrset_check()). Prints the record chosen and its
 * fields, or why there is none; JSON with --json. No network. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

struct kind {
	mtasts_record_kind kind;
	const char *version, *what;
};

static const struct kind sts = { MTASTS_RECORD_STS, "STSv1", "MTA-STS" };
static const struct kind rpt = { MTASTS_RECORD_TLSRPT, "TLSRPTv1", "TLSRPT" };

static void
records_json(struct json *j, const mtasts_rrset *s, int n)
{
	const char *why;
	int i;

	json_key(j, "records");
	json_arr_begin(j);
	for (i = 0; i < n; i++) {
		why = mtasts_rrset_discarded(s, (size_t)i);
		json_obj_begin(j);
		json_kint(j, "record", i + 1);
		json_kbool(j, "counted", why == NULL);
		if (why != NULL)
			json_kstr(j, "discarded", why);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
rua_json(struct json *j, const mtasts_rrset *s)
{
	size_t i, n = mtasts_rrset_rua_count(s);

	json_key(j, "rua");
	json_arr_begin(j);
	for (i = 0; i < n; i++) {
		json_obj_begin(j);
		json_kstr(j, "uri", mtasts_rrset_rua(s, i));
		json_kstr(j, "addr", mtasts_rrset_rua_addr(s, i));
		json_obj_end(j);
	}
	json_arr_end(j);
	json_kint(j, "skipped_count", (int64_t)mtasts_rrset_skipped_count(s));
	json_key(j, "skipped");
	json_arr_begin(j);
	for (i = 0; mtasts_rrset_skipped(s, i) != NULL; i++) {
		json_obj_begin(j);
		json_kstr(j, "uri", mtasts_rrset_skipped(s, i));
		json_kstr(j, "why", mtasts_rrset_skipped_why(s, i));
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
fields_json(struct json *j, const mtasts_rrset *s)
{
	size_t i, n = mtasts_rrset_field_count(s);

	json_key(j, "fields");
	json_arr_begin(j);
	for (i = 0; i < n; i++) {
		json_obj_begin(j);
		json_kstr(j, "name", mtasts_rrset_field_name(s, i));
		json_kstr(j, "value", mtasts_rrset_field_value(s, i));
		json_kstr(j, "use", mtasts_rrset_field_use(s, i));
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
print_json(FILE *f, const struct kind *k, const mtasts_rrset *s, int n)
{
	mtasts_rrset_result r = mtasts_rrset_outcome(s);
	struct json j;

	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "kind", k->kind == MTASTS_RECORD_STS ? "sts" : "tlsrpt");
	json_kstr(&j, "result", mtasts_rrset_result_str(r));
	json_kstr(&j, "reason", mtasts_rrset_reason(s));
	if (mtasts_rrset_chosen(s) != (size_t)-1)
		json_kint(&j, "chosen", (int64_t)mtasts_rrset_chosen(s) + 1);
	if (r == MTASTS_RRSET_FOUND) {
		json_kstr(&j, "version", k->version);
		if (k->kind == MTASTS_RECORD_STS)
			json_kstr(&j, "id", mtasts_rrset_id(s));
		else
			rua_json(&j, s);
		fields_json(&j, s);
	}
	records_json(&j, s, n);
	json_obj_end(&j);
	fputc('\n', f);
}

static void
print_text(FILE *f, const struct kind *k, const mtasts_rrset *s, int n)
{
	mtasts_rrset_result r = mtasts_rrset_outcome(s);
	const char *why;
	size_t i;

	if (r == MTASTS_RRSET_FOUND)
		fprintf(f, "found: record %zu of %d\nversion: %s\n",
		    mtasts_rrset_chosen(s) + 1, n, k->version);
	else
		fprintf(f, "%s: %s\n", mtasts_rrset_result_str(r),
		    mtasts_rrset_reason(s));
	if (r == MTASTS_RRSET_FOUND && k->kind == MTASTS_RECORD_STS)
		fprintf(f, "id: %s\n", mtasts_rrset_id(s));
	for (i = 0; i < mtasts_rrset_rua_count(s); i++)
		fprintf(f, "rua: %s (to %s)\n", mtasts_rrset_rua(s, i),
		    mtasts_rrset_rua_addr(s, i));
	for (i = 0; mtasts_rrset_skipped(s, i) != NULL; i++)
		fprintf(f, "skipped: %s (%s)\n", mtasts_rrset_skipped(s, i),
		    mtasts_rrset_skipped_why(s, i));
	if (mtasts_rrset_skipped_count(s) > i)
		fprintf(f, "skipped: %zu more\n",
		    mtasts_rrset_skipped_count(s) - i);
	for (i = 0; i < mtasts_rrset_field_count(s); i++)
		fprintf(f, "field: %s=%s (%s)\n", mtasts_rrset_field_name(s, i),
		    mtasts_rrset_field_value(s, i), mtasts_rrset_field_use(s, i));
	for (i = 0; i < (size_t)n; i++)
		if ((why = mtasts_rrset_discarded(s, i)) != NULL)
			fprintf(f, "discarded: record %zu: %s\n", i + 1, why);
}

static int
parse_rrset(struct cli *c, const struct kind *k)
{
	mtasts_rrset *s = NULL;
	mtasts_rrset_result r;
	mtasts_status st;
	struct out o;
	size_t *lens;
	int i, rc;

	if ((lens = calloc((size_t)c->argc + 1, sizeof(*lens))) == NULL)
		return cli_fail(c, MTASTS_ERR_NOMEM, "parse");
	for (i = 0; i < c->argc; i++)
		lens[i] = strlen(c->argv[i]);
	st = mtasts_rrset_check(c->ctx, k->kind, (const char *const *)c->argv,
	    lens, (size_t)c->argc, &s);
	free(lens);
	if (st != MTASTS_OK)
		return cli_fail(c, st, "parse");
	if (out_open(&o) != 0) {
		mtasts_rrset_free(s);
		return cli_fail(c, MTASTS_ERR_NOMEM, "output");
	}
	if (c->json)
		print_json(o.f, k, s, c->argc);
	else
		print_text(o.f, k, s, c->argc);
	r = mtasts_rrset_outcome(s);
	if (r == MTASTS_RRSET_INVALID)
		fprintf(stderr, "mtasts: invalid %s record: %s\n",
		    k->kind == MTASTS_RECORD_STS ? "TXT" : "TLSRPT",
		    mtasts_rrset_reason(s));
	else if (r != MTASTS_RRSET_FOUND)
		fprintf(stderr, "mtasts: no %s record: %s\n", k->what,
		    mtasts_rrset_reason(s));
	mtasts_rrset_free(s);
	rc = out_commit(&o);
	return rc == CLI_OK && r != MTASTS_RRSET_FOUND ? CLI_NO : rc;
}

int
cmd_parse_txt(struct cli *c)
{
	return parse_rrset(c, &sts);
}

int
cmd_parse_tlsrpt(struct cli *c)
{
	return parse_rrset(c, &rpt);
}
