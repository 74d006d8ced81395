/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/collector.c - outcomes as datagrams for sys4's tlsrpt-collectd, so a site
 * already running that reporter (Postfix 3.10's TLS-RPT) gets Exim and
 * OpenSMTPD results in the same reports. The format is libtlsrpt's:
 *   {"d":"<domain>","policies":[{"policy-type":2,"policy-domain":"<d>",
 *     "policy-string":[...],"mx-host":[...],"failure-details":[{"c":202,
 *     "s":"<sending ip>","n":"<mx>","h":"<helo>","r":"<ip>","f":"<code>"}],
 *     "t":<failures>,"f":<0 success|1 failure>}]}
 * sent without blocking on a unix datagram socket; a collector that is
 * down loses the outcome (as libtlsrpt does) and is logged.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/ctx.h"
#include "tlsrpt/collector.h"
#include "base/util.h"

struct code { const char *name; int code; };

/* libtlsrpt's tlsrpt_failure_t. */
static const struct code codes[] = {
	{ "starttls-not-supported", 201 }, { "certificate-host-mismatch", 202 },
	{ "certificate-not-trusted", 203 }, { "certificate-expired", 204 },
	{ "validation-failure", 205 }, { "sts-policy-fetch-error", 301 },
	{ "sts-policy-invalid", 302 }, { "sts-webpki-invalid", 303 },
	{ "tlsa-invalid", 304 }, { "dnssec-invalid", 305 },
	{ "dane-required", 306 },
};

static int
code_of(const char *result)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, result) == 0)
			return codes[i].code;
	return 205;
}

static void
kv(struct mts_sbuf *b, const char *k, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	mts_sbuf_fmt(b, ",\"%s\":", k);
	mts_sbuf_json(b, v);
}

void
mts_tlsrpt_datagram(struct mts_sbuf *b, const struct mts_results_outcome *o)
{
	int failed = o->result != NULL;

	mts_sbuf_str(b, "{\"d\":");
	mts_sbuf_json(b, o->domain);
	mts_sbuf_fmt(b, ",\"policies\":[{\"policy-type\":%d", o->sts ? 2 : 9);
	kv(b, "policy-domain", o->domain);
	if (o->sts) {
		mts_sbuf_str(b, ",\"policy-string\":[");
		mts_sbuf_json_lines(b, o->policy_text);
		mts_sbuf_str(b, "],\"mx-host\":[");
		mts_sbuf_json_strv(b, o->mx, o->nmx);
		mts_sbuf_str(b, "]");
	}
	if (failed) {
		mts_sbuf_fmt(b, ",\"failure-details\":[{\"c\":%d",
		    code_of(o->result));
		kv(b, "s", o->sending_ip);
		kv(b, "n", o->mx_host);
		kv(b, "h", o->mx_helo);
		kv(b, "r", o->receiving_ip);
		kv(b, "f", o->reason_code);
		mts_sbuf_str(b, "}]");
	}
	mts_sbuf_fmt(b, ",\"t\":%d,\"f\":%d}]}", failed ? 1 : 0,
	    o->success ? 0 : 1);
}

mtasts_status
mts_tlsrpt_send(mtasts_ctx *ctx, const struct mts_results_outcome *o)
{
	struct sockaddr_un sa;
	struct mts_sbuf b;
	mtasts_status st = MTASTS_OK;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (mts_strlcpy(sa.sun_path, ctx->cfg.tlsrpt_socket,
	    sizeof(sa.sun_path)) >= sizeof(sa.sun_path))
		return mts_fail(ctx, MTASTS_ERR_CONFIG, "tlsrpt_socket: path "
		    "too long for a unix socket");
	mts_sbuf_init(&b);
	mts_tlsrpt_datagram(&b, o);
	if (b.oom) {
		mts_sbuf_free(&b);
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "tlsrpt: out of memory");
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    sendto(fd, b.buf, b.len, MSG_DONTWAIT, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0)
		st = mts_fail(ctx, MTASTS_ERR_IO, "tlsrpt: %s: %s",
		    ctx->cfg.tlsrpt_socket, strerror(errno));
	if (fd >= 0)
		close(fd);
	mts_sbuf_free(&b);
	return st;
}
