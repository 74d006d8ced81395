/* SPDX-License-Identifier: ISC */
/* check_config.c - `mtasts check-config [--mta exim|opensmtpd]`: before
 * mail stops, say what would stop it. A typo in mtasts.conf, a store
 * directory the MTA's user cannot write, a CA bundle that does not load,
 * a dlfunc path that is wrong or an Exim configuration that never calls
 * mtasts: each is a line, and the exit status is 1 if any check failed
 * (78 when the config does not even load, as for every command). */
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#define MAX_FINDINGS 32
#define TEXT_MAX 1200

struct findings {
	int n, problems;
	char what[MAX_FINDINGS][TEXT_MAX];
	char problem[MAX_FINDINGS][TEXT_MAX];   /* "" = passed */
};

static void
add(void *arg, const char *what, const char *problem)
{
	struct findings *f = arg;

	if (f->n == MAX_FINDINGS)
		return;
	snprintf(f->what[f->n], TEXT_MAX, "%s", what);
	snprintf(f->problem[f->n], TEXT_MAX, "%s", problem ? problem : "");
	if (problem != NULL)
		f->problems++;
	f->n++;
}

/*
 * Can user read and write path (mode: R_OK|W_OK, or W_OK|X_OK for a
 * directory)? Asked in a child that became user, so the answer is the
 * kernel's (groups, ACLs), not a guess from mode bits. 1 yes, 0 no,
 * -1 cannot tell.
 */
static int
can_as(const struct passwd *pw, const char *path, int mode)
{
	pid_t pid;
	int st;

	if (getuid() == pw->pw_uid)
		return access(path, mode) == 0;
	if (geteuid() != 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
		    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
			_exit(2);
		_exit(access(path, mode) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 2)
		return -1;
	return WEXITSTATUS(st) == 0;
}

static void
check_access(struct findings *f, const struct passwd *pw, const char *what,
    const char *path, int mode)
{
	char w[TEXT_MAX], why[TEXT_MAX];
	int rc = can_as(pw, path, mode);

	snprintf(w, sizeof(w), "%s %s usable by %s", what, path, pw->pw_name);
	if (rc == 1) {
		add(f, w, NULL);
		return;
	}
	if (rc == 0)
		snprintf(why, sizeof(why), "%s cannot %s it", pw->pw_name,
		    mode == (W_OK | X_OK) ? "create files in" :
		    mode == (R_OK | W_OK) ? "read and write" :
		    mode == R_OK ? "read" : "run");
	else
		snprintf(why, sizeof(why), "cannot check as %s: not root",
		    pw->pw_name);
	add(f, w, why);
}

/* The store files: their directory writable by the MTA's user (mtasts
 * creates the files there), and each existing file read-writable. */
static void
check_store_user(struct findings *f, mtasts_ctx *ctx, const struct passwd *pw)
{
	static const char *keys[] = { "cache_file", "results_file" };
	char dir[TEXT_MAX], *slash;
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *file = mtasts_config_path(ctx, keys[i]);

		if (file == NULL || file[0] == '\0')
			continue;
		snprintf(dir, sizeof(dir), "%s", file);
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
			*slash = '\0';
		if (stat(dir, &st) == 0)
			check_access(f, pw, "directory", dir, W_OK | X_OK);
		if (stat(file, &st) == 0)
			check_access(f, pw, keys[i], file, R_OK | W_OK);
	}
}

/* First line of `CMD`'s output that starts with prefix, without the
 * prefix; out[0] = '\0' if none. The command lines are fixed strings. */
static void
first_line(const char *cmd, const char *prefix, char *out, size_t outsz)
{
	char line[TEXT_MAX];
	size_t n = strlen(prefix);
	FILE *p;

	out[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (out[0] == '\0' && strncmp(line, prefix, n) == 0)
			snprintf(out, outsz, "%s", line + n);
	}
	(void)pclose(p);
}

/* Exim's routers (exim4 -bP router_list): 1 if one of mtasts' is there. */
static int
exim_routers(char *list, size_t listsz)
{
	char line[256];
	size_t len = 0;
	int found = 0;
	FILE *p;

	list[0] = '\0';
	if ((p = popen("exim4 -bP router_list 2>&1", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "mtasts_enforce") == 0 ||
		    strcmp(line, "mtasts_defer") == 0)
			found = 1;
		if (len + strlen(line) + 2 < listsz) {
			len += (size_t)snprintf(list + len, listsz - len,
			    "%s%s", len ? " " : "", line);
		}
	}
	if (pclose(p) != 0)
		return -1;
	return found;
}

static void
check_exim(struct findings *f, struct cli *c, const struct passwd *pw)
{
	char routers[700], so[TEXT_MAX], conf[700], why[TEXT_MAX];
	char real_a[PATH_MAX], real_b[PATH_MAX];
	const char *what = "Exim's running configuration calls mtasts "
	    "(exim4 -bP router_list)";
	int rc = exim_routers(routers, sizeof(routers));

	if (rc < 0) {
		snprintf(why, sizeof(why), "exim4 -bP router_list failed: %.690s",
		    routers);
		add(f, what, why);
	} else if (rc == 0) {
		snprintf(why, sizeof(why), "no mtasts router among: %.690s%s",
		    routers, strstr(routers, "smarthost") ? " (a smart host "
		    "configuration: the smart host's domain is the Policy "
		    "Domain, RFC 8461 §3.4, so mtasts routes nothing)" :
		    strstr(routers, "nonlocal") ? " (a local-only "
		    "configuration: no remote mail)" : " (non-split Debian "
		    "configuration: run update-exim4.conf.template -r and "
		    "update-exim4.conf, see README)");
		add(f, what, why);
	} else
		add(f, what, NULL);
	first_line("exim4 -bP macro MTASTS_SO 2>/dev/null", "MTASTS_SO=",
	    so, sizeof(so));
	if (so[0] != '\0')
		check_access(f, pw, "Exim's MTASTS_SO", so, R_OK);
	first_line("exim4 -bP macro MTASTS_CONF 2>/dev/null", "MTASTS_CONF=",
	    conf, sizeof(conf));
	if (conf[0] != '\0' && c->config != NULL) {
		snprintf(why, sizeof(why), "Exim's MTASTS_CONF is %.690s", conf);
		if (realpath(conf, real_a) == NULL ||
		    realpath(c->config, real_b) == NULL ||
		    strcmp(real_a, real_b) != 0)
			add(f, "Exim reads the config checked here", why);
		else
			add(f, "Exim reads the config checked here", NULL);
	}
}

static void
check_opensmtpd(struct findings *f, const struct passwd *pw)
{
	static const char *bins[] = { "/usr/libexec/opensmtpd/table-mtasts",
	    "/usr/libexec/opensmtpd/filter-mtasts" };
	size_t i;

	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
		check_access(f, pw, "program", bins[i], X_OK);
}

static int
print(struct cli *c, const struct findings *f)
{
	struct out o;
	struct json j;
	int i;

	if (out_open(&o) != 0)
		return CLI_SOFTWARE;
	if (c->json) {
		json_init(&j, o.f);
		json_obj_begin(&j);
		json_kstr(&j, "config", c->config ? c->config : "");
		json_kbool(&j, "ok", f->problems == 0);
		json_key(&j, "checks");
		json_arr_begin(&j);
		for (i = 0; i < f->n; i++) {
			json_obj_begin(&j);
			json_kstr(&j, "what", f->what[i]);
			json_kbool(&j, "ok", f->problem[i][0] == '\0');
			if (f->problem[i][0] != '\0')
				json_kstr(&j, "problem", f->problem[i]);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		fputc('\n', o.f);
	} else {
		fprintf(o.f, "ok    config %s parses\n", c->config ? c->config :
		    "(none: built-in defaults)");
		for (i = 0; i < f->n; i++) {
			if (f->problem[i][0] == '\0')
				fprintf(o.f, "ok    %s\n", f->what[i]);
			else
				fprintf(o.f, "FAIL  %s: %s\n", f->what[i],
				    f->problem[i]);
		}
	}
	return out_commit(&o);
}

int
cmd_check_config(struct cli *c)
{
	struct findings *f;
	const struct passwd *pw = NULL;
	const char *user = NULL;
	int rc;

	if (c->mta != NULL && strcmp(c->mta, "exim") == 0)
		user = "Debian-exim";
	else if (c->mta != NULL && strcmp(c->mta, "opensmtpd") == 0)
		user = "opensmtpd";
	else if (c->mta != NULL)
		return cli_usage_error("--mta: '%s' is not exim or opensmtpd",
		    c->mta);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return CLI_SOFTWARE;
	(void)mtasts_config_check(c->ctx, add, f);
	if (user != NULL && (pw = getpwnam(user)) == NULL) {
		add(f, "the MTA's user", "no such user (is the MTA installed?)");
		user = NULL;
	}
	if (pw != NULL)
		check_store_user(f, c->ctx, pw);
	if (pw != NULL && strcmp(c->mta, "exim") == 0)
		check_exim(f, c, pw);
	if (pw != NULL && strcmp(c->mta, "opensmtpd") == 0)
		check_opensmtpd(f, pw);
	rc = print(c, f);
	if (rc == CLI_OK && f->problems > 0)
		rc = CLI_NO;
	free(f);
	return rc;
}
