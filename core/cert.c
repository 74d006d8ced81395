/*
 * cert.c - MX certificate checks with OpenSSL (RFC 8461 §4.2, RFC 6125):
 * the chain against the configured trust anchors at the context's clock,
 * and the leaf's SAN dNSNames against the MX host name (DESIGN 10).
 * Used for the adapters' event hooks, where the MTA hands us the peer
 * chain it saw. The OpenSSL error queue is always left empty: we share
 * libcrypto with the MTA.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "util.h"

struct mts_cert_store {
	X509_STORE *store;
};

static void
ossl_err(char *err, size_t errsz, const char *what, const char *path)
{
	char buf[256];
	unsigned long e = ERR_peek_last_error();

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		mts_strlcpy(buf, "unknown error", sizeof(buf));
	mts_fmt(err, errsz, "%s %s: %s", what, path, buf);
	ERR_clear_error();
}

int
mts_cert_store_open(struct mts_cert_store **out, const char *ca_file,
    const char *ca_path, char *err, size_t errsz)
{
	struct mts_cert_store *s;
	int have_file = ca_file != NULL && ca_file[0] != '\0';
	int have_path = ca_path != NULL && ca_path[0] != '\0';

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->store = X509_STORE_new()) == NULL) {
		mts_fmt(err, errsz, "out of memory");
		goto fail;
	}
	if (have_file && !X509_STORE_load_file(s->store, ca_file)) {
		ossl_err(err, errsz, "cannot load CA file", ca_file);
		goto fail;
	}
	if (have_path && !X509_STORE_load_path(s->store, ca_path)) {
		ossl_err(err, errsz, "cannot load CA directory", ca_path);
		goto fail;
	}
	if (!have_file && !have_path &&
	    !X509_STORE_set_default_paths(s->store)) {
		ossl_err(err, errsz, "cannot load", "the system CA store");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	mts_cert_store_free(s);
	return -1;
}

void
mts_cert_store_free(struct mts_cert_store *s)
{
	if (s == NULL)
		return;
	X509_STORE_free(s->store);
	free(s);
}

/* Leaf first, the rest as untrusted intermediates. PEM (one or more
 * certificates) or exactly one DER certificate with nothing after it. */
static X509 *
decode(const unsigned char *data, size_t len, STACK_OF(X509) **chain)
{
	static const char pem[] = "-----BEGIN";
	X509 *leaf = NULL, *x;
	BIO *b;

	*chain = NULL;
	if (len == 0 || len > 1024 * 1024)
		return NULL;
	if (len < sizeof(pem) - 1 || memcmp(data, pem, sizeof(pem) - 1) != 0) {
		const unsigned char *p = data;

		leaf = d2i_X509(NULL, &p, (long)len);
		if (leaf != NULL && p != data + len) {
			X509_free(leaf);
			leaf = NULL;
		}
		return leaf;
	}
	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
		return NULL;
	if ((leaf = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL &&
	    (*chain = sk_X509_new_null()) != NULL)
		while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
			if (!sk_X509_push(*chain, x))
				X509_free(x);
	BIO_free(b);
	return leaf;
}

static mtasts_result
classify(int e)
{
	switch (e) {
	case X509_V_OK:
		return MTASTS_RESULT_SUCCESS;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return MTASTS_RESULT_CERT_EXPIRED;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return MTASTS_RESULT_CERT_HOST_MISMATCH;
	default:
		return MTASTS_RESULT_CERT_NOT_TRUSTED;
	}
}

/* A reference name with a leading dot means "any subdomain" to OpenSSL
 * (VECTORS G19), and '*' in it would be literal: refuse both. */
static int
host_ok(const char *host)
{
	return host != NULL && host[0] != '\0' && host[0] != '.' &&
	    strchr(host, '*') == NULL;
}

static int
verify(struct mts_cert_store *s, X509 *leaf, STACK_OF(X509) *chain,
    const char *host, int64_t now, int *depth)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int e = X509_V_ERR_UNSPECIFIED;

	*depth = 0;
	if (ctx == NULL || !X509_STORE_CTX_init(ctx, s->store, leaf, chain))
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)now);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
	if (!X509_VERIFY_PARAM_set1_host(param, host, 0))
		goto out;
	(void)X509_verify_cert(ctx);
	e = X509_STORE_CTX_get_error(ctx);
	*depth = X509_STORE_CTX_get_error_depth(ctx);
out:
	X509_STORE_CTX_free(ctx);
	return e;
}

int
mts_cert_verify(struct mts_cert_store *s, const unsigned char *data,
    size_t len, const char *host, int64_t now, mtasts_result *result,
    char *reason, size_t reasonsz)
{
	STACK_OF(X509) *chain = NULL;
	X509 *leaf;
	int e, depth, rc = 0;

	if ((leaf = decode(data, len, &chain)) == NULL) {
		*result = MTASTS_RESULT_VALIDATION_FAILURE;
		mts_fmt(reason, reasonsz, "peer certificate could not be "
		    "decoded");
		rc = -1;
		goto out;
	}
	if (!host_ok(host)) {
		*result = MTASTS_RESULT_CERT_HOST_MISMATCH;
		mts_fmt(reason, reasonsz, "not a host name to check the "
		    "certificate against: \"%.64s\"", host ? host : "");
		goto out;
	}
	e = verify(s, leaf, chain, host, now, &depth);
	*result = classify(e);
	if (e == X509_V_OK)
		mts_fmt(reason, reasonsz, "certificate valid for %s", host);
	else if (e == X509_V_ERR_HOSTNAME_MISMATCH)
		mts_fmt(reason, reasonsz, "certificate not valid for %s "
		    "(no matching subjectAltName)", host);
	else
		mts_fmt(reason, reasonsz, "certificate verify failed: %s "
		    "(depth %d)", X509_verify_cert_error_string(e), depth);
out:
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return rc;
}
