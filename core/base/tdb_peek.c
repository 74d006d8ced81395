/* SPDX-License-Identifier: ISC */
/*
 * base/tdb_peek.c - read one tdb record without tdb's chain lock.
 *
 * The layout read here is tdb's on-disk format (tdb 1.2 and later,
 * unchanged since; tdb_private.h): a 168-byte header { magic_food[32],
 * version, hash_size, rwlocks, recovery_start, sequence_number,
 * magic1_hash, magic2_hash, feature_flags, mutex_size, reserved },
 * then hash_size + 1 bucket heads of 4 bytes (the first is the free
 * list), then records of a 24-byte header { next, rec_len, key_len,
 * data_len, full_hash, magic } followed by key and value. Only a file
 * in this machine's byte order with the Jenkins hash
 * (TDB_INCOMPATIBLE_HASH), without mutexes and with no transaction to
 * recover is peeked at; anything else is tdb's to open.
 */
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/tdb_peek.h"

#define HDR_LEN MTS_TDB_HDR_LEN
#define HDR_VERSION 32
#define HDR_HASH_SIZE 36
#define HDR_RWLOCKS 40
#define HDR_RECOVERY 44
#define HDR_SEQNUM 48
#define HDR_MAGIC1 52
#define HDR_MAGIC2 56
#define HDR_FEATURES 60
#define HDR_MUTEX_SIZE 64
#define TDB_VERSION_NATIVE (0x26011967u + 6)
#define TDB_HASH_RWLOCK_MAGIC 0xbad1a51u   /* what tdb writes there */
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

/*
 * lookup3's hashlittle() (Bob Jenkins, 2006, public domain) with
 * initval 0, reading the key a byte at a time as little-endian words:
 * the value tdb's aligned and unaligned paths give on any host.
 */
#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

static uint32_t
le_word(const unsigned char *k, size_t n)
{
	uint32_t w = 0;

	while (n-- > 0)
		w |= (uint32_t)k[n] << (8 * n);
	return w;
}

uint32_t
mts_tdb_jenkins(const void *p, size_t n)
{
	const unsigned char *k = p;
	uint32_t a, b, c;

	a = b = c = 0xdeadbeefu + (uint32_t)n;
	for (; n > 12; n -= 12, k += 12) {
		a += le_word(k, 4);
		b += le_word(k + 4, 4);
		c += le_word(k + 8, 4);
		a -= c; a ^= ROT(c, 4); c += b;     /* mix() */
		b -= a; b ^= ROT(a, 6); a += c;
		c -= b; c ^= ROT(b, 8); b += a;
		a -= c; a ^= ROT(c, 16); c += b;
		b -= a; b ^= ROT(a, 19); a += c;
		c -= b; c ^= ROT(b, 4); b += a;
	}
	if (n == 0)
		return c;
	a += le_word(k, n < 4 ? n : 4);
	if (n > 4)
		b += le_word(k + 4, n < 8 ? n - 4 : 4);
	if (n > 8)
		c += le_word(k + 8, n - 8);
	c ^= b; c -= ROT(b, 14);                    /* final() */
	a ^= c; a -= ROT(c, 11);
	b ^= a; b -= ROT(a, 25);
	c ^= b; c -= ROT(b, 16);
	a ^= c; a -= ROT(c, 4);
	b ^= a; b -= ROT(a, 14);
	c ^= b; c -= ROT(b, 24);
	return c;
}

int
mts_tdb_peek_header(const unsigned char *h, size_t n, struct mts_tdb_hdr *out)
{
	/* tdb_header_hash(): the hashes of "TDB file\n" with its NUL and
	 * of TDB_MAGIC's four bytes say which hash the file was made with. */
	static const char food[] = "TDB file\n";
	unsigned char magic[4];
	uint32_t hs, rw, m = TDB_MAGIC_REC;

	memcpy(magic, &m, sizeof(magic));
	if (n < HDR_LEN || memcmp(h, food, sizeof(food)) != 0)
		return -1;
	hs = u32_at(h + HDR_HASH_SIZE);
	rw = u32_at(h + HDR_RWLOCKS);
	/* Another version or byte order, spinlocks of old, a transaction
	 * left to recover (tdb_open replays it, under its open lock),
	 * mutexes or any other feature: tdb's business. */
	if (u32_at(h + HDR_VERSION) != TDB_VERSION_NATIVE
	    || (rw != 0 && rw != TDB_HASH_RWLOCK_MAGIC)
	    || u32_at(h + HDR_RECOVERY) != 0
	    || u32_at(h + HDR_FEATURES) != 0
	    || u32_at(h + HDR_MUTEX_SIZE) != 0)
		return -1;
	/* Bucket heads are 32-bit file offsets: all must fit in one. */
	if (hs == 0 || (uint64_t)HDR_LEN + ((uint64_t)hs + 1) * 4 > UINT32_MAX)
		return -1;
	if (u32_at(h + HDR_MAGIC1) != mts_tdb_jenkins(food, sizeof(food))
	    || u32_at(h + HDR_MAGIC2) != mts_tdb_jenkins(magic, sizeof(magic)))
		return -1;
	out->hash_size = hs;
	out->seqnum = u32_at(h + HDR_SEQNUM);
	return 0;
}

void
mts_tdb_peek_init(struct mts_tdb_peek *p, int fd)
{
	unsigned char h[HDR_LEN];
	struct mts_tdb_hdr hdr;

	mts_tdb_peek_free(p);     /* after a reopen: maybe another file */
	p->ok = 0;
	p->fd = fd;
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    mts_tdb_peek_header(h, sizeof(h), &hdr) != 0)
		return;
	p->hash_size = hdr.hash_size;
	p->seqnum = hdr.seqnum;
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

int
mts_tdb_peek_seqnum(const struct mts_tdb_peek *p, uint32_t *seq)
{
	unsigned char b[4];

	if (pread(p->fd, b, sizeof(b), HDR_SEQNUM) != (ssize_t)sizeof(b))
		return -1;
	*seq = u32_at(b);
	return 0;
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
read_big(struct mts_tdb_peek *p, uint32_t off, size_t need)
{
	unsigned char *b;

	if (need > p->bigsz) {
		if ((b = realloc(p->big, need)) == NULL)
			return -1;
		p->big = b;
		p->bigsz = need;
	}
	return pread(p->fd, p->big, need, (off_t)off) == (ssize_t)need ? 0 : -1;
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

/* The head of hash's bucket chain into *off: 0, or -1 (ask tdb). */
static int
bucket_head(struct mts_tdb_peek *p, uint32_t hash, uint32_t *off)
{
	uint64_t hoff = HDR_LEN + ((uint64_t)(hash % p->hash_size) + 1) * 4;
	unsigned char top[4];

	if (p->use_map) {
		if (!mapped(p, p->fd, hoff, 4))
			return -1;
		*off = u32_at(p->map + hoff);
		return 0;
	}
	if (pread(p->fd, top, sizeof(top), (off_t)hoff) != (ssize_t)sizeof(top))
		return -1;
	*off = u32_at(top);
	return 0;
}

/* The bytes from off on, *n of them: the mapping's (no system call) or
 * one read of p->buf's size. NULL: ask tdb. */
static const unsigned char *
record_at(struct mts_tdb_peek *p, uint32_t off, size_t *n)
{
	ssize_t r;

	if (p->use_map) {
		if (!mapped(p, p->fd, off, REC_LEN))
			return NULL;
		*n = p->maplen - off;
		return p->map + off;
	}
	if ((r = pread(p->fd, p->buf, sizeof(p->buf), (off_t)off)) <= 0)
		return NULL;
	*n = (size_t)r;
	return p->buf;
}

/*
 * The value [voff, voff + vlen) of the record at off, of need bytes in
 * all; more: they are past the bytes record_at gave (b). NULL: ask tdb.
 * Out of a mapping it is copied: a writer may change the mapped bytes
 * while the caller checks and decodes them.
 */
static const unsigned char *
value_at(struct mts_tdb_peek *p, uint32_t off, const unsigned char *b,
    size_t voff, size_t vlen, size_t need, int more)
{
	unsigned char *out;

	if (p->use_map) {
		/* mapped() may map the file again: b is stale after it */
		if ((more && !mapped(p, p->fd, off, need)) ||
		    (out = room(p, vlen)) == NULL)
			return NULL;
		memcpy(out, p->map + off + voff, vlen);
		return out;
	}
	if (!more)
		return b + voff;
	return read_big(p, off, need) == 0 ? p->big + voff : NULL;
}

/* One walk for both ways of reading (record_at, value_at). */
int
mts_tdb_peek(struct mts_tdb_peek *p, const void *key, size_t klen,
    const unsigned char **val, size_t *vlen)
{
	const unsigned char *b;
	enum mts_peek_step st;
	uint32_t hash, off, next;
	size_t n, voff, need;
	int hops;

	if (!p->ok)
		return 1;
	hash = mts_tdb_jenkins(key, klen);
	if (bucket_head(p, hash, &off) != 0)
		return 1;
	for (hops = 0; off != 0 && hops < MAX_HOPS; hops++) {
		if ((b = record_at(p, off, &n)) == NULL)
			return 1;
		switch ((st = mts_tdb_peek_step(b, n, hash, key, klen, &next,
		    &voff, vlen, &need))) {
		case MTS_PEEK_MATCH:
		case MTS_PEEK_MORE:
			*val = value_at(p, off, b, voff, *vlen, need,
			    st == MTS_PEEK_MORE);
			return *val != NULL ? 0 : 1;
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
