/* SPDX-License-Identifier: ISC */
/*
 * audit/audit_dns.c - the two discovery records as a sender reads them:
 * _mta-sts (RFC 8461 §3.1) and _smtp._tls (RFC 8460 §3), with the same
 * RRset selection the resolver uses, so "ok" here means "a sender finds
 * it".
 */
#include <string.h>

#include "audit/audit.h"
#include "base/util.h"
#include "tlsrpt/tlsrpt_txt.h"

static const char *
dns_status_str(enum mts_dns_status s)
{
	switch (s) {
	case MTS_DNS_OK: return "records";
	case MTS_DNS_NODATA: return "no TXT record";
	case MTS_DNS_NXDOMAIN: return "no such name";
	case MTS_DNS_TEMPFAIL: return "temporary DNS failure";
	case MTS_DNS_BOGUS: return "DNSSEC validation failed";
	}
	return "?";
}

/* The TXT RRset at name, or a "fail" check saying why there is none. */
static int
lookup(struct mts_audit_run *r, const char *group, const char *name,
    const char *check, struct mts_dns_txt *t, mtasts_check_status missing,
    const char *advice)
{
	if (mts_dns_txt(r->dns, name, t) != 0) {
		mts_audit_add(r, group, check, MTASTS_CHECK_FAIL, NULL,
		    "%s: lookup failed", name);
		return -1;
	}
	if (t->status != MTS_DNS_OK) {
		mts_audit_add(r, group, check, t->status >= MTS_DNS_TEMPFAIL ? MTASTS_CHECK_FAIL : missing,
		    advice, "%s: %s%s%s", name, dns_status_str(t->status),
		    t->reason[0] ? ": " : "", t->reason);
		mts_dns_txt_clear(t);
		return -1;
	}
	return 0;
}

void
mts_audit_txt(struct mts_audit_run *r)
{
	struct mts_dns_txt t;
	char name[MTS_DOMAIN_BUF + 16], err[160];
	enum mts_txt_sel sel;

	mts_fmt(name, sizeof(name), "_mta-sts.%s", r->domain);
	if (lookup(r, "txt", name, "txt.lookup", &t, MTASTS_CHECK_FAIL,
	    "publish one TXT record \"v=STSv1; id=<1-32 letters or digits>\" "
	    "at _mta-sts (RFC 8461 §3.1)") != 0)
		return;
	mts_audit_add(r, "txt", "txt.lookup", MTASTS_CHECK_OK, NULL,
	    "%s: %zu TXT record%s, TTL %u s", name, t.n, t.n == 1 ? "" : "s",
	    (unsigned)t.ttl);
	sel = mts_txt_select(t.recs, t.lens, t.n, &r->txt, NULL, err, sizeof(err));
	switch (sel) {
	case MTS_TXT_FOUND:
		r->have_txt = 1;
		mts_audit_add(r, "txt", "txt.select", MTASTS_CHECK_OK, NULL,
		    "one STS record, id=%s", r->txt.id);
		break;
	case MTS_TXT_NONE:
		mts_audit_add(r, "txt", "txt.select", MTASTS_CHECK_FAIL,
		    "the record must begin with \"v=STSv1;\" (RFC 8461 §3.1)",
		    "no record begins with v=STSv1: senders see no policy");
		break;
	case MTS_TXT_MULTIPLE:
		mts_audit_add(r, "txt", "txt.select", MTASTS_CHECK_FAIL,
		    "keep exactly one v=STSv1 record (RFC 8461 §3.1)",
		    "%s: senders see no policy", err);
		break;
	case MTS_TXT_INVALID:
		mts_audit_add(r, "txt", "txt.select", MTASTS_CHECK_FAIL,
		    "fix the record's syntax: v=STSv1; id=<1-32 alphanumerics>",
		    "invalid record (%s): senders see no policy", err);
		break;
	}
	mts_dns_txt_clear(&t);
}

/* The host of an https: URI (RFC 3986 authority without port), normalised. */
static int
https_host(const char *uri, char *host, size_t hostsz)
{
	char raw[MTS_DOMAIN_BUF], why[128];
	size_t n;

	if (strncmp(uri, "https://", 8) != 0)
		return -1;
	uri += 8;
	n = strcspn(uri, "/:?#");
	if (n == 0 || n >= sizeof(raw) || memchr(uri, '@', n) != NULL)
		return -1;
	memcpy(raw, uri, n);
	raw[n] = '\0';
	return mts_domain_normalize(raw, host, hostsz, why, sizeof(why));
}

/* A mailto: rua's domain must take mail: MX records, or an address
 * (the implicit MX), and no null MX (RFC 7505). */
static void
mailto_check(struct mts_audit_run *r, const struct mts_rua *u, const char *host)
{
	struct mts_dns_mx mx;
	enum mts_dns_status st = MTS_DNS_TEMPFAIL;
	char addrs[512], why[128];

	if (mts_dns_mx(r->dns, host, &mx) == 0 && mx.status == MTS_DNS_OK &&
	    mx.n > 0 && !mx.null_mx) {
		mts_audit_add(r, "tlsrpt", "tlsrpt.rua", MTASTS_CHECK_OK, NULL,
		    "%s: reports by mail to %s (%zu MX)", u->uri, u->addr, mx.n);
		return;
	}
	if (!mx.null_mx && mx.status != MTS_DNS_TEMPFAIL)
		mts_dns_addrs(r->dns, host, addrs, sizeof(addrs), &st, why,
		    sizeof(why));
	mts_audit_add(r, "tlsrpt", "tlsrpt.rua", st == MTS_DNS_OK ?
	    MTASTS_CHECK_OK : MTASTS_CHECK_FAIL, st == MTS_DNS_OK ? NULL :
	    "the report address must be at a domain that receives mail",
	    "%s: %s", u->uri, st == MTS_DNS_OK ? "reports by mail (no MX, "
	    "the domain's address)" : mx.null_mx ? "null MX: the domain takes "
	    "no mail" : "the domain has neither MX records nor an address");
}

static void
rua_checks(struct mts_audit_run *r, const struct mts_rptrec *rec)
{
	size_t i;

	for (i = 0; i < rec->n; i++) {
		const struct mts_rua *u = &rec->rua[i];
		const char *at = strrchr(u->addr, '@');
		char host[MTS_DOMAIN_BUF], why[128];

		if (u->scheme == MTS_RUA_MAILTO) {
			if (at == NULL || mts_domain_normalize(at + 1, host,
			    sizeof(host), why, sizeof(why)) != 0)
				mts_audit_add(r, "tlsrpt", "tlsrpt.rua", MTASTS_CHECK_FAIL,
				    "use mailto:<mailbox at a public domain>",
				    "%s: not a usable address", u->uri);
			else
				mailto_check(r, u, host);
			continue;
		}
		if (https_host(u->uri, host, sizeof(host)) != 0) {
			mts_audit_add(r, "tlsrpt", "tlsrpt.rua", MTASTS_CHECK_FAIL,
			    "use https://<host name>/<path>", "%s: no usable host",
			    u->uri);
			continue;
		}
		mts_audit_add(r, "tlsrpt", "tlsrpt.rua", MTASTS_CHECK_INFO, NULL,
		    "%s: reports by HTTPS POST (RFC 8460 §5.4)", u->uri);
		mts_audit_https(r, "tlsrpt", "tlsrpt.rua.https", host);
	}
	if (rec->skipped > 0)
		mts_audit_add(r, "tlsrpt", "tlsrpt.rua", MTASTS_CHECK_WARN,
		    "use mailto: or https: URIs (RFC 8460 §3)",
		    "%zu rua URI%s of other schemes or beyond the first %d ignored",
		    rec->skipped, rec->skipped == 1 ? "" : "s", MTS_RUA_MAX);
}

void
mts_audit_tlsrpt(struct mts_audit_run *r)
{
	struct mts_dns_txt t;
	struct mts_rptrec rec;
	char name[MTS_DOMAIN_BUF + 16], err[160];
	enum mts_rptrec_sel sel;

	mts_fmt(name, sizeof(name), "_smtp._tls.%s", r->domain);
	if (lookup(r, "tlsrpt", name, "tlsrpt.record", &t, MTASTS_CHECK_WARN,
	    "publish \"v=TLSRPTv1; rua=mailto:...\" at _smtp._tls to receive "
	    "failure reports before you switch to enforce (RFC 8460 §3)") != 0)
		return;
	sel = mts_rptrec_select(t.recs, t.lens, t.n, &rec, NULL, err, sizeof(err));
	mts_dns_txt_clear(&t);
	if (sel == MTS_RPTREC_NONE) {
		mts_audit_add(r, "tlsrpt", "tlsrpt.record", MTASTS_CHECK_WARN,
		    "publish \"v=TLSRPTv1; rua=mailto:...\" (RFC 8460 §3)",
		    "%s: no record begins with v=TLSRPTv1: no reports", name);
		return;
	}
	if (sel != MTS_RPTREC_FOUND) {
		mts_audit_add(r, "tlsrpt", "tlsrpt.record", MTASTS_CHECK_FAIL,
		    "keep exactly one valid v=TLSRPTv1 record with rua= (RFC 8460 §3)",
		    "%s: %s: senders send no reports", name, err);
		return;
	}
	mts_audit_add(r, "tlsrpt", "tlsrpt.record",
	    rec.n > 0 ? MTASTS_CHECK_OK : MTASTS_CHECK_FAIL,
	    rec.n > 0 ? NULL : "give at least one mailto: or https: rua",
	    "%s: %zu usable rua URI%s", name, rec.n, rec.n == 1 ? "" : "s");
	rua_checks(r, &rec);
}
