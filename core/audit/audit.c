/* SPDX-License-Identifier: ISC */
/*
 * audit/audit.c - mtasts_audit_run(): a sender's whole view of one
 * domain, turned on the domain's own owner. The steps are the sender's
 * (RFC 8461 §3.1 TXT, §3.3 policy fetch, §3.2 policy, §4.1 MX matching,
 * §4.2 MX certificates; RFC 8460 §3 TLSRPT record); each check says what
 * was seen and how to fix it. Nothing is written unless asked.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "audit/audit.h"
#include "base/ctx.h"
#include "base/util.h"

static int
grow(struct mtasts_audit *a)
{
	struct mts_check *c;
	size_t cap = a->cap ? a->cap * 2 : 32;

	if ((c = realloc(a->c, cap * sizeof(*c))) == NULL)
		return -1;
	a->c = c;
	a->cap = cap;
	return 0;
}

void
mts_audit_add(struct mts_audit_run *r, const char *group, const char *name,
    mtasts_check_status st, const char *advice, const char *seen_fmt, ...)
{
	struct mtasts_audit *a = r->a;
	struct mts_check *c;
	va_list ap;

	if (a->n == a->cap && grow(a) != 0) {
		a->oom = 1;
		return;
	}
	c = &a->c[a->n++];
	memset(c, 0, sizeof(*c));
	mts_strlcpy(c->group, group, sizeof(c->group));
	mts_strlcpy(c->name, name, sizeof(c->name));
	c->status = st;
	mts_strlcpy(c->advice, advice != NULL ? advice : "", sizeof(c->advice));
	va_start(ap, seen_fmt);
	(void)mts_vfmt(c->seen, sizeof(c->seen), seen_fmt, ap); /* truncation is fine */
	va_end(ap);
}

int64_t
mts_audit_days_left(int64_t now, int64_t t)
{
	int64_t d = t - now;

	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

/* --update-cache: the discovery a sender makes, stored (RFC 8461 §5.1). */
static void
update_cache(struct mts_audit_run *r)
{
	mtasts_policy *p = NULL;
	mtasts_status st = mtasts_refresh(r->ctx, r->domain, &p);

	mts_audit_add(r, "cache", "cache.update", st == MTASTS_OK ?
	    MTASTS_CHECK_INFO : MTASTS_CHECK_WARN, NULL, "cache %s: %s",
	    st == MTASTS_OK ? "updated" : "not updated",
	    st == MTASTS_OK ? mtasts_mode_str(mtasts_policy_mode(p)) :
	    r->ctx->err);
	mtasts_policy_free(p);
}

MTS_API mtasts_status
mtasts_audit_run(mtasts_ctx *ctx, const char *domain, unsigned flags,
    mtasts_audit **out)
{
	struct mts_audit_run r;
	char err[128];
	mtasts_status st;

	*out = NULL;
	mts_ctx_enter(ctx);
	memset(&r, 0, sizeof(r));
	if (mts_domain_normalize(domain, r.domain, sizeof(r.domain), err,
	    sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_INVALID, "%s", err);
	if ((st = mts_ctx_dns(ctx, &r.dns)) != MTASTS_OK)
		return st;
	if ((r.a = calloc(1, sizeof(*r.a))) == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	r.ctx = ctx;
	r.flags = flags;
	r.now = mts_now(ctx);
	mts_audit_txt(&r);
	mts_audit_policy_host(&r);
	mts_audit_mx(&r);
	mts_audit_smtp(&r);
	mts_audit_tlsrpt(&r);
	mts_audit_readiness(&r);
	if (flags & MTASTS_AUDIT_UPDATE_CACHE)
		update_cache(&r);
	mts_policy_doc_free(r.doc);
	if (r.a->oom) {
		mtasts_audit_free(r.a);
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	}
	*out = r.a;
	return MTASTS_OK;
}

MTS_API void
mtasts_audit_free(mtasts_audit *a)
{
	if (a == NULL)
		return;
	free(a->c);
	free(a);
}

MTS_API size_t
mtasts_audit_count(const mtasts_audit *a)
{
	return a != NULL ? a->n : 0;
}

#define FIELD(fn, type, expr, dflt) \
MTS_API type \
fn(const mtasts_audit *a, size_t i) \
{ \
	return a != NULL && i < a->n ? (expr) : (dflt); \
}

FIELD(mtasts_audit_group, const char *, a->c[i].group, "")
FIELD(mtasts_audit_name, const char *, a->c[i].name, "")
FIELD(mtasts_audit_status, mtasts_check_status, a->c[i].status, MTASTS_CHECK_FAIL)
FIELD(mtasts_audit_seen, const char *, a->c[i].seen, "")
FIELD(mtasts_audit_advice, const char *, a->c[i].advice, "")

MTS_API mtasts_check_status
mtasts_audit_worst(const mtasts_audit *a)
{
	mtasts_check_status w = MTASTS_CHECK_OK;
	size_t i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (a->c[i].status > w)
			w = a->c[i].status;
	return w;
}

MTS_API const char *
mtasts_check_status_str(mtasts_check_status s)
{
	switch (s) {
	case MTASTS_CHECK_OK: return "ok";
	case MTASTS_CHECK_INFO: return "info";
	case MTASTS_CHECK_WARN: return "warn";
	case MTASTS_CHECK_FAIL: return "fail";
	}
	return "fail";
}
