/* SPDX-License-Identifier: ISC */
/* test_verdict.c - the verdict table of DESIGN.md, one row per case:
 * (mode, MX matches, TLS outcome) -> action and TLS-RPT result type. */
#include <string.h>

#include "tap.h"
#include "mtasts.h"

#define ENFORCE "version: STSv1\nmode: enforce\nmx: mx1.example.test\n" \
    "mx: *.backup.example.test\nmax_age: 86400\n"
#define TESTING "version: STSv1\nmode: testing\nmx: mx1.example.test\n" \
    "max_age: 86400\n"
#define NONE "version: STSv1\nmode: none\nmax_age: 86400\n"

struct vcase {
	const char *name;
	const char *policy;    /* NULL: no policy */
	const char *mx;
	mtasts_tls tls;
	mtasts_result tls_result;
	mtasts_status want_status;
	mtasts_action action;
	mtasts_result result;
};

static const struct vcase cases[] = {
	{ .name = "no policy: deliver", .mx = "anything.example",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-85 (RFC 8461 §5) mode none: deliver, nothing reported",
	  .policy = NONE, .mx = "evil.example", .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-83 (RFC 8461 §5) enforce, MX not in policy: defer (DESIGN 9)",
	  .policy = ENFORCE, .mx = "evil.example",
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "STS-73 (RFC 8461 §4.1) enforce, wildcard needs exactly one label",
	  .policy = ENFORCE, .mx = "a.b.backup.example.test",
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "STS-70a (RFC 8461 §4) enforce, MX listed, before connecting: deliver",
	  .policy = ENFORCE, .mx = "MX1.Example.Test.",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-72 (RFC 8461 §4.1) enforce, wildcard MX, valid TLS: deliver",
	  .policy = ENFORCE, .mx = "b1.backup.example.test",
	  .tls = MTASTS_TLS_VALID, .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-77 (RFC 8461 §4) enforce, no STARTTLS: defer",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED,
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED },
	{ .name = "STS-78 (RFC 8461 §4.2) enforce, expired certificate: defer",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_CERT_EXPIRED, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_CERT_EXPIRED },
	{ .name = "STS-79 (RFC 8461 §4.2) enforce, name mismatch: defer",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_CERT_HOST_MISMATCH,
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ .name = "STS-84 (RFC 8461 §5) testing, MX not in policy: deliver, report",
	  .policy = TESTING, .mx = "evil.example",
	  .action = MTASTS_ACTION_DELIVER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "STS-84 (RFC 8461 §5) testing, untrusted certificate: deliver, report",
	  .policy = TESTING, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_CERT_NOT_TRUSTED,
	  .action = MTASTS_ACTION_DELIVER,
	  .result = MTASTS_RESULT_CERT_NOT_TRUSTED },
	{ .name = "testing, all good: deliver, success",
	  .policy = TESTING, .mx = "mx1.example.test", .tls = MTASTS_TLS_VALID,
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "bad input under enforce fails closed: address literal",
	  .policy = ENFORCE, .mx = "[192.0.2.1]",
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "bad input: FAILED with a policy-level result type",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_STS_POLICY_INVALID,
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "bad input: FAILED with success",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		mtasts_policy *p = NULL;
		mtasts_verdict v;
		mtasts_status st;

		if (c->policy && mtasts_policy_parse(NULL, c->policy,
		    strlen(c->policy), &p) != MTASTS_OK) {
			ok(0, "%s: fixture parses", c->name);
			continue;
		}
		memset(&v, 0xff, sizeof(v));
		st = mtasts_verdict_mx(p, c->mx, c->tls, c->tls_result, &v);
		is_int(st, c->want_status, "%s: status", c->name);
		is_str(mtasts_action_str(v.action), mtasts_action_str(c->action),
		    "%s: action", c->name);
		is_str(mtasts_result_str(v.result), mtasts_result_str(c->result),
		    "%s: result type", c->name);
		ok(v.reason[0] != '\0', "%s: has a reason (%s)", c->name, v.reason);
		mtasts_policy_free(p);
	}
	is_str(mtasts_result_str(MTASTS_RESULT_STS_WEBPKI_INVALID),
	    "sts-webpki-invalid", "RFC 8460 token");
	{
		mtasts_result r;
		ok(mtasts_result_parse("certificate-expired", &r) == MTASTS_OK &&
		    r == MTASTS_RESULT_CERT_EXPIRED, "token parses back");
		ok(mtasts_result_parse("bogus", &r) == MTASTS_ERR_SYNTAX,
		    "unknown token refused");
	}
	return done_testing();
}
