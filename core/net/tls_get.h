/* SPDX-License-Identifier: ISC */
/*
 * net/tls_get.h - the policy GET made with OpenSSL directly, for the
 * common case (no https_proxy, the context's CA store, the policy host's
 * addresses resolved by us): one SSL_CTX kept per fetcher instead of the
 * one libcurl 7.88 builds for every connection (tests/bench/NOTES.md,
 * "Cold fetch: TLS path, round 2"). The same rules as the libcurl path
 * (net/https.c): every address checked against the special ranges
 * (DESIGN 17), TLS >= 1.2 (STS-43, RFC 8461 §7.2), the chain verified
 * against the store and the name per RFC 6125 (STS-31, STS-32, RFC 8461
 * §3.3), SNI, no redirects followed (STS-35), a connect and a total
 * timeout.
 */
#ifndef MTS_NET_TLS_GET_H
#define MTS_NET_TLS_GET_H

#include <stddef.h>

#include "base/netaddr.h"
#include "net/http1.h"

struct mts_tls_get;             /* the kept SSL_CTX */

struct mts_tls_get_req {
	const char *host;             /* SNI, Host and the name verified */
	const char *addrs;            /* "ip,ip,[v6]", tried in order */
	const char *path;
	const char *user_agent;
	void *store;                  /* X509_STORE, trusted anchors */
	const struct mts_netlist *allow;
	long connect_ms, total_ms;
};

enum mts_tls_get_rc {
	MTS_TLS_GET_OK = 0,           /* a complete response is in h */
	MTS_TLS_GET_CERT,             /* the chain or the name failed */
	MTS_TLS_GET_FAIL              /* anything else; why says what */
};

/* GET q->path from q->host into h (initialised by the caller with its
 * body sink). *t is created on first use and kept for the next call. */
enum mts_tls_get_rc mts_tls_get(struct mts_tls_get **t,
    const struct mts_tls_get_req *q, struct mts_http1 *h, char *why,
    size_t whysz);
void mts_tls_get_free(struct mts_tls_get *t);

#endif
