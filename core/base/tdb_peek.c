/* SPDX-License-Identifier: ISC */
/*
 * base/tdb_peek.c - read one tdb record without tdb's chain lock.
 *
 * The layout read here is tdb's on-disk format (tdb 1.2 and later,
 * unchanged since; tdb_private.h): a 168-byte header, then hash_size + 1
 * bucket heads of 4 bytes (the first is the free list), then records of
 * a 24-byte header { next, rec_len, key_len, data_len, full_hash,
 * magic } followed by key and value. Only a file in this machine's byte
 * order with the Jenkins hash (TDB_INCOMPATIBLE_HASH) is peeked at.
 */
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdb.h>

#include "base/tdb_peek.h"

#define HDR_LEN 168
#define HDR_VERSION 32
#define HDR_HASH_SIZE 36
#define HDR_MAGIC1 52
#define HDR_MAGIC2 56
#define TDB_VERSION_NATIVE (0x26011967u + 6)
#define TDB_MAGIC_REC 0x26011999u
#define TDB_MAGIC_DEAD 0xFEE1DEADu
#define REC_LEN 24
#define MAX_HOPS 64       /* longer chains: tdb walks them, locked */

static uint32_t
u32_at(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t
jenkins(const void *p, size_t n)
{
	TDB_DATA d;

	d.dptr = (unsigned char *)(uintptr_t)p;
	d.dsize = n;
	return tdb_jenkins_hash(&d);
}

void
mts_tdb_peek_init(struct mts_tdb_peek *p, struct tdb_context *tdb)
{
	/* tdb_header_hash(): the hashes of "TDB file\n" with its NUL and
	 * of TDB_MAGIC's four bytes say which hash the file was made with. */
	static const char food[] = "TDB file\n";
	uint32_t magic = TDB_MAGIC_REC;
	unsigned char h[HDR_LEN];

	mts_tdb_peek_free(p);     /* after tdb_reopen: maybe another file */
	if (pread(tdb_fd(tdb), h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return;
	if (u32_at(h + HDR_VERSION) != TDB_VERSION_NATIVE
	    || u32_at(h + HDR_HASH_SIZE) == 0
	    || u32_at(h + HDR_HASH_SIZE) != (uint32_t)tdb_hash_size(tdb)
	    || u32_at(h + HDR_MAGIC1) != jenkins(food, sizeof(food))
	    || u32_at(h + HDR_MAGIC2) != jenkins(&magic, sizeof(magic)))
		return;
	p->hash_size = u32_at(h + HDR_HASH_SIZE);
	p->ok = 1;
}

static void
unmap(struct mts_tdb_peek *p)
{
	if (p->map != NULL)
		(void)munmap((void *)(uintptr_t)p->map, p->maplen);
	p->map = NULL;
	p->maplen = 0;
}

void
mts_tdb_peek_free(struct mts_tdb_peek *p)
{
	free(p->big);
	p->big = NULL;
	p->bigsz = 0;
	p->ok = 0;
	p->use_map = 0;
	unmap(p);
}

void
mts_tdb_peek_use_map(struct mts_tdb_peek *p)
{
	p->use_map = 1;
}

/*
 * 1 if [off, off + len) lies in the mapping, mapping the file again
 * when it has grown past it (tdb grows its file; one cut short under a
 * mapping is cache_mmap = yes's SIGBUS, tdb_peek.h); 0: ask tdb. An
 * offset past the file's end (a damaged record) costs an fstat() and
 * nothing else.
 */
static int
mapped(struct mts_tdb_peek *p, int fd, uint64_t off, uint64_t len)
{
	struct stat sb;
	void *m;

	if (off + len <= p->maplen)
		return 1;
	if (fstat(fd, &sb) != 0 || sb.st_size < 0 ||
	    (uint64_t)sb.st_size <= p->maplen ||
	    (uint64_t)sb.st_size > SIZE_MAX)
		return 0;
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 0;
	unmap(p);
	p->map = m;
	p->maplen = (size_t)sb.st_size;
	return off + len <= p->maplen;
}

enum mts_peek_step
mts_tdb_peek_step(const unsigned char *buf, size_t n, uint32_t hash,
    const void *key, size_t klen, uint32_t *next, size_t *voff,
    size_t *vlen, size_t *need)
{
	uint32_t rec_len, key_len, data_len, magic;

	if (n < REC_LEN)
		return MTS_PEEK_BAD;
	*next = u32_at(buf);
	rec_len = u32_at(buf + 4);
	key_len = u32_at(buf + 8);
	data_len = u32_at(buf + 12);
	magic = u32_at(buf + 20);
	if (magic == TDB_MAGIC_DEAD)
		return MTS_PEEK_NEXT;
	/* Lengths compared in 64 bits: a record written by someone else
	 * must not wrap them. */
	if (magic != TDB_MAGIC_REC
	    || (uint64_t)key_len + data_len > rec_len
	    || data_len > MTS_TDB_PEEK_MAX)
		return MTS_PEEK_BAD;
	if (u32_at(buf + 16) != hash || key_len != klen)
		return MTS_PEEK_NEXT;
	if (REC_LEN + (size_t)key_len > n)
		return MTS_PEEK_BAD;
	if (memcmp(buf + REC_LEN, key, klen) != 0)
		return MTS_PEEK_NEXT;
	*voff = REC_LEN + (size_t)key_len;
	*vlen = data_len;
	*need = *voff + data_len;
	return *need <= n ? MTS_PEEK_MATCH : MTS_PEEK_MORE;
}

/* The whole record at off, into p->big. */
static int
read_big(struct mts_tdb_peek *p, int fd, uint32_t off, size_t need)
{
	unsigned char *b;

	if (need > p->bigsz) {
		if ((b = realloc(p->big, need)) == NULL)
			return -1;
		p->big = b;
		p->bigsz = need;
	}
	return pread(fd, p->big, need, (off_t)off) == (ssize_t)need ? 0 : -1;
}

/* Room for n bytes: p->buf, or p->big grown to n. */
static unsigned char *
room(struct mts_tdb_peek *p, size_t n)
{
	unsigned char *b;

	if (n <= sizeof(p->buf))
		return p->buf;
	if (n > p->bigsz) {
		if ((b = realloc(p->big, n)) == NULL)
			return NULL;
		p->big = b;
		p->bigsz = n;
	}
	return p->big;
}

/* mts_tdb_peek through the mapping: the same walk, no system call. */
static int
peek_mapped(struct mts_tdb_peek *p, int fd, uint32_t hash, const void *key,
    size_t klen, const unsigned char **val, size_t *vlen)
{
	uint64_t hoff = HDR_LEN + ((uint64_t)(hash % p->hash_size) + 1) * 4;
	uint32_t off, next;
	size_t voff, need;
	unsigned char *out;
	int hops;

	if (!mapped(p, fd, hoff, 4))
		return 1;
	off = u32_at(p->map + hoff);
	for (hops = 0; off != 0 && hops < MAX_HOPS; hops++) {
		if (!mapped(p, fd, off, REC_LEN))
			return 1;
		switch (mts_tdb_peek_step(p->map + off, p->maplen - off, hash,
		    key, klen, &next, &voff, vlen, &need)) {
		case MTS_PEEK_MORE:
			if (!mapped(p, fd, off, need))
				return 1;
			/* FALLTHROUGH */
		case MTS_PEEK_MATCH:
			/* A copy: a writer may change the mapped bytes while
			 * the caller checks and decodes them. */
			if ((out = room(p, *vlen)) == NULL)
				return 1;
			memcpy(out, p->map + off + voff, *vlen);
			*val = out;
			return 0;
		case MTS_PEEK_NEXT:
			if (next == off)
				return 1;
			off = next;
			break;
		default:
			return 1;
		}
	}
	return 1;
}

int
mts_tdb_peek(struct mts_tdb_peek *p, struct tdb_context *tdb,
    const void *key, size_t klen, const unsigned char **val, size_t *vlen)
{
	unsigned char *buf = p->buf;   /* a cache entry and its policy, mostly */
	unsigned char top[4];
	uint32_t hash, off, next;
	size_t voff, need;
	ssize_t n;
	int fd, hops;

	if (!p->ok)
		return 1;
	fd = tdb_fd(tdb);
	hash = jenkins(key, klen);
	if (p->use_map)
		return peek_mapped(p, fd, hash, key, klen, val, vlen);
	if (pread(fd, top, sizeof(top), (off_t)HDR_LEN +
	    ((off_t)(hash % p->hash_size) + 1) * 4) != (ssize_t)sizeof(top))
		return 1;
	for (off = u32_at(top), hops = 0; off != 0 && hops < MAX_HOPS; hops++) {
		if ((n = pread(fd, buf, sizeof(p->buf), (off_t)off)) <= 0)
			return 1;
		switch (mts_tdb_peek_step(buf, (size_t)n, hash, key, klen,
		    &next, &voff, vlen, &need)) {
		case MTS_PEEK_MATCH:
			*val = buf + voff;
			return 0;
		case MTS_PEEK_MORE:
			if (read_big(p, fd, off, need) != 0)
				return 1;
			*val = p->big + voff;
			return 0;
		case MTS_PEEK_NEXT:
			if (next == off)
				return 1;
			off = next;
			break;
		default:
			return 1;
		}
	}
	return 1;
}
