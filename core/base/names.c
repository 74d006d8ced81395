/* SPDX-License-Identifier: ISC */
/* base/names.c - fixed strings for the public enums, and the library version. */
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"

MTS_API const char *
mtasts_version(void)
{
	return MTASTS_VERSION_STRING;
}

MTS_API const char *
mtasts_strerror(mtasts_status st)
{
	switch (st) {
	case MTASTS_OK: return "success";
	case MTASTS_ERR_NOMEM: return "out of memory";
	case MTASTS_ERR_INVALID: return "invalid argument";
	case MTASTS_ERR_CONFIG: return "configuration error";
	case MTASTS_ERR_SYNTAX: return "syntax error";
	case MTASTS_ERR_NOT_FOUND: return "not found";
	case MTASTS_ERR_DNS: return "DNS failure";
	case MTASTS_ERR_FETCH: return "policy fetch failed";
	case MTASTS_ERR_CACHE: return "cache error";
	case MTASTS_ERR_CERT: return "certificate cannot be decoded";
	case MTASTS_ERR_IO: return "I/O error";
	case MTASTS_ERR_INTERNAL: return "internal error";
	case MTASTS_ERR_TEMPFAIL: return "temporary failure";
	}
	return "unknown status";
}

MTS_API const char *
mtasts_mode_str(mtasts_mode mode)
{
	switch (mode) {
	case MTASTS_MODE_NOPOLICY: return "no-policy";
	case MTASTS_MODE_NONE: return "none";
	case MTASTS_MODE_TESTING: return "testing";
	case MTASTS_MODE_ENFORCE: return "enforce";
	}
	return "unknown";
}

MTS_API const char *
mtasts_source_str(mtasts_source source)
{
	switch (source) {
	case MTASTS_SOURCE_NONE: return "none";
	case MTASTS_SOURCE_CACHE: return "cache";
	case MTASTS_SOURCE_FETCHED: return "fetched";
	case MTASTS_SOURCE_STALE: return "stale";
	}
	return "unknown";
}

MTS_API const char *
mtasts_action_str(mtasts_action action)
{
	return action == MTASTS_ACTION_DELIVER ? "deliver" : "defer";
}

/* RFC 8460 §4.3 tokens, indexed by mtasts_result. */
static const char *const result_names[] = {
	[MTASTS_RESULT_SUCCESS] = "success",
	[MTASTS_RESULT_STARTTLS_NOT_SUPPORTED] = "starttls-not-supported",
	[MTASTS_RESULT_CERT_HOST_MISMATCH] = "certificate-host-mismatch",
	[MTASTS_RESULT_CERT_EXPIRED] = "certificate-expired",
	[MTASTS_RESULT_CERT_NOT_TRUSTED] = "certificate-not-trusted",
	[MTASTS_RESULT_VALIDATION_FAILURE] = "validation-failure",
	[MTASTS_RESULT_TLSA_INVALID] = "tlsa-invalid",
	[MTASTS_RESULT_DNSSEC_INVALID] = "dnssec-invalid",
	[MTASTS_RESULT_DANE_REQUIRED] = "dane-required",
	[MTASTS_RESULT_STS_POLICY_FETCH_ERROR] = "sts-policy-fetch-error",
	[MTASTS_RESULT_STS_POLICY_INVALID] = "sts-policy-invalid",
	[MTASTS_RESULT_STS_WEBPKI_INVALID] = "sts-webpki-invalid",
};

MTS_API const char *
mtasts_result_str(mtasts_result r)
{
	if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]))
		return "unknown";
	return result_names[r];
}

MTS_API mtasts_status
mtasts_result_parse(const char *token, mtasts_result *out)
{
	size_t i;

	if (token == NULL || out == NULL)
		return MTASTS_ERR_INVALID;
	for (i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++) {
		if (strcmp(token, result_names[i]) == 0) {
			*out = (mtasts_result)i;
			return MTASTS_OK;
		}
	}
	return MTASTS_ERR_SYNTAX;
}
