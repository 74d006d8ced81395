/* SPDX-License-Identifier: ISC */
/* base/config_check.c - `mtasts check-config`'s core half: every path the
 * loaded settings name is there, and the CA stores load, so that a typo
 * shows before the MTA defers all mail on it (a broken setup fails
 * closed; this says so ahead of time). The MTA-specific checks (its user
 * can write the store, its configuration calls mtasts) are the CLI's. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/export.h"
#include "base/ctx.h"
#include "net/cert.h"
#include "base/util.h"

struct finding {
	mtasts_check_fn *fn;
	void *arg;
	int problems;
};

static void
report(struct finding *f, const char *what, const char *problem)
{
	if (problem != NULL)
		f->problems++;
	f->fn(f->arg, what, problem);
}

/* The directory a store file lives in must exist (mtasts creates the
 * file, never the directory: its owner is the MTA's user). */
static void
check_store_dir(struct finding *f, const char *key, const char *file)
{
	char dir[MTS_PATH_MAX], what[MTS_PATH_MAX + 64], why[MTS_PATH_MAX + 64];
	char *slash;
	struct stat st;

	if (file[0] == '\0')
		return;
	mts_strlcpy(dir, file, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		mts_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	mts_fmt(what, sizeof(what), "%s directory %s", key, dir);
	if (stat(dir, &st) != 0) {
		mts_fmt(why, sizeof(why), "%s", strerror(errno));
		report(f, what, why);
	} else if (!S_ISDIR(st.st_mode))
		report(f, what, "not a directory");
	else
		report(f, what, NULL);
}

/* A file the settings name (sendmail, trust anchor) must be there. */
static void
check_file(struct finding *f, const char *key, const char *path, int exec)
{
	char what[MTS_PATH_MAX + 64], why[MTS_PATH_MAX + 64];
	struct stat st;

	if (path[0] == '\0')
		return;
	mts_fmt(what, sizeof(what), "%s %s", key, path);
	if (stat(path, &st) != 0) {
		mts_fmt(why, sizeof(why), "%s", strerror(errno));
		report(f, what, why);
	} else if (!S_ISREG(st.st_mode))
		report(f, what, "not a regular file");
	else if (exec && (st.st_mode & 0111) == 0)
		report(f, what, "not executable");
	else
		report(f, what, NULL);
}

static void
check_store(struct finding *f, const char *what, const char *file,
    const char *path)
{
	struct mts_cert_store *s = NULL;
	char err[MTS_ERR_MAX];

	if (mts_cert_store_open(&s, file, path, err, sizeof(err)) != 0) {
		report(f, what, err);
		return;
	}
	mts_cert_store_free(s);
	report(f, what, NULL);
}

MTS_API int
mtasts_config_check(mtasts_ctx *ctx, mtasts_check_fn *fn, void *arg)
{
	const struct mts_config *c = &ctx->cfg;
	struct finding f = { .fn = fn, .arg = arg, .problems = 0 };

	check_store_dir(&f, "cache_file", c->cache_file);
	check_store_dir(&f, "results_file", c->results_file);
	check_file(&f, "sendmail", c->sendmail, 1);
	check_file(&f, "dns_trust_anchor", c->dns_trust_anchor, 0);
	check_store(&f, "CA store for policy hosts (ca_file, ca_path)",
	    c->ca_file, c->ca_path);
	check_store(&f, "CA store for MX hosts (mx_ca_file, mx_ca_path)",
	    c->mx_ca_file[0] ? c->mx_ca_file : c->ca_file,
	    c->mx_ca_path[0] ? c->mx_ca_path : c->ca_path);
	return f.problems;
}

MTS_API const char *
mtasts_config_path(const mtasts_ctx *ctx, const char *key)
{
	const struct mts_config *c = &ctx->cfg;

	if (strcmp(key, "cache_file") == 0)
		return c->cache_file;
	if (strcmp(key, "results_file") == 0)
		return c->results_file;
	if (strcmp(key, "sendmail") == 0)
		return c->sendmail;
	if (strcmp(key, "tlsrpt_socket") == 0)
		return c->tlsrpt_socket;
	return NULL;
}
