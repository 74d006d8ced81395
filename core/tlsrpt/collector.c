/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/collector.c - outcomes as datagrams for sys4's tlsrpt-collectd, so a
 * site already running that reporter (Postfix 3.10's TLS-RPT) gets Exim and
 * OpenSMTPD results in the same reports.
 *
 * The datagram is libtlsrpt's (sys4/libtlsrpt 0.5, libtlsrpt.c), byte for
 * byte, so that the collector files our sessions under the same keys as
 * Postfix's (tlsrpt-collectd stores json.dumps() of each policy and of each
 * failure detail as database keys, so key order matters):
 *   tlsrpt_init_delivery_request:   {"dpv": "1","d": "<domain>","pr": "<TLSRPT record>"
 *   tlsrpt_init_policy:             ,"policies":[{"policy-type":<1|2|9>,"policy-domain": "<d>"
 *   tlsrpt_finish_policy:           ,"policy-string":[...]   only if any was added
 *                                   ,"mx-host":[...]         only if any was added
 *                                   ,"failure-details":[...] only if any was added
 *                                   ,"t":<failure details>,"f":<0 success|1 failure>}
 *   tlsrpt_add_delivery_request_failure: {"c":<code>,"s": ..,"n": ..,"h": ..,"r": ..,"a": ..,"f": ..}
 *                                   (absent fields left out)
 *   tlsrpt_finish_delivery_request: ]}
 * libtlsrpt writes `"key": "value"` (a space) for strings and `"key":n` for
 * numbers, and escapes with tlsrpt_json_escape_values (\b \t \n \f \r, \"
 * \\, \u00XX for the other control bytes and 0x7f).
 *
 * tlsrpt-collectd (sys4/tlsrpt-reporter 0.6, tlsrpt.py,
 * TLSRPTCollectdSQLite._add_policies_from_datagram and _add_policy) reads
 * d, pr, policies[].f and .t, failure-details; "pr" is the raw TLSRPT
 * record that tlsrpt-reportd later parses for the rua (utility.py
 * parse_tlsrpt_record). A missing key is a KeyError there and the whole
 * datagram is lost, which is why a domain without a TLSRPT record is not
 * sent at all (there would be nobody to report to).
 *
 * Sent without blocking on a unix datagram socket (MSG_DONTWAIT, as
 * libtlsrpt); a collector that is down or whose queue is full is an
 * error the caller sees and logs, never a silent loss.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/ctx.h"
#include "net/dns.h"
#include "tlsrpt/collector.h"
#include "tlsrpt/tlsrpt_txt.h"
#include "base/util.h"

struct code { const char *name; int code; };

/* libtlsrpt's tlsrpt_failure_t (tlsrpt.h). */
static const struct code codes[] = {
	{ "starttls-not-supported", 201 }, { "certificate-host-mismatch", 202 },
	{ "certificate-not-trusted", 203 }, { "certificate-expired", 204 },
	{ "validation-failure", 205 }, { "sts-policy-fetch-error", 301 },
	{ "sts-policy-invalid", 302 }, { "sts-webpki-invalid", 303 },
	{ "tlsa-invalid", 304 }, { "dnssec-invalid", 305 },
	{ "dane-required", 306 },
};

int
mts_tlsrpt_code(const char *result)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, result) == 0)
			return codes[i].code;
	return 205;
}

/* write_first_attribute / write_attribute: `"k": "v"`. */
static void
attr(struct mts_sbuf *b, const char *sep, const char *k, const char *v)
{
	mts_sbuf_fmt(b, "%s\"%s\": ", sep, k);
	mts_sbuf_json_n(b, v, strlen(v));
}

/* write_attribute_if_not_null; our empty string is libtlsrpt's NULL. */
static void
attr_opt(struct mts_sbuf *b, const char *k, const char *v)
{
	if (v != NULL && *v != '\0')
		attr(b, ",", k, v);
}

/* The policy text, one tlsrpt_add_policy_string per line (RFC 8460
 * §4.5: "policy-string" holds the policy's lines, each whole). */
static void
policy_lines(struct mts_sbuf *b, const char *text)
{
	mts_sbuf_str(b, ",\"policy-string\":[");
	mts_sbuf_json_lines(b, text);
	mts_sbuf_str(b, "]");
}

static void
failure(struct mts_sbuf *b, const char *sep, const struct mts_results_outcome *o)
{
	mts_sbuf_fmt(b, "%s{\"c\":%d", sep, mts_tlsrpt_code(o->result));
	attr_opt(b, "s", o->sending_ip);
	attr_opt(b, "n", o->mx_host);
	attr_opt(b, "h", o->mx_helo);
	attr_opt(b, "r", o->receiving_ip);
	/* "a" (additional-information): we have none to give. */
	attr_opt(b, "f", o->reason_code);
	mts_sbuf_str(b, "}");
}

void
mts_tlsrpt_datagram(struct mts_sbuf *b, const struct mts_dgram *g)
{
	const struct mts_results_outcome *o = g->o;
	const struct mts_results_outcome *det[2];
	size_t i, nd = 0;

	if (o->result != NULL)
		det[nd++] = o;
	if (g->fetch != NULL && g->fetch->result != NULL)
		det[nd++] = g->fetch;
	mts_sbuf_str(b, "{");
	attr(b, "", "dpv", "1");
	attr(b, ",", "d", o->domain);
	attr(b, ",", "pr", g->record);
	/* TLSRPT_POLICY_STS = 2, TLSRPT_NO_POLICY_FOUND = 9. */
	mts_sbuf_fmt(b, ",\"policies\":[{\"policy-type\":%d", o->sts ? 2 : 9);
	attr_opt(b, "policy-domain", o->domain);
	if (o->sts && o->policy_text != NULL && *o->policy_text != '\0')
		policy_lines(b, o->policy_text);
	if (o->sts && o->nmx > 0) {
		mts_sbuf_str(b, ",\"mx-host\":[");
		mts_sbuf_json_strv(b, o->mx, o->nmx);
		mts_sbuf_str(b, "]");
	}
	if (nd > 0) {
		mts_sbuf_str(b, ",\"failure-details\":[");
		for (i = 0; i < nd; i++)
			failure(b, i ? "," : "", det[i]);
		mts_sbuf_str(b, "]");
	}
	/* TLSRPT_FINAL_SUCCESS = 0, TLSRPT_FINAL_FAILURE = 1. */
	mts_sbuf_fmt(b, ",\"t\":%zu,\"f\":%d}]}", nd, o->success ? 0 : 1);
}

/*
 * The domain's TLSRPT record as published (RPT-03 (RFC 8460 §3): the one record of the
 * RRset that starts with v=TLSRPTv1, and valid). 0 found, 1 none (no
 * record, several, invalid: nothing to report to), -1 DNS failure.
 */
static int
record_of(mtasts_ctx *ctx, const char *domain, char *buf, size_t bufsz)
{
	struct mts_dns *dns;
	struct mts_dns_txt t;
	struct mts_rptrec rec;
	char name[MTS_DOMAIN_BUF + 16], why[128];
	size_t i, cand = 0, at = 0;
	int rc = 1;

	if (mts_ctx_dns(ctx, &dns) != MTASTS_OK)
		return -1;
	mts_fmt(name, sizeof(name), "_smtp._tls.%s", domain);
	memset(&t, 0, sizeof(t));
	if (mts_dns_txt(dns, name, &t) != 0 || t.status == MTS_DNS_TEMPFAIL ||
	    t.status == MTS_DNS_BOGUS) {
		mts_fail(ctx, MTASTS_ERR_DNS, "tlsrpt: %s: %s", name, t.reason);
		rc = -1;
		goto done;
	}
	if (t.status != MTS_DNS_OK)
		goto done;
	for (i = 0; i < t.n; i++)
		if (mts_rptrec_is_candidate(t.recs[i], t.lens[i])) {
			cand++;
			at = i;
		}
	if (cand == 1 && t.lens[at] < bufsz && mts_rptrec_parse(t.recs[at],
	    t.lens[at], &rec, why, sizeof(why)) == 0) {
		memcpy(buf, t.recs[at], t.lens[at]);
		buf[t.lens[at]] = '\0';
		rc = 0;
	}
done:
	mts_dns_txt_clear(&t);
	return rc;
}

mtasts_status
mts_tlsrpt_send(mtasts_ctx *ctx, const struct mts_results_outcome *o,
    const struct mts_results_outcome *fetch)
{
	struct sockaddr_un sa;
	struct mts_sbuf b;
	struct mts_dgram g;
	char rec[2048];
	mtasts_status st = MTASTS_OK;
	int fd = -1, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (mts_strlcpy(sa.sun_path, ctx->cfg.tlsrpt_socket,
	    sizeof(sa.sun_path)) >= sizeof(sa.sun_path))
		return mts_fail(ctx, MTASTS_ERR_CONFIG, "tlsrpt_socket: path "
		    "too long for a unix socket");
	/* The message is already on ctx (mts_ctx_dns or record_of). */
	if ((rc = record_of(ctx, o->domain, rec, sizeof(rec))) < 0)
		return MTASTS_ERR_DNS;
	if (rc > 0) {
		mts_log(ctx, MTASTS_LOG_DEBUG, "domain=%s tlsrpt=no-record "
		    "(nothing sent to the collector)", o->domain);
		return MTASTS_OK;
	}
	memset(&g, 0, sizeof(g));
	g.record = rec;
	g.o = o;
	g.fetch = fetch;
	mts_sbuf_init(&b);
	mts_tlsrpt_datagram(&b, &g);
	if (b.oom) {
		mts_sbuf_free(&b);
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "tlsrpt: out of memory");
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    sendto(fd, b.buf, b.len, MSG_DONTWAIT, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0)
		st = mts_fail(ctx, MTASTS_ERR_IO, "tlsrpt: collector %s: %s "
		    "(outcome of %s lost)", ctx->cfg.tlsrpt_socket,
		    strerror(errno), o->domain);
	if (fd >= 0)
		close(fd);
	mts_sbuf_free(&b);
	return st;
}
