/* SPDX-License-Identifier: ISC */
/* net/tlsprobe.h - one TLS handshake with a host, directly (HTTPS, port
 * 443) or after SMTP STARTTLS (RFC 3207, port 25), to see what a sender
 * would see: whether STARTTLS is offered, the protocol version and the
 * peer's chain. It judges nothing: the chain goes to net/cert.c. */
#ifndef MTS_NET_TLSPROBE_H
#define MTS_NET_TLSPROBE_H

#include <stddef.h>
#include <stdint.h>

struct mts_tlsprobe_opts {
	const char *ip;          /* numeric IPv4 or IPv6 address */
	int port;
	const char *sni;         /* server name sent in the ClientHello */
	int starttls;            /* 1: SMTP greeting, EHLO, STARTTLS first */
	const char *helo;        /* EHLO name (starttls only) */
	int timeout_ms;          /* for each step: connect, each reply, handshake */
};

enum mts_tlsprobe_stage {
	MTS_PROBE_CONNECT = 0,   /* no TCP connection */
	MTS_PROBE_SMTP = 1,      /* connected, the SMTP dialogue failed */
	MTS_PROBE_NO_STARTTLS = 2, /* EHLO did not offer STARTTLS (or 4xx/5xx to it) */
	MTS_PROBE_HANDSHAKE = 3, /* the TLS handshake failed */
	MTS_PROBE_DONE = 4       /* handshake complete: version and chain set */
};

struct mts_tlsprobe {
	enum mts_tlsprobe_stage stage;
	char version[16];        /* "TLSv1.3" */
	char *chain_pem;         /* peer chain, leaf first, malloc'ed PEM */
	size_t chain_len;
	int64_t not_after;       /* leaf notAfter, seconds since the epoch */
	char reason[256];        /* what went wrong, or the last reply seen */
};

/* Run the probe. Returns 0 when stage is MTS_PROBE_DONE, else -1 with
 * stage and reason set. Never blocks longer than a few timeout_ms. */
int mts_tlsprobe_run(const struct mts_tlsprobe_opts *o, struct mts_tlsprobe *r);
void mts_tlsprobe_clear(struct mts_tlsprobe *r);

/* Read one SMTP reply (RFC 5321 §4.2: "ddd-" continuation lines, then
 * "ddd ") from buf. Returns the reply code and sets *used to the bytes
 * consumed, 0 when more input is needed, -1 when the bytes are not a
 * reply. *starttls is set if a line of an EHLO reply is the STARTTLS
 * keyword. Pure, for tests and fuzzing. */
int mts_smtp_reply_scan(const char *buf, size_t len, size_t *used,
    int *starttls);

#endif
