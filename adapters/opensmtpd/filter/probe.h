/* SPDX-License-Identifier: ISC */
/* probe.h - fetch the certificate chain an MX host presents after
 * STARTTLS, for sessions smtpd reports without a verdict. */
#ifndef FLT_PROBE_H
#define FLT_PROBE_H

#include <stddef.h>

/*
 * Connect to ip:25, EHLO as helo, STARTTLS with SNI sni, and return the
 * peer chain (leaf first) as PEM in a malloc'ed *pem. Nothing is
 * verified here: the core judges the chain. 0, or -1 with err (no
 * STARTTLS offered, timeout, handshake failure).
 */
int probe_chain(const char *ip, const char *sni, const char *helo,
    int timeout_s, char **pem, size_t *len, char *err, size_t errsz);

/* The SMTP reply reader, byte by byte: 0 more bytes needed, the reply
 * code (200..599) when a reply is complete, -1 for a line that is not
 * a reply line. starttls: a line of it was the STARTTLS keyword. */
struct probe_reply {
	char line[1024];
	size_t n;
	int starttls;
};
void probe_reply_init(struct probe_reply *st);
int probe_reply_feed(struct probe_reply *st, char c);

#endif
