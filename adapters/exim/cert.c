/* SPDX-License-Identifier: ISC */
/*
 * cert.c - the tls:cert event dlfunc: the peer chain as Exim saw it,
 * checked by the core with OpenSSL, so the exact TLS-RPT result type is
 * known (Exim's own messages do not tell expired from untrusted).
 *
 *   event_action = ${if eq{$event_name}{tls:cert}
 *     {${dlfunc{mtasts_exim.so}{mtasts_exim_tls_cert}{$domain}{$host}
 *       {$event_data}{${base64:$tls_out_peercert}}{CONF}{$host_address}}}}
 *
 * The certificate is judged for the MX name, not for $host: Exim renames
 * a host to its CNAME target and checks the MX name (exim_mx_name).
 *
 * Exim raises tls:cert once per certificate, deepest first, leaf (depth
 * 0) last. Intermediates are kept until the leaf arrives. Result: "" to
 * accept, or a non-empty reason, which vetoes the TLS session (enforce
 * only; testing, no policy and TLS-RPT report mail never veto; the first
 * two log the outcome).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exim.h"

#define CHAIN_MAX (64 * 1024)
#define PEM_MAX (CHAIN_MAX + 16 * 1024)

/* On the heap, made on the first certificate: static buffers this size
 * would spread the object's other statics over more pages, which every
 * delivery's dlopen then faults in (tests/bench/NOTES.md). */
static char *chain;             /* CHAIN_MAX bytes */
static size_t chain_len;
static char chain_host[256];

/* Append one certificate, base64 DER, as a PEM block; -1 if no room. */
static int
append_pem(char *buf, size_t *len, size_t cap, const char *b64)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	size_t n = strlen(b64), need, i;
	char *p;

	need = sizeof(head) + sizeof(tail) + n + n / 64 + 2;
	if (*len + need > cap)
		return -1;
	p = buf + *len;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	/* PEM wants lines of at most 64 characters. */
	for (i = 0; i < n; i += 64) {
		size_t k = n - i < 64 ? n - i : 64;

		memcpy(p, b64 + i, k);
		p += k;
		*p++ = '\n';
	}
	memcpy(p, tail, sizeof(tail) - 1);
	p += sizeof(tail) - 1;
	*len = (size_t)(p - buf);
	return 0;
}

static void
remember(const char *host, const char *b64)
{
	if (strcmp(host, chain_host) != 0) {
		chain_len = 0;
		snprintf(chain_host, sizeof(chain_host), "%s", host);
	}
	if (chain == NULL && (chain = malloc(CHAIN_MAX)) == NULL) {
		chain_len = 0;   /* no memory: verify the leaf alone */
		return;
	}
	if (append_pem(chain, &chain_len, CHAIN_MAX, b64) != 0)
		chain_len = 0;   /* absurd chain: verify the leaf alone */
}

static int
judge(mtasts_ctx *ctx, const char *domain, const char *host,
    const char *mx, const char *b64, mtasts_verdict *v)
{
	static char *pem;               /* PEM_MAX bytes */
	mtasts_policy *p = NULL;
	size_t len = 0;
	mtasts_status st;

	if (pem == NULL && (pem = malloc(PEM_MAX)) == NULL)
		return -1;
	if (append_pem(pem, &len, PEM_MAX, b64) != 0)
		return -1;
	if (strcmp(host, chain_host) == 0 && chain_len > 0 &&
	    len + chain_len <= PEM_MAX) {
		memcpy(pem + len, chain, chain_len);
		len += chain_len;
	}
	chain_len = 0;
	chain_host[0] = '\0';
	if ((st = mtasts_lookup(ctx, domain, &p)) != MTASTS_OK)
		return -1;
	/* Undecodable data comes back as a failed validation, never as
	 * success, so the status adds nothing here. */
	(void)mtasts_verdict_cert(ctx, p, mx, (const unsigned char *)pem,
	    len, v);
	mtasts_policy_free(p);
	return 0;
}

EXIM_API int
mtasts_exim_tls_cert(uschar **yield, int argc, uschar *argv[])
{
	const char *domain = exim_arg(argc, argv, 0), *host = exim_arg(argc, argv, 1);
	const char *depth = exim_arg(argc, argv, 2), *b64 = exim_arg(argc, argv, 3);
	const char *ip = exim_arg(argc, argv, 5), *why = NULL;
	char mx[256], reason[MTASTS_REASON_MAX];
	mtasts_verdict v;
	mtasts_ctx *ctx;

	if (domain == NULL || host == NULL || depth == NULL || b64 == NULL) {
		*yield = exim_msg("mtasts_exim_tls_cert: needs domain, host, "
		    "depth and certificate");
		return FAIL;
	}
	/* RFC 8460 §3: report mail is delivered despite any TLS failure,
	 * without enforcement (no veto: the session keeps its TLS, unverified,
	 * as for a domain without a policy) and is not counted. */
	if (exim_tls_not_required()) {
		*yield = (uschar *)"";
		return OK;
	}
	/* DANE first (RFC 8461 §2, DESIGN 15): with usable TLSA records for
	 * this host Exim verifies by DANE and MTA-STS does not apply; a veto
	 * here would refuse a DANE-valid MX for a PKIX failure, and Exim
	 * refuses a failing DANE validation itself. */
	if (atoi(exim_var("$tls_out_tlsa_usage")) != 0) {
		if (strcmp(depth, "0") == 0) {
			exim_session_dane(domain, host);
			log_write(0, LOG_MAIN, "mtasts: domain=%s mx=%s TLSA "
			    "records: DANE decides, MTA-STS not applied "
			    "(RFC 8461 section 2)", domain, host);
		}
		*yield = (uschar *)"";
		return OK;
	}
	if (strcmp(depth, "0") != 0) {
		remember(host, b64);
		*yield = (uschar *)"";
		return OK;
	}
	if ((ctx = exim_ctx(exim_arg(argc, argv, 4), &why)) != NULL &&
	    exim_mx_name(ctx, domain, host, ip ? ip : "", mx, sizeof(mx)) != 0)
		snprintf(mx, sizeof(mx), "%s", host);  /* not allowed: judged so */
	if (ctx == NULL || judge(ctx, domain, host, mx, b64, &v) != 0) {
		/* Cannot judge: Exim's own static verification still applies
		 * (the mtasts transport requires TLS and a verified name). */
		log_write(0, LOG_MAIN, "mtasts: domain=%s mx=%s cannot check "
		    "certificate: %s", domain, host,
		    why ? why : (ctx ? mtasts_error(ctx) : "?"));
		*yield = (uschar *)"";
		return OK;
	}
	exim_session_judged(domain, host, mx, v.result, v.reason_code);
	(void)mtasts_verdict_reason(&v, reason, sizeof(reason));
	if (v.mode == MTASTS_MODE_TESTING || v.mode == MTASTS_MODE_ENFORCE)
		log_write(0, LOG_MAIN, "mtasts: domain=%s mx=%s mode=%s "
		    "result=%s action=%s reason=\"%s\"", domain, mx,
		    mtasts_mode_str(v.mode), mtasts_result_str(v.result),
		    mtasts_action_str(v.action), reason);
	if (v.action == MTASTS_ACTION_DEFER) {
		*yield = exim_msg("MTA-STS %s: %s", mtasts_result_str(v.result),
		    reason);
		return OK;
	}
	*yield = (uschar *)"";
	return OK;
}
