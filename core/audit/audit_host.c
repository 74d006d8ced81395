/* SPDX-License-Identifier: ISC */
/*
 * audit/audit_host.c - the policy host and the policy (RFC 8461 §3.2,
 * §3.3): the host's certificate judged for mta-sts.<domain> with days
 * left, its TLS version, the fetch exactly as a sender makes it, the
 * policy's strict syntax, max_age, and id discipline against this
 * host's cached copy (a body changed under the same id is kept by
 * senders until max_age, §3.1).
 */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "base/ctx.h"
#include "base/util.h"
#include "net/cert.h"
#include "net/fetch.h"
#include "net/tlsprobe.h"
#include "sts/cache.h"
#include "sts/entry.h"
#include "sts/resolve_driver.h"

#define HTTPS_PROBE_MS 5000

/* The first address of a "ip,ip,[v6]" list (mts_dns_addrs) into ip. */
static int
first_addr(const char *addrs, char *ip, size_t ipsz)
{
	size_t n = strcspn(addrs, ",");

	if (*addrs == '[') {
		addrs++;
		n = strcspn(addrs, "]");
	}
	if (n == 0 || n >= ipsz)
		return -1;
	memcpy(ip, addrs, n);
	ip[n] = '\0';
	return 0;
}

int
mts_audit_resolve(struct mts_audit_run *r, const char *group,
    const char *check, const char *host, char *ip, size_t ipsz)
{
	enum mts_dns_status st;
	char addrs[1024], why[128];

	mts_dns_addrs(r->dns, host, addrs, sizeof(addrs), &st, why, sizeof(why));
	if (st == MTS_DNS_OK && first_addr(addrs, ip, ipsz) == 0)
		return 0;
	mts_audit_add(r, group, check, MTASTS_CHECK_FAIL,
	    "give the host an A or AAAA record", "%s does not resolve: %s",
	    host, why[0] ? why : "no address");
	return -1;
}

/* 1 if a certificate that does not name the policy host is valid for
 * the bare domain: the commonest policy-host mistake. */
static int
bare_only(struct mts_audit_run *r, struct mts_cert_store *s, const char *host,
    const struct mts_tlsprobe *p)
{
	mtasts_result res;
	char why[MTASTS_REASON_MAX];

	if (strncmp(host, "mta-sts.", 8) != 0 || strcmp(host + 8, r->domain) != 0)
		return 0;
	return mts_cert_verify(s, (const unsigned char *)p->chain_pem,
	    p->chain_len, r->domain, r->now, &res, why, sizeof(why)) == 0 &&
	    res == MTASTS_RESULT_SUCCESS;
}

/* One check line for a certificate judged for host (cert.c's rules). */
static void
cert_check(struct mts_audit_run *r, const char *group, const char *check,
    const char *host, const struct mts_tlsprobe *p, struct mts_cert_store *s)
{
	mtasts_result res;
	char why[MTASTS_REASON_MAX];
	int64_t days = mts_audit_days_left(r->now, p->not_after);

	if (mts_cert_verify(s, (const unsigned char *)p->chain_pem,
	    p->chain_len, host, r->now, &res, why, sizeof(why)) != 0)
		res = MTASTS_RESULT_VALIDATION_FAILURE;
	if (res == MTASTS_RESULT_CERT_HOST_MISMATCH && bare_only(r, s, host, p))
		mts_audit_add(r, group, check, MTASTS_CHECK_FAIL,
		    "the policy host needs a certificate naming mta-sts.<domain> "
		    "itself (RFC 8461 §3.3)", "%s: the certificate is for %s "
		    "only, not for the policy host", host, r->domain);
	else if (res != MTASTS_RESULT_SUCCESS)
		mts_audit_add(r, group, check, MTASTS_CHECK_FAIL,
		    res == MTASTS_RESULT_CERT_HOST_MISMATCH ?
		    "the certificate's subjectAltName must list this host name" :
		    "serve a certificate chain from a public CA, not expired",
		    "%s: %s (%s)", host, mtasts_result_str(res), why);
	else if (days < MTS_AUDIT_EXPIRY_WARN_DAYS)
		mts_audit_add(r, group, check, MTASTS_CHECK_WARN,
		    "renew the certificate", "%s: valid, expires in %lld days",
		    host, (long long)days);
	else
		mts_audit_add(r, group, check, MTASTS_CHECK_OK, NULL,
		    "%s: valid, %lld days left", host, (long long)days);
}

/* TLS >= 1.2 (RFC 8461 §3.3 and §7.2). */
static void
version_check(struct mts_audit_run *r, const char *group, const char *check,
    const char *host, const char *version)
{
	int old = strcmp(version, "TLSv1.2") != 0 && strcmp(version, "TLSv1.3") != 0;

	mts_audit_add(r, group, check, old ? MTASTS_CHECK_FAIL : MTASTS_CHECK_OK,
	    old ? "offer TLS 1.2 or 1.3 (RFC 8461 §3.3)" : NULL,
	    "%s: %s", host, version);
}

void
mts_audit_https(struct mts_audit_run *r, const char *group, const char *check,
    const char *host)
{
	struct mts_tlsprobe_opts o = { 0 };
	struct mts_tlsprobe p;
	struct mts_cert_store *s = NULL;
	char ip[64], name[MTS_DOMAIN_BUF + 24], err[160];

	if (mts_audit_resolve(r, group, check, host, ip, sizeof(ip)) != 0)
		return;
	o.ip = ip;
	o.port = 443;
	o.sni = host;
	o.timeout_ms = HTTPS_PROBE_MS;
	if (mts_tlsprobe_run(&o, &p) != 0) {
		mts_audit_add(r, group, check, MTASTS_CHECK_FAIL,
		    "serve HTTPS on port 443", "%s (%s): %s", host, ip, p.reason);
		goto out;
	}
	if (mts_cert_store_open(&s, r->ctx->cfg.ca_file, r->ctx->cfg.ca_path,
	    err, sizeof(err)) != 0) {
		mts_audit_add(r, group, check, MTASTS_CHECK_FAIL, NULL,
		    "trust anchors: %s", err);
		goto out;
	}
	cert_check(r, group, check, host, &p, s);
	mts_fmt(name, sizeof(name), "%s.tls", check);
	version_check(r, group, name, host, p.version);
out:
	mts_cert_store_free(s);
	mts_tlsprobe_clear(&p);
}

/* GET the policy as a sender does; r->doc on success. */
static void
fetch(struct mts_audit_run *r, const char *host)
{
	struct mts_fetch_result fr;
	struct mts_fetch_opts o;
	struct mts_fetcher *f;
	enum mts_dns_status st;
	char addrs[1024], why[160];

	memset(&fr, 0, sizeof(fr));
	mts_dns_addrs(r->dns, host, addrs, sizeof(addrs), &st, why, sizeof(why));
	if (st != MTS_DNS_OK || mts_ctx_fetcher(r->ctx, &f) != MTASTS_OK)
		return;                 /* already reported by mts_audit_resolve */
	mts_fetch_opts_from_ctx(r->ctx, &o, addrs, LONG_MAX);
	if (mts_fetch_policy(f, &o, r->domain, &fr) != 0) {
		mts_audit_add(r, "policy-host", "policy-host.fetch", MTASTS_CHECK_FAIL,
		    "serve https://mta-sts.<domain>/.well-known/mta-sts.txt with "
		    "200, Content-Type text/plain, no redirect (RFC 8461 §3.3)",
		    "%s: %s", mtasts_result_str(fr.result), fr.reason);
		goto out;
	}
	mts_audit_add(r, "policy-host", "policy-host.fetch", MTASTS_CHECK_OK, NULL,
	    "HTTP 200, text/plain, %zu bytes", fr.len);
	if (mts_policy_parse(fr.body, fr.len, &r->doc, why, sizeof(why)) != 0)
		mts_audit_add(r, "policy", "policy.syntax", MTASTS_CHECK_FAIL,
		    "fix the policy per RFC 8461 §3.2 (senders treat it as invalid)",
		    "%s", why);
out:
	mts_fetch_result_clear(&fr);
}

static void
max_age_check(struct mts_audit_run *r)
{
	const struct mts_policy_doc *d = r->doc;
	const char *mode = mtasts_mode_str(d->mode);

	mts_audit_add(r, "policy", "policy.syntax", MTASTS_CHECK_OK, NULL,
	    "mode %s, max_age %lld, %zu mx line%s", mode, (long long)d->max_age,
	    d->nmx, d->nmx == 1 ? "" : "s");
	if (d->mode == MTASTS_MODE_ENFORCE && d->max_age < 86400)
		mts_audit_add(r, "policy", "policy.max_age", MTASTS_CHECK_WARN,
		    "use a max_age of weeks (RFC 8461 §3.2 suggests 604800 or more)",
		    "max_age %lld s: under a day in enforce, a sender's protection "
		    "lapses quickly when the policy host is unreachable",
		    (long long)d->max_age);
	else if (d->max_age < 604800)
		mts_audit_add(r, "policy", "policy.max_age", MTASTS_CHECK_INFO,
		    "RFC 8461 §3.2 suggests weeks", "max_age %lld s",
		    (long long)d->max_age);
	else
		mts_audit_add(r, "policy", "policy.max_age", MTASTS_CHECK_OK, NULL,
		    "max_age %lld s", (long long)d->max_age);
}

/* This host's cached copy against what is served now. */
static void
id_check(struct mts_audit_run *r)
{
	struct mts_cache *c;
	struct mts_entry e;
	char err[160];
	int same_text;

	if (access(r->ctx->cfg.cache_file, F_OK) != 0 ||
	    mts_ctx_cache(r->ctx, &c) != MTASTS_OK) {
		mts_audit_add(r, "policy", "policy.id", MTASTS_CHECK_INFO, NULL,
		    "no cached copy on this host to compare with");
		return;
	}
	mts_entry_init(&e);
	if (mts_cache_get(c, r->domain, &e, err, sizeof(err)) != 0 || e.doc == NULL) {
		mts_audit_add(r, "policy", "policy.id", MTASTS_CHECK_INFO, NULL,
		    "no cached copy on this host to compare with");
		goto out;
	}
	same_text = e.doc->text_len == r->doc->text_len &&
	    memcmp(e.doc->text, r->doc->text, e.doc->text_len) == 0;
	if (strcmp(e.policy_id, r->txt.id) == 0 && !same_text)
		mts_audit_add(r, "policy", "policy.id", MTASTS_CHECK_FAIL,
		    "change the TXT record's id whenever the policy changes "
		    "(RFC 8461 §3.1)",
		    "the policy changed under the same id %s: senders keep the old "
		    "policy until its max_age ends", r->txt.id);
	else
		mts_audit_add(r, "policy", "policy.id", MTASTS_CHECK_OK, NULL,
		    "cached copy (id %s) %s", e.policy_id, same_text ?
		    "matches what is served" : "differs and the id changed: senders refetch");
out:
	mts_entry_clear(&e);
}

void
mts_audit_policy_host(struct mts_audit_run *r)
{
	char host[MTS_DOMAIN_BUF + 16];

	if (!r->have_txt)
		mts_audit_add(r, "policy-host", "policy-host", MTASTS_CHECK_INFO, NULL,
		    "checked although senders stop at the TXT record");
	mts_fmt(host, sizeof(host), "mta-sts.%s", r->domain);
	mts_audit_https(r, "policy-host", "policy-host.cert", host);
	fetch(r, host);
	if (r->doc == NULL)
		return;
	max_age_check(r);
	if (r->have_txt)
		id_check(r);
}
