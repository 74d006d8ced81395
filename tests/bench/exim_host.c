/* SPDX-License-Identifier: ISC */
/*
 * exim_host.c - load mtasts_exim.so the way Exim does and call its dlfunc
 * entry points, outside Exim: for valgrind (make check-valgrind) and for
 * the per-call benchmark (make bench). It provides the few Exim API
 * functions the object uses, dlopens it with RTLD_LAZY (expand.c), routes, forks (as
 * Exim forks a transport) and feeds tls:cert events deepest first.
 *
 * usage: exim_host SO CONF route DOMAIN...
 *        exim_host SO CONF cert DOMAIN HOST PEMFILE
 *        exim_host SO CONF bench DOMAIN N
 */
#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef unsigned char uschar;
typedef int dlfunc(uschar **, int, uschar **);

/* The Exim API the object imports (see exim.h); exported by -rdynamic. */
void log_write(unsigned int, int, const char *, ...);
void debug_printf(const char *, ...);
uschar *string_copy_function(const uschar *);
uschar *expand_string(uschar *);

void
log_write(unsigned int sel, int flags, const char *fmt, ...)
{
	va_list ap;

	(void)sel;
	(void)flags;
	va_start(ap, fmt);
	fputs("log: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

void
debug_printf(const char *fmt, ...)
{
	(void)fmt;
}

/* Exim's store is a pool reset per message; a small ring stands in. */
uschar *
string_copy_function(const uschar *s)
{
	static char ring[8][1024];
	static int i;
	char *d = ring[i++ % 8];

	snprintf(d, sizeof(ring[0]), "%s", (const char *)s);
	return (uschar *)d;
}

/* The event dlfunc reads transport variables through expand_string();
 * here they are what a TLS session that verified would show. */
uschar *
expand_string(uschar *s)
{
	if (strcmp((char *)s, "$tls_out_cipher") == 0)
		return (uschar *)"TLS1.3:TLS_AES_256_GCM_SHA384:256";
	if (strcmp((char *)s, "$sending_ip_address") == 0)
		return (uschar *)"127.0.0.1";
	if (strcmp((char *)s, "$event_defer_errno") == 0)
		return (uschar *)"0";
	return (uschar *)"";
}

static dlfunc *
sym(void *h, const char *name)
{
	dlfunc *f = (dlfunc *)dlsym(h, name);

	if (f == NULL) {
		fprintf(stderr, "exim_host: %s: %s\n", name, dlerror());
		exit(2);
	}
	return f;
}

static int
call(dlfunc *f, const char *a, const char *b, const char *c, const char *d,
    const char *e, uschar **yield)
{
	const char *argv[6] = { a, b, c, d, e, NULL };
	int argc = 0;

	while (argc < 5 && argv[argc] != NULL)
		argc++;
	*yield = NULL;
	return f(yield, argc, (uschar **)argv);
}

/* Base64 DER of each certificate in a PEM file, leaf first. */
static int
load_chain(const char *path, char b64[][8192], int max)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	int n = 0;

	while (b != NULL && n < max &&
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);

		EVP_EncodeBlock((unsigned char *)b64[n++], der, len);
		OPENSSL_free(der);
		X509_free(x);
	}
	BIO_free(b);
	return n;
}

static int
cmd_cert(void *h, const char *conf, const char *domain, const char *host,
    const char *pem)
{
	static char b64[4][8192];
	dlfunc *cert = sym(h, "mtasts_exim_tls_cert");
	char depth[8];
	uschar *y;
	int n = load_chain(pem, b64, 4), i, rc = 0;

	for (i = n - 1; i >= 0; i--) {         /* deepest first, as Exim */
		snprintf(depth, sizeof(depth), "%d", i);
		rc = call(cert, domain, host, depth, b64[i], conf, &y);
	}
	printf("cert %s %s: rc=%d veto=\"%s\"\n", domain, host, rc,
	    y ? (char *)y : "");
	return 0;
}

static int
cmd_route(void *h, const char *conf, int n, char **domains)
{
	dlfunc *route = sym(h, "mtasts_exim_route"), *mode = sym(h, "mtasts_exim_mode");
	uschar *y;
	int i, rc, st;
	pid_t pid;

	for (i = 0; i < n; i++) {
		rc = call(route, domains[i], conf, NULL, NULL, NULL, &y);
		printf("route %s: rc=%d yield=\"%s\"\n", domains[i], rc, y ? (char *)y : "");
		rc = call(mode, domains[i], conf, NULL, NULL, NULL, &y);
		printf("mode %s: rc=%d yield=\"%s\"\n", domains[i], rc, y ? (char *)y : "");
	}
	/* Exim forks the transport from the routing process. */
	if ((pid = fork()) == 0) {
		rc = call(mode, domains[0], conf, NULL, NULL, NULL, &y);
		printf("after fork, mode %s: rc=%d yield=\"%s\"\n", domains[0], rc,
		    y ? (char *)y : "");
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return 0;
}

static int
cmd_bench(void *h, const char *conf, const char *domain, long n)
{
	dlfunc *route = sym(h, "mtasts_exim_route");
	struct timespec a, b;
	uschar *y;
	long i;

	call(route, domain, conf, NULL, NULL, NULL, &y);      /* warm */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		call(route, domain, conf, NULL, NULL, NULL, &y);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}

int
main(int argc, char **argv)
{
	void *h;

	if (argc < 5) {
		fputs("usage: exim_host SO CONF route|cert|bench ARGS...\n", stderr);
		return 64;
	}
	if ((h = dlopen(argv[1], RTLD_LAZY)) == NULL) {
		fprintf(stderr, "exim_host: %s\n", dlerror());
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[3], "route") == 0)
		return cmd_route(h, argv[2], argc - 4, argv + 4);
	if (strcmp(argv[3], "cert") == 0 && argc == 7)
		return cmd_cert(h, argv[2], argv[4], argv[5], argv[6]);
	if (strcmp(argv[3], "bench") == 0 && argc == 6)
		return cmd_bench(h, argv[2], argv[4], atol(argv[5]));
	fputs("exim_host: bad arguments\n", stderr);
	return 64;
}
