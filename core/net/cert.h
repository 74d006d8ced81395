/* SPDX-License-Identifier: ISC */
/* net/cert.h - MX certificate checks with OpenSSL (RFC 8461 §4.2, RFC 6125). */
#ifndef MTS_NET_CERT_H
#define MTS_NET_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "mtasts.h"

struct mts_cert_store;

/* Load trust anchors: ca_file and/or ca_path, or the system default store
 * when both are NULL or "". Returns 0, or -1 with err. */
int mts_cert_store_open(struct mts_cert_store **out, const char *ca_file,
    const char *ca_path, char *err, size_t errsz);
void mts_cert_store_free(struct mts_cert_store *s);
/* The OpenSSL store inside (an X509_STORE *), for net/trust.c. */
void *mts_cert_store_x509(struct mts_cert_store *s);
/* The same store with libcurl's verification flags (partial chains: a
 * trusted intermediate is an anchor, as libcurl sets it). */
int mts_cert_store_open_https(struct mts_cert_store **out, const char *ca_file,
    const char *ca_path, char *err, size_t errsz);

/*
 * Verify a peer chain (leaf first; PEM with one or more certificates, or
 * one DER certificate) at time now, and the leaf's SAN dNSNames against
 * host (DESIGN 10: X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
 * X509_CHECK_FLAG_NEVER_CHECK_SUBJECT; host must not start with '.').
 * Returns 0 when the chain could be decoded: *result is SUCCESS,
 * CERT_EXPIRED, CERT_HOST_MISMATCH or CERT_NOT_TRUSTED (any other chain
 * error), reason names the OpenSSL error. Returns -1 when the data is
 * not a certificate: *result is VALIDATION_FAILURE.
 */
int mts_cert_verify(struct mts_cert_store *s, const unsigned char *data,
    size_t len, const char *host, int64_t now, mtasts_result *result,
    char *reason, size_t reasonsz);
/* The same, and OpenSSL's name of the verification error (TLS-RPT
 * failure-reason-code; "" on success) into code. */
int mts_cert_verify_code(struct mts_cert_store *s, const unsigned char *data,
    size_t len, const char *host, int64_t now, mtasts_result *result,
    char *reason, size_t reasonsz, char *code, size_t codesz);

#endif
