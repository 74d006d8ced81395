/* SPDX-License-Identifier: ISC */
/*
 * bench.c - in-process figures for `make bench` (tests/bench/run.sh):
 *
 *   bench CONF hot DOMAIN MX N PROCS   ns per cached lookup + verdict,
 *                                      PROCS processes sharing the cache
 *   bench CONF first DOMAIN MX RUNS    first verdict in a fresh (forked)
 *                                      process, context opening included
 *   bench CONF tls IP SNI CAFILE N [MODE] client CPU ns and wall ns per
 *                                      bare TLS 1.3 handshake (verified, the
 *                                      CA file parsed once): the cold floor;
 *                                      MODE get: + the policy GET; get-ctx:
 *                                      + an SSL_CTX per connection (libcurl)
 *   bench CONF scale SIZE N [HASH [MMAP]] lookups/s and file size with
 *                                      SIZE synthetic cached policies (tdb
 *                                      HASH buckets, cache_hash_size;
 *                                      MMAP 1: cache_mmap = yes)
 *
 * Prints one number per line (ns, or "lookups/s bytes"); run.sh takes
 * medians. Uses the public API, except `scale`, which fills a cache file
 * through the core's cache layer to avoid a million fetches.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "mtasts.h"
#include "sts/cache.h"
#include "sts/policy.h"
#include "sts/entry.h"

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static mtasts_ctx *
open_ctx(const char *conf)
{
	mtasts_ctx *ctx = mtasts_new();

	if (ctx == NULL || mtasts_load_config(ctx, conf) != MTASTS_OK) {
		fprintf(stderr, "bench: %s\n", ctx ? mtasts_error(ctx) : "nomem");
		exit(1);
	}
	return ctx;
}

/* One verdict as an MTA asks for it: the policy, then the MX host. */
static int
verdict(mtasts_ctx *ctx, const char *domain, const char *mx)
{
	mtasts_policy *p = NULL;
	mtasts_verdict v;

	if (mtasts_lookup(ctx, domain, &p) != MTASTS_OK)
		return -1;
	mtasts_verdict_mx(p, mx, MTASTS_TLS_NOT_YET, MTASTS_RESULT_SUCCESS, &v);
	mtasts_policy_free(p);
	return v.action;
}

static double
hot_loop(const char *conf, const char *domain, const char *mx, long n)
{
	mtasts_ctx *ctx = open_ctx(conf);
	double t0;
	long i;

	verdict(ctx, domain, mx);            /* warm: cache filled */
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (verdict(ctx, domain, mx) < 0) {
			fprintf(stderr, "bench: %s\n", mtasts_error(ctx));
			exit(1);
		}
	t0 = (now_ns() - t0) / n;
	mtasts_free(ctx);
	return t0;
}

/* PROCS processes at once; prints the mean ns per call over all. */
static int
cmd_hot(const char *conf, const char *domain, const char *mx, long n,
    int procs)
{
	int fd[2], i, st;
	double sum = 0, x;

	if (procs <= 1) {
		printf("%.0f\n", hot_loop(conf, domain, mx, n));
		return 0;
	}
	if (pipe(fd) != 0)
		return 1;
	for (i = 0; i < procs; i++)
		if (fork() == 0) {
			x = hot_loop(conf, domain, mx, n);
			if (write(fd[1], &x, sizeof(x)) != sizeof(x))
				_exit(1);
			_exit(0);
		}
	close(fd[1]);
	for (i = 0; i < procs; i++)
		if (read(fd[0], &x, sizeof(x)) == sizeof(x))
			sum += x;
	while (wait(&st) > 0)
		;
	printf("%.0f\n", sum / procs);
	return 0;
}

/* Exim forks a process per delivery: the first verdict it pays for. */
static int
cmd_first(const char *conf, const char *domain, const char *mx, int runs)
{
	int fd[2], i, st;
	double x;

	if (pipe(fd) != 0)
		return 1;
	for (i = 0; i < runs; i++) {
		if (fork() == 0) {
			double t0 = now_ns();
			mtasts_ctx *ctx = open_ctx(conf);

			verdict(ctx, domain, mx);
			x = now_ns() - t0;
			mtasts_free(ctx);
			if (write(fd[1], &x, sizeof(x)) != sizeof(x))
				_exit(1);
			_exit(0);
		}
		wait(&st);
		if (read(fd[0], &x, sizeof(x)) == sizeof(x))
			printf("%.0f\n", x);
	}
	return 0;
}

/* A cache file of size policies d<i>.scale.test with fresh TXT answers,
 * then n lookups of random ones through the public API. */
static int
cmd_scale(const char *conf, long size, long n, int hash, int map)
{
	static const char body[] = "version: STSv1\nmode: enforce\n"
	    "mx: mx1.example.net\nmx: *.example.org\nmax_age: 604800\n";
	struct mts_policy_doc *doc = NULL;
	struct mts_cache *c = NULL;
	struct mts_entry e;
	char path[1024], err[256], dom[64];
	mtasts_ctx *ctx;
	struct stat sb;
	double t0;
	long i;
	time_t t = time(NULL);

	snprintf(path, sizeof(path), "%s/scale-%ld.tdb", getenv("BENCH_DIR") ?
	    getenv("BENCH_DIR") : "/tmp", size);
	unlink(path);
	if (mts_policy_parse(body, sizeof(body) - 1, &doc, err, sizeof(err)) ||
	    mts_cache_open(&c, path, 0600, 1, hash, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	mts_entry_init(&e);
	e.txt_state = MTS_TXTSTATE_RECORD;
	strcpy(e.txt_id, "20260101");
	strcpy(e.policy_id, "20260101");
	e.txt_expires = t + 86400;
	e.fetched_at = t;
	e.expires_at = t + 604800;
	e.doc = doc;
	for (i = 0; i < size; i++) {
		snprintf(dom, sizeof(dom), "d%ld.scale.test", i);
		if (mts_cache_put(c, dom, &e, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench: %s\n", err);
			return 1;
		}
	}
	mts_cache_close(c);
	mts_policy_doc_free(doc);
	ctx = open_ctx(conf);
	if (mtasts_set(ctx, "cache_file", path) != MTASTS_OK ||
	    (map && mtasts_set(ctx, "cache_mmap", "yes") != MTASTS_OK))
		return 1;
	srandom(42);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(dom, sizeof(dom), "d%ld.scale.test", random() % size);
		if (verdict(ctx, dom, "mx1.example.net") != MTASTS_ACTION_DELIVER) {
			fprintf(stderr, "bench: %s not cached\n", dom);
			return 1;
		}
	}
	t0 = now_ns() - t0;
	stat(path, &sb);
	printf("%.0f %lld\n", n / (t0 / 1e9), (long long)sb.st_size);
	mtasts_free(ctx);
	unlink(path);
	return 0;
}

/* TLS-RPT: one session outcome counted, as the Exim event hook does per
 * SMTP session (policy object given, as the hook has it). */
static int
cmd_record(const char *conf, const char *domain, long n)
{
	mtasts_ctx *ctx = open_ctx(conf);
	mtasts_policy *p = NULL;
	mtasts_session s;
	double t0;
	long i;

	if (mtasts_lookup(ctx, domain, &p) != MTASTS_OK)
		return 1;
	memset(&s, 0, sizeof(s));
	s.domain = domain;
	s.mx_host = "mx.enforce.test";
	s.receiving_ip = "127.0.10.11";
	s.sending_ip = "127.0.0.1";
	s.result = MTASTS_RESULT_SUCCESS;
	(void)mtasts_record(ctx, p, &s);    /* store opened */
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s.result = i % 10 ? MTASTS_RESULT_SUCCESS :
		    MTASTS_RESULT_CERT_EXPIRED;
		if (mtasts_record(ctx, p, &s) != MTASTS_OK) {
			fprintf(stderr, "bench: %s\n", mtasts_error(ctx));
			return 1;
		}
	}
	printf("%.0f\n", (now_ns() - t0) / n);
	mtasts_policy_free(p);
	mtasts_free(ctx);
	return 0;
}

/* The routing answer from the cache (policy and MX answer): what the
 * OpenSMTPD table does per lookup, and Exim's route once cached. */
static int
cmd_route(const char *conf, const char *domain, long n)
{
	mtasts_ctx *ctx = open_ctx(conf);
	mtasts_route *r = NULL;
	double t0;
	long i;

	if (mtasts_route_lookup(ctx, domain, &r) != MTASTS_OK)
		return 1;
	mtasts_route_free(r);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (mtasts_route_lookup_cached(ctx, domain, &r) != MTASTS_OK) {
			fprintf(stderr, "bench: %s\n", mtasts_error(ctx));
			return 1;
		}
		mtasts_route_free(r);
	}
	printf("%.0f\n", (now_ns() - t0) / n);
	mtasts_free(ctx);
	return 0;
}

static double
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* The client's side of a TLS context, as net/trust.c sets one up: the
 * CA store shared, verification on, no session cache. */
static SSL_CTX *
tls_ctx(X509_STORE *store, int min_version)
{
	SSL_CTX *sc = SSL_CTX_new(TLS_client_method());

	if (sc == NULL)
		return NULL;
	SSL_CTX_set1_cert_store(sc, store);
	SSL_CTX_set_min_proto_version(sc, min_version);
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	return sc;
}

/* GET the policy over s and read the response to its end: the HTTP
 * exchange of a policy fetch. 0 if some response came back. */
static int
tls_get(SSL *s, const char *sni)
{
	char req[512], buf[16384];
	int len, r, ok = -1;
	long got = 0;

	len = snprintf(req, sizeof(req), "GET /.well-known/mta-sts.txt "
	    "HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", sni);
	if (len <= 0 || (size_t)len >= sizeof(req) || SSL_write(s, req, len) != len)
		return -1;
	while ((r = SSL_read(s, buf, sizeof(buf))) > 0) {
		if (got == 0 && r >= 12 && memcmp(buf, "HTTP/1.1 200", 12) == 0)
			ok = 0;
		got += r;
	}
	return ok;
}

/*
 * The floor of a cold fetch: TCP connect + TLS 1.3 handshake with chain
 * and name verification, nothing else (no DNS, no HTTP). mode "get"
 * adds the HTTP exchange (GET, the response read to its end); "get-ctx"
 * also builds a new SSL_CTX per connection, as libcurl 7.88 does for
 * every connection (lib/vtls/openssl.c, ossl_connect_step1), which the
 * policy fetch cannot avoid as long as libcurl makes its connections.
 */
static int
cmd_tls(const char *ip, const char *sni, const char *cafile, long n,
    const char *mode)
{
	struct sockaddr_in sa;
	X509_STORE *store = X509_STORE_new();
	int get = mode != NULL && strncmp(mode, "get", 3) == 0;
	int per_conn = mode != NULL && strcmp(mode, "get-ctx") == 0;
	SSL_CTX *sc = NULL;
	double c0, t0;
	long i;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(443);
	if (store == NULL || inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    !X509_STORE_load_file(store, cafile) ||
	    (!per_conn && (sc = tls_ctx(store, get ? TLS1_2_VERSION :
	    TLS1_3_VERSION)) == NULL))
		return 1;
	c0 = cpu_ns();
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		SSL_CTX *c = per_conn ? tls_ctx(store, TLS1_2_VERSION) : sc;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		SSL *s = c != NULL ? SSL_new(c) : NULL;

		if (fd < 0 || s == NULL || connect(fd, (struct sockaddr *)&sa,
		    sizeof(sa)) != 0)
			return 1;
		SSL_set_fd(s, fd);
		SSL_set_tlsext_host_name(s, sni);
		SSL_set1_host(s, sni);
		if (SSL_connect(s) != 1 || SSL_get_verify_result(s) != X509_V_OK) {
			fprintf(stderr, "bench: handshake with %s failed\n", sni);
			return 1;
		}
		if (get && tls_get(s, sni) != 0) {
			fprintf(stderr, "bench: no policy from %s\n", sni);
			return 1;
		}
		SSL_free(s);
		close(fd);
		if (per_conn)
			SSL_CTX_free(c);
	}
	printf("%.0f %.0f\n", (cpu_ns() - c0) / n, (now_ns() - t0) / n);
	SSL_CTX_free(sc);
	X509_STORE_free(store);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 7 && strcmp(argv[2], "tls") == 0)
		return cmd_tls(argv[3], argv[4], argv[5], atol(argv[6]),
		    argc >= 8 ? argv[7] : NULL);
	if (argc >= 7 && strcmp(argv[2], "hot") == 0)
		return cmd_hot(argv[1], argv[3], argv[4], atol(argv[5]), atoi(argv[6]));
	if (argc >= 6 && strcmp(argv[2], "first") == 0)
		return cmd_first(argv[1], argv[3], argv[4], atoi(argv[5]));
	if (argc >= 5 && strcmp(argv[2], "scale") == 0)
		return cmd_scale(argv[1], atol(argv[3]), atol(argv[4]),
		    argc >= 6 ? atoi(argv[5]) : 0, argc >= 7 && atoi(argv[6]));
	if (argc >= 5 && strcmp(argv[2], "record") == 0)
		return cmd_record(argv[1], argv[3], atol(argv[4]));
	if (argc >= 5 && strcmp(argv[2], "route") == 0)
		return cmd_route(argv[1], argv[3], atol(argv[4]));
	fputs("usage: bench CONF hot|first|scale|record|route|tls ...\n", stderr);
	return 64;
}
