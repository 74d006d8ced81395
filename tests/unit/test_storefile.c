/* SPDX-License-Identifier: ISC */
/*
 * test_storefile.c - the store directory's ancestor checks
 * (base/storefile.c, DESIGN privilege model): every ancestor owned by
 * root or us and not writable by others unless sticky, links among
 * them resolved first. The common path (an absolute, plain path
 * without links: one lstat per ancestor) and the canonicalising one
 * (realpath, then stat) must agree row by row.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "base/storefile.h"

static char top[256];     /* short: every path below fits */

static void
mk(const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	if (mkdir(p, mode) != 0 || chmod(p, mode) != 0)
		printf("# mkdir %s: %s\n", p, strerror(errno));
}

static const struct {
	const char *what;
	const char *file;       /* under top; a leading '!' : relative */
	int want;               /* 0, -1, MTS_STORE_REFUSED */
	const char *dir;        /* the canonical directory (want 0) */
	const char *err;        /* a part of the message (otherwise) */
} rows[] = {
	{ "plain directories", "a/b/c.tdb", 0, "a/b", NULL },
	{ "a link among the ancestors: resolved", "l/b/c.tdb", 0, "a/b",
	    NULL },
	{ "a link to the directory itself: refused (no follow)", "a/lb/c.tdb",
	    MTS_STORE_REFUSED, NULL, "a link or not a directory" },
	{ "\".\" in the path", "a/./b/c.tdb", 0, "a/b", NULL },
	{ "\"//\" in the path", "a//b/c.tdb", 0, "a/b", NULL },
	{ "\"..\" in the path", "a/b/../b/c.tdb", 0, "a/b", NULL },
	{ "a relative path", "!a/b/c.tdb", 0, "a/b", NULL },
	{ "a group-writable ancestor: refused", "gw/b/c.tdb",
	    MTS_STORE_REFUSED, NULL, "gw: writable by others (mode 775)" },
	{ "the same reached through a link: refused", "lgw/b/c.tdb",
	    MTS_STORE_REFUSED, NULL, "gw: writable by others (mode 775)" },
	{ "a sticky world-writable ancestor (/tmp)", "st/b/c.tdb", 0, "st/b",
	    NULL },
	{ "a missing ancestor: ENOENT", "nope/b/c.tdb", -1, NULL, "nope" },
	{ "an ancestor that is a file", "f/b/c.tdb", MTS_STORE_REFUSED, NULL,
	    "Not a directory" },
};

static void
ancestor_rows(void)
{
	struct mts_store_dir d;
	char file[PATH_MAX], want[PATH_MAX], base[256], err[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].file[0] == '!')
			snprintf(file, sizeof(file), "%s", rows[i].file + 1);
		else
			snprintf(file, sizeof(file), "%s/%s", top, rows[i].file);
		err[0] = '\0';
		errno = 0;
		rc = mts_store_dir_open(file, &d, base, sizeof(base), err,
		    sizeof(err));
		if (rows[i].want == 0) {
			snprintf(want, sizeof(want), "%s/%s", top, rows[i].dir);
			ok(rc == 0 && strcmp(d.path, want) == 0 &&
			    strcmp(base, "c.tdb") == 0, "%s", rows[i].what);
			if (rc != 0 || strcmp(d.path, want) != 0)
				printf("#   rc %d path '%s' err '%s'\n", rc,
				    rc == 0 ? d.path : "", err);
		} else {
			ok(rc == rows[i].want && strstr(err, rows[i].err) != NULL,
			    "%s", rows[i].what);
			if (rc != rows[i].want || strstr(err, rows[i].err) == NULL)
				printf("#   rc %d err '%s'\n", rc, err);
		}
		if (rows[i].want == -1 && strcmp(rows[i].file, "nope/b/c.tdb") == 0)
			ok(errno == ENOENT, "and errno is ENOENT (no store yet)");
		if (rc == 0)
			mts_store_dir_close(&d);
	}
}

/* An ancestor of another user: only root can make one. */
static void
foreign_owner(void)
{
	struct mts_store_dir d;
	char file[PATH_MAX], base[256], err[512];
	int rc;

	if (geteuid() != 0) {
		printf("ok %d # SKIP not root: cannot chown\n", ++tap_n);
		return;
	}
	mk("o", 0755);
	mk("o/b", 0755);
	snprintf(file, sizeof(file), "%s/o", top);
	if (chown(file, 65534, 65534) != 0)
		printf("# chown: %s\n", strerror(errno));
	snprintf(file, sizeof(file), "%s/o/b/c.tdb", top);
	rc = mts_store_dir_open(file, &d, base, sizeof(base), err, sizeof(err));
	ok(rc == MTS_STORE_REFUSED && strstr(err, "owned by uid 65534") != NULL,
	    "an ancestor owned by another user: refused");
	if (rc == 0)
		mts_store_dir_close(&d);
}

int
main(void)
{
	char t[] = "/tmp/mtasts-test-storefile-XXXXXX", p[PATH_MAX], q[PATH_MAX];
	char cmd[PATH_MAX + 16];
	FILE *f;

	if (mkdtemp(t) == NULL || realpath(t, p) == NULL ||
	    strlen(p) >= sizeof(top))
		return 1;
	memcpy(top, p, strlen(p) + 1);
	mk("a", 0755);
	mk("a/b", 0755);
	mk("gw", 0775);
	mk("gw/b", 0755);
	mk("st", 01777);
	mk("st/b", 0755);
	snprintf(p, sizeof(p), "%s/a", top);
	snprintf(q, sizeof(q), "%s/l", top);
	if (symlink(p, q) != 0)
		return 1;
	snprintf(p, sizeof(p), "%s/a/b", top);
	snprintf(q, sizeof(q), "%s/a/lb", top);
	if (symlink(p, q) != 0)
		return 1;
	snprintf(p, sizeof(p), "%s/gw", top);
	snprintf(q, sizeof(q), "%s/lgw", top);
	if (symlink(p, q) != 0)
		return 1;
	snprintf(p, sizeof(p), "%s/f", top);
	if ((f = fopen(p, "w")) == NULL)
		return 1;
	fclose(f);
	if (chdir(top) != 0)
		return 1;
	ancestor_rows();
	foreign_owner();
	if (chdir("/") != 0)
		return 1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
