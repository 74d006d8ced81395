/* SPDX-License-Identifier: ISC */
/*
 * net/fetch.c - the HTTPS policy fetch (RFC 8461 §3.3). The common case
 * (the context's CA store, the policy host resolved by us, no
 * https_proxy) goes over OpenSSL directly with one SSL_CTX per fetcher
 * (net/tls_get.c): libcurl 7.88 builds an SSL_CTX for every connection,
 * 1.2 M instructions of a cold domain's ~8 M (tests/bench/NOTES.md),
 * and a refresh connects to a new host for every domain, so libcurl's
 * connection and session reuse never helped. The rest (a proxy tunnel,
 * libcurl resolving) keeps the one libcurl easy handle per context.
 * Both paths are judged alike: a certificate problem is
 * sts-webpki-invalid, anything else (status, redirect, size, media
 * type, I/O) sts-policy-fetch-error (RFC 8460 result types).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/domain.h"
#include "net/cert.h"
#include "net/curl_load.h"
#include "net/fetch.h"
#include "net/http1.h"
#include "net/tls_get.h"
#include "net/trust.h"
#include "sts/policy.h"
#include "base/util.h"

struct mts_fetcher {
	CURL *curl;
	struct mts_tls_get *tls;      /* the direct path's kept SSL_CTX */
};

struct body {
	char *buf;
	size_t len, cap;
	int oversized;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe before 7.84; do it exactly once. */
static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
mts_fetcher_new(struct mts_fetcher **out)
{
	struct mts_fetcher *f;

	*out = NULL;
	if (mts_curl_load() != 0)
		return -1;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK || (f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if ((f->curl = curl_easy_init()) == NULL) {
		free(f);
		return -1;
	}
	*out = f;
	return 0;
}

void
mts_fetcher_free(struct mts_fetcher *f)
{
	if (f == NULL)
		return;
	curl_easy_cleanup(f->curl);
	mts_tls_get_free(f->tls);
	free(f);
}

void
mts_fetch_result_clear(struct mts_fetch_result *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int
mts_media_type_is_text_plain(const char *ct)
{
	static const char want[] = "text/plain";
	size_t n = sizeof(want) - 1, i;

	if (ct == NULL)
		return 0;
	while (mts_is_wsp((unsigned char)*ct))
		ct++;
	for (i = 0; i < n; i++)
		if (ct[i] == '\0' || mts_lower((unsigned char)ct[i]) != want[i])
			return 0;
	ct += n;
	while (mts_is_wsp((unsigned char)*ct))
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* Count bytes as they arrive: a chunked body or a lying Content-Length
 * cannot push us past the cap (STS-39, RFC 8461 §3.3). */
static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (n > MTS_POLICY_MAX_BODY - b->len) {
		b->oversized = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->buf, cap)) == NULL)
			return 0;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static int
setup(CURL *c, const struct mts_fetch_opts *o, const char *url,
    struct curl_slist *pins, struct body *b, struct mts_https_guard *g,
    char *errbuf)
{
	int bad = 0;

	curl_easy_reset(c);
	if (mts_https_setup(c, &o->https, url, pins, g, errbuf) != 0)
		return -1;
	/* The context's CA store instead of libcurl parsing the bundle on
	 * every connection (net/trust.c). */
	if (o->trust != NULL)
		bad |= mts_curl_trust(c, o->trust);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	return bad ? -1 : 0;
}

static void fail(struct mts_fetch_result *r, mtasts_result type,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
fail(struct mts_fetch_result *r, mtasts_result type, const char *fmt, ...)
{
	va_list ap;

	r->result = type;
	va_start(ap, fmt);
	mts_vfmt(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

enum how { HOW_OK, HOW_CERT, HOW_ERR };

/* Classify a finished transfer; 0 if the body is a usable policy. */
static int
judge(enum how how, const char *why, long st, const char *ct,
    const struct mts_fetch_opts *o, const char *url, const struct body *b,
    struct mts_fetch_result *r)
{
	char q[64 * 4 + 1];

	r->http_status = st;
	if (b->oversized)
		fail(r, MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "%s: body larger "
		    "than %d bytes", url, MTS_POLICY_MAX_BODY);
	else if (how == HOW_CERT)
		fail(r, MTASTS_RESULT_STS_WEBPKI_INVALID, "%s: %s", url, why);
	else if (how != HOW_OK)
		fail(r, MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "%s: %s", url, why);
	else if (st >= 300 && st < 400)
		fail(r, MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "%s: HTTP %ld "
		    "redirect, not followed", url, st);
	else if (st != 200)
		fail(r, MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "%s: HTTP status "
		    "%ld, not 200", url, st);
	else if (o->require_text_plain && !mts_media_type_is_text_plain(ct))
		fail(r, MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "%s: media type "
		    "%s, not text/plain", url, ct ? mts_esc(q, sizeof(q), ct,
		    strlen(ct) > 64 ? 64 : strlen(ct)) : "(none)");
	else if (b->len == 0)
		fail(r, MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "%s: empty body",
		    url);
	else
		return 0;
	return -1;
}

static int
judge_curl(CURL *c, CURLcode rc, const struct mts_fetch_opts *o,
    const char *url, const struct body *b, const struct mts_https_guard *g,
    const char *errbuf, struct mts_fetch_result *r)
{
	char *ct = NULL;
	long st = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	return judge(rc == CURLE_OK ? HOW_OK : rc ==
	    CURLE_PEER_FAILED_VERIFICATION ? HOW_CERT : HOW_ERR,
	    mts_https_why(rc, g, errbuf), st, ct, o, url, b, r);
}

/* The direct path takes what it can do as libcurl would: no proxy (the
 * CONNECT tunnel stays libcurl's), the context's store, our addresses,
 * and no caller hook into libcurl's SSL_CTX. */
static int
direct_ok(const struct mts_fetch_opts *o)
{
	return o->trust != NULL && o->resolve_addrs != NULL &&
	    o->resolve_addrs[0] != '\0' && o->https.ssl_ctx_fn == NULL &&
	    (o->https.proxy == NULL || o->https.proxy[0] == '\0');
}

static int
sink(void *arg, const char *data, size_t len)
{
	return on_data((char *)data, 1, len, arg) == len ? 0 : -1;
}

static int
fetch_direct(struct mts_fetcher *f, const struct mts_fetch_opts *o,
    const char *host, const char *url, struct body *b,
    struct mts_fetch_result *r)
{
	struct mts_tls_get_req q;
	struct mts_http1 *h;
	enum mts_tls_get_rc rc;
	char why[256];
	int ok;

	if ((h = malloc(sizeof(*h))) == NULL) {
		mts_fmt(r->reason, sizeof(r->reason), "cannot set up the fetch "
		    "for %s", host);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.host = host;
	q.addrs = o->resolve_addrs;
	q.path = "/.well-known/mta-sts.txt";
	q.user_agent = "mtasts/" MTASTS_VERSION_STRING;
	q.store = mts_cert_store_x509(o->trust);
	q.allow = o->https.allow;
	q.connect_ms = o->https.connect_ms;
	q.total_ms = o->https.total_ms;
	mts_http1_init(h, sink, b);
	rc = mts_tls_get(&f->tls, &q, h, why, sizeof(why));
	ok = judge(rc == MTS_TLS_GET_OK ? HOW_OK : rc == MTS_TLS_GET_CERT ?
	    HOW_CERT : HOW_ERR, why, h->status, h->have_ctype ? h->ctype : NULL,
	    o, url, b, r);
	free(h);
	return ok;
}

int
mts_fetch_policy(struct mts_fetcher *f, const struct mts_fetch_opts *o,
    const char *domain, struct mts_fetch_result *r)
{
	char url[MTS_DOMAIN_BUF + 64], host[MTS_DOMAIN_BUF + 16];
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *pins = NULL;
	struct mts_https_guard g;
	struct body b;
	CURLcode rc;
	int ok = -1;

	memset(r, 0, sizeof(*r));
	memset(&b, 0, sizeof(b));
	memset(&g, 0, sizeof(g));
	errbuf[0] = '\0';
	r->result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR;
	if (mts_fmt(host, sizeof(host), "mta-sts.%s", domain) != 0 ||
	    mts_fmt(url, sizeof(url), "https://%s/.well-known/mta-sts.txt",
	    host) != 0) {
		mts_fmt(r->reason, sizeof(r->reason), "cannot set up the fetch "
		    "for %s", host);
		goto out;
	}
	if (direct_ok(o)) {
		if (fetch_direct(f, o, host, url, &b, r) != 0)
			goto out;
		goto got;
	}
	if ((pins = mts_https_pins(host, 443, o->resolve_addrs)) == NULL ||
	    setup(f->curl, o, url, pins, &b, &g, errbuf) != 0) {
		mts_fmt(r->reason, sizeof(r->reason), "cannot set up the fetch "
		    "for %s", host);
		goto out;
	}
	if (mts_https_route(f->curl, &o->https, host, 443, o->resolve_addrs,
	    &g) != 0) {
		mts_fmt(r->reason, sizeof(r->reason), "%s: %s", url, g.refused);
		goto out;
	}
	rc = curl_easy_perform(f->curl);
	if (judge_curl(f->curl, rc, o, url, &b, &g, errbuf, r) != 0)
		goto out;
got:
	r->body = b.buf;
	r->len = b.len;
	b.buf = NULL;
	r->result = MTASTS_RESULT_SUCCESS;
	mts_fmt(r->reason, sizeof(r->reason), "fetched %s", url);
	ok = 0;
out:
	/* The handle keeps pointers to these; detach before freeing. */
	curl_easy_setopt(f->curl, CURLOPT_RESOLVE, NULL);
	curl_easy_setopt(f->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(f->curl, CURLOPT_OPENSOCKETFUNCTION, NULL);
	curl_easy_setopt(f->curl, CURLOPT_OPENSOCKETDATA, NULL);
	mts_https_guard_clear(f->curl, &g);
	curl_slist_free_all(pins);
	free(b.buf);
	return ok;
}
