/* SPDX-License-Identifier: ISC */
/* test_classify.c - the one session classifier (mtasts_session_classify):
 * what an MTA saw of a session -> TLS-RPT result type and
 * failure-reason-code (RFC 8460 §4.3), one row per rule. Exim's event
 * hook, the CLI's `record from-tls` and the OpenSMTPD filter report
 * through it, so each row is what all three report. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "mtasts.h"

#define ENFORCE "version: STSv1\nmode: enforce\nmx: mx1.example.test\n" \
    "mx: *.backup.example.test\nmax_age: 86400\n"
#define TESTING "version: STSv1\nmode: testing\nmx: mx1.example.test\n" \
    "max_age: 86400\n"
#define NONE "version: STSv1\nmode: none\nmax_age: 86400\n"

struct row {
	const char *name;
	const char *policy;             /* NULL: no policy */
	mtasts_session_facts f;
	mtasts_status status;
	mtasts_result result;
	const char *reason;             /* NULL: none */
};

static const struct row rows[] = {
	{ .name = "RFC 8460 §4.3.1: verified TLS is success",
	  .policy = ENFORCE, .f = { .seen = MTASTS_SEEN_TLS,
	  .mx_host = "mx1.example.test" }, .result = MTASTS_RESULT_SUCCESS },
	{ .name = "RFC 8460 §4.3.1: no STARTTLS is starttls-not-supported",
	  .policy = TESTING, .f = { .seen = MTASTS_SEEN_CLEAR,
	  .mx_host = "mx1.example.test" },
	  .result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED },
	{ .name = "no policy, in clear: starttls-not-supported",
	  .f = { .seen = MTASTS_SEEN_CLEAR, .mx_host = "mx.nopolicy.test" },
	  .result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED },
	{ .name = "RFC 8460 §4.3.3: TLS tried, not verified: validation-"
	  "failure with one reason code", .policy = ENFORCE,
	  .f = { .seen = MTASTS_SEEN_TLS_FAILED, .mx_host = "mx1.example.test" },
	  .result = MTASTS_RESULT_VALIDATION_FAILURE,
	  .reason = "certificate-verify-failed" },
	{ .name = "TLS failed, MX not known: the same",
	  .policy = TESTING, .f = { .seen = MTASTS_SEEN_TLS_FAILED },
	  .result = MTASTS_RESULT_VALIDATION_FAILURE,
	  .reason = "certificate-verify-failed" },
	{ .name = "RFC 8460 §4.3.1: the core's certificate verdict wins "
	  "(certificate-expired)", .policy = TESTING,
	  .f = { .seen = MTASTS_SEEN_TLS, .cert_result = MTASTS_RESULT_CERT_EXPIRED,
	  .mx_host = "mx1.example.test" }, .result = MTASTS_RESULT_CERT_EXPIRED },
	{ .name = "certificate verdict over a failed handshake "
	  "(certificate-not-trusted)", .policy = ENFORCE,
	  .f = { .seen = MTASTS_SEEN_TLS_FAILED,
	  .cert_result = MTASTS_RESULT_CERT_NOT_TRUSTED,
	  .mx_host = "mx1.example.test" },
	  .result = MTASTS_RESULT_CERT_NOT_TRUSTED },
	{ .name = "STS-70a (RFC 8461 §4.1), DESIGN 9: testing, MX not in "
	  "policy, TLS fine: mx-not-in-policy", .policy = TESTING,
	  .f = { .seen = MTASTS_SEEN_TLS, .mx_host = "mx.attacker.test" },
	  .result = MTASTS_RESULT_VALIDATION_FAILURE,
	  .reason = "mx-not-in-policy" },
	{ .name = "STS-70a (RFC 8461 §4): MX not in policy outranks no STARTTLS",
	  .policy = TESTING, .f = { .seen = MTASTS_SEEN_CLEAR,
	  .mx_host = "mx.attacker.test" },
	  .result = MTASTS_RESULT_VALIDATION_FAILURE,
	  .reason = "mx-not-in-policy" },
	{ .name = "STS-83 (RFC 8461 §5.1): enforce, MX ruled out at routing, "
	  "never connected: mx-not-in-policy", .policy = ENFORCE,
	  .f = { .seen = MTASTS_SEEN_NO_SESSION, .mx_host = "mx.attacker.test" },
	  .result = MTASTS_RESULT_VALIDATION_FAILURE,
	  .reason = "mx-not-in-policy" },
	{ .name = "STS-73 (RFC 8461 §4.1): wildcard over two labels is not "
	  "in policy", .policy = ENFORCE, .f = { .seen = MTASTS_SEEN_TLS,
	  .mx_host = "a.b.backup.example.test" },
	  .result = MTASTS_RESULT_VALIDATION_FAILURE,
	  .reason = "mx-not-in-policy" },
	{ .name = "STS-72 (RFC 8461 §4.1): wildcard MX, TLS: success",
	  .policy = ENFORCE, .f = { .seen = MTASTS_SEEN_TLS,
	  .mx_host = "b1.backup.example.test" }, .result = MTASTS_RESULT_SUCCESS },
	{ .name = "STS-85 (RFC 8461 §5): mode none lists no MX: no MX rule",
	  .policy = NONE, .f = { .seen = MTASTS_SEEN_TLS,
	  .mx_host = "anything.test" }, .result = MTASTS_RESULT_SUCCESS },
	{ .name = "no session with an allowed MX: nothing to report",
	  .policy = ENFORCE, .f = { .seen = MTASTS_SEEN_NO_SESSION,
	  .mx_host = "mx1.example.test" }, .status = MTASTS_ERR_INVALID,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "a discovery type is no certificate verdict: refused, "
	  "never success", .policy = ENFORCE, .f = { .seen = MTASTS_SEEN_TLS,
	  .cert_result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR },
	  .status = MTASTS_ERR_INVALID,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "unknown seen value: refused, never success",
	  .policy = ENFORCE, .f = { .seen = (mtasts_seen)42 },
	  .status = MTASTS_ERR_INVALID,
	  .result = MTASTS_RESULT_VALIDATION_FAILURE },
	{ .name = "an MX name that is no host name: left to the TLS rules",
	  .policy = ENFORCE, .f = { .seen = MTASTS_SEEN_CLEAR,
	  .mx_host = "bad..name" },
	  .result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED },
};

static void
one(const struct row *r)
{
	mtasts_policy *p = NULL;
	mtasts_result res = MTASTS_RESULT_SUCCESS;
	const char *why = "unset";
	mtasts_status st;

	if (r->policy != NULL && mtasts_policy_parse(NULL, r->policy,
	    strlen(r->policy), &p) != MTASTS_OK) {
		ok(0, "%s: policy parses", r->name);
		return;
	}
	st = mtasts_session_classify(p, &r->f, &res, &why);
	is_int(st, r->status, "%s: status", r->name);
	is_str(mtasts_result_str(res), mtasts_result_str(r->result),
	    "%s: result type", r->name);
	if (r->reason == NULL)
		ok(why == NULL, "%s: no reason code (got '%s')", r->name,
		    why ? why : "");
	else
		is_str(why, r->reason, "%s: reason code", r->name);
	mtasts_policy_free(p);
}

int
main(void)
{
	const char *why;
	mtasts_result res;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		one(&rows[i]);
	is_int(mtasts_session_classify(NULL, NULL, &res, &why),
	    MTASTS_ERR_INVALID, "no facts: refused");
	is_int(mtasts_route_decide(NULL), MTASTS_ROUTE_NORMAL,
	    "no route: nothing to enforce");
	is_str(mtasts_route_action_str(MTASTS_ROUTE_DEFER), "defer",
	    "route action names");
	ok(mtasts_route_allowed_mx(NULL, 0) == NULL, "no route: no MX");
	return done_testing();
}
