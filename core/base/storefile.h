/* SPDX-License-Identifier: ISC */
/*
 * base/storefile.h - opening the store files (cache, results, their lock
 * files) in a directory a less trusted user owns, without following that
 * user's links (DESIGN, privilege model).
 */
#ifndef MTS_BASE_STOREFILE_H
#define MTS_BASE_STOREFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Returned (negated) for a file refused by the checks, as opposed to
 * an ordinary open failure (-1). */
#define MTS_STORE_REFUSED (-2)

struct mts_store_dir {
	int fd;                 /* O_DIRECTORY, O_CLOEXEC */
	uid_t uid;              /* the directory's owner */
	gid_t gid;
	char path[1024];        /* canonical, for messages */
};

/*
 * Open the directory holding file_path and put the file's last
 * component in base. Every ancestor of the directory must be owned by
 * root (or us) and not writable by others unless sticky, so the path
 * to the directory cannot be redirected by its owner; the directory
 * itself is opened without following a link. 0, -1 (+ err) on an open
 * failure, MTS_STORE_REFUSED (+ err) on a failed check.
 */
int mts_store_dir_open(const char *file_path, struct mts_store_dir *d,
    char *base, size_t basesz, char *err, size_t errsz);
void mts_store_dir_close(struct mts_store_dir *d);

/*
 * openat(d->fd, name, O_RDWR | O_NOFOLLOW), creating it (O_EXCL, mode,
 * fchmod past the umask) if absent, then check what was opened: a
 * regular file with one link, owned by the directory's owner or root.
 * *created tells whether this call made it (only then is its mode ours
 * to set). Returns the fd, -1 (+ err) or MTS_STORE_REFUSED (+ err).
 */
int mts_store_file_open(const struct mts_store_dir *d, const char *name,
    unsigned mode, int *created, char *err, size_t errsz);

/* Check an open fd as mts_store_file_open does: 0 or MTS_STORE_REFUSED. */
int mts_store_file_check(const struct mts_store_dir *d, int fd,
    const char *name, char *err, size_t errsz);

/* "/proc/self/fd/N": a path that names the inode open on fd, for
 * libraries that open by name (tdb). 0 or -1. */
int mts_store_fd_path(int fd, char *buf, size_t bufsz);

#endif
