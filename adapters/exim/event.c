/* SPDX-License-Identifier: ISC */
/*
 * event.c - TLS-RPT from Exim's transport events: one outcome per SMTP
 * session (RFC 8460 counts sessions, not messages), counted in the
 * core's results store.
 *
 *   event_action = ... ${dlfunc{mtasts_exim.so}{mtasts_exim_event}
 *       {$event_name}{$domain}{$host}{$host_address}{CONF}}
 *
 * Exim raises, in the transport process: tcp:connect, tls:cert (the
 * certificate verdict, cert.c calls exim_session_judged), smtp:ehlo
 * (also the EHLO after STARTTLS), then tcp:close and, for a failed host,
 * msg:host:defer, in an order that is not promised. A session begins at
 * tcp:connect, or at a TLS handshake on a connection Exim inherited
 * (tls:cert without tcp:connect). It is recorded once, as what Exim saw
 * (the core's mtasts_session_classify names it, as it does for every
 * adapter), by whichever event can tell first:
 *   - the EHLO after the handshake (smtp:ehlo with a cipher): TLS.
 *     Recording here, not at tcp:close, counts the session even when
 *     Exim passes the open connection on to the next waiting message
 *     (transport_check_waiting): that process raises no tcp:close, and
 *     the one that inherits it (proxied TLS, no new handshake) does not
 *     count it again, since it saw no tcp:connect nor handshake;
 *   - msg:host:defer EXIM_ERRNO_TLSREQUIRED (STARTTLS not offered): in
 *     clear; EXIM_ERRNO_TLSFAILURE (TLS failed), or a certificate the
 *     core judged failed: TLS failed;
 *   - tcp:close with a cipher: TLS; without one, for a testing or
 *     no-policy domain (the message went in clear): in clear. For an
 *     enforce domain the msg:host:defer that follows says why.
 * The certificate verdict (cert.c) goes with the facts, its reason code
 * too. The MX host recorded is the policy-checked MX name (cert.c,
 * exim_mx_name), not Exim's $host, which is the CNAME target. A session
 * DANE verifies is not an MTA-STS session and is not recorded (RFC 8461
 * §2, README "Exim"). Other deferrals (refused connection, timeout) are
 * transient and not reported (RFC 8460 §4.3.4). The answer is always ""
 * (no veto).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exim.h"

struct session {
	int active, recorded, judged, dane;
	char domain[256], host[256], mx[256], ip[64];
	mtasts_result result;            /* the certificate verdict (cert.c) */
	char reason[64];                 /* its reason code */
};

static struct session sess;

static void
begin(const char *domain, const char *host, const char *ip)
{
	memset(&sess, 0, sizeof(sess));
	sess.active = 1;
	snprintf(sess.domain, sizeof(sess.domain), "%s", domain);
	snprintf(sess.host, sizeof(sess.host), "%s", host);
	snprintf(sess.mx, sizeof(sess.mx), "%s", host);
	snprintf(sess.ip, sizeof(sess.ip), "%s", ip);
}

/* The session a handshake belongs to: a connection Exim inherited has
 * had no tcp:connect in this process. */
static void
handshake(const char *domain, const char *host)
{
	if (!sess.active || strcmp(host, sess.host) != 0 ||
	    strcmp(domain, sess.domain) != 0 || sess.recorded)
		begin(domain, host, exim_var("$host_address"));
}

void
exim_session_judged(const char *domain, const char *host, const char *mx,
    mtasts_result result, const char *reason)
{
	handshake(domain, host);
	sess.judged = 1;
	sess.result = result;
	snprintf(sess.mx, sizeof(sess.mx), "%s", mx);
	snprintf(sess.reason, sizeof(sess.reason), "%s", reason);
}

void
exim_session_dane(const char *domain, const char *host)
{
	handshake(domain, host);
	sess.dane = 1;
}

static void
record(mtasts_ctx *ctx, const mtasts_policy *p, mtasts_result result,
    const char *reason)
{
	mtasts_session s;

	sess.recorded = 1;
	/* A DANE session is no MTA-STS session (RFC 8461 §2); its report
	 * would be policy-type tlsa, which the results store does not keep. */
	if (sess.dane)
		return;
	memset(&s, 0, sizeof(s));
	s.domain = sess.domain;
	s.mx_host = sess.mx;
	s.receiving_ip = sess.ip;
	s.sending_ip = exim_var("$sending_ip_address");
	s.result = result;
	s.reason_code = reason && reason[0] ? reason : NULL;
	/* Failures are logged by the core once; delivery goes on. */
	(void)mtasts_record(ctx, p, &s);
}

/* What this session showed, for the core's classifier. */
static void
facts(mtasts_session_facts *f, mtasts_seen seen)
{
	memset(f, 0, sizeof(*f));
	f->seen = seen;
	f->cert_result = sess.judged ? sess.result : MTASTS_RESULT_SUCCESS;
	f->cert_reason_code = sess.judged ? sess.reason : NULL;
	f->mx_host = sess.mx;
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
	int tls = exim_var("$tls_out_cipher")[0] != '\0';

	if (!tls && !(sess.judged && sess.result != MTASTS_RESULT_SUCCESS) &&
	    p != NULL && mtasts_policy_mode(p) == MTASTS_MODE_ENFORCE)
		return;
	classify_record(ctx, p, tls ? MTASTS_SEEN_TLS : MTASTS_SEEN_CLEAR);
}

static void
at_defer(mtasts_ctx *ctx, const mtasts_policy *p)
{
	int err = atoi(exim_var("$event_defer_errno"));

	if (err == EXIM_ERRNO_TLSREQUIRED)
		classify_record(ctx, p, MTASTS_SEEN_CLEAR);
	else if (err == EXIM_ERRNO_TLSFAILURE ||
	    (sess.judged && sess.result != MTASTS_RESULT_SUCCESS))
		classify_record(ctx, p, MTASTS_SEEN_TLS_FAILED);
}

static void
on_event(mtasts_ctx *ctx, const char *name, const char *domain,
    const char *host, const char *ip)
{
	mtasts_policy *p = NULL;
	int ehlo = strcmp(name, "smtp:ehlo") == 0;

	if (strcmp(name, "tcp:connect") == 0) {
		begin(domain, host, ip);
		return;
	}
	if (!sess.active || sess.recorded || strcmp(host, sess.host) != 0)
		return;
	if (sess.ip[0] == '\0')
		snprintf(sess.ip, sizeof(sess.ip), "%s", ip);
	if (ehlo && exim_var("$tls_out_cipher")[0] == '\0')
		return;               /* the EHLO before STARTTLS */
	if (!ehlo && strcmp(name, "tcp:close") != 0 &&
	    strcmp(name, "msg:host:defer") != 0)
		return;
	/* From the cache: the route or the certificate check just read it. */
	(void)mtasts_lookup_cached(ctx, sess.domain, &p);
	if (strcmp(name, "msg:host:defer") == 0)
		at_defer(ctx, p);
	else if (ehlo)
		classify_record(ctx, p, MTASTS_SEEN_TLS);
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
	if (exim_tls_not_required())
		return OK;
	if ((ctx = exim_ctx(exim_arg(argc, argv, 4), &why)) == NULL) {
		log_write(0, LOG_MAIN, "mtasts: cannot record TLS-RPT: %s", why);
		return OK;
	}
	on_event(ctx, name, domain, host, ip);
	return OK;
}
