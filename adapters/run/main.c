/* SPDX-License-Identifier: ISC */
/*
 * main.c - mtasts-run, the small front end for Exim's ${run}: an Exim
 * without dlfunc starts a process per address, and the full `mtasts`
 * pays for loading libunbound, libcurl and OpenSSL (~40 shared
 * libraries) before it reads one cache entry. This program is linked
 * with the cache-only part of libmtasts (libc, libtdb): it answers
 * `[-c FILE] route --exim DOMAIN` from the cache when the cache has a
 * fresh answer, and otherwise (a miss, an expired entry, any error,
 * any other command) execs the full `mtasts` with the very same
 * arguments, so the output and exit code contract is the full one
 * (docs/CLI-CONTRACT.md) in every case.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mtasts.h"
#include "route_out.h"

#ifndef MTASTS_FULL_BIN
#define MTASTS_FULL_BIN "/usr/bin/mtasts"
#endif

/* The full mtasts: the one installed beside this program (BINDIR, the
 * Debian package, a test prefix), else the configured path. */
static void
exec_full(char **argv)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - sizeof("mtasts"));
	if (n > 0 && (size_t)n < sizeof(self) - sizeof("mtasts")) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			memcpy(slash + 1, "mtasts", sizeof("mtasts"));
			argv[0] = self;
			execv(self, argv);
		}
	}
	argv[0] = (char *)MTASTS_FULL_BIN;
	execv(MTASTS_FULL_BIN, argv);
	perror("mtasts-run: exec " MTASTS_FULL_BIN);
	exit(75);   /* EX_TEMPFAIL: Exim defers, never routes around */
}

/* [-c FILE | -cFILE] route --exim DOMAIN: 0 with *config and *domain
 * set; -1 for anything else (the full program parses it). */
static int
parse(int argc, char **argv, const char **config, const char **domain)
{
	int i = 1;

	*config = NULL;
	if (i < argc && strncmp(argv[i], "-c", 2) == 0) {
		if (argv[i][2] != '\0')
			*config = argv[i++] + 2;
		else if (i + 1 < argc) {
			*config = argv[i + 1];
			i += 2;
		} else
			return -1;
	}
	if (argc - i != 3 || strcmp(argv[i], "route") != 0 ||
	    strcmp(argv[i + 1], "--exim") != 0 || argv[i + 2][0] == '-' ||
	    argv[i + 2][0] == '\0')
		return -1;
	*domain = argv[i + 2];
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config, *domain;
	mtasts_route *r = NULL;
	mtasts_ctx *ctx;
	int rc;

	if (parse(argc, argv, &config, &domain) != 0)
		exec_full(argv);
	/* The full program's default config, when it exists. */
	if (config == NULL && access("/etc/mtasts/mtasts.conf", F_OK) == 0)
		config = "/etc/mtasts/mtasts.conf";
	if ((ctx = mtasts_new()) == NULL)
		exec_full(argv);
	if ((config != NULL && mtasts_load_config(ctx, config) != MTASTS_OK) ||
	    mtasts_route_lookup_cached(ctx, domain, &r) != MTASTS_OK) {
		/* Not cached, expired, or any error: the full program decides
		 * (and says why on stderr), as if this one were not there. */
		mtasts_free(ctx);
		exec_full(argv);
	}
	/* A policy due for a refresh (policy_due: its max_age near) is
	 * still answered: the full program answers it from the cache as
	 * well (a route never forces a fetch; `mtasts refresh` does, RFC
	 * 8461 §5.1). An answer the cache cannot give (TXT past its TTL,
	 * policy expired, fetch pending) failed above and went there. */
	cli_route_exim(stdout, r);
	rc = cli_route_exit(r, 1);
	if (fflush(stdout) != 0) {
		perror("mtasts-run: stdout");
		rc = 70;
	}
	mtasts_route_free(r);
	mtasts_free(ctx);
	return rc;
}
