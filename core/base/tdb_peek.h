/* SPDX-License-Identifier: ISC */
/*
 * base/tdb_peek.h - read one tdb record without tdb's chain lock, and
 * without libtdb.
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
 * It reads the file through a descriptor and needs nothing of libtdb
 * (the Jenkins hash is computed here), so a process answered from the
 * cache never loads libtdb (sts/cache.c, base/lazylib.c).
 */
#ifndef MTS_BASE_TDB_PEEK_H
#define MTS_BASE_TDB_PEEK_H

#include <stddef.h>
#include <stdint.h>

/* Values larger than this are left to tdb_fetch. */
#define MTS_TDB_PEEK_MAX (128u * 1024u)
#define MTS_TDB_HDR_LEN 168

struct mts_tdb_peek {
	int ok;                 /* the file's layout is one we know */
	int fd;                 /* the file (not ours to close) */
	uint32_t hash_size;
	uint32_t seqnum;        /* as read with the header */
	unsigned char buf[1024];  /* the first read of a record */
	unsigned char *big;     /* for records past the first read */
	size_t bigsz;
};

/* What a peek needs of tdb's header. */
struct mts_tdb_hdr {
	uint32_t hash_size;
	uint32_t seqnum;
};

/*
 * Check a header image (n bytes): tdb's magic text, this machine's
 * byte order and tdb's version, no obsolete spinlocks, no feature
 * flags (mutexes), no transaction to recover, the Jenkins hash
 * (TDB_INCOMPATIBLE_HASH), a bucket count that fits the format. 0 and
 * *h filled, or -1: a file a peek must leave to tdb. Pure (fuzzed).
 */
int mts_tdb_peek_header(const unsigned char *buf, size_t n,
    struct mts_tdb_hdr *h);

/* Read fd's header and check it: p->ok says whether peeks may be tried
 * (one pread). p->fd is kept for the peeks. */
void mts_tdb_peek_init(struct mts_tdb_peek *p, int fd);
void mts_tdb_peek_free(struct mts_tdb_peek *p);

/* tdb's sequence number (TDB_SEQNUM), read from the file: 0 and *seq,
 * or -1. */
int mts_tdb_peek_seqnum(const struct mts_tdb_peek *p, uint32_t *seq);

/* 0: a record with this key was read, its value in *val, *vlen (valid
 * until the next peek); 1: ask tdb. */
int mts_tdb_peek(struct mts_tdb_peek *p, const void *key, size_t klen,
    const unsigned char **val, size_t *vlen);

/* tdb_jenkins_hash() of n bytes: Bob Jenkins' lookup3 hashlittle(),
 * initial value 0, as tdb computes it on any host. */
uint32_t mts_tdb_jenkins(const void *p, size_t n);

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
