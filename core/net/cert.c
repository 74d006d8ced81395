/* SPDX-License-Identifier: ISC */
/*
 * net/cert.c - MX certificate checks with OpenSSL (RFC 8461 §4.2, RFC 6125):
 * the chain against the configured trust anchors at the context's clock
 * (STS-78, RFC 8461 §4.2), then the leaf's SAN dNSNames against the MX host name (STS-79 (RFC 8461 §4.2),
 * STS-80 (RFC 8461 §4.2), DESIGN 10). Used by mtasts_verdict_cert(), where the MTA hands
 * us the peer chain it saw. The OpenSSL error queue is always left empty:
 * we share libcrypto with the MTA, which reads that queue after its own
 * calls.
 *
 * Which failure is reported when there are several: the chain comes
 * first, the name second. OpenSSL's own host check (X509_VERIFY_PARAM_
 * set1_host) runs before it checks signatures and dates (check_id()
 * before internal_verify() in x509_vfy.c), so an expired or forged
 * certificate for another name would come out as a host mismatch and
 * hide the worse failure; the name on an untrusted certificate means
 * nothing. We verify the chain without a host and then call the same
 * matcher OpenSSL would (X509_check_host) with the same flags. Within the
 * chain, OpenSSL's order stands: a missing or bad issuer (not trusted) is
 * found while building the chain, before any date is looked at; dates and
 * signatures are then checked from the trust anchor down to the leaf, and
 * the first error found is the one reported.
 */
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "base/lazylib.h"
#include "net/cert.h"
#include "base/util.h"

/* A peer chain is a few KiB; anything much bigger is not one. */
#define MAX_CHAIN (1024 * 1024)

/* DESIGN 10: wildcard only as the whole leftmost label, SAN only. */
#define NAME_FLAGS (X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | \
    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)

struct mts_cert_store {
	X509_STORE *store;
};

/* "what path: OpenSSL's reason", and the queue emptied for the MTA. */
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
	struct stat st;
	int have_file = ca_file != NULL && ca_file[0] != '\0';
	int have_path = ca_path != NULL && ca_path[0] != '\0';

	*out = NULL;
	/* mtasts_exim.so does not name libcrypto (base/lazylib.c). */
	if (mts_lazylib_crypto() != 0) {
		mts_fmt(err, errsz, "cannot load libcrypto");
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->store = X509_STORE_new()) == NULL) {
		mts_fmt(err, errsz, "out of memory");
		goto fail;
	}
	if (have_file && !X509_STORE_load_file(s->store, ca_file)) {
		ossl_err(err, errsz, "cannot load CA file", ca_file);
		goto fail;
	}
	/* X509_STORE_load_path() only records the directory and looks in it
	 * at verify time, so a typo would surface as "not trusted" on every
	 * MX: catch a missing directory here, where the config is read. */
	if (have_path && (stat(ca_path, &st) != 0 || !S_ISDIR(st.st_mode))) {
		mts_fmt(err, errsz, "cannot load CA directory %s: not a "
		    "directory", ca_path);
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
	ERR_clear_error();
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

void *
mts_cert_store_x509(struct mts_cert_store *s)
{
	return s->store;
}

int
mts_cert_store_open_https(struct mts_cert_store **out, const char *ca_file,
    const char *ca_path, char *err, size_t errsz)
{
	if (mts_cert_store_open(out, ca_file, ca_path, err, errsz) != 0)
		return -1;
	/* What libcurl's OpenSSL backend sets on the store it builds. */
	X509_STORE_set_flags((*out)->store, X509_V_FLAG_TRUSTED_FIRST |
	    X509_V_FLAG_PARTIAL_CHAIN);
	return 0;
}

/* X509_free's address in the object would make the loader bind it (and
 * so need libcrypto) at dlopen; a call binds on first use. */
static void
x509_free(X509 *x)
{
	X509_free(x);
}

/* Exactly one DER certificate: trailing bytes mean it is not one. */
static X509 *
decode_der(const unsigned char *data, size_t len)
{
	const unsigned char *p = data;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	if (x != NULL && p != data + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* One or more PEM certificates; the first is the leaf, the rest go to
 * *chain. Reading stops at the first block that is not a certificate. */
static X509 *
decode_pem(const unsigned char *data, size_t len, STACK_OF(X509) **chain)
{
	X509 *leaf = NULL, *x;
	BIO *b;

	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
		return NULL;
	if ((leaf = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL)
		goto out;
	if ((*chain = sk_X509_new_null()) == NULL)
		goto out;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(*chain, x))
			X509_free(x);
out:
	BIO_free(b);
	return leaf;
}

/* Leaf first, the rest as untrusted intermediates (never anchors). */
static X509 *
decode(const unsigned char *data, size_t len, STACK_OF(X509) **chain)
{
	static const char pem[] = "-----BEGIN";

	*chain = NULL;
	if (data == NULL || len == 0 || len > MAX_CHAIN)
		return NULL;
	if (len >= sizeof(pem) - 1 && memcmp(data, pem, sizeof(pem) - 1) == 0)
		return decode_pem(data, len, chain);
	return decode_der(data, len);
}

static mtasts_result
classify(int e)
{
	switch (e) {
	case X509_V_OK:
		return MTASTS_RESULT_SUCCESS;
	/* RFC 8460 has no "not yet valid"; outside the validity period is
	 * what certificate-expired stands for. */
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return MTASTS_RESULT_CERT_EXPIRED;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return MTASTS_RESULT_CERT_HOST_MISMATCH;
	default:
		return MTASTS_RESULT_CERT_NOT_TRUSTED;
	}
}

/*
 * The chain alone (trust, signatures, CA flags, server purpose, dates at
 * now), no host: see the comment atop the file. A leaf without
 * extendedKeyUsage passes the server purpose, as most MX certificates
 * need. Returns an X509_V_ERR_* code and its depth.
 */
static int
verify_chain(struct mts_cert_store *s, X509 *leaf, STACK_OF(X509) *chain,
    int64_t now, int *depth)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int e = X509_V_ERR_UNSPECIFIED;

	*depth = 0;
	if (ctx == NULL || !X509_STORE_CTX_init(ctx, s->store, leaf, chain))
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	/* The replaceable clock: verdicts can be replayed and tested. */
	X509_VERIFY_PARAM_set_time(param, (time_t)now);
	if (!X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER))
		goto out;
	(void)X509_verify_cert(ctx);
	e = X509_STORE_CTX_get_error(ctx);
	*depth = X509_STORE_CTX_get_error_depth(ctx);
out:
	X509_STORE_CTX_free(ctx);
	return e;
}

/*
 * 1 if a SAN dNSName of the leaf matches host. A reference name with a
 * leading dot means "any subdomain" to OpenSSL (VECTORS G19), and a '*'
 * in it must never act as a wildcard (G11): refuse both before asking.
 * One trailing dot is the root, not part of the name (G05); OpenSSL 3.0
 * would compare it literally. X509_check_host() returns -1 on malformed
 * input or no memory: no match.
 */
static int
name_ok(X509 *leaf, const char *host)
{
	size_t len;

	if (host == NULL || host[0] == '\0' || host[0] == '.' ||
	    strchr(host, '*') != NULL)
		return 0;
	len = strlen(host);
	if (host[len - 1] == '.')
		len--;
	return X509_check_host(leaf, host, len, NAME_FLAGS, NULL) == 1;
}

int
mts_cert_verify(struct mts_cert_store *s, const unsigned char *data,
    size_t len, const char *host, int64_t now, mtasts_result *result,
    char *reason, size_t reasonsz)
{
	char code[64];

	return mts_cert_verify_code(s, data, len, host, now, result, reason,
	    reasonsz, code, sizeof(code));
}

int
mts_cert_verify_code(struct mts_cert_store *s, const unsigned char *data,
    size_t len, const char *host, int64_t now, mtasts_result *result,
    char *reason, size_t reasonsz, char *code, size_t codesz)
{
	STACK_OF(X509) *chain = NULL;
	X509 *leaf;
	int e, depth, rc = 0;

	code[0] = '\0';
	if (mts_lazylib_crypto() != 0) {
		*result = MTASTS_RESULT_VALIDATION_FAILURE;
		mts_fmt(reason, reasonsz, "cannot load libcrypto");
		return -1;
	}
	if ((leaf = decode(data, len, &chain)) == NULL) {
		*result = MTASTS_RESULT_VALIDATION_FAILURE;
		mts_fmt(reason, reasonsz, "peer certificate could not be "
		    "decoded");
		rc = -1;
		goto out;
	}
	if ((e = verify_chain(s, leaf, chain, now, &depth)) != X509_V_OK)
		mts_fmt(reason, reasonsz, "certificate verify failed: %s "
		    "(depth %d)", X509_verify_cert_error_string(e), depth);
	else if (!name_ok(leaf, host)) {
		e = X509_V_ERR_HOSTNAME_MISMATCH;
		mts_fmt(reason, reasonsz, "certificate not valid for %.255s "
		    "(no matching subjectAltName)", host ? host : "");
	} else
		mts_fmt(reason, reasonsz, "certificate valid for %s", host);
	*result = classify(e);
	mts_fmt(code, codesz, "%s", e == X509_V_OK ? "" :
	    X509_verify_cert_error_string(e));
out:
	X509_free(leaf);
	sk_X509_pop_free(chain, x509_free);
	ERR_clear_error();
	return rc;
}
