/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/classify.c - the one session classifier: what an MTA saw of a
 * session with an MX host -> the TLS-RPT result type and
 * failure-reason-code (RFC 8460 §4.3). Exim's event hook, the CLI's
 * `record from-tls` and the OpenSMTPD filter all report through it, so
 * one failure has one name whichever MTA saw it (Postfix's single
 * TLS-RPT wrapper is the model). Pure: no I/O, no context.
 */
#include <stddef.h>

#include "base/export.h"
#include "mtasts.h"
#include "sts/verdict.h"

/* The failure-reason-codes (RFC 8460 §4.3.3 and §4.4 leave their text
 * to the reporter): one name for each failure, whichever MTA saw it. */
#define REASON_MX_NOT_IN_POLICY "mx-not-in-policy"          /* DESIGN 9 */
#define REASON_VERIFY_FAILED    "certificate-verify-failed"

/* STS-70a (RFC 8461 §4.1): the MX name matches no mx pattern of a
 * testing or enforce policy. An MX name that is not a host name is
 * left to the other rules (it was never a candidate to be routed to). */
static int
mx_not_in_policy(const mtasts_policy *p, const char *mx)
{
	mtasts_verdict v;

	if (p == NULL || mx == NULL)
		return 0;
	if (mtasts_verdict_mx(p, mx, MTASTS_TLS_NOT_YET, MTASTS_RESULT_SUCCESS,
	    &v) != MTASTS_OK)
		return 0;
	return v.result != MTASTS_RESULT_SUCCESS;
}

static mtasts_status
set(mtasts_result *result, const char **reason, mtasts_result r,
    const char *why, mtasts_status st)
{
	*result = r;
	*reason = why;
	return st;
}

MTS_API mtasts_status
mtasts_session_classify(const mtasts_policy *p, const mtasts_session_facts *f,
    mtasts_result *result, const char **reason_code)
{
	const char *none = NULL;

	if (result == NULL || reason_code == NULL)
		return MTASTS_ERR_INVALID;
	if (f == NULL || (unsigned)f->seen > MTASTS_SEEN_TLS ||
	    (f->cert_result != MTASTS_RESULT_SUCCESS &&
	    !mts_session_failure(f->cert_result)))
		return set(result, reason_code,
		    MTASTS_RESULT_VALIDATION_FAILURE, none, MTASTS_ERR_INVALID);
	if (mx_not_in_policy(p, f->mx_host))
		return set(result, reason_code,
		    MTASTS_RESULT_VALIDATION_FAILURE, REASON_MX_NOT_IN_POLICY,
		    MTASTS_OK);
	if (f->seen == MTASTS_SEEN_NO_SESSION)      /* no session, no count */
		return set(result, reason_code,
		    MTASTS_RESULT_VALIDATION_FAILURE, none, MTASTS_ERR_INVALID);
	if (f->cert_result != MTASTS_RESULT_SUCCESS)
		return set(result, reason_code, f->cert_result,
		    f->cert_reason_code && f->cert_reason_code[0] ?
		    f->cert_reason_code : none, MTASTS_OK);
	if (f->seen == MTASTS_SEEN_CLEAR)           /* RFC 8460 §4.3.1 */
		return set(result, reason_code,
		    MTASTS_RESULT_STARTTLS_NOT_SUPPORTED, none, MTASTS_OK);
	if (f->seen == MTASTS_SEEN_TLS_FAILED)      /* RFC 8460 §4.3.3 */
		return set(result, reason_code,
		    MTASTS_RESULT_VALIDATION_FAILURE, REASON_VERIFY_FAILED,
		    MTASTS_OK);
	return set(result, reason_code, MTASTS_RESULT_SUCCESS, none, MTASTS_OK);
}
