/* SPDX-License-Identifier: ISC */
/*
 * base/tdb_peek.h - read one tdb record without tdb's chain lock.
 *
 * tdb_fetch costs two fcntl() calls (the chain lock) and, without a
 * mapping, a pread() per field it looks at: 7-8 system calls a record.
 * A peek reads the bucket's head pointer and the whole record, two
 * pread() calls, and takes no lock, so it can see a record that a
 * writer is changing. It is therefore only a hint: every answer it
 * gives is checked by the caller (cache.c: a checksum over key and
 * value), and anything odd (a foreign file layout, a bad magic, a
 * length past the buffer's bound, a long chain, a short read, no
 * record at all) is "ask tdb", never an error of its own.
 *
 * With cache_mmap = yes the file is read through a read-only mapping
 * of its own instead (no system call per read; the pread()s cost more
 * than the rest of a lookup): a process that asked for tdb's mapping
 * has accepted that a file truncated under it kills it (SIGBUS,
 * mtasts.conf(5)), and this mapping adds no exposure that tdb's does
 * not have. Without it (cache_mmap = no) nothing is ever mapped. The
 * value is copied out of the mapping before it is returned, so the
 * bytes the caller checks (the tag) are the bytes it decodes, as with
 * pread().
 */
#ifndef MTS_BASE_TDB_PEEK_H
#define MTS_BASE_TDB_PEEK_H

#include <stddef.h>
#include <stdint.h>

struct tdb_context;

/* Values larger than this are left to tdb_fetch. */
#define MTS_TDB_PEEK_MAX (128u * 1024u)

struct mts_tdb_peek {
	int ok;                 /* the file's layout is one we know */
	int use_map;            /* read through map (mts_tdb_peek_use_map) */
	uint32_t hash_size;
	const unsigned char *map;   /* mapped lazily, on the first peek */
	size_t maplen;
	unsigned char buf[1024];  /* the first read of a record */
	unsigned char *big;     /* for records past the first read */
	size_t bigsz;
};

/* Check the file's header (native byte order, tdb version, Jenkins
 * hash, tdb's own hash size): p->ok says whether peeks may be tried. */
void mts_tdb_peek_init(struct mts_tdb_peek *p, struct tdb_context *tdb);
void mts_tdb_peek_free(struct mts_tdb_peek *p);
/* Read through a mapping from now on (cache_mmap = yes; after init,
 * which drops any mapping: call it again after mts_tdb_peek_init). */
void mts_tdb_peek_use_map(struct mts_tdb_peek *p);

/* 0: a record with this key was read, its value in *val, *vlen (valid
 * until the next peek); 1: ask tdb. */
int mts_tdb_peek(struct mts_tdb_peek *p, struct tdb_context *tdb,
    const void *key, size_t klen, const unsigned char **val, size_t *vlen);

/* One record header and what follows it, as read at some offset (the
 * parsing step, apart for the fuzzer). MTS_PEEK_MATCH: the key is this
 * record's, its value at buf + *voff, *vlen bytes, all within n;
 * MTS_PEEK_MORE: it is, but the record is *need bytes long, more than
 * n; MTS_PEEK_NEXT: another key's, or a dead record, go on at *next;
 * MTS_PEEK_BAD: not a record. */
enum mts_peek_step {
	MTS_PEEK_MATCH, MTS_PEEK_MORE, MTS_PEEK_NEXT, MTS_PEEK_BAD
};
enum mts_peek_step mts_tdb_peek_step(const unsigned char *buf, size_t n,
    uint32_t hash, const void *key, size_t klen, uint32_t *next,
    size_t *voff, size_t *vlen, size_t *need);

#endif
