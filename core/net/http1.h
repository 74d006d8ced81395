/* SPDX-License-Identifier: ISC */
/*
 * net/http1.h - an HTTP/1.1 response reader for the policy fetch
 * (RFC 8461 §3.3, RFC 9112): bytes in as they arrive, the status, the
 * Content-Type and the body out. No I/O here (net/tls_get.c does it),
 * so every framing rule is a unit vector and a fuzz input.
 */
#ifndef MTS_NET_HTTP1_H
#define MTS_NET_HTTP1_H

#include <stddef.h>

#define MTS_HTTP1_LINE_MAX    8192    /* one status, header or chunk line */
#define MTS_HTTP1_HEAD_MAX    (64 * 1024) /* all header lines of a response */
#define MTS_HTTP1_CTYPE_MAX   1024

/* The body sink: 0 to go on, anything else stops the reader (the
 * caller's size cap, STS-39 (RFC 8461 §3.3)). */
typedef int mts_http1_body_fn(void *arg, const char *data, size_t len);

struct mts_http1 {
	int state;
	long status;                  /* of the final (non-1xx) response */
	int have_ctype;
	char ctype[MTS_HTTP1_CTYPE_MAX];
	int chunked;
	long long clen;               /* -1: no Content-Length */
	unsigned long long left;      /* of the current chunk or the body */
	size_t head;                  /* header bytes so far */
	size_t linelen;
	char line[MTS_HTTP1_LINE_MAX];
	unsigned long long received;  /* body bytes handed to the sink */
	mts_http1_body_fn *body;
	void *arg;
	char err[96];
};

void mts_http1_init(struct mts_http1 *h, mts_http1_body_fn *body, void *arg);
/* Feed n bytes: 0 more wanted, 1 the response is complete (later bytes
 * are ignored), -1 malformed or stopped by the sink (h->err says which;
 * "" when the sink stopped it). */
int mts_http1_feed(struct mts_http1 *h, const char *p, size_t n);
/* The connection ended cleanly (TLS close_notify): 1 if that completes
 * the response (a body delimited by the close), -1 if it was cut short. */
int mts_http1_eof(struct mts_http1 *h);

#endif
