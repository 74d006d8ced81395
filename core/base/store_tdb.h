/* SPDX-License-Identifier: ISC */
/* base/store_tdb.h - a tdb store file opened through base/storefile.h. */
#ifndef MTS_BASE_STORE_TDB_H
#define MTS_BASE_STORE_TDB_H

#include <stddef.h>

#include "base/storefile.h"

struct tdb_context;

struct mts_store_tdb {
	struct mts_store_dir dir;   /* kept open: lock files beside it */
	int fd;                     /* the checked file; open while tdb is */
	struct tdb_context *tdb;
};

/*
 * Open path (created with mode if absent) as a tdb: the file is opened
 * and checked by mts_store_file_open, and tdb opens the very inode
 * checked (/proc/self/fd/N), so a link swapped in afterwards changes
 * nothing. 0, -1 or MTS_STORE_REFUSED, with err.
 */
int mts_store_tdb_open(struct mts_store_tdb *s, const char *path,
    int hash_size, int tdb_flags, unsigned mode, char *err, size_t errsz);
/* The two halves of mts_store_tdb_open, for a reader that may never
 * need libtdb (sts/cache.c): open and check the file (s->fd, s->tdb
 * NULL), and later open the tdb on it (0 at once if open already).
 * attach leaves s->fd open on failure; close closes both. */
int mts_store_tdb_open_file(struct mts_store_tdb *s, const char *path,
    unsigned mode, char *err, size_t errsz);
int mts_store_tdb_attach(struct mts_store_tdb *s, const char *path,
    int hash_size, int tdb_flags, unsigned mode, char *err, size_t errsz);
void mts_store_tdb_close(struct mts_store_tdb *s);
/* The lock file path".lock" beside it, opened and checked likewise. */
int mts_store_tdb_lockfile(const struct mts_store_tdb *s, const char *path,
    unsigned mode, int *created, char *err, size_t errsz);

#endif
