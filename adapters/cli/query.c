/* SPDX-License-Identifier: ISC */
/* query.c - what a sender sees for a domain: `policy`, `route` and
 * `check` (the verdict for one MX host, before or after TLS). These may
 * use the network (DNS, HTTPS) through the library. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "route_out.h"
#include "json.h"

/* A certificate chain is a few KiB; this only bounds a wrong file. */
#define CERT_MAX (1024 * 1024)

int
cmd_policy(struct cli *c)
{
	mtasts_policy *p = NULL;
	mtasts_status st;
	int rc;

	if ((st = mtasts_lookup(c->ctx, c->argv[0], &p)) != MTASTS_OK)
		return cli_fail(c, st, c->argv[0]);
	rc = show_policy(c, p);
	mtasts_policy_free(p);
	return rc;
}

static void
route_json(FILE *f, const mtasts_route *r, const mtasts_policy *p)
{
	size_t i, n = mtasts_route_mx_count(r);
	struct json j;

	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "domain", mtasts_policy_domain(p));
	json_kstr(&j, "mode", mtasts_mode_str(mtasts_policy_mode(p)));
	json_kstr(&j, "source", mtasts_source_str(mtasts_policy_source(p)));
	json_kstr(&j, "result", mtasts_result_str(mtasts_policy_result(p)));
	json_kstr(&j, "reason", mtasts_policy_reason(p));
	json_key(&j, "mx");
	json_arr_begin(&j);
	for (i = 0; i < n; i++) {
		const mtasts_verdict *v = mtasts_route_mx_verdict(r, i);
		char why[MTASTS_REASON_MAX];

		json_obj_begin(&j);
		json_kstr(&j, "host", mtasts_route_mx(r, i));
		json_kint(&j, "pref", mtasts_route_mx_pref(r, i));
		json_kstr(&j, "action", mtasts_action_str(v->action));
		json_kstr(&j, "result", mtasts_result_str(v->result));
		json_kstr(&j, "reason", mtasts_verdict_reason(v, why,
		    sizeof(why)));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "allowed");
	json_arr_begin(&j);
	for (i = 0; i < n; i++)
		if (mtasts_route_mx_verdict(r, i)->action == MTASTS_ACTION_DELIVER)
			json_str(&j, mtasts_route_mx(r, i));
	json_arr_end(&j);
	json_obj_end(&j);
	fputc('\n', f);
}

static void
route_text(FILE *f, const mtasts_route *r, const mtasts_policy *p)
{
	size_t i, n = mtasts_route_mx_count(r);

	fprintf(f, "mode: %s\n", mtasts_mode_str(mtasts_policy_mode(p)));
	for (i = 0; i < n; i++)
		if (mtasts_route_mx_verdict(r, i)->action == MTASTS_ACTION_DELIVER)
			fprintf(f, "%s\n", mtasts_route_mx(r, i));
}

int
cmd_route(struct cli *c)
{
	mtasts_route *r = NULL;
	const mtasts_policy *p;
	mtasts_status st;
	struct out o;
	int rc;

	/* --lookup-timeout, --any-mode: the OpenSMTPD adapters' background
	 * refresh (adapters/opensmtpd/common/bg.c), which execs this. */
	if (c->lookup_timeout != NULL && (st = mtasts_set(c->ctx,
	    "lookup_timeout", c->lookup_timeout)) != MTASTS_OK)
		return cli_fail(c, st, "--lookup-timeout");
	if ((st = mtasts_route_lookup_flags(c->ctx, c->argv[0],
	    c->any_mode ? MTASTS_ROUTE_ANY_MODE : 0, &r)) != MTASTS_OK)
		return cli_fail(c, st, c->argv[0]);
	if ((p = mtasts_route_policy(r)) == NULL) {
		mtasts_route_free(r);
		fprintf(stderr, "mtasts: %s: route without a policy\n",
		    c->argv[0]);
		return CLI_SOFTWARE;
	}
	if (out_open(&o) != 0) {
		mtasts_route_free(r);
		return cli_fail(c, MTASTS_ERR_NOMEM, "output");
	}
	if (c->json)
		route_json(o.f, r, p);
	else if (c->exim)
		cli_route_exim(o.f, r);
	else if (!c->exim)
		route_text(o.f, r, p);
	rc = out_commit(&o);
	if (rc == CLI_OK)
		rc = cli_route_exit(r, c->exim);
	mtasts_route_free(r);
	return rc;
}

/*
 * mx-name DOMAIN HOST IP: the allowed MX name that an MTA's host (Exim's
 * $host, renamed to a CNAME's target) and address stand for, printed
 * without a newline: Exim's ${run} tls_sni. Exit 1 (no SNI) if none.
 */
int
cmd_mx_name(struct cli *c)
{
	mtasts_route *r = NULL;
	const char *name = NULL;
	mtasts_status st;
	int rc = CLI_NO;

	if ((st = mtasts_route_lookup(c->ctx, c->argv[0], &r)) != MTASTS_OK)
		return cli_fail(c, st, c->argv[0]);
	if (mtasts_route_mx_name(c->ctx, r, c->argv[1], c->argv[2],
	    &name) == MTASTS_OK) {
		fputs(name, stdout);
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_TEMPFAIL;
	} else
		fprintf(stderr, "mtasts: %s\n", mtasts_error(c->ctx));
	mtasts_route_free(r);
	return rc;
}

static int
print_verdict(const struct cli *c, const mtasts_policy *p,
    const mtasts_verdict *v)
{
	struct out o;
	struct json j;
	char why[MTASTS_REASON_MAX];
	int rc;

	(void)mtasts_verdict_reason(v, why, sizeof(why));
	if (out_open(&o) != 0)
		return cli_fail(c, MTASTS_ERR_NOMEM, "output");
	if (c->json) {
		json_init(&j, o.f);
		json_obj_begin(&j);
		json_kstr(&j, "domain", mtasts_policy_domain(p));
		json_kstr(&j, "mx", c->argv[1]);
		json_kstr(&j, "action", mtasts_action_str(v->action));
		json_kstr(&j, "mode", mtasts_mode_str(v->mode));
		json_kstr(&j, "result", mtasts_result_str(v->result));
		json_kstr(&j, "reason", why);
		json_obj_end(&j);
		fputc('\n', o.f);
	} else
		fprintf(o.f, "%s mode=%s result=%s reason=%s\n",
		    mtasts_action_str(v->action), mtasts_mode_str(v->mode),
		    mtasts_result_str(v->result), why);
	if ((rc = out_commit(&o)) != CLI_OK)
		return rc;
	return v->action == MTASTS_ACTION_DELIVER ? CLI_OK : CLI_NO;
}

/* What the check is told about TLS; the arguments checked before any I/O. */
struct tls_input {
	mtasts_tls tls;
	mtasts_result result;
	char *chain;
	size_t chain_len;
};

static int
tls_input(const struct cli *c, struct tls_input *t)
{
	char err[512];
	int rc;

	memset(t, 0, sizeof(*t));
	t->tls = MTASTS_TLS_NOT_YET;
	if (c->cert != NULL && c->tls_failed != NULL)
		return cli_usage_error("check: --cert and --tls-failed exclude "
		    "each other");
	if (c->tls_failed != NULL) {
		if (mtasts_result_parse(c->tls_failed, &t->result) != MTASTS_OK ||
		    t->result == MTASTS_RESULT_SUCCESS)
			return cli_usage_error("--tls-failed: '%s' is not an "
			    "RFC 8460 failure result type", c->tls_failed);
		t->tls = MTASTS_TLS_FAILED;
	}
	if (c->cert == NULL)
		return CLI_OK;
	rc = cli_read_file(c->cert, CERT_MAX, &t->chain, &t->chain_len, err,
	    sizeof(err));
	if (rc < 0)
		return cli_usage_error("--cert %s", err);
	if (rc > 0)
		return cli_usage_error("--cert %s: larger than %d bytes",
		    c->cert, CERT_MAX);
	return CLI_OK;
}

static mtasts_status
verdict(const struct cli *c, const mtasts_policy *p, const struct tls_input *t,
    mtasts_verdict *v)
{
	const char *mx = c->argv[1];

	if (t->chain != NULL)
		return mtasts_verdict_cert(c->ctx, p, mx,
		    (const unsigned char *)t->chain, t->chain_len, v);
	return mtasts_verdict_mx(p, mx, t->tls, t->result, v);
}

int
cmd_check(struct cli *c)
{
	struct tls_input t;
	mtasts_policy *p = NULL;
	mtasts_verdict v;
	mtasts_status st;
	int rc;

	if ((rc = tls_input(c, &t)) != CLI_OK)
		goto done;
	if ((st = mtasts_lookup(c->ctx, c->argv[0], &p)) != MTASTS_OK) {
		rc = cli_fail(c, st, c->argv[0]);
		goto done;
	}
	memset(&v, 0, sizeof(v));
	if ((st = verdict(c, p, &t, &v)) == MTASTS_ERR_INVALID && t.chain == NULL) {
		fprintf(stderr, "mtasts: '%s' is not a valid MX host name\n",
		    c->argv[1]);
		rc = CLI_NO;
	} else if (st == MTASTS_ERR_CERT) {
		fprintf(stderr, "mtasts: %s: %s\n", c->cert, mtasts_error(c->ctx));
		rc = CLI_NO;
	} else if (st != MTASTS_OK)
		rc = cli_fail(c, st, c->cert != NULL ? c->cert : c->argv[1]);
	else
		rc = print_verdict(c, p, &v);
done:
	mtasts_policy_free(p);
	free(t.chain);
	return rc;
}
