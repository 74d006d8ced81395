/* SPDX-License-Identifier: ISC */
/*
 * audit/audit_mx.c - the MX side: every MX record against the policy's
 * mx lines (RFC 8461 §4.1; MX drift and stale lines), every MX host's
 * STARTTLS and certificate as an enforcing sender judges them (§4.2,
 * with the RFC 8460 result type it would report), and readiness for
 * enforce. The probes run concurrently, one thread each, bounded.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "base/ctx.h"
#include "base/util.h"
#include "net/cert.h"
#include "net/tlsprobe.h"

#define SMTP_PROBE_MS 8000

static const char *
mode_word(const struct mts_policy_doc *d)
{
	return d != NULL ? mtasts_mode_str(d->mode) : "none";
}

/* An MX name no line matches: drift, and the wildcard pitfall. */
static void
drift(struct mts_audit_run *r, const char *host)
{
	char advice[MTS_AUDIT_ADVICE_MAX], name[MTS_DOMAIN_BUF + 16];
	size_t i;

	mts_fmt(advice, sizeof(advice), "add \"mx: %s\" to the policy (and a new id)",
	    host);
	for (i = 0; i < r->doc->nmx; i++)
		if (r->doc->mx[i][0] == '*' && strcmp(r->doc->mx[i] + 2, host) == 0)
			mts_fmt(advice, sizeof(advice), "\"mx: %s\" does not cover %s "
			    "itself (a wildcard matches one label more, RFC 8461 "
			    "§4.1): add \"mx: %s\"", r->doc->mx[i], host, host);
	mts_fmt(name, sizeof(name), "mx.%s", host);
	r->drift++;
	mts_audit_add(r, "mx", name, r->doc->mode == MTASTS_MODE_ENFORCE ?
	    MTASTS_CHECK_FAIL : MTASTS_CHECK_WARN, advice,
	    "%s matches no mx line: senders enforcing the policy refuse it",
	    host);
}

static void
consistency(struct mts_audit_run *r)
{
	size_t i, j;

	for (i = 0; i < r->mx.n; i++) {
		for (j = 0; j < r->doc->nmx; j++)
			if (mts_mx_match_norm(r->doc->mx[j], r->mx.hosts[i].name))
				break;
		if (j == r->doc->nmx)
			drift(r, r->mx.hosts[i].name);
	}
	for (j = 0; j < r->doc->nmx; j++) {
		for (i = 0; i < r->mx.n; i++)
			if (mts_mx_match_norm(r->doc->mx[j], r->mx.hosts[i].name))
				break;
		if (i == r->mx.n)
			mts_audit_add(r, "mx", "mx.stale", MTASTS_CHECK_WARN,
			    "remove the line, or add the MX record it was for",
			    "\"mx: %s\" matches no MX record", r->doc->mx[j]);
	}
	if (r->drift == 0 && r->mx.n > 0)
		mts_audit_add(r, "mx", "mx.match", MTASTS_CHECK_OK, NULL,
		    "every MX host matches an mx line");
}

void
mts_audit_mx(struct mts_audit_run *r)
{
	if (mts_dns_mx(r->dns, r->domain, &r->mx) != 0 ||
	    r->mx.status >= MTS_DNS_TEMPFAIL) {
		mts_audit_add(r, "mx", "mx.lookup", MTASTS_CHECK_FAIL, NULL,
		    "MX lookup of %s failed: %s", r->domain, r->mx.reason);
		return;
	}
	if (r->mx.null_mx) {
		mts_audit_add(r, "mx", "mx.lookup", MTASTS_CHECK_FAIL,
		    "a domain that receives mail needs MX records",
		    "null MX (RFC 7505): the domain accepts no mail");
		return;
	}
	if (r->mx.status != MTS_DNS_OK || r->mx.n == 0) {
		/* Implicit MX: the domain itself (RFC 5321 §5.1, DESIGN 11). */
		memset(&r->mx, 0, sizeof(r->mx));
		r->mx.n = 1;
		mts_strlcpy(r->mx.hosts[0].name, r->domain, sizeof(r->mx.hosts[0].name));
		mts_audit_add(r, "mx", "mx.lookup", MTASTS_CHECK_INFO, NULL,
		    "no MX records: %s itself is the mail host", r->domain);
	} else
		mts_audit_add(r, "mx", "mx.lookup", MTASTS_CHECK_OK, NULL,
		    "%zu MX record%s", r->mx.n, r->mx.n == 1 ? "" : "s");
	r->mx_ok = 1;
	if (r->doc != NULL && r->doc->mode != MTASTS_MODE_NONE)
		consistency(r);
}

struct probe_job {
	struct mts_tlsprobe_opts o;
	struct mts_tlsprobe p;
	char ip[64];
	int resolved;
};

static void *
probe_thread(void *arg)
{
	struct probe_job *j = arg;

	(void)mts_tlsprobe_run(&j->o, &j->p);
	return NULL;
}

/* The result type a sender reports for what the probe saw. */
static mtasts_result
judge(struct mts_audit_run *r, const char *host, const struct mts_tlsprobe *p,
    char *why, size_t whysz)
{
	struct mts_cert_store *s;
	mtasts_result res;

	mts_strlcpy(why, p->reason, whysz);
	if (p->stage == MTS_PROBE_NO_STARTTLS)
		return MTASTS_RESULT_STARTTLS_NOT_SUPPORTED;
	if (p->stage != MTS_PROBE_DONE)
		return MTASTS_RESULT_VALIDATION_FAILURE;
	if (mts_ctx_mx_store(r->ctx, &s) != MTASTS_OK) {
		mts_strlcpy(why, r->ctx->err, whysz);
		return MTASTS_RESULT_VALIDATION_FAILURE;
	}
	if (mts_cert_verify(s, (const unsigned char *)p->chain_pem, p->chain_len,
	    host, r->now, &res, why, whysz) != 0)
		return MTASTS_RESULT_VALIDATION_FAILURE;
	return res;
}

static void
note_failed(struct mts_audit_run *r, const char *host)
{
	size_t n = strlen(r->failed_mx);

	r->smtp_failed++;
	if (n + strlen(host) + 3 < sizeof(r->failed_mx))
		mts_fmt(r->failed_mx + n, sizeof(r->failed_mx) - n, "%s%s",
		    n ? ", " : "", host);
}

static void
report_probe(struct mts_audit_run *r, const char *host, struct probe_job *j)
{
	char name[MTS_DOMAIN_BUF + 16], why[MTASTS_REASON_MAX];
	mtasts_result res;
	int64_t days;
	int enforce = r->doc != NULL && r->doc->mode == MTASTS_MODE_ENFORCE;

	mts_fmt(name, sizeof(name), "smtp.%s", host);
	if (!j->resolved)
		return;                 /* mts_audit_resolve said why */
	r->smtp_probed++;
	res = judge(r, host, &j->p, why, sizeof(why));
	if (res != MTASTS_RESULT_SUCCESS) {
		note_failed(r, host);
		mts_audit_add(r, "smtp", name, enforce ? MTASTS_CHECK_FAIL :
		    MTASTS_CHECK_WARN, res == MTASTS_RESULT_STARTTLS_NOT_SUPPORTED ?
		    "offer STARTTLS on port 25" : res == MTASTS_RESULT_CERT_HOST_MISMATCH ?
		    "the certificate's subjectAltName must list the MX name" :
		    "serve a valid certificate chain from a public CA",
		    "%s (%s): %s: an enforcing sender defers (%s)", host, j->ip,
		    mtasts_result_str(res), why);
		return;
	}
	days = mts_audit_days_left(r->now, j->p.not_after);
	mts_audit_add(r, "smtp", name, days < MTS_AUDIT_EXPIRY_WARN_DAYS ?
	    MTASTS_CHECK_WARN : MTASTS_CHECK_OK,
	    days < MTS_AUDIT_EXPIRY_WARN_DAYS ? "renew the certificate" : NULL,
	    "%s (%s): STARTTLS, %s, certificate valid for the MX name, %lld "
	    "days left", host, j->ip, j->p.version, (long long)days);
}

void
mts_audit_smtp(struct mts_audit_run *r)
{
	struct probe_job jobs[MTS_DNS_MAX_RR];
	pthread_t tid[MTS_DNS_MAX_RR];
	int started[MTS_DNS_MAX_RR] = { 0 };
	char helo[256], name[MTS_DOMAIN_BUF + 16];
	size_t i;

	if (!r->mx_ok || (r->flags & MTASTS_AUDIT_NO_SMTP))
		return;
	if (gethostname(helo, sizeof(helo)) != 0)
		mts_strlcpy(helo, "localhost", sizeof(helo));
	helo[sizeof(helo) - 1] = '\0';
	memset(jobs, 0, sizeof(jobs));
	/* DNS here, in this thread; the threads only talk to their host. */
	for (i = 0; i < r->mx.n; i++) {
		struct probe_job *j = &jobs[i];

		mts_fmt(name, sizeof(name), "smtp.%s", r->mx.hosts[i].name);
		if (mts_audit_resolve(r, "smtp", name, r->mx.hosts[i].name, j->ip,
		    sizeof(j->ip)) != 0)
			continue;
		j->resolved = 1;
		j->o.ip = j->ip;
		j->o.port = 25;
		j->o.sni = r->mx.hosts[i].name;
		j->o.starttls = 1;
		j->o.helo = helo;
		j->o.timeout_ms = SMTP_PROBE_MS;
		started[i] = pthread_create(&tid[i], NULL, probe_thread, j) == 0;
		if (!started[i])
			probe_thread(j);        /* no thread: probe in line */
	}
	for (i = 0; i < r->mx.n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		report_probe(r, r->mx.hosts[i].name, &jobs[i]);
		mts_tlsprobe_clear(&jobs[i].p);
	}
}

void
mts_audit_readiness(struct mts_audit_run *r)
{
	int probed = !(r->flags & MTASTS_AUDIT_NO_SMTP) && r->smtp_probed > 0;

	if (!r->have_txt || r->doc == NULL) {
		mts_audit_add(r, "readiness", "readiness", MTASTS_CHECK_FAIL,
		    "fix the failures above", "senders find no usable policy: "
		    "mail to %s is not protected by MTA-STS", r->domain);
		return;
	}
	if (r->doc->mode == MTASTS_MODE_NONE) {
		mts_audit_add(r, "readiness", "readiness", MTASTS_CHECK_INFO, NULL,
		    "mode none: senders apply no MTA-STS");
		return;
	}
	if (r->doc->mode == MTASTS_MODE_ENFORCE) {
		if (r->smtp_failed > 0 || r->drift > 0)
			mts_audit_add(r, "readiness", "readiness", MTASTS_CHECK_FAIL,
			    "fix those MX hosts or list them, or go back to testing",
			    "enforce: mail from enforcing senders to %s is deferred",
			    r->smtp_failed ? r->failed_mx : "the MX hosts not in the policy");
		else
			mts_audit_add(r, "readiness", "readiness", probed ?
			    MTASTS_CHECK_OK : MTASTS_CHECK_INFO, NULL,
			    probed ? "enforce: every MX host passes" :
			    "enforce: MX hosts not probed (--no-smtp)");
		return;
	}
	if (r->smtp_failed > 0 || r->drift > 0)
		mts_audit_add(r, "readiness", "readiness", MTASTS_CHECK_WARN,
		    "fix them before switching to enforce", "%s: not ready for "
		    "enforce, %zu MX host%s would be refused", mode_word(r->doc),
		    r->smtp_failed + r->drift,
		    r->smtp_failed + r->drift == 1 ? "" : "s");
	else if (probed)
		mts_audit_add(r, "readiness", "readiness", MTASTS_CHECK_OK, NULL,
		    "testing with every MX host passing: ready for enforce");
	else
		mts_audit_add(r, "readiness", "readiness", MTASTS_CHECK_INFO, NULL,
		    "testing: MX hosts not probed (--no-smtp)");
}
