/* SPDX-License-Identifier: ISC */
/*
 * stress.c - many processes on one cache: PROCS processes each make N
 * lookups (one in ten a forced refresh) over the given domains, while the
 * test changes policies under them. Every answer must be a policy the
 * world really served for that domain: prints "bad DOMAIN mode id" for
 * any other, and a final "ok CALLS" or "errors N".
 *
 * usage: stress CONF PROCS N DOMAIN=MODE[|MODE...] ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mtasts.h"

static int
allowed(const char *spec, const char *mode)
{
	const char *p = strchr(spec, '=');
	size_t n = strlen(mode);

	for (p = p ? p + 1 : spec; *p != '\0'; p += strcspn(p, "|"), p += *p == '|')
		if (strncmp(p, mode, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
	return 0;
}

static int
worker(const char *conf, long n, int ndom, char **spec, unsigned seed)
{
	mtasts_ctx *ctx = mtasts_new();
	char dom[256];
	long i, bad = 0;

	if (ctx == NULL || mtasts_load_config(ctx, conf) != MTASTS_OK)
		return 1;
	srandom(seed);
	for (i = 0; i < n; i++) {
		const char *s = spec[random() % ndom];
		mtasts_policy *p = NULL;
		mtasts_status st;

		snprintf(dom, sizeof(dom), "%.*s", (int)strcspn(s, "="), s);
		st = random() % 10 == 0 ? mtasts_refresh(ctx, dom, &p) :
		    mtasts_lookup(ctx, dom, &p);
		if (st != MTASTS_OK) {
			printf("bad %s status %s: %s\n", dom, mtasts_strerror(st),
			    mtasts_error(ctx));
			bad++;
			continue;
		}
		if (!allowed(s, mtasts_mode_str(mtasts_policy_mode(p)))) {
			printf("bad %s %s %s\n", dom,
			    mtasts_mode_str(mtasts_policy_mode(p)), mtasts_policy_id(p));
			bad++;
		}
		mtasts_policy_free(p);
	}
	mtasts_free(ctx);
	fflush(stdout);
	return bad ? 2 : 0;
}

int
main(int argc, char **argv)
{
	int procs, i, st, errors = 0;
	long n;

	if (argc < 5) {
		fputs("usage: stress CONF PROCS N DOMAIN=MODE[|MODE]...\n", stderr);
		return 64;
	}
	procs = atoi(argv[2]);
	n = atol(argv[3]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < procs; i++)
		if (fork() == 0)
			_exit(worker(argv[1], n, argc - 4, argv + 4, (unsigned)i + 1));
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			errors++;
	if (errors)
		printf("errors %d\n", errors);
	else
		printf("ok %ld\n", (long)procs * n);
	return errors ? 1 : 0;
}
