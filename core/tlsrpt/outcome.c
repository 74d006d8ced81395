/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/outcome.c - mtasts_record(): one TLS session outcome, as an adapter
 * saw it, turned into the RFC 8460 fields and counted in the results
 * store (or handed to sys4's tlsrpt collector, collector.c).
 */
#include <arpa/inet.h>
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/domain.h"
#include "tlsrpt/results.h"
#include "tlsrpt/results_shared.h"
#include "store/shared.h"
#include "tlsrpt/collector.h"
#include "base/util.h"

#define MX_KEEP 128

/* An IP address in RFC 5952 / dotted-decimal form (RFC 8460 §4.4), or
 * NULL for anything that is not one. */
static const char *
canon_ip(const char *in, char *buf, size_t bufsz)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (in == NULL || *in == '\0')
		return NULL;
	if (inet_pton(AF_INET, in, a) == 1)
		return inet_ntop(AF_INET, a, buf, (socklen_t)bufsz);
	if (inet_pton(AF_INET6, in, a) == 1)
		return inet_ntop(AF_INET6, a, buf, (socklen_t)bufsz);
	return NULL;
}

static const char *
canon_host(const char *in, char *buf, size_t bufsz)
{
	char err[64];

	if (in == NULL || *in == '\0' ||
	    mts_domain_normalize(in, buf, bufsz, err, sizeof(err)) != 0)
		return NULL;
	return buf;
}

/* The policy part of an outcome (DESIGN 13: none and no policy are
 * no-policy-found, without policy text or mx patterns). */
static void
policy_part(const mtasts_policy *p, struct mts_results_outcome *o,
    const char **mx)
{
	mtasts_mode m = p ? mtasts_policy_mode(p) : MTASTS_MODE_NOPOLICY;
	mtasts_result pr = p ? mtasts_policy_result(p) : MTASTS_RESULT_SUCCESS;
	size_t i, n;

	o->sts = m == MTASTS_MODE_TESTING || m == MTASTS_MODE_ENFORCE ||
	    pr != MTASTS_RESULT_SUCCESS;
	o->policy_text = "";
	o->mx = mx;
	o->nmx = 0;
	if (!o->sts || p == NULL || m == MTASTS_MODE_NOPOLICY)
		return;
	if (mtasts_policy_text(p) != NULL)
		o->policy_text = mtasts_policy_text(p);
	n = mtasts_policy_mx_count(p);
	for (i = 0; i < n && i < MX_KEEP; i++)
		mx[o->nmx++] = mtasts_policy_mx(p, i);
}

static mtasts_status
store(mtasts_ctx *ctx, const struct mts_results_outcome *o)
{
	struct mts_results *r;
	char err[256];
	mtasts_status st;

	if ((st = mts_ctx_results(ctx, &r)) != MTASTS_OK)
		return st;
	if (mts_results_add(r, o, err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_IO, "%s", err);
	/* A fleet: the local store is the journal, pushed now and then;
	 * a failed push keeps the counts here for the next one. */
	if (mts_shared_on(ctx) && mts_rshared_push(ctx, r, 1) < 0)
		ctx->err[0] = '\0';
	return MTASTS_OK;
}

static mtasts_status
record(mtasts_ctx *ctx, const mtasts_policy *p, const mtasts_session *s,
    const char *domain)
{
	char day[MTS_DAY_LEN + 1], sip[64], rip[64], mxb[MTS_DOMAIN_BUF];
	const char *mx[MX_KEEP];
	struct mts_results_outcome o, f;
	const struct mts_results_outcome *fetch = NULL;
	mtasts_status st;

	memset(&o, 0, sizeof(o));
	mts_day_of(mts_now(ctx), day);
	o.day = day;
	o.domain = domain;
	policy_part(p, &o, mx);
	o.success = s->result == MTASTS_RESULT_SUCCESS;
	if (!o.success) {
		o.result = mtasts_result_str(s->result);
		o.sending_ip = canon_ip(s->sending_ip, sip, sizeof(sip));
		o.receiving_ip = canon_ip(s->receiving_ip, rip, sizeof(rip));
		o.mx_host = canon_host(s->mx_host, mxb, sizeof(mxb));
		o.mx_helo = s->mx_helo;
		o.reason_code = s->reason_code;
	}
	/* A policy that could not be fetched (cached one applied, or none):
	 * its own failure detail, RFC 8460 §4.3.2.2. */
	if (p != NULL && mtasts_policy_result(p) != MTASTS_RESULT_SUCCESS) {
		f = o;
		f.detail_only = 1;
		f.result = mtasts_result_str(mtasts_policy_result(p));
		f.sending_ip = f.receiving_ip = f.mx_host = f.mx_helo = NULL;
		f.reason_code = mtasts_policy_reason(p);
		fetch = &f;
	}
	/* sys4's collector: one datagram per session, both details in it
	 * (libtlsrpt's delivery request, collector.c). */
	if (ctx->cfg.tlsrpt_socket[0] != '\0')
		return mts_tlsrpt_send(ctx, &o, fetch);
	if ((st = store(ctx, &o)) != MTASTS_OK)
		return st;
	if (fetch != NULL)
		st = store(ctx, fetch);
	return st;
}

MTS_API mtasts_status
mtasts_record(mtasts_ctx *ctx, const mtasts_policy *p,
    const mtasts_session *s)
{
	char domain[MTS_DOMAIN_BUF], err[128];
	mtasts_policy *own = NULL;
	mtasts_status st;

	if (ctx == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	if (s == NULL || s->domain == NULL || mts_domain_normalize(s->domain,
	    domain, sizeof(domain), err, sizeof(err)) != 0)
		return mts_fail(ctx, MTASTS_ERR_INVALID, "record: bad domain: %s",
		    s && s->domain ? err : "missing");
	if (strcmp(mtasts_result_str(s->result), "unknown") == 0)
		return mts_fail(ctx, MTASTS_ERR_INVALID, "record: bad result");
	if (p == NULL && mtasts_lookup_cached(ctx, domain, &own) == MTASTS_OK)
		p = own;
	st = record(ctx, p, s, domain);
	mtasts_policy_free(own);
	/* A session ends a delivery's work: a good time to flush. */
	mts_stat_add(ctx, &ctx->stats, MTS_SG_SESSION, (int)s->result);
	mts_stat_flush(ctx);
	if (st != MTASTS_OK && !ctx->results_warned) {
		ctx->results_warned = 1;
		mts_log(ctx, MTASTS_LOG_ERR, "tlsrpt=cannot-record error=\"%s\"",
		    ctx->err);
	}
	return st;
}
