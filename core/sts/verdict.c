/* SPDX-License-Identifier: ISC */
/*
 * sts/verdict.c - RFC 8461 §4 and §5: may this MX host be used, under this
 * policy, with this TLS outcome? The table in DESIGN.md, as code.
 */
#include <stdarg.h>
#include <string.h>

#include "base/export.h"
#include "net/cert.h"
#include "base/ctx.h"
#include "sts/policy_obj.h"
#include "sts/verdict.h"
#include "base/util.h"

/*
 * A decision needs action, mode and result; the reason is text for a
 * log, made only when asked for (mtasts_verdict_reason). A verdict keeps
 * what kind of reason it has and the normalised MX name in v->why_; the
 * matched pattern follows from the name (RFC 8461 §4.1 matching is
 * exact, or "*." and the name after its first label). The rare reasons
 * with more pieces (a certificate's error, bad input) keep their text.
 */
enum why {
	WHY_TEXT = 0,           /* why_ holds the reason itself */
	WHY_NOPOLICY = 1,
	WHY_NONE = 2,
	WHY_NOT_IN_POLICY = 3,  /* why_: the MX name, as all below */
	WHY_TLS_FAILED = 4,     /* result: the session's failure */
	WHY_TLS_VALID = 5,
	WHY_NOT_YET = 6
};
#define WHY_WILD 0x100          /* the pattern matched was "*.<rest>" */

static mtasts_status
set(mtasts_verdict *v, mtasts_action a, mtasts_mode m, mtasts_result r,
    int kind)
{
	v->action = a;
	v->mode = m;
	v->result = r;
	v->reason_code[0] = '\0';
	v->why_kind_ = kind;
	return MTASTS_OK;
}

static mtasts_status
set_text(mtasts_verdict *v, mtasts_action a, mtasts_mode m, mtasts_result r,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static mtasts_status
set_text(mtasts_verdict *v, mtasts_action a, mtasts_mode m, mtasts_result r,
    const char *fmt, ...)
{
	va_list ap;

	(void)set(v, a, m, r, WHY_TEXT);
	va_start(ap, fmt);
	(void)mts_vfmt(v->why_, sizeof(v->why_), fmt, ap);
	va_end(ap);
	return MTASTS_OK;
}

int
mts_session_failure(mtasts_result r)
{
	switch (r) {
	case MTASTS_RESULT_STARTTLS_NOT_SUPPORTED:
	case MTASTS_RESULT_CERT_HOST_MISMATCH:
	case MTASTS_RESULT_CERT_EXPIRED:
	case MTASTS_RESULT_CERT_NOT_TRUSTED:
	case MTASTS_RESULT_VALIDATION_FAILURE:
	case MTASTS_RESULT_TLSA_INVALID:
	case MTASTS_RESULT_DNSSEC_INVALID:
	case MTASTS_RESULT_DANE_REQUIRED:
		return 1;
	default:
		return 0;
	}
}

/* The first mx pattern host matches (§4.1), or NULL. */
static const char *
matching_pattern(const mtasts_policy *p, const char *host)
{
	size_t i;

	for (i = 0; p->doc != NULL && i < p->doc->nmx; i++)
		if (mts_mx_match_norm(p->doc->mx[i], host))
			return p->doc->mx[i];
	return NULL;
}

/*
 * The common case without normalising: the caller's bytes match an mx
 * pattern as they stand. Patterns are normalised names (lowercased and
 * checked by the policy parser), so a name equal to one, or a lowercase
 * LDH label and a dot before one's "*." rest, normalises to itself, and
 * the first such pattern is the one matching_pattern() would find for
 * it: any non-normalised name matches none here. NULL: decide the long
 * way (normalise, then match).
 */
static const char *
raw_pattern(const mtasts_policy *p, const char *raw)
{
	const char *dot, *pat;
	size_t i, j, n;

	if (p == NULL || p->doc == NULL || (p->mode != MTASTS_MODE_TESTING &&
	    p->mode != MTASTS_MODE_ENFORCE))
		return NULL;
	dot = NULL;
	for (i = 0; i < p->doc->nmx; i++) {
		pat = p->doc->mx[i];
		if (pat[0] != '*') {
			if (strcmp(pat, raw) == 0)
				return pat;
			continue;
		}
		/* "*." matches exactly one left label (STS-73, RFC 8461 §4.1). */
		if (dot == NULL && (dot = strchr(raw, '.')) == NULL)
			continue;
		if (strcmp(pat + 2, dot + 1) != 0)
			continue;
		n = (size_t)(dot - raw);
		if (n == 0 || n > 63 || raw[0] == '-' || raw[n - 1] == '-' ||
		    n + 1 + strlen(pat + 2) > MTS_DOMAIN_MAX)
			return NULL;
		for (j = 0; j < n; j++)
			if (!((raw[j] >= 'a' && raw[j] <= 'z') ||
			    (raw[j] >= '0' && raw[j] <= '9') || raw[j] == '-'))
				return NULL;
		return pat;
	}
	return NULL;
}

/*
 * mx is normalised; it ends up in v->why_ (it may be v->why_ already).
 * pat: the pattern it matches if the caller knows, else NULL (looked up).
 */
static mtasts_status
judge(const mtasts_policy *p, const char *mx, const char *pat,
    mtasts_tls tls, mtasts_result tls_result, const char *why,
    mtasts_verdict *v)
{
	mtasts_mode m = p ? p->mode : MTASTS_MODE_NOPOLICY;
	/* enforce refuses a failing MX (STS-83, RFC 8461 §5); testing delivers (STS-84, RFC 8461 §5) */
	mtasts_action fail = m == MTASTS_MODE_ENFORCE ? MTASTS_ACTION_DEFER :
	    MTASTS_ACTION_DELIVER;
	int wild;

	if (m == MTASTS_MODE_NOPOLICY || m == MTASTS_MODE_NONE)  /* STS-85 (RFC 8461 §5) */
		return set(v, MTASTS_ACTION_DELIVER, m, MTASTS_RESULT_SUCCESS,
		    m == MTASTS_MODE_NONE ? WHY_NONE : WHY_NOPOLICY);
	if (mx != v->why_)
		mts_strlcpy(v->why_, mx, sizeof(v->why_));
	if (pat == NULL && (pat = matching_pattern(p, v->why_)) == NULL)  /* STS-70a (RFC 8461 §4), DESIGN 9 */
		return set(v, fail, m, MTASTS_RESULT_VALIDATION_FAILURE,
		    WHY_NOT_IN_POLICY);
	wild = pat[0] == '*' ? WHY_WILD : 0;
	if (tls == MTASTS_TLS_FAILED && why[0] != '\0')  /* STS-77 (RFC 8461 §4)..80 */
		return set_text(v, fail, m, tls_result, "%s (mx pattern %s): %s%s",
		    mx, pat, mtasts_result_str(tls_result), why);
	if (tls == MTASTS_TLS_FAILED)
		return set(v, fail, m, tls_result, WHY_TLS_FAILED | wild);
	if (tls == MTASTS_TLS_VALID)
		return set(v, MTASTS_ACTION_DELIVER, m, MTASTS_RESULT_SUCCESS,
		    WHY_TLS_VALID | wild);
	return set(v, MTASTS_ACTION_DELIVER, m, MTASTS_RESULT_SUCCESS,
	    WHY_NOT_YET | wild);
}

static mtasts_status
bad_input(mtasts_verdict *v, const mtasts_policy *p, const char *what)
{
	/* Never a "deliver" on bad input under a policy (fail closed). */
	mtasts_mode m = p ? p->mode : MTASTS_MODE_NOPOLICY;

	(void)set_text(v, m == MTASTS_MODE_ENFORCE ? MTASTS_ACTION_DEFER :
	    MTASTS_ACTION_DELIVER, m, MTASTS_RESULT_VALIDATION_FAILURE, "%s", what);
	return MTASTS_ERR_INVALID;
}

MTS_API mtasts_status
mtasts_verdict_mx(const mtasts_policy *p, const char *mx_host, mtasts_tls tls,
    mtasts_result tls_result, mtasts_verdict *v)
{
	const char *pat = NULL;
	char err[128];

	if (v == NULL)
		return MTASTS_ERR_INVALID;
	/* The name goes where the reason keeps it: as given when it
	 * matches a pattern as it stands, else normalised there. */
	if (mx_host != NULL && (pat = raw_pattern(p, mx_host)) != NULL)
		mts_strlcpy(v->why_, mx_host, sizeof(v->why_));
	else if (mx_host == NULL || mts_domain_normalize(mx_host, v->why_,
	    sizeof(v->why_), err, sizeof(err)) != 0)
		return bad_input(v, p, "invalid MX host name");
	if (tls == MTASTS_TLS_FAILED && !mts_session_failure(tls_result))
		return bad_input(v, p, "TLS failure without a session result type");
	if (tls != MTASTS_TLS_NOT_YET && tls != MTASTS_TLS_VALID &&
	    tls != MTASTS_TLS_FAILED)
		return bad_input(v, p, "unknown TLS outcome");
	return judge(p, v->why_, pat, tls, tls_result, "", v);
}

MTS_API mtasts_status
mtasts_verdict_cert(mtasts_ctx *ctx, const mtasts_policy *p,
    const char *mx_host, const unsigned char *chain, size_t chain_len,
    mtasts_verdict *v)
{
	struct mts_cert_store *store;
	mtasts_result res;
	char mx[MTS_DOMAIN_BUF], err[128], reason[200], why[220], code[64];
	mtasts_status st;

	if (ctx == NULL || v == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	if (mx_host == NULL || mts_domain_normalize(mx_host, mx, sizeof(mx),
	    err, sizeof(err)) != 0)
		return bad_input(v, p, "invalid MX host name");
	if (p == NULL || p->mode == MTASTS_MODE_NOPOLICY ||
	    p->mode == MTASTS_MODE_NONE || matching_pattern(p, mx) == NULL)
		return judge(p, mx, NULL, MTASTS_TLS_NOT_YET,
		    MTASTS_RESULT_SUCCESS, "", v);
	if (chain == NULL || chain_len == 0)
		return bad_input(v, p, "no certificate chain");
	if ((st = mts_ctx_mx_store(ctx, &store)) != MTASTS_OK) {
		(void)bad_input(v, p, ctx->err);
		return st;
	}
	if (mts_cert_verify_code(store, chain, chain_len, mx, mts_now(ctx),
	    &res, reason, sizeof(reason), code, sizeof(code)) != 0) {
		(void)judge(p, mx, NULL, MTASTS_TLS_FAILED,
		    MTASTS_RESULT_VALIDATION_FAILURE, ": undecodable certificate", v);
		return mts_fail(ctx, MTASTS_ERR_CERT, "certificate: %s", reason);
	}
	mts_fmt(why, sizeof(why), " (%s)", reason);
	(void)judge(p, mx, NULL, res == MTASTS_RESULT_SUCCESS ? MTASTS_TLS_VALID :
	    MTASTS_TLS_FAILED, res, why, v);
	mts_stat_add(ctx, &ctx->stats, MTS_SG_DECISION,
	    (int)(p->mode * 2 + v->action));
	if (p->mode == MTASTS_MODE_ENFORCE && v->action == MTASTS_ACTION_DEFER)
		mts_stat_add(ctx, &ctx->stats, MTS_SG_DEFER, (int)v->result);
	if (v->result != MTASTS_RESULT_SUCCESS && v->result == res)
		mts_strlcpy(v->reason_code, code, sizeof(v->reason_code));
	return MTASTS_OK;
}

MTS_API const char *
mtasts_verdict_reason(const mtasts_verdict *v, char *buf, size_t bufsz)
{
	const char *mx, *dot;
	char pat[MTS_DOMAIN_BUF + 2];

	if (buf == NULL || bufsz == 0)
		return "";
	/* Cut where reasons always were (MTASTS_REASON_MAX). */
	if (bufsz > MTASTS_REASON_MAX)
		bufsz = MTASTS_REASON_MAX;
	buf[0] = '\0';
	/* Private fields, but bounded all the same. */
	if (v == NULL || memchr(v->why_, '\0', sizeof(v->why_)) == NULL)
		return buf;
	mx = v->why_;
	pat[0] = '\0';
	if (v->why_kind_ & WHY_WILD) {
		/* §4.1: "*." matched exactly the labels after the first. */
		if ((dot = strchr(mx, '.')) != NULL)
			mts_fmt(pat, sizeof(pat), "*.%s", dot + 1);
	} else
		mts_strlcpy(pat, mx, sizeof(pat));
	switch (v->why_kind_ & ~WHY_WILD) {
	case WHY_NOPOLICY:
		mts_strlcpy(buf, "no MTA-STS policy", bufsz);
		break;
	case WHY_NONE:
		mts_strlcpy(buf, "policy mode none: no MTA-STS enforcement",
		    bufsz);
		break;
	case WHY_NOT_IN_POLICY:
		(void)mts_fmt(buf, bufsz, "mx-not-in-policy: %s matches no mx "
		    "pattern of the policy", mx);
		break;
	case WHY_TLS_FAILED:
		(void)mts_fmt(buf, bufsz, "%s (mx pattern %s): %s", mx, pat,
		    mtasts_result_str(v->result));
		break;
	case WHY_TLS_VALID:
		(void)mts_fmt(buf, bufsz, "%s matches mx pattern %s; TLS valid",
		    mx, pat);
		break;
	case WHY_NOT_YET:
		(void)mts_fmt(buf, bufsz, "%s matches mx pattern %s; requires "
		    "STARTTLS with a valid certificate", mx, pat);
		break;
	default:
		mts_strlcpy(buf, v->why_, bufsz);
		break;
	}
	return buf;
}
