/* SPDX-License-Identifier: ISC */
/*
 * sts/parse_api.c - the pure parsers behind the public API (mtasts.h
 * "Pure helpers"): a policy body (RFC 8461 §3.2) and one TXT record
 * (§3.1), with no DNS, HTTPS or cache. mtasts_mx_match is in match.c.
 */
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/util.h"
#include "sts/policy.h"
#include "sts/policy_obj.h"
#include "sts/sts_txt.h"

MTS_API mtasts_status
mtasts_policy_parse(mtasts_ctx *ctx, const char *body, size_t len,
    mtasts_policy **out)
{
	struct mts_decision d;
	struct mts_entry e;
	char err[MTS_ERR_MAX - 16];

	if (body == NULL || out == NULL)
		return MTASTS_ERR_INVALID;
	if (ctx != NULL)
		mts_ctx_enter(ctx);
	mts_entry_init(&e);
	if (mts_policy_parse(body, len, &e.doc, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_SYNTAX, "%s", err);
	memset(&d, 0, sizeof(d));
	d.outcome = MTS_OUT_POLICY;
	*out = mts_pobj_new("", &e, &d, 1);
	mts_entry_clear(&e);
	if (*out == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	(*out)->source = MTASTS_SOURCE_NONE;
	return MTASTS_OK;
}

MTS_API mtasts_status
mtasts_txt_parse(mtasts_ctx *ctx, const char *record, size_t len,
    char *id_out, size_t id_size)
{
	struct mts_txt txt;
	char err[MTS_ERR_MAX - 16];

	if (record == NULL || id_out == NULL || id_size < MTS_TXT_ID_MAX + 1)
		return MTASTS_ERR_INVALID;
	if (ctx != NULL)
		mts_ctx_enter(ctx);
	if (mts_txt_parse(record, len, &txt, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_SYNTAX, "%s", err);
	mts_strlcpy(id_out, txt.id, id_size);
	return MTASTS_OK;
}
