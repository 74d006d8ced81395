/* SPDX-License-Identifier: ISC */
/* test_cert.c - MX certificate checks (RFC 8461 §4.2, RFC 6125 as
 * restricted by §4.1; VECTORS G; RFC-CHECKLIST STS-72 (RFC 8461 §4.1)..80; DESIGN 10).
 * Every certificate is made here with OpenSSL at a fixed clock, and the
 * CA is written to a temporary file, so nothing depends on the system. */
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "net/cert.h"

#define NOW 1800000000LL
#define DAY 86400LL
#define MX "mx.example.com"

struct cert {
	X509 *x;
	EVP_PKEY *k;
};

/* What a certificate looks like; unset fields take the defaults of a
 * plain leaf valid from NOW-1d to NOW+30d. */
struct spec {
	const char *cn, *san, *eku;
	const struct cert *issuer;   /* NULL: self-signed */
	const struct cert *signer;   /* key to sign with, if not the issuer's */
	int ca;
	long from, to;               /* days relative to NOW */
};

/* Temporary files, removed on every exit path, bail() included. */
static char ca_file[512], ca_dir[512], ca_hashed[600];

static void
cleanup(void)
{
	if (ca_hashed[0] != '\0')
		unlink(ca_hashed);
	if (ca_dir[0] != '\0')
		rmdir(ca_dir);
	if (ca_file[0] != '\0')
		unlink(ca_file);
}

__attribute__((noreturn)) static void
bail(const char *what)
{
	printf("Bail out! %s\n", what);
	cleanup();
	exit(2);
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v;
	X509_EXTENSION *e;

	X509V3_set_ctx(&v, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &v, nid, value)) == NULL ||
	    !X509_add_ext(x, e, -1))
		bail(value);
	X509_EXTENSION_free(e);
}

static struct cert
make(struct spec sp)
{
	static long serial = 1;
	struct cert c;
	X509 *ix;
	X509_NAME *n;
	time_t now = (time_t)NOW;
	EVP_PKEY *sk;

	if (sp.to == 0 && sp.from == 0) {
		sp.from = -1;
		sp.to = 30;
	}
	if ((c.k = EVP_EC_gen("P-256")) == NULL || (c.x = X509_new()) == NULL)
		bail("key or certificate");
	ix = sp.issuer ? sp.issuer->x : c.x;
	sk = sp.signer ? sp.signer->k : sp.issuer ? sp.issuer->k : c.k;
	X509_set_version(c.x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(c.x), serial++);
	X509_time_adj_ex(X509_getm_notBefore(c.x), (int)sp.from, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(c.x), (int)sp.to, 0, &now);
	X509_set_pubkey(c.x, c.k);
	n = X509_get_subject_name(c.x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)(sp.cn ? sp.cn : "leaf"), -1, -1, 0);
	X509_set_issuer_name(c.x, X509_get_subject_name(ix));
	add_ext(c.x, ix, NID_basic_constraints,
	    sp.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(c.x, ix, NID_key_usage, sp.ca ? "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature");
	if (sp.eku != NULL)
		add_ext(c.x, ix, NID_ext_key_usage, sp.eku);
	if (sp.san != NULL)
		add_ext(c.x, ix, NID_subject_alt_name, sp.san);
	if (X509_sign(c.x, sk, EVP_sha256()) <= 0)
		bail("X509_sign");
	return c;
}

static void
drop(struct cert *c)
{
	X509_free(c->x);
	EVP_PKEY_free(c->k);
}

/* PEM of one or two certificates, malloc'ed. */
static unsigned char *
pem(X509 *a, X509 *b, size_t *len)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *p;
	unsigned char *out;
	long n;

	if (m == NULL || !PEM_write_bio_X509(m, a) ||
	    (b != NULL && !PEM_write_bio_X509(m, b)))
		bail("PEM_write_bio_X509");
	n = BIO_get_mem_data(m, &p);
	if ((out = malloc((size_t)n)) == NULL)
		bail("malloc");
	memcpy(out, p, (size_t)n);
	*len = (size_t)n;
	BIO_free(m);
	return out;
}

static struct mts_cert_store *store;
static struct cert ca, other, inter, oldca, notca;
static char reason[256];

/* The result for leaf (+ extra, PEM) at now; -1 when undecodable. Also
 * fails the run if OpenSSL's error queue is left non-empty. */
static int
check_at(const struct cert *leaf, const struct cert *extra,
    const char *host, long long now)
{
	mtasts_result r = MTASTS_RESULT_SUCCESS;
	size_t len;
	unsigned char *p = pem(leaf->x, extra ? extra->x : NULL, &len);
	int rc;

	ERR_clear_error();
	reason[0] = '\0';
	rc = mts_cert_verify(store, p, len, host, now, &r, reason,
	    sizeof(reason));
	free(p);
	if (ERR_peek_error() != 0)
		bail("OpenSSL error queue left non-empty");
	return rc != 0 ? -1 : (int)r;
}

static int
check(const struct cert *leaf, const char *host)
{
	return check_at(leaf, NULL, host, NOW);
}

struct ncase {
	const char *id, *san, *host;
	int want;
};

#define OK MTASTS_RESULT_SUCCESS
#define MISMATCH MTASTS_RESULT_CERT_HOST_MISMATCH

/* VECTORS G and RFC-CHECKLIST STS-72 (RFC 8461 §4.1)..80; leaf from the test CA. */
static const struct ncase names[] = {
	{ .id = "G01 exact SAN matches", .san = "DNS:a.b.c",
	  .host = "a.b.c", .want = OK },
	{ .id = "G01 other name", .san = "DNS:a.b.c",
	  .host = "b.b.c", .want = MISMATCH },
	{ .id = "G03 parent-domain SAN does not cover a subdomain",
	  .san = "DNS:example.com", .host = "www.example.com", .want = MISMATCH },
	{ .id = "G05 *.example.com matches www.example.com",
	  .san = "DNS:*.example.com", .host = "www.example.com", .want = OK },
	{ .id = "G05 *.example.com matches www.example.com. (trailing dot)",
	  .san = "DNS:*.example.com", .host = "www.example.com.", .want = OK },
	{ .id = "G05 two trailing dots are not one name",
	  .san = "DNS:*.example.com", .host = "www.example.com..",
	  .want = MISMATCH },
	{ .id = "STS-73 (RFC 8461 §4.1) wildcard does not cover two labels",
	  .san = "DNS:*.example.com", .host = "a.b.example.com",
	  .want = MISMATCH },
	{ .id = "STS-73 (RFC 8461 §4.1) wildcard does not cover the parent",
	  .san = "DNS:*.example.com", .host = "example.com", .want = MISMATCH },
	{ .id = "G07 *.*.example.com never matches",
	  .san = "DNS:*.*.example.com", .host = "xyz.www.example.com",
	  .want = MISMATCH },
	{ .id = "G09 partial wildcard *bar.example.com",
	  .san = "DNS:*bar.example.com", .host = "foobar.example.com",
	  .want = MISMATCH },
	{ .id = "G09 partial wildcard f*.example.com",
	  .san = "DNS:f*.example.com", .host = "foobar.example.com",
	  .want = MISMATCH },
	{ .id = "G11 '*' in the reference is never a wildcard",
	  .san = "DNS:www.example.com", .host = "*.example.com",
	  .want = MISMATCH },
	{ .id = "G11 '*' reference against a '*' SAN",
	  .san = "DNS:*.example.com", .host = "*.example.com",
	  .want = MISMATCH },
	{ .id = "G13 *.com does not match example.com (DESIGN 10)",
	  .san = "DNS:*.com", .host = "example.com", .want = MISMATCH },
	{ .id = "G15 *.example..com vs www.example..com",
	  .san = "DNS:*.example..com", .host = "www.example..com",
	  .want = MISMATCH },
	{ .id = "G17 *.example.com matches xn--rger-koa.example.com",
	  .san = "DNS:*.example.com", .host = "xn--rger-koa.example.com",
	  .want = OK },
	{ .id = "G19 leading-dot reference .www.example.com (wildcard SAN)",
	  .san = "DNS:*.www.example.com", .host = ".www.example.com",
	  .want = MISMATCH },
	{ .id = "G19 leading-dot reference .www.example.com (subdomain SAN)",
	  .san = "DNS:test.www.example.com", .host = ".www.example.com",
	  .want = MISMATCH },
	{ .id = "G21 test.*.example.com never matches",
	  .san = "DNS:test.*.example.com", .host = "test.a.example.com",
	  .want = MISMATCH },
	{ .id = "G21 www.*.com never matches", .san = "DNS:www.*.com",
	  .host = "www.example.com", .want = MISMATCH },
	{ .id = "G21 *.*.com never matches", .san = "DNS:*.*.com",
	  .host = "www.example.com", .want = MISMATCH },
	{ .id = "STS-79 (RFC 8461 §4.2) the second SAN matches",
	  .san = "DNS:other.example,DNS:mx.example.com", .host = MX,
	  .want = OK },
	{ .id = "STS-72 (RFC 8461 §4.1) case-insensitive", .san = "DNS:MX.Example.COM",
	  .host = MX, .want = OK },
	{ .id = "STS-79 (RFC 8461 §4.2) an IP SAN is no DNS-ID", .san = "IP:192.0.2.1",
	  .host = "192.0.2.1", .want = MISMATCH },
	{ .id = "STS-75 (RFC 8461 §4.1) empty reference name never matches",
	  .san = "DNS:mx.example.com", .host = "", .want = MISMATCH },
};

static void
test_names(void)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cert c = make((struct spec){ .san = names[i].san,
		    .issuer = &ca });

		is_int(check(&c, names[i].host), names[i].want,
		    "%s (SAN %s, host \"%s\")", names[i].id, names[i].san,
		    names[i].host);
		drop(&c);
	}
}

/* Each case: a leaf (and maybe an intermediate), host, clock, result. */
static void
test_chain_and_time(void)
{
	struct cert good = make((struct spec){ .san = "DNS:" MX, .issuer = &ca });
	struct cert cn = make((struct spec){ .cn = MX, .issuer = &ca });
	struct cert old = make((struct spec){ .san = "DNS:" MX, .issuer = &ca,
	    .from = -60, .to = -1 });
	struct cert young = make((struct spec){ .san = "DNS:" MX, .issuer = &ca,
	    .from = 2, .to = 30 });
	struct cert self = make((struct spec){ .san = "DNS:" MX });
	struct cert selfold = make((struct spec){ .san = "DNS:" MX,
	    .from = -60, .to = -1 });
	struct cert foreign = make((struct spec){ .san = "DNS:" MX,
	    .issuer = &other });
	struct cert forged = make((struct spec){ .san = "DNS:" MX,
	    .issuer = &ca, .signer = &other });
	struct cert viaim = make((struct spec){ .san = "DNS:" MX,
	    .issuer = &inter });
	struct cert viaold = make((struct spec){ .san = "DNS:" MX,
	    .issuer = &oldca });
	struct cert vianotca = make((struct spec){ .san = "DNS:" MX,
	    .issuer = &notca });
	struct cert client = make((struct spec){ .san = "DNS:" MX,
	    .issuer = &ca, .eku = "clientAuth" });
	struct cert server = make((struct spec){ .san = "DNS:" MX,
	    .issuer = &ca, .eku = "serverAuth" });

	is_int(check(&good, MX), MTASTS_RESULT_SUCCESS,
	    "STS-78 (RFC 8461 §4.2)/79 valid chain and exact SAN (PEM)");
	is_str(reason, "certificate valid for " MX, "  reason on success");
	is_int(check(&cn, MX), MTASTS_RESULT_CERT_HOST_MISMATCH,
	    "STS-79 (RFC 8461 §4.2) CN = host, no SAN: no CN fallback");
	is_int(check(&old, MX), MTASTS_RESULT_CERT_EXPIRED,
	    "STS-78 (RFC 8461 §4.2) expired leaf (notAfter < now)");
	ok(strstr(reason, "certificate has expired") != NULL &&
	    strstr(reason, "(depth 0)") != NULL,
	    "  reason names the OpenSSL error and depth: %s", reason);
	is_int(check_at(&old, NULL, MX, NOW - 30 * DAY), MTASTS_RESULT_SUCCESS,
	    "STS-78 (RFC 8461 §4.2) the same leaf with the clock inside its validity");
	is_int(check(&young, MX), MTASTS_RESULT_CERT_EXPIRED,
	    "STS-78 (RFC 8461 §4.2) not yet valid leaf is certificate-expired");
	is_int(check_at(&young, NULL, MX, NOW + 3 * DAY), MTASTS_RESULT_SUCCESS,
	    "STS-78 (RFC 8461 §4.2) the same leaf once the clock reaches notBefore");
	is_int(check(&old, "other.example.com"), MTASTS_RESULT_CERT_EXPIRED,
	    "STS-78 (RFC 8461 §4.2) expired and wrong name: expiry is not masked");
	is_int(check(&self, MX), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) self-signed leaf not in the store");
	is_int(check(&selfold, MX), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) self-signed and expired: not trusted comes first");
	is_int(check(&foreign, MX), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) leaf from a CA not in the store");
	is_int(check(&foreign, "other.example.com"),
	    MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) untrusted and wrong name: not trusted is not masked");
	is_int(check(&forged, MX), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) leaf naming the trusted CA, signed by another key");
	is_int(check(&forged, "other.example.com"),
	    MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) bad signature and wrong name: not trusted is not masked");
	is_int(check_at(&viaim, &inter, MX, NOW), MTASTS_RESULT_SUCCESS,
	    "STS-78 (RFC 8461 §4.2) leaf + intermediate in one PEM chain");
	is_int(check(&viaim, MX), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) leaf without its intermediate");
	is_int(check_at(&viaold, &oldca, MX, NOW), MTASTS_RESULT_CERT_EXPIRED,
	    "STS-78 (RFC 8461 §4.2) expired intermediate");
	ok(strstr(reason, "(depth 1)") != NULL, "  reason says depth 1: %s",
	    reason);
	is_int(check_at(&vianotca, &notca, MX, NOW),
	    MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) intermediate without CA:TRUE");
	is_int(check(&client, MX), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 (RFC 8461 §4.2) leaf for clientAuth only: not a server certificate");
	is_int(check(&server, MX), MTASTS_RESULT_SUCCESS,
	    "STS-78 (RFC 8461 §4.2) leaf with serverAuth");
	drop(&good); drop(&cn); drop(&old); drop(&young); drop(&self);
	drop(&selfold); drop(&foreign); drop(&forged); drop(&viaim);
	drop(&viaold); drop(&vianotca); drop(&client); drop(&server);
}

static int
verify_buf(const void *data, size_t len)
{
	mtasts_result r = MTASTS_RESULT_SUCCESS;
	int rc;

	ERR_clear_error();
	reason[0] = '\0';
	rc = mts_cert_verify(store, data, len, MX, NOW, &r, reason,
	    sizeof(reason));
	if (ERR_peek_error() != 0)
		bail("OpenSSL error queue left non-empty");
	return rc != 0 ? -1 : (int)r;
}

/* Undecodable input: -1 and validation-failure, never a verdict. */
static void
undecodable(const void *data, size_t len, const char *what)
{
	mtasts_result r = MTASTS_RESULT_SUCCESS;
	int rc;

	ERR_clear_error();
	reason[0] = '\0';
	rc = mts_cert_verify(store, data, len, MX, NOW, &r, reason,
	    sizeof(reason));
	ok(rc == -1 && r == MTASTS_RESULT_VALIDATION_FAILURE &&
	    strcmp(reason, "peer certificate could not be decoded") == 0,
	    "STS-78 (RFC 8461 §4.2) %s: -1, validation-failure (rc %d, result %d)", what, rc,
	    (int)r);
	ok(ERR_peek_error() == 0, "  %s: OpenSSL error queue empty", what);
}

static void
test_encodings(void)
{
	static const char junk[] = "-----BEGIN CERTIFICATE-----\n"
	    "not base64 at all\n-----END CERTIFICATE-----\n";
	struct cert c = make((struct spec){ .san = "DNS:" MX, .issuer = &ca });
	unsigned char *der = NULL, *plus = NULL;
	int n = i2d_X509(c.x, &der);

	if (n <= 0 || (plus = malloc((size_t)n + 1)) == NULL)
		bail("i2d_X509");
	memcpy(plus, der, (size_t)n);
	plus[n] = 0;
	is_int(verify_buf(der, (size_t)n), MTASTS_RESULT_SUCCESS,
	    "STS-78 (RFC 8461 §4.2)/79 one DER certificate");
	undecodable(der, (size_t)n - 10, "truncated DER");
	undecodable(plus, (size_t)n + 1, "DER with a trailing byte");
	undecodable("\x30\x82garbage bytes", 15, "garbage bytes");
	undecodable("", 0, "empty buffer");
	undecodable(junk, strlen(junk), "PEM header around junk");
	undecodable("-----BEGIN", 10, "bare PEM header");
	OPENSSL_free(der);
	free(plus);
	drop(&c);
}

/* The CA as <hash>.0 in a fresh directory, for a ca_path store. */
static int
write_hashed(const char *dir, X509 *x, char *path, size_t pathsz)
{
	FILE *f;
	int rc;

	snprintf(path, pathsz, "%s/%08lx.0", dir,
	    X509_NAME_hash_ex(X509_get_subject_name(x), NULL, NULL, NULL));
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = PEM_write_X509(f, x) ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

static void
test_store(const char *tmp)
{
	struct cert good = make((struct spec){ .san = "DNS:" MX, .issuer = &ca });
	struct mts_cert_store *s = NULL, *keep = store;
	char err[256];

	err[0] = '\0';
	ok(mts_cert_store_open(&s, "/nonexistent/ca.pem", NULL, err,
	    sizeof(err)) == -1 && s == NULL &&
	    strstr(err, "/nonexistent/ca.pem") != NULL,
	    "missing CA file: -1, error names it (%s)", err);
	ok(ERR_peek_error() == 0, "  OpenSSL error queue empty after it");
	err[0] = '\0';
	ok(mts_cert_store_open(&s, NULL, "/nonexistent/certs", err,
	    sizeof(err)) == -1 && strstr(err, "/nonexistent/certs") != NULL,
	    "missing CA directory: -1, error names it (%s)", err);
	snprintf(ca_dir, sizeof(ca_dir), "%s/mtasts-test-capath-XXXXXX", tmp);
	if (mkdtemp(ca_dir) == NULL) {
		ca_dir[0] = '\0';
		bail("mkdtemp");
	}
	if (write_hashed(ca_dir, ca.x, ca_hashed, sizeof(ca_hashed)) != 0)
		bail("writing the hashed CA file");
	ok(mts_cert_store_open(&s, "", ca_dir, err, sizeof(err)) == 0,
	    "store from a hashed CA directory");
	if (s != NULL) {
		store = s;
		is_int(check(&good, MX), MTASTS_RESULT_SUCCESS,
		    "  STS-78 (RFC 8461 §4.2) leaf chains to the CA found by ca_path");
		store = keep;
		mts_cert_store_free(s);
		s = NULL;
	}
	ok(mts_cert_store_open(&s, NULL, NULL, err, sizeof(err)) == 0,
	    "default (system) store opens");
	if (s != NULL) {
		store = s;
		is_int(check(&good, MX), MTASTS_RESULT_CERT_NOT_TRUSTED,
		    "  STS-78 (RFC 8461 §4.2) the test CA is not in the system store");
		store = keep;
		mts_cert_store_free(s);
	}
	mts_cert_store_free(NULL);
	drop(&good);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[256];
	FILE *f;
	int fd;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	ca = make((struct spec){ .cn = "test CA", .ca = 1, .from = -365,
	    .to = 3650 });
	other = make((struct spec){ .cn = "other CA", .ca = 1, .from = -365,
	    .to = 3650 });
	inter = make((struct spec){ .cn = "intermediate", .issuer = &ca,
	    .ca = 1, .from = -365, .to = 3650 });
	oldca = make((struct spec){ .cn = "old intermediate", .issuer = &ca,
	    .ca = 1, .from = -365, .to = -2 });
	notca = make((struct spec){ .cn = "not a CA", .issuer = &ca,
	    .from = -365, .to = 3650 });
	snprintf(ca_file, sizeof(ca_file), "%s/mtasts-test-ca-XXXXXX", tmp);
	if ((fd = mkstemp(ca_file)) < 0) {
		ca_file[0] = '\0';
		bail("mkstemp");
	}
	if ((f = fdopen(fd, "w")) == NULL)
		bail("fdopen");
	if (!PEM_write_X509(f, ca.x) || fclose(f) != 0)
		bail("writing the CA file");
	err[0] = '\0';
	if (!ok(mts_cert_store_open(&store, ca_file, NULL, err, sizeof(err)) == 0,
	    "store opened from a CA file %s", err))
		bail("no store");
	test_names();
	test_chain_and_time();
	test_encodings();
	test_store(tmp);
	mts_cert_store_free(store);
	cleanup();
	drop(&ca); drop(&other); drop(&inter); drop(&oldca); drop(&notca);
	return done_testing();
}
