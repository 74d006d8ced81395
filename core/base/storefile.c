/* SPDX-License-Identifier: ISC */
/*
 * base/storefile.c - the store files live in a directory owned by the
 * MTA user, and root opens them too (Exim's routing, cron). A path there
 * may be a link the MTA user planted to a file of root's: so every
 * store file is opened relative to a directory fd, without following a
 * link, and what was opened is checked before anything reads or writes
 * it. A file that fails is refused, never rebuilt in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/storefile.h"
#include "base/util.h"

/* An ancestor that someone else could rename entries in would let that
 * someone swap the directory under us: owned by root or us, and not
 * writable by group or others unless sticky (/tmp). */
static int
ancestor_st_ok(const char *path, const struct stat *st, char *err,
    size_t errsz)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		mts_fmt(err, errsz, "%s: owned by uid %u, not root: refused",
		    path, (unsigned)st->st_uid);
		return MTS_STORE_REFUSED;
	}
	if ((st->st_mode & 022) != 0 && (st->st_mode & S_ISVTX) == 0) {
		mts_fmt(err, errsz, "%s: writable by others (mode %03o): "
		    "refused", path, (unsigned)(st->st_mode & 0777));
		return MTS_STORE_REFUSED;
	}
	return 0;
}

static int
ancestor_ok(const char *path, char *err, size_t errsz)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		mts_fmt(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	return ancestor_st_ok(path, &st, err, errsz);
}

/*
 * The common case in one system call per ancestor: an absolute path
 * without ".", ".." or "//" none of whose components is a link is its
 * own canonical form, and lstat() of each prefix is then what stat()
 * of each prefix of realpath() would say. 0: checked (a failed check
 * is returned as such); 1: not that case (a link, an odd path, any
 * error): the caller canonicalises and checks as before, which also
 * makes the very same error message.
 */
static int
ancestors_fast(const char *dir, char *err, size_t errsz)
{
	char p[1024];
	struct stat st;
	size_t i, start, n = strlen(dir);
	int rc;

	if (n == 0 || n >= sizeof(p) || dir[0] != '/' || dir[n - 1] == '/')
		return 1;
	memcpy(p, dir, n + 1);
	/* Every component between two '/' (or the end): not "", ".", "..". */
	for (i = 1, start = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (i == start || (i - start == 1 && p[start] == '.') ||
		    (i - start == 2 && p[start] == '.' && p[start + 1] == '.'))
			return 1;
		start = i + 1;
	}
	if (lstat("/", &st) != 0 || !S_ISDIR(st.st_mode))
		return 1;
	if ((rc = ancestor_st_ok("/", &st, err, errsz)) != 0)
		return rc;
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode))
			return 1;
		if ((rc = ancestor_st_ok(p, &st, err, errsz)) != 0)
			return rc;
		if (i < n)
			p[i] = '/';
	}
	return 0;
}

/* canon is absolute and free of links (realpath): check it and each
 * of its ancestors, "/" first. */
static int
ancestors_ok(char *canon, char *err, size_t errsz)
{
	size_t i, n = strlen(canon);
	int rc;

	if ((rc = ancestor_ok("/", err, errsz)) != 0)
		return rc;
	for (i = 1; i <= n; i++) {
		if (canon[i] != '/' && canon[i] != '\0')
			continue;
		canon[i] = '\0';
		rc = ancestor_ok(canon, err, errsz);
		if (i < n)
			canon[i] = '/';
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Split "a/b/c" at its last '/': head "a/b" (or "." or "/"), tail "c". */
static int
split(const char *path, char *head, size_t headsz, char *tail, size_t tailsz)
{
	const char *s = strrchr(path, '/');

	if (s == NULL) {
		if (mts_fmt(head, headsz, ".") != 0)
			return -1;
		return mts_fmt(tail, tailsz, "%s", path);
	}
	if (mts_fmt(tail, tailsz, "%s", s + 1) != 0)
		return -1;
	if (s == path)
		return mts_fmt(head, headsz, "/");
	return mts_fmt(head, headsz, "%.*s", (int)(s - path), path);
}

static int
open_leaf(struct mts_store_dir *d, const char *dir, char *err, size_t errsz)
{
	char parent[1024], leaf[256], canon[PATH_MAX];
	int rc;

	if (strcmp(dir, "/") == 0) {
		mts_strlcpy(d->path, "/", sizeof(d->path));
		return 0;
	}
	if (split(dir, parent, sizeof(parent), leaf, sizeof(leaf)) != 0 ||
	    leaf[0] == '\0') {
		mts_fmt(err, errsz, "%s: not a usable directory name", dir);
		return -1;
	}
	if ((rc = ancestors_fast(parent, err, errsz)) != 1) {
		if (rc != 0)
			return rc;
		if (mts_fmt(d->path, sizeof(d->path), "%s/%s", parent,
		    leaf) != 0) {
			mts_fmt(err, errsz, "%s: path too long", dir);
			return -1;
		}
		return 0;
	}
	if (realpath(parent, canon) == NULL) {
		rc = errno;
		mts_fmt(err, errsz, "%s: %s", parent, strerror(rc));
		errno = rc;     /* ENOENT: no store yet (store_owner.c) */
		return -1;
	}
	if ((rc = ancestors_ok(canon, err, errsz)) != 0)
		return rc;
	if (mts_fmt(d->path, sizeof(d->path), "%s%s%s", canon,
	    strcmp(canon, "/") == 0 ? "" : "/", leaf) != 0) {
		mts_fmt(err, errsz, "%s: path too long", dir);
		return -1;
	}
	return 0;
}

int
mts_store_dir_open(const char *file_path, struct mts_store_dir *d,
    char *base, size_t basesz, char *err, size_t errsz)
{
	char dir[1024];
	struct stat st;
	int rc;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (split(file_path, dir, sizeof(dir), base, basesz) != 0 ||
	    base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		mts_fmt(err, errsz, "%s: not a usable file name", file_path);
		return -1;
	}
	if ((rc = open_leaf(d, dir, err, errsz)) != 0)
		return rc;
	/* The directory itself is not followed if it is a link. */
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0) {
		int e = errno;

		rc = e == ELOOP || e == ENOTDIR ? MTS_STORE_REFUSED : -1;
		mts_fmt(err, errsz, "%s: %s%s", d->path, strerror(e),
		    rc == MTS_STORE_REFUSED ? " (a link or not a directory: "
		    "refused)" : "");
		errno = e;
		return rc;
	}
	if (fstat(d->fd, &st) != 0) {
		mts_fmt(err, errsz, "%s: %s", d->path, strerror(errno));
		mts_store_dir_close(d);
		return -1;
	}
	d->uid = st.st_uid;
	d->gid = st.st_gid;
	return 0;
}

void
mts_store_dir_close(struct mts_store_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int
mts_store_file_check(const struct mts_store_dir *d, int fd, const char *name,
    char *err, size_t errsz)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		mts_fmt(err, errsz, "%s/%s: %s", d->path, name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		mts_fmt(err, errsz, "%s/%s: not a regular file: refused",
		    d->path, name);
	else if (st.st_nlink != 1)
		mts_fmt(err, errsz, "%s/%s: %lu hard links: refused", d->path,
		    name, (unsigned long)st.st_nlink);
	else if (st.st_uid != d->uid && st.st_uid != 0)
		mts_fmt(err, errsz, "%s/%s: owned by uid %u, not by the "
		    "directory's owner (uid %u) or root: refused", d->path,
		    name, (unsigned)st.st_uid, (unsigned)d->uid);
	else
		return 0;
	return MTS_STORE_REFUSED;
}

int
mts_store_file_open(const struct mts_store_dir *d, const char *name,
    unsigned mode, int *created, char *err, size_t errsz)
{
	const int fl = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd, tries, rc;

	*created = 0;
	/* The file exists on every call but the first: open it first, so
	 * that an Exim delivery pays one openat per store file, not a
	 * failed O_EXCL create before it. */
	for (tries = 0; tries < 3; tries++) {
		fd = openat(d->fd, name, fl);
		if (fd >= 0 || errno != ENOENT)
			break;
		fd = openat(d->fd, name, fl | O_CREAT | O_EXCL, mode);
		if (fd >= 0) {
			*created = 1;
			/* Ours: past the umask (Exim runs with umask 0). */
			(void)fchmod(fd, mode);
			return fd;
		}
		if (errno != EEXIST)
			break;      /* EEXIST: made in between, open it again */
	}
	if (fd < 0) {
		rc = errno == ELOOP ? MTS_STORE_REFUSED : -1;
		mts_fmt(err, errsz, "%s/%s: %s%s", d->path, name,
		    strerror(errno), rc == MTS_STORE_REFUSED ?
		    " (a symbolic link: refused)" : "");
		return rc;
	}
	if ((rc = mts_store_file_check(d, fd, name, err, errsz)) != 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int
mts_store_fd_path(int fd, char *buf, size_t bufsz)
{
	return mts_fmt(buf, bufsz, "/proc/self/fd/%d", fd);
}
