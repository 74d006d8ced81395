/* test_cert.c - MX certificate checks (RFC 8461 §4.2, RFC 6125 as
 * restricted by §4.1; VECTORS G; DESIGN 10). Every certificate is made
 * here with OpenSSL, at a fixed clock, so nothing depends on files. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "cert.h"

#define NOW 1800000000LL
#define DAY 86400L

struct cert {
	X509 *x;
	EVP_PKEY *k;
};

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v;
	X509_EXTENSION *e;

	X509V3_set_ctx(&v, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v, nid, value);
	if (e != NULL) {
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
}

/* A certificate valid from NOW+from to NOW+to days; san like
 * "DNS:a.example,DNS:b.example" or NULL; issuer NULL: self-signed. */
static struct cert
make(const char *cn, const char *san, const struct cert *issuer, int ca,
    long from, long to)
{
	static long serial = 1;
	struct cert c;
	X509_NAME *n;

	c.k = EVP_EC_gen("P-256");
	c.x = X509_new();
	X509_set_version(c.x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c.x), serial++);
	X509_time_adj_ex(X509_getm_notBefore(c.x), (int)from, 0, &(time_t){ NOW });
	X509_time_adj_ex(X509_getm_notAfter(c.x), (int)to, 0, &(time_t){ NOW });
	X509_set_pubkey(c.x, c.k);
	n = X509_get_subject_name(c.x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c.x, issuer ? X509_get_subject_name(issuer->x) : n);
	add_ext(c.x, issuer ? issuer->x : c.x, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ca)
		add_ext(c.x, c.x, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (san != NULL)
		add_ext(c.x, issuer ? issuer->x : c.x, NID_subject_alt_name, san);
	X509_sign(c.x, issuer ? issuer->k : c.k, EVP_sha256());
	return c;
}

static void
drop(struct cert *c)
{
	X509_free(c->x);
	EVP_PKEY_free(c->k);
}

/* PEM of one or two certificates, malloc'ed. */
static char *
pem(X509 *a, X509 *b, size_t *len)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	PEM_write_bio_X509(m, a);
	if (b != NULL)
		PEM_write_bio_X509(m, b);
	n = BIO_get_mem_data(m, &p);
	out = malloc((size_t)n);
	memcpy(out, p, (size_t)n);
	*len = (size_t)n;
	BIO_free(m);
	return out;
}

static struct mts_cert_store *store;
static struct cert ca, other, inter;

static mtasts_result
check_at(X509 *leaf, X509 *extra, const char *host, long long now)
{
	mtasts_result r = MTASTS_RESULT_SUCCESS;
	char reason[256];
	size_t len;
	char *p = pem(leaf, extra, &len);

	if (mts_cert_verify(store, (unsigned char *)p, len, host, now, &r,
	    reason, sizeof(reason)) != 0)
		r = (mtasts_result)-1;
	free(p);
	return r;
}

static mtasts_result
check(X509 *leaf, const char *host)
{
	return check_at(leaf, NULL, host, NOW);
}

struct ncase {
	const char *name, *san, *host;
	mtasts_result want;
};

static const struct ncase names[] = {
	{ "G01 exact SAN", "DNS:a.b.c", "a.b.c", MTASTS_RESULT_SUCCESS },
	{ "G01 other name", "DNS:a.b.c", "b.b.c", MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G03 parent domain SAN", "DNS:example.com", "www.example.com",
	  MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G05 wildcard over one label", "DNS:*.example.com", "www.example.com",
	  MTASTS_RESULT_SUCCESS },
	{ "STS-73 wildcard does not cover two labels", "DNS:*.example.com",
	  "a.www.example.com", MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "STS-73 wildcard does not cover the parent", "DNS:*.example.com",
	  "example.com", MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G07 double wildcard", "DNS:*.*.example.com", "xyz.www.example.com",
	  MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G09 partial wildcard *bar", "DNS:*bar.example.com", "foobar.example.com",
	  MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G09 partial wildcard f*", "DNS:f*.example.com", "foobar.example.com",
	  MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G11 '*' in the reference is literal", "DNS:www.example.com",
	  "*.example.com", MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G13 *.com over a registered domain (DESIGN 10)", "DNS:*.com",
	  "example.com", MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G17 wildcard over an A-label", "DNS:*.example.com",
	  "xn--rger-koa.example.com", MTASTS_RESULT_SUCCESS },
	{ "G19 leading-dot reference never matches", "DNS:*.www.example.com",
	  ".www.example.com", MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "G21 wildcard not leftmost", "DNS:test.*.example.com",
	  "test.a.example.com", MTASTS_RESULT_CERT_HOST_MISMATCH },
	{ "STS-79 second SAN matches", "DNS:other.example,DNS:mx.example.com",
	  "mx.example.com", MTASTS_RESULT_SUCCESS },
	{ "STS-72 case-insensitive", "DNS:MX.Example.COM", "mx.example.com",
	  MTASTS_RESULT_SUCCESS },
};

static void
test_names(void)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cert c = make("leaf", names[i].san, &ca, 0, -1, 30);

		is_int(check(c.x, names[i].host), names[i].want, "%s: %s vs %s",
		    names[i].name, names[i].san, names[i].host);
		drop(&c);
	}
}

static void
test_chain_and_time(void)
{
	struct cert good = make("mx.example.com", "DNS:mx.example.com", &ca, 0, -1, 30);
	struct cert cn = make("mx.example.com", NULL, &ca, 0, -1, 30);
	struct cert old = make("mx.example.com", "DNS:mx.example.com", &ca, 0, -60, -1);
	struct cert young = make("mx.example.com", "DNS:mx.example.com", &ca, 0, 2, 30);
	struct cert self = make("mx.example.com", "DNS:mx.example.com", NULL, 0, -1, 30);
	struct cert foreign = make("mx.example.com", "DNS:mx.example.com", &other, 0, -1, 30);
	struct cert viaim = make("mx.example.com", "DNS:mx.example.com", &inter, 0, -1, 30);

	is_int(check(good.x, "mx.example.com"), MTASTS_RESULT_SUCCESS, "valid chain and name");
	is_int(check(cn.x, "mx.example.com"), MTASTS_RESULT_CERT_HOST_MISMATCH,
	    "STS-79 CN only, no SAN: no CN fallback");
	is_int(check(old.x, "mx.example.com"), MTASTS_RESULT_CERT_EXPIRED,
	    "STS-78 expired leaf");
	is_int(check_at(old.x, NULL, "mx.example.com", NOW - 30 * DAY),
	    MTASTS_RESULT_SUCCESS, "the same leaf at a time inside its validity (clock)");
	is_int(check(young.x, "mx.example.com"), MTASTS_RESULT_CERT_EXPIRED,
	    "not yet valid leaf is reported as certificate-expired");
	is_int(check(self.x, "mx.example.com"), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 self-signed leaf");
	is_int(check(foreign.x, "mx.example.com"), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "STS-78 leaf from a CA not in the store");
	is_int(check_at(viaim.x, inter.x, "mx.example.com", NOW), MTASTS_RESULT_SUCCESS,
	    "leaf + intermediate chain");
	is_int(check(viaim.x, "mx.example.com"), MTASTS_RESULT_CERT_NOT_TRUSTED,
	    "leaf without its intermediate");
	is_int(check(good.x, ""), MTASTS_RESULT_CERT_HOST_MISMATCH, "empty host never matches");
	drop(&good); drop(&cn); drop(&old); drop(&young); drop(&self);
	drop(&foreign); drop(&viaim);
}

static void
test_encodings(void)
{
	struct cert c = make("mx.example.com", "DNS:mx.example.com", &ca, 0, -1, 30);
	unsigned char *der = NULL;
	int n = i2d_X509(c.x, &der);
	mtasts_result r;
	char reason[256];

	ok(mts_cert_verify(store, der, (size_t)n, "mx.example.com", NOW, &r,
	    reason, sizeof(reason)) == 0 && r == MTASTS_RESULT_SUCCESS,
	    "one DER certificate: %s", reason);
	ok(mts_cert_verify(store, der, (size_t)n - 10, "mx.example.com", NOW, &r,
	    reason, sizeof(reason)) == -1 && r == MTASTS_RESULT_VALIDATION_FAILURE,
	    "truncated DER: undecodable, validation-failure");
	ok(mts_cert_verify(store, (const unsigned char *)"garbage", 7,
	    "mx.example.com", NOW, &r, reason, sizeof(reason)) == -1 &&
	    r == MTASTS_RESULT_VALIDATION_FAILURE, "garbage: validation-failure");
	ok(mts_cert_verify(store, der, 0, "mx.example.com", NOW, &r, reason,
	    sizeof(reason)) == -1, "empty buffer: undecodable");
	ok(mts_cert_verify(store, (const unsigned char *)
	    "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
	    66, "mx.example.com", NOW, &r, reason, sizeof(reason)) == -1,
	    "PEM armour around junk: undecodable");
	OPENSSL_free(der);
	drop(&c);
}

int
main(void)
{
	char path[] = "/tmp/mtasts-test-ca-XXXXXX";
	char err[256];
	struct mts_cert_store *s2 = NULL;
	FILE *f;
	int fd;

	ca = make("test CA", NULL, NULL, 1, -365, 3650);
	other = make("other CA", NULL, NULL, 1, -365, 3650);
	inter = make("intermediate", NULL, &ca, 1, -365, 3650);
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return 2;
	PEM_write_X509(f, ca.x);
	fclose(f);
	ok(mts_cert_store_open(&store, path, NULL, err, sizeof(err)) == 0,
	    "store opened from a CA file");
	ok(mts_cert_store_open(&s2, "/nonexistent/ca.pem", NULL, err, sizeof(err))
	    == -1 && strstr(err, "/nonexistent/ca.pem") != NULL,
	    "missing CA file: error names it (%s)", err);
	if (store != NULL) {
		test_names();
		test_chain_and_time();
		test_encodings();
	}
	mts_cert_store_free(store);
	unlink(path);
	drop(&ca); drop(&other); drop(&inter);
	return done_testing();
}
