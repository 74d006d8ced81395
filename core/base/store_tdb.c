/* SPDX-License-Identifier: ISC */
/*
 * base/store_tdb.c - tdb opens by name and, with O_CREAT, rewrites any
 * file that is not a tdb: so it is given no name the MTA user could
 * redirect, only /proc/self/fd/N of a file already opened and checked.
 * tdb_reopen (after fork) opens that name again and itself refuses a
 * different inode. The fd stays open as long as the tdb: closing any fd
 * of a file drops the process's fcntl locks on it, tdb's included.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdb.h>

#include "base/lazylib.h"
#include "base/store_tdb.h"
#include "base/util.h"

static int
same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
mts_store_tdb_open_file(struct mts_store_tdb *s, const char *path,
    unsigned mode, char *err, size_t errsz)
{
	char base[256];
	int created, rc;

	s->fd = -1;
	s->tdb = NULL;
	if ((rc = mts_store_dir_open(path, &s->dir, base, sizeof(base), err,
	    errsz)) != 0)
		return rc;
	s->fd = mts_store_file_open(&s->dir, base, mode, &created, err, errsz);
	if (s->fd < 0) {
		rc = s->fd;
		mts_store_tdb_close(s);
		return rc;
	}
	return 0;
}

int
mts_store_tdb_attach(struct mts_store_tdb *s, const char *path, int hash_size,
    int tdb_flags, unsigned mode, char *err, size_t errsz)
{
	char name[64];

	if (s->tdb != NULL)
		return 0;
	if (s->fd < 0 || mts_store_fd_path(s->fd, name, sizeof(name)) != 0) {
		mts_fmt(err, errsz, "%s: not open", path);
		return -1;
	}
	/* mtasts_exim.so does not name libtdb (base/lazylib.c). */
	if (mts_lazylib_tdb() != 0) {
		mts_fmt(err, errsz, "%s: cannot load libtdb", path);
		return -1;
	}
	errno = 0;
	/* O_CREAT only lets tdb initialise a file that passed the checks
	 * (empty, or the MTA user's own damaged store). */
	s->tdb = tdb_open(name, hash_size, tdb_flags, O_RDWR | O_CREAT |
	    O_CLOEXEC, mode);
	if (s->tdb == NULL) {
		mts_fmt(err, errsz, "%s: cannot open tdb: %s", path,
		    errno ? strerror(errno) : "not a tdb file");
		return -1;
	}
	if (!same_file(tdb_fd(s->tdb), s->fd)) {
		mts_fmt(err, errsz, "%s: changed while opened: refused", path);
		tdb_close(s->tdb);
		s->tdb = NULL;
		return MTS_STORE_REFUSED;
	}
	return 0;
}

int
mts_store_tdb_open(struct mts_store_tdb *s, const char *path, int hash_size,
    int tdb_flags, unsigned mode, char *err, size_t errsz)
{
	int rc;

	if ((rc = mts_store_tdb_open_file(s, path, mode, err, errsz)) != 0)
		return rc;
	if ((rc = mts_store_tdb_attach(s, path, hash_size, tdb_flags, mode,
	    err, errsz)) != 0)
		mts_store_tdb_close(s);
	return rc;
}

void
mts_store_tdb_close(struct mts_store_tdb *s)
{
	if (s->tdb != NULL)
		tdb_close(s->tdb);
	s->tdb = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	mts_store_dir_close(&s->dir);
}

int
mts_store_tdb_lockfile(const struct mts_store_tdb *s, const char *path,
    unsigned mode, int *created, char *err, size_t errsz)
{
	const char *b = strrchr(path, '/');
	char name[300];

	if (mts_fmt(name, sizeof(name), "%s.lock", b ? b + 1 : path) != 0) {
		mts_fmt(err, errsz, "%s: name too long", path);
		return -1;
	}
	return mts_store_file_open(&s->dir, name, mode, created, err, errsz);
}
