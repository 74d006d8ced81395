/* SPDX-License-Identifier: ISC */
/*
 * net/trust.c - one X509_STORE per context for every HTTPS connection.
 *
 * Why: Debian's libcurl is built with a default CA path, which turns off
 * libcurl's CA-store cache, so every connection parsed the whole CA
 * bundle (about 19 ms for Debian's 150 certificates, 84 % of a cold
 * policy fetch). The store is parsed once per context (before
 * `mtasts refresh` forks its workers, so they share it) and referenced
 * by each connection's SSL_CTX. The trust decision itself is unchanged:
 * the same CA file / directory / system default, verified by OpenSSL
 * with libcurl's peer and host checks (STS-31 (RFC 8461 §3.3), RFC 8461 §3.3).
 */
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "net/cert.h"
#include "net/trust.h"

static CURLcode
install(CURL *c, void *sslctx, void *arg)
{
	(void)c;
	/* set1: the SSL_CTX takes its own reference; the context keeps ours. */
	SSL_CTX_set1_cert_store(sslctx, mts_cert_store_x509(arg));
	return CURLE_OK;
}

int
mts_curl_trust(CURL *c, struct mts_cert_store *s)
{
	int bad = 0;

	if (s == NULL)
		return 0;
	/* NULL: libcurl loads no CA file or directory of its own (its
	 * built-in defaults included); the store below is the only trust. */
	bad |= curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
	bad |= curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, install);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, s);
	return bad ? -1 : 0;
}
