/* SPDX-License-Identifier: ISC */
/* net/trust.h - one CA store per context, handed to every libcurl
 * connection instead of libcurl parsing the CA bundle per connection. */
#ifndef MTS_NET_TRUST_H
#define MTS_NET_TRUST_H

#include <curl/curl.h>

struct mts_cert_store;

/*
 * Make the HTTPS transfer on c trust exactly the certificates of s (built
 * once by mts_cert_store_open from ca_file / ca_path / the system store):
 * libcurl's own CA file and directory are switched off and the store is
 * installed in each new SSL_CTX (CURLOPT_SSL_CTX_FUNCTION +
 * SSL_CTX_set1_cert_store). With s NULL nothing is changed. Returns 0 or
 * -1 (an option libcurl refused).
 */
int mts_curl_trust(CURL *c, struct mts_cert_store *s);

#endif
