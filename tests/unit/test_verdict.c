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
/* The first pattern in policy order is the one a reason names. */
#define WILDFIRST "version: STSv1\nmode: enforce\nmx: *.example.test\n" \
    "mx: mx1.example.test\nmax_age: 86400\n"
#define L63 "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" \
    "abcdefghij" "abc"

struct vcase {
	const char *name;
	const char *policy;    /* NULL: no policy */
	const char *mx;
	mtasts_tls tls;
	mtasts_result tls_result;
	mtasts_status want_status;
	mtasts_action action;
	mtasts_result result;
	/* The text adapters log and tests grep: it must not change. */
	const char *reason;
};

static const struct vcase cases[] = {
	{ .name = "no policy: deliver",
	  .reason = "no MTA-STS policy", .mx = "anything.example",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-85 (RFC 8461 §5) mode none: deliver, nothing reported",
	  .reason = "policy mode none: no MTA-STS enforcement",
	  .policy = NONE, .mx = "evil.example", .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-83 (RFC 8461 §5) enforce, MX not in policy: defer (DESIGN 9)",
	  .reason = "mx-not-in-policy: evil.example matches no mx pattern of the policy",
	  .policy = ENFORCE, .mx = "evil.example",
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "STS-73 (RFC 8461 §4.1) enforce, wildcard needs exactly one label",
	  .reason = "mx-not-in-policy: a.b.backup.example.test matches no mx pattern of the policy",
	  .policy = ENFORCE, .mx = "a.b.backup.example.test",
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "STS-70a (RFC 8461 §4) enforce, MX listed, before connecting: deliver",
	  .reason = "mx1.example.test matches mx pattern mx1.example.test; requires STARTTLS with a valid certificate",
	  .policy = ENFORCE, .mx = "MX1.Example.Test.",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-72 (RFC 8461 §4.1) enforce, wildcard MX, valid TLS: deliver",
	  .reason = "b1.backup.example.test matches mx pattern *.backup.example.test; TLS valid",
	  .policy = ENFORCE, .mx = "b1.backup.example.test",
	  .tls = MTASTS_TLS_VALID, .action = MTASTS_ACTION_DELIVER },
	{ .name = "STS-77 (RFC 8461 §4) enforce, no STARTTLS: defer",
	  .reason = "mx1.example.test (mx pattern mx1.example.test): starttls-not-supported",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED,
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED },
	{ .name = "STS-78 (RFC 8461 §4.2) enforce, expired certificate: defer",
	  .reason = "mx1.example.test (mx pattern mx1.example.test): certificate-expired",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_CERT_EXPIRED, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_CERT_EXPIRED },
	{ .name = "STS-79 (RFC 8461 §4.2) enforce, name mismatch: defer",
	  .reason = "mx1.example.test (mx pattern mx1.example.test): certificate-host-mismatch",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_CERT_HOST_MISMATCH,
	  .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ .name = "STS-84 (RFC 8461 §5) testing, MX not in policy: deliver, report",
	  .reason = "mx-not-in-policy: evil.example matches no mx pattern of the policy",
	  .policy = TESTING, .mx = "evil.example",
	  .action = MTASTS_ACTION_DELIVER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "STS-84 (RFC 8461 §5) testing, untrusted certificate: deliver, report",
	  .reason = "mx1.example.test (mx pattern mx1.example.test): certificate-not-trusted",
	  .policy = TESTING, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_CERT_NOT_TRUSTED,
	  .action = MTASTS_ACTION_DELIVER,
	  .result = MTASTS_RESULT_CERT_NOT_TRUSTED },
	{ .name = "testing, all good: deliver, success",
	  .reason = "mx1.example.test matches mx pattern mx1.example.test; TLS valid",
	  .policy = TESTING, .mx = "mx1.example.test", .tls = MTASTS_TLS_VALID,
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "bad input under enforce fails closed: address literal",
	  .reason = "invalid MX host name",
	  .policy = ENFORCE, .mx = "[192.0.2.1]",
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "bad input: FAILED with a policy-level result type",
	  .reason = "TLS failure without a session result type",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .tls_result = MTASTS_RESULT_STS_POLICY_INVALID,
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "bad input: FAILED with success",
	  .reason = "TLS failure without a session result type",
	  .policy = ENFORCE, .mx = "mx1.example.test", .tls = MTASTS_TLS_FAILED,
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	/* The caller's bytes are matched as they stand when they can only
	 * be a normalised name; anything else is normalised first. */
	{ .name = "wildcard, upper-case label: normalised, then matched",
	  .reason = "b1.backup.example.test matches mx pattern *.backup.example.test; requires STARTTLS with a valid certificate",
	  .policy = ENFORCE, .mx = "B1.backup.example.test",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "wildcard, trailing dot: normalised, then matched",
	  .reason = "b1.backup.example.test matches mx pattern *.backup.example.test; requires STARTTLS with a valid certificate",
	  .policy = ENFORCE, .mx = "b1.backup.example.test.",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "wildcard first in policy order: it is the pattern named",
	  .reason = "mx1.example.test matches mx pattern *.example.test; requires STARTTLS with a valid certificate",
	  .policy = WILDFIRST, .mx = "mx1.example.test",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "wildcard first, upper-case name: the same pattern named",
	  .reason = "mx1.example.test matches mx pattern *.example.test; TLS valid",
	  .policy = WILDFIRST, .mx = "MX1.example.test", .tls = MTASTS_TLS_VALID,
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "wildcard, a 63-character label matches",
	  .reason = L63 ".backup.example.test matches mx pattern *.backup.example.test; requires STARTTLS with a valid certificate",
	  .policy = ENFORCE, .mx = L63 ".backup.example.test",
	  .action = MTASTS_ACTION_DELIVER },
	{ .name = "wildcard, a 64-character label is no host name",
	  .reason = "invalid MX host name",
	  .policy = ENFORCE, .mx = L63 "d.backup.example.test",
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "wildcard, a label starting with '-' is no host name",
	  .reason = "invalid MX host name",
	  .policy = ENFORCE, .mx = "-b1.backup.example.test",
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "wildcard, a label with '_' is no host name",
	  .reason = "invalid MX host name",
	  .policy = ENFORCE, .mx = "b_1.backup.example.test",
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "wildcard, an empty label is no host name",
	  .reason = "invalid MX host name",
	  .policy = ENFORCE, .mx = ".backup.example.test",
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "bad MX name and bad TLS input: the name is reported",
	  .reason = "invalid MX host name",
	  .policy = ENFORCE, .mx = "[192.0.2.1]", .tls = MTASTS_TLS_FAILED,
	  .want_status = MTASTS_ERR_INVALID, .action = MTASTS_ACTION_DEFER,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
};

/* A 253-character MX name: its reason is cut where reasons always were,
 * whatever the buffer. */
static void
long_reason(void)
{
	char name[300], body[400], big[1024];
	mtasts_policy *p = NULL;
	mtasts_verdict v;

	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", L63, L63, L63, L63);
	snprintf(body, sizeof(body), "version: STSv1\nmode: enforce\nmx: %s\n"
	    "max_age: 86400\n", name);
	if (mtasts_policy_parse(NULL, body, strlen(body), &p) != MTASTS_OK ||
	    mtasts_verdict_mx(p, name, MTASTS_TLS_NOT_YET,
	    MTASTS_RESULT_SUCCESS, &v) != MTASTS_OK) {
		ok(0, "253-character MX name: fixture");
		return;
	}
	is_int((int)strlen(name), 253, "a 253-character MX name");
	(void)mtasts_verdict_reason(&v, big, sizeof(big));
	ok(strlen(big) == MTASTS_REASON_MAX - 1 &&
	    strncmp(big, name, 253) == 0 &&
	    strcmp(big + 253, " m") == 0,
	    "its reason is cut to MTASTS_REASON_MAX - 1 bytes (%zu)",
	    strlen(big));
	mtasts_policy_free(p);
}

/* mtasts_verdict_cert's reasons that carry more than the MX name: the
 * chain cannot be judged (no chain, an undecodable one). */
static void
verdict_cert_reasons(void)
{
	static const unsigned char junk[] = "not a certificate";
	mtasts_ctx *ctx = mtasts_new();
	mtasts_policy *p = NULL;
	mtasts_verdict v;
	char why[MTASTS_REASON_MAX];

	if (ctx == NULL || mtasts_policy_parse(NULL, ENFORCE, strlen(ENFORCE),
	    &p) != MTASTS_OK) {
		ok(0, "verdict_cert fixtures");
		return;
	}
	is_int(mtasts_verdict_cert(ctx, p, "mx1.example.test", NULL, 0, &v),
	    MTASTS_ERR_INVALID, "cert: no chain is bad input");
	is_str(mtasts_verdict_reason(&v, why, sizeof(why)),
	    "no certificate chain", "cert: no chain: reason");
	is_int(mtasts_verdict_cert(ctx, p, "mx1.example.test", junk,
	    sizeof(junk) - 1, &v), MTASTS_ERR_CERT, "cert: undecodable chain");
	is_int(v.action, MTASTS_ACTION_DEFER, "cert: undecodable: defer");
	is_str(mtasts_verdict_reason(&v, why, sizeof(why)),
	    "mx1.example.test (mx pattern mx1.example.test): "
	    "validation-failure: undecodable certificate",
	    "cert: undecodable: reason");
	is_int(mtasts_verdict_cert(ctx, p, "Evil.Example", junk,
	    sizeof(junk) - 1, &v), MTASTS_OK, "cert: MX not in policy");
	is_str(mtasts_verdict_reason(&v, why, sizeof(why)),
	    "mx-not-in-policy: evil.example matches no mx pattern of the "
	    "policy", "cert: MX not in policy: reason");
	is_int(mtasts_verdict_cert(ctx, NULL, "mx1.example.test", junk,
	    sizeof(junk) - 1, &v), MTASTS_OK, "cert: no policy");
	is_str(mtasts_verdict_reason(&v, why, sizeof(why)),
	    "no MTA-STS policy", "cert: no policy: reason");
	mtasts_policy_free(p);
	mtasts_free(ctx);
}

int
main(void)
{
	mtasts_verdict copy;
	char why[MTASTS_REASON_MAX];
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
		copy = v;
		mtasts_policy_free(p);
		/* Made on demand from the verdict alone: the policy is gone. */
		is_str(mtasts_verdict_reason(&v, why, sizeof(why)), c->reason,
		    "%s: reason", c->name);
		is_str(mtasts_verdict_reason(&copy, why, sizeof(why)), c->reason,
		    "%s: a copy of the verdict gives the same reason", c->name);
		/* snprintf's rule: cut to fit, NUL-terminated. */
		memset(why, 'x', sizeof(why));
		(void)mtasts_verdict_reason(&v, why, 9);
		ok(strlen(why) == 8 && strncmp(why, c->reason, 8) == 0,
		    "%s: cut to the buffer (%s)", c->name, why);
	}
	is_str(mtasts_verdict_reason(&copy, NULL, 0), "",
	    "no buffer: an empty reason");
	long_reason();
	verdict_cert_reasons();
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
