/* SPDX-License-Identifier: ISC */
/*
 * event.c - TLS-RPT from Exim's transport events: one outcome per SMTP
 * session, counted in the core's results store.
 *
 *   event_action = ... ${dlfunc{mtasts_exim.so}{mtasts_exim_event}
 *       {$event_name}{$domain}{$host}{$host_address}{CONF}}
 *
 * Exim raises, in the transport process: tcp:connect, tls:cert (the
 * certificate verdict, cert.c calls exim_session_judged), then tcp:close
 * and, for a failed host, msg:host:defer, in an order that is not
 * promised. The session is recorded once, by whichever event can tell,
 * as what Exim saw (the core's mtasts_session_classify names it, as it
 * does for every adapter):
 *   - msg:host:defer -38 (STARTTLS not offered): in clear; -37 (TLS
 *     failed), or a certificate the core judged failed: TLS failed;
 *   - tcp:close with a cipher: TLS; without one, for a testing or
 *     no-policy domain (the message went in clear): in clear. For an
 *     enforce domain the msg:host:defer that follows says why.
 * The certificate verdict (cert.c) goes with the facts. Other deferrals
 * (refused connection, timeout) are transient and not reported (RFC 8460
 * §4.3.4). The answer is always "" (no veto).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exim.h"

struct session {
	int active, recorded, judged;
	char domain[256], host[256], ip[64];
	mtasts_result result;            /* the certificate verdict (cert.c) */
};

static struct session sess;

static const char *
var(const char *name)
{
	const uschar *v = expand_string((uschar *)(uintptr_t)name);

	return v != NULL ? (const char *)v : "";
}

void
exim_session_judged(const char *host, mtasts_result result)
{
	if (!sess.active || strcmp(host, sess.host) != 0)
		return;
	sess.judged = 1;
	sess.result = result;
}

static void
record(mtasts_ctx *ctx, const mtasts_policy *p, mtasts_result result,
    const char *reason)
{
	mtasts_session s;

	memset(&s, 0, sizeof(s));
	s.domain = sess.domain;
	s.mx_host = sess.host;
	s.receiving_ip = sess.ip;
	s.sending_ip = var("$sending_ip_address");
	s.result = result;
	s.reason_code = reason && reason[0] ? reason : NULL;
	/* Failures are logged by the core once; delivery goes on. */
	(void)mtasts_record(ctx, p, &s);
	sess.recorded = 1;
}

/* What this session showed, for the core's classifier. */
static void
facts(mtasts_session_facts *f, mtasts_seen seen)
{
	memset(f, 0, sizeof(*f));
	f->seen = seen;
	f->cert_result = sess.judged ? sess.result : MTASTS_RESULT_SUCCESS;
	f->mx_host = sess.host;
}

static void
classify_record(mtasts_ctx *ctx, const mtasts_policy *p, mtasts_seen seen)
{
	mtasts_session_facts f;
	mtasts_result res;
	const char *why;

	facts(&f, seen);
	if (mtasts_session_classify(p, &f, &res, &why) == MTASTS_OK)
		record(ctx, p, res, why);
}

/* tcp:close: the session's outcome, except for an enforce session that
 * ended in clear, whose msg:host:defer follows and says why. */
static void
at_close(mtasts_ctx *ctx, const mtasts_policy *p)
{
	int tls = var("$tls_out_cipher")[0] != '\0';

	if (!tls && !(sess.judged && sess.result != MTASTS_RESULT_SUCCESS) &&
	    p != NULL && mtasts_policy_mode(p) == MTASTS_MODE_ENFORCE)
		return;
	classify_record(ctx, p, tls ? MTASTS_SEEN_TLS : MTASTS_SEEN_CLEAR);
}

static void
at_defer(mtasts_ctx *ctx, const mtasts_policy *p)
{
	int err = atoi(var("$event_defer_errno"));

	if (err == -38)
		classify_record(ctx, p, MTASTS_SEEN_CLEAR);
	else if (err == -37 || (sess.judged && sess.result != MTASTS_RESULT_SUCCESS))
		classify_record(ctx, p, MTASTS_SEEN_TLS_FAILED);
}

static void
on_event(mtasts_ctx *ctx, const char *name, const char *domain,
    const char *host, const char *ip)
{
	mtasts_policy *p = NULL;

	if (strcmp(name, "tcp:connect") == 0) {
		memset(&sess, 0, sizeof(sess));
		sess.active = 1;
		snprintf(sess.domain, sizeof(sess.domain), "%s", domain);
		snprintf(sess.host, sizeof(sess.host), "%s", host);
		snprintf(sess.ip, sizeof(sess.ip), "%s", ip);
		return;
	}
	if (!sess.active || sess.recorded || strcmp(host, sess.host) != 0)
		return;
	if (strcmp(name, "tcp:close") != 0 && strcmp(name, "msg:host:defer") != 0)
		return;
	/* From the cache: the route or the certificate check just read it. */
	(void)mtasts_lookup_cached(ctx, sess.domain, &p);
	if (strcmp(name, "msg:host:defer") == 0)
		at_defer(ctx, p);
	else
		at_close(ctx, p);
	mtasts_policy_free(p);
}

EXIM_API int
mtasts_exim_event(uschar **yield, int argc, uschar *argv[])
{
	const char *name = exim_arg(argc, argv, 0), *domain = exim_arg(argc, argv, 1);
	const char *host = exim_arg(argc, argv, 2), *ip = exim_arg(argc, argv, 3);
	const char *why = NULL;
	mtasts_ctx *ctx;

	*yield = (uschar *)"";
	if (name == NULL || domain == NULL || host == NULL || ip == NULL ||
	    domain[0] == '\0')
		return OK;
	/* RFC 8460 §3: the sessions that carry reports are not reported. */
	if (strcasecmp(var("$h_TLS-Required:"), "no") == 0)
		return OK;
	if ((ctx = exim_ctx(exim_arg(argc, argv, 4), &why)) == NULL) {
		log_write(0, LOG_MAIN, "mtasts: cannot record TLS-RPT: %s", why);
		return OK;
	}
	on_event(ctx, name, domain, host, ip);
	return OK;
}
