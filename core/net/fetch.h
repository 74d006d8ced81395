/* SPDX-License-Identifier: ISC */
/* net/fetch.h - the HTTPS policy fetch with libcurl (RFC 8461 §3.3). */
#ifndef MTS_NET_FETCH_H
#define MTS_NET_FETCH_H

#include <stddef.h>

#include "mtasts.h"
#include "net/https.h"

struct mts_fetch_opts {
	struct mts_https_opts https;  /* CAs, timeouts, allowed networks */
	struct mts_cert_store *trust; /* non-NULL: this store instead of
	                                 https.ca_file/ca_path (net/trust.c) */
	int require_text_plain;       /* STS-37 (RFC 8461 §3.2), DESIGN 7 */
	const char *resolve_addrs;    /* "ip[,ip...]" to pin mta-sts.<domain>:443
	                                 to (CURLOPT_RESOLVE); NULL: libcurl resolves */
};

struct mts_fetch_result {
	char *body;                   /* malloc'ed, NUL-terminated; NULL on failure */
	size_t len;
	long http_status;             /* 0 if no response */
	mtasts_result result;         /* SUCCESS, STS_POLICY_FETCH_ERROR, STS_WEBPKI_INVALID */
	char reason[MTASTS_REASON_MAX];
};

struct mts_fetcher;
struct mts_cert_store;

/* Kept across fetches: the SSL_CTX of the direct path (net/tls_get.c)
 * and the libcurl handle of the rest (a proxy, libcurl resolving). */
int mts_fetcher_new(struct mts_fetcher **out);
void mts_fetcher_free(struct mts_fetcher *f);

/*
 * GET https://mta-sts.<domain>/.well-known/mta-sts.txt: HTTPS only, PKIX
 * against the CA bundle, name mta-sts.<domain>, SNI, TLS >= 1.2, no
 * redirects (STS-35, RFC 8461 §3.3), no HTTP cache (STS-36, RFC 8461 §3.3), 200 only (STS-34, RFC 8461 §3.3), media
 * type text/plain when required (STS-37, RFC 8461 §3.2), at most MTS_POLICY_MAX_BODY
 * bytes counted as received (STS-39, RFC 8461 §3.3), timeouts. domain is normalised.
 * Returns 0 with r->body set, or -1 with r->result and r->reason.
 */
int mts_fetch_policy(struct mts_fetcher *f, const struct mts_fetch_opts *o,
    const char *domain, struct mts_fetch_result *r);
void mts_fetch_result_clear(struct mts_fetch_result *r);

/* 1 if a Content-Type value is text/plain (case-insensitive, parameters
 * ignored, D17), else 0. NULL is 0. */
int mts_media_type_is_text_plain(const char *content_type);

#endif
