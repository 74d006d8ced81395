/* SPDX-License-Identifier: ISC */
/*
 * test_peek.c - lock-free record reads (base/tdb_peek) and the tag that
 * makes them safe (sts/cache_tag): the record parser row by row, peeks
 * against files tdb wrote, untagged and mistagged values through the
 * cache, and a reader racing a real writer process that rewrites one
 * record in place: every value a peek accepts is one that was written.
 * Peeks need no libtdb: the Jenkins hash is checked against tdb's, the
 * header check row by row, and the cache answers tagged records
 * without opening tdb at all, but opens it for all else.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tdb.h>

#include "tap.h"
#include "sts/cache.h"
#include "sts/cache_tag.h"
#include "base/tdb_peek.h"

static char dir[] = "/tmp/mtasts-test-peek-XXXXXX";

#define MAGIC_REC 0x26011999u
#define MAGIC_DEAD 0xFEE1DEADu
#define MAGIC_FREE (~MAGIC_REC)

/* A record image: header { next, rec_len, key_len, data_len,
 * full_hash, magic }, then key "k.test" and value "VALUE". */
static size_t
image(unsigned char *b, uint32_t rec_len, uint32_t key_len,
    uint32_t data_len, uint32_t hash, uint32_t magic)
{
	uint32_t h[6] = { 4096, rec_len, key_len, data_len, hash, magic };

	memcpy(b, h, sizeof(h));
	memcpy(b + 24, "k.testVALUE", 11);
	return 24 + 11;
}

static const struct {
	const char *what;
	uint32_t rec_len, key_len, data_len, hash, magic;
	size_t cut;             /* bytes given to the parser, 0: all */
	enum mts_peek_step want;
} rows[] = {
	{ "a live record of the key", 40, 6, 5, 7, MAGIC_REC, 0, MTS_PEEK_MATCH },
	{ "value past the bytes read", 40, 6, 5, 7, MAGIC_REC, 32, MTS_PEEK_MORE },
	{ "key past the bytes read", 40, 6, 5, 7, MAGIC_REC, 26, MTS_PEEK_BAD },
	{ "another hash", 40, 6, 5, 8, MAGIC_REC, 0, MTS_PEEK_NEXT },
	{ "another key length", 40, 5, 6, 7, MAGIC_REC, 0, MTS_PEEK_NEXT },
	{ "a dead record", 40, 6, 5, 7, MAGIC_DEAD, 0, MTS_PEEK_NEXT },
	{ "a free-list record", 40, 6, 5, 7, MAGIC_FREE, 0, MTS_PEEK_BAD },
	{ "no magic", 40, 6, 5, 7, 0, 0, MTS_PEEK_BAD },
	{ "key + value over rec_len", 10, 6, 5, 7, MAGIC_REC, 0, MTS_PEEK_BAD },
	{ "lengths that wrap 32 bits", 40, 6, 0xfffffffeu, 7, MAGIC_REC, 0,
	    MTS_PEEK_BAD },
	{ "value over the peek bound", 0xfffffff0u, 6, MTS_TDB_PEEK_MAX + 1, 7,
	    MAGIC_REC, 0, MTS_PEEK_BAD },
	{ "shorter than a header", 40, 6, 5, 7, MAGIC_REC, 20, MTS_PEEK_BAD },
};

static void
step_rows(void)
{
	unsigned char b[64];
	size_t i, n, voff = 0, vlen = 0, need = 0;
	uint32_t next;
	enum mts_peek_step got;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = image(b, rows[i].rec_len, rows[i].key_len, rows[i].data_len,
		    rows[i].hash, rows[i].magic);
		if (rows[i].cut)
			n = rows[i].cut;
		got = mts_tdb_peek_step(b, n, 7, "k.test", 6, &next, &voff,
		    &vlen, &need);
		ok(got == rows[i].want, "step: %s (%d)", rows[i].what, (int)got);
	}
	n = image(b, 40, 6, 5, 7, MAGIC_REC);
	b[24] = 'x';
	ok(mts_tdb_peek_step(b, n, 7, "k.test", 6, &next, &voff, &vlen,
	    &need) == MTS_PEEK_NEXT, "step: same hash and length, other key");
	n = image(b, 40, 6, 5, 7, MAGIC_REC);
	ok(mts_tdb_peek_step(b, n, 7, "k.test", 6, &next, &voff, &vlen,
	    &need) == MTS_PEEK_MATCH && voff == 30 && vlen == 5 &&
	    memcmp(b + voff, "VALUE", 5) == 0 && next == 4096,
	    "step: value offset, length and next pointer");
}

static void
tags(void)
{
	unsigned char v[64];
	size_t n;

	memcpy(v, "MTSC1\nend\n", 10);
	mts_cache_tag_make("a.test", 6, v, 10, v + 10);
	ok(memcmp(v + 10, "sum ", 4) == 0 && v[30] == '\n',
	    "tag: a line \"sum <hex>\"");
	ok(mts_cache_tag_check("a.test", 6, v, 31, &n) == 1 && n == 10,
	    "tag: checks, record length without it");
	ok(mts_cache_tag_check("b.test", 6, v, 31, &n) == 0,
	    "tag: another key's record fails");
	v[7] ^= 1;
	ok(mts_cache_tag_check("a.test", 6, v, 31, &n) == 0,
	    "tag: one bit changed in the record fails");
	v[7] ^= 1;
	ok(mts_cache_tag_check("a.test", 6, v, 10, &n) == 0 &&
	    mts_cache_tag_check("a.test", 6, v, 5, &n) == 0,
	    "tag: an untagged or short value is no tagged one");
}

static TDB_DATA
d(const char *s, size_t n)
{
	TDB_DATA x;

	x.dptr = (unsigned char *)(uintptr_t)s;
	x.dsize = n;
	return x;
}

/* Against files tdb wrote: found, absent, large, foreign hash. */
static void
peeks(void)
{
	struct mts_tdb_peek p;
	struct tdb_context *t;
	const unsigned char *v;
	char path[256], *big;
	size_t n;
	int i;

	memset(&p, 0, sizeof(p));
	snprintf(path, sizeof(path), "%s/p.tdb", dir);
	t = tdb_open(path, 3, TDB_INCOMPATIBLE_HASH | TDB_NOMMAP,
	    O_RDWR | O_CREAT, 0600);
	ok(t != NULL, "tdb with 3 buckets");
	if (t == NULL)
		return;
	for (i = 0; i < 40; i++) {      /* chains of ~13 */
		char k[32], val[32];

		snprintf(k, sizeof(k), "d%d.test", i);
		snprintf(val, sizeof(val), "value %d", i);
		tdb_store(t, d(k, strlen(k)), d(val, strlen(val)), TDB_REPLACE);
	}
	tdb_delete(t, d("d7.test", 7));
	mts_tdb_peek_init(&p, tdb_fd(t));
	ok(p.ok, "peek: knows tdb's layout");
	ok(mts_tdb_peek(&p, "d31.test", 8, &v, &n) == 0 && n == 8 &&
	    memcmp(v, "value 31", 8) == 0, "peek: a record down a chain");
	ok(mts_tdb_peek(&p, "d7.test", 7, &v, &n) == 1,
	    "peek: a deleted record: ask tdb");
	ok(mts_tdb_peek(&p, "absent.test", 11, &v, &n) == 1,
	    "peek: no record: ask tdb");
	big = malloc(5000);
	memset(big, 'b', 5000);
	tdb_store(t, d("big.test", 8), d(big, 5000), TDB_REPLACE);
	ok(mts_tdb_peek(&p, "big.test", 8, &v, &n) == 0 && n == 5000 &&
	    memcmp(v, big, 5000) == 0, "peek: a record past the first read");
	free(big);
	mts_tdb_peek_free(&p);
	tdb_close(t);
	snprintf(path, sizeof(path), "%s/old.tdb", dir);
	t = tdb_open(path, 3, 0, O_RDWR | O_CREAT, 0600);
	mts_tdb_peek_init(&p, tdb_fd(t));
	ok(t != NULL && !p.ok, "peek: a file with tdb's old hash: never");
	ok(mts_tdb_peek(&p, "x", 1, &v, &n) == 1, "peek: so ask tdb");
	tdb_close(t);
}

/* The hash of every length around lookup3's 12-byte blocks, from odd
 * addresses too, is tdb's own. */
static void
jenkins(void)
{
	unsigned char buf[80];
	size_t n, off, bad = 0;
	TDB_DATA k;

	for (n = 0; n < sizeof(buf); n++)
		buf[n] = (unsigned char)(n * 151 + 7);
	for (off = 0; off < 4; off++)
		for (n = 0; n + off <= 64; n++) {
			k.dptr = buf + off;
			k.dsize = n;
			if (mts_tdb_jenkins(buf + off, n) != tdb_jenkins_hash(&k))
				bad++;
		}
	ok(bad == 0, "jenkins: tdb_jenkins_hash for lengths 0-64, any "
	    "alignment (%zu differ)", bad);
	k.dptr = (unsigned char *)(uintptr_t)"mx:enforce.test";
	k.dsize = 15;
	ok(mts_tdb_jenkins(k.dptr, k.dsize) == tdb_jenkins_hash(&k),
	    "jenkins: a cache key");
}

static void
put32(unsigned char *h, size_t off, uint32_t v)
{
	memcpy(h + off, &v, sizeof(v));
}

/* tdb_open's own checks (tdb's open.c), and what a lock-free reader
 * must leave to tdb on top: each row changes one field of a header
 * tdb wrote. */
static const struct {
	const char *what;
	size_t off;             /* 0: unchanged */
	uint32_t val;
	size_t n;               /* bytes given, 0: all */
	int want;
} hrows[] = {
	{ "the header tdb wrote", 0, 0, 0, 0 },
	{ "shorter than a header", 0, 0, 167, -1 },
	{ "no magic text", 4, 0x656c6967u, 0, -1 },
	{ "another byte order (tdb converts it)", 32, 0x6d190126u, 0, -1 },
	{ "another tdb version", 32, 0x26011967u + 7, 0, -1 },
	{ "no rwlocks word (older tdb)", 40, 0, 0, 0 },
	{ "feature flags' rwlocks magic", 40, 0xbad1a52u, 0, -1 },
	{ "spinlocks of old", 40, 1, 0, -1 },
	{ "a transaction to recover", 44, 4096, 0, -1 },
	{ "feature flags (mutexes)", 60, 1, 0, -1 },
	{ "a mutex area", 64, 4096, 0, -1 },
	{ "no buckets", 36, 0, 0, -1 },
	{ "buckets past 32-bit offsets", 36, 0x3fffffe0u, 0, -1 },
	{ "the most buckets that fit", 36, 0x3fffffd4u, 0, 0 },
	{ "another hash (magic1)", 52, 0x12345678u, 0, -1 },
	{ "another hash (magic2)", 56, 0x12345678u, 0, -1 },
	{ "tdb's old hash (no magic hashes)", 52, 0, 0, -1 },
};

static void
header_rows(void)
{
	unsigned char img[MTS_TDB_HDR_LEN], h[MTS_TDB_HDR_LEN];
	struct mts_tdb_hdr hd;
	struct tdb_context *t;
	char path[256];
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/h.tdb", dir);
	t = tdb_open(path, 7, TDB_INCOMPATIBLE_HASH | TDB_SEQNUM | TDB_NOMMAP,
	    O_RDWR | O_CREAT, 0600);
	ok(t != NULL && tdb_store(t, d("a", 1), d("b", 1), TDB_REPLACE) == 0 &&
	    tdb_store(t, d("a", 1), d("c", 1), TDB_REPLACE) == 0,
	    "a tdb with 7 buckets, written twice");
	if (t == NULL)
		return;
	fd = open(path, O_RDONLY);
	ok(fd >= 0 && pread(fd, img, sizeof(img), 0) == (ssize_t)sizeof(img),
	    "its header read");
	if (fd >= 0)
		close(fd);
	for (i = 0; i < sizeof(hrows) / sizeof(hrows[0]); i++) {
		memcpy(h, img, sizeof(h));
		if (hrows[i].off)
			put32(h, hrows[i].off, hrows[i].val);
		ok(mts_tdb_peek_header(h, hrows[i].n ? hrows[i].n : sizeof(h),
		    &hd) == hrows[i].want, "header: %s", hrows[i].what);
	}
	ok(mts_tdb_peek_header(img, sizeof(img), &hd) == 0 &&
	    hd.hash_size == 7 && (int)hd.seqnum == tdb_get_seqnum(t),
	    "header: bucket count and sequence number as tdb has them");
	tdb_close(t);
}

/*
 * The cache answers a tagged record by peeks alone, tdb never opened
 * (what keeps libtdb out of an Exim delivery); an absent or untagged
 * record, a write, a new file and a file a peek must not read open
 * it. After a fork the child reads through the inherited descriptor.
 */
static void
lazy_tdb(void)
{
	struct mts_cache *c = NULL;
	struct mts_entry e;
	const unsigned char *b;
	unsigned char h[8];
	char path[256], err[256];
	size_t n;
	int fd, st;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/lazy.tdb", dir);
	ok(mts_cache_open(&c, path, 0600, 0, 101, err, sizeof(err)) == 0 &&
	    mts_cache_tdb_open(c), "a new cache file: tdb makes it at open");
	mts_entry_init(&e);
	e.txt_state = MTS_TXTSTATE_NONE;
	e.txt_expires = 77;
	ok(c != NULL && mts_cache_put(c, "lazy.test", &e, err,
	    sizeof(err)) == 0 && mts_cache_aux_put(c, "mx", "lazy.test",
	    "MTSX2\nx", 7) == 0, "an entry and an auxiliary record stored");
	mts_cache_close(c);
	c = NULL;
	if (mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0)
		return;
	ok(!mts_cache_tdb_open(c), "an existing file: opened without tdb");
	is_int(mts_cache_hash_size(c), 101, "its bucket count from the header");
	ok(mts_cache_get(c, "lazy.test", &e, err, sizeof(err)) == 0 &&
	    e.txt_expires == 77, "a tagged entry read");
	mts_entry_clear(&e);
	ok(mts_cache_aux_peek(c, "mx", "lazy.test", &b, &n) == 0 && n == 7 &&
	    memcmp(b, "MTSX2\nx", 7) == 0, "a tagged auxiliary record read");
	ok(!mts_cache_tdb_open(c), "both without tdb");
	if ((pid = fork()) == 0) {
		mts_cache_recheck(c);
		_exit(mts_cache_reopen(c, err, sizeof(err)) == 0 &&
		    mts_cache_get(c, "lazy.test", &e, err, sizeof(err)) == 0 &&
		    e.txt_expires == 77 && !mts_cache_tdb_open(c) ? 0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "a fork child reads it through peeks too");
	is_int(mts_cache_get(c, "absent.test", &e, err, sizeof(err)), 1,
	    "an absent domain: asked of tdb");
	ok(mts_cache_tdb_open(c), "which opened tdb");
	mts_cache_close(c);
	c = NULL;
	if (mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0)
		return;
	mts_entry_init(&e);
	ok(mts_cache_put(c, "other.test", &e, err, sizeof(err)) == 0 &&
	    mts_cache_tdb_open(c), "a write opens tdb");
	mts_cache_close(c);
	c = NULL;
	/* A transaction's recovery area recorded in the header (what a
	 * crashed transaction leaves): tdb_open's to replay, so tdb opens
	 * the file at once, as before peeks. */
	fd = open(path, O_RDWR);
	memset(h, 0, sizeof(h));
	h[1] = 0x10;                /* 4096: a record, not a recovery area */
	ok(fd >= 0 && pwrite(fd, h, 4, 44) == 4, "a recovery offset set");
	if (fd >= 0)
		close(fd);
	ok(mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) == 0 &&
	    mts_cache_tdb_open(c), "then tdb opens the file at open");
	ok(c != NULL && mts_cache_get(c, "lazy.test", &e, err,
	    sizeof(err)) == 0 && e.txt_expires == 77, "and reads it");
	mts_entry_clear(&e);
	mts_cache_close(c);
	c = NULL;
	ok(mts_cache_open(&c, path, 0600, 1, 0, err, sizeof(err)) == 0 &&
	    mts_cache_tdb_open(c), "a mapped cache (cache_mmap): tdb at open");
	mts_cache_close(c);
}

/* Untagged (older) and mistagged values reach tdb_fetch's path. */
static void
through_cache(void)
{
	static const char rec[] = "MTSC1\ntxt 0 - 42\nbackoff - 0\nlast 0 \nend\n";
	struct mts_cache *c = NULL;
	struct tdb_context *t;
	struct mts_entry e;
	unsigned char v[128];
	char path[256], err[256];

	snprintf(path, sizeof(path), "%s/c.tdb", dir);
	ok(mts_cache_open(&c, path, 0600, 0, 101, err, sizeof(err)) == 0,
	    "cache opened");
	mts_cache_close(c);
	t = tdb_open_ex(path, 0, 0, O_RDWR, 0, NULL, tdb_jenkins_hash);
	memcpy(v, rec, sizeof(rec) - 1);
	mts_cache_tag_make("bad.test", 8, v, sizeof(rec) - 1,
	    v + sizeof(rec) - 1);
	v[sizeof(rec) - 1 + 5] ^= 1;
	ok(t != NULL && tdb_store(t, d("old.test", 8), d(rec, sizeof(rec) - 1),
	    TDB_REPLACE) == 0 && tdb_store(t, d("bad.test", 8),
	    d((char *)v, sizeof(rec) - 1 + MTS_CACHE_TAG_LEN), TDB_REPLACE) == 0,
	    "plant an untagged record and a mistagged one");
	if (t != NULL)
		tdb_close(t);
	c = NULL;
	if (mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0)
		return;
	ok(!mts_cache_tdb_open(c), "opened without tdb");
	ok(mts_cache_get(c, "bad.test", &e, err, sizeof(err)) == 1,
	    "a mistagged record is damaged: dropped, refetched");
	ok(mts_cache_tdb_open(c), "through tdb, opened for it");
	mts_cache_close(c);
	c = NULL;
	t = tdb_open_ex(path, 0, 0, O_RDWR, 0, NULL, tdb_jenkins_hash);
	ok(t != NULL && !tdb_exists(t, d("bad.test", 8)) &&
	    tdb_exists(t, d("old.test", 8)), "and gone from the file");
	if (t != NULL)
		tdb_close(t);
	if (mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0)
		return;
	ok(mts_cache_get(c, "old.test", &e, err, sizeof(err)) == 0 &&
	    e.txt_expires == 42 && mts_cache_tdb_open(c),
	    "an untagged record is still read (locked, through tdb)");
	mts_entry_clear(&e);
	ok(mts_cache_aux_put(c, "mx", "aux.test", "MTSX2\nbytes", 12) == 0,
	    "auxiliary record stored");
	mts_cache_close(c);
	t = tdb_open_ex(path, 0, 0, O_RDWR, 0, NULL, tdb_jenkins_hash);
	ok(t != NULL && tdb_store(t, d("mx:old.test", 11), d("raw", 3),
	    TDB_REPLACE) == 0, "plant an untagged auxiliary record");
	if (t != NULL)
		tdb_close(t);
	c = NULL;
	if (mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0)
		return;
	{
		unsigned char *b = NULL;
		size_t n = 0;

		ok(mts_cache_aux_get(c, "mx", "aux.test", &b, &n) == 0 &&
		    n == 12 && memcmp(b, "MTSX2\nbytes", 12) == 0,
		    "auxiliary record read back without its tag");
		free(b);
		b = NULL;
		ok(mts_cache_aux_get(c, "mx", "old.test", &b, &n) == 0 &&
		    n == 3 && memcmp(b, "raw", 3) == 0,
		    "an untagged auxiliary record: as it is");
		free(b);
	}
	mts_cache_close(c);
}

/*
 * A writer process rewrites one record in place (same length: tdb
 * overwrites the bytes where they are) with two values in turn; the
 * reader peeks without a lock. A torn value must never pass the tag.
 */
static void
race(void)
{
	struct mts_cache *c = NULL;
	struct mts_tdb_peek p;
	struct tdb_context *t;
	const unsigned char *v;
	char path[256], a[600], b[600], err[256];
	size_t n, len;
	long i, passed = 0, torn = 0, wrong = 0;
	pid_t pid;

	memset(&p, 0, sizeof(p));
	snprintf(path, sizeof(path), "%s/race.tdb", dir);
	if (mts_cache_open(&c, path, 0600, 0, 101, err, sizeof(err)) != 0)
		return;
	mts_cache_close(c);
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	mts_cache_tag_make("r.test", 6, (unsigned char *)a, 579,
	    (unsigned char *)a + 579);
	mts_cache_tag_make("r.test", 6, (unsigned char *)b, 579,
	    (unsigned char *)b + 579);
	if ((pid = fork()) == 0) {
		t = tdb_open_ex(path, 0, TDB_NOMMAP, O_RDWR, 0, NULL,
		    tdb_jenkins_hash);
		for (i = 0; t != NULL; i++)
			tdb_store(t, d("r.test", 6), d(i & 1 ? a : b, 600),
			    TDB_REPLACE);
		_exit(1);
	}
	t = tdb_open_ex(path, 0, TDB_NOMMAP, O_RDONLY, 0, NULL,
	    tdb_jenkins_hash);
	ok(t != NULL, "reader open beside a writer process");
	if (t != NULL) {
		mts_tdb_peek_init(&p, tdb_fd(t));
		for (i = 0; i < 200000; i++) {
			if (mts_tdb_peek(&p, "r.test", 6, &v, &n) != 0)
				continue;
			if (!mts_cache_tag_check("r.test", 6, v, n, &len)) {
				torn++;
				continue;
			}
			passed++;
			if (n != 600 || (memcmp(v, a, 600) && memcmp(v, b, 600)))
				wrong++;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("# %ld peeks passed the tag, %ld failed it\n", passed, torn);
	ok(wrong == 0, "every value that passed the tag was one written");
	mts_tdb_peek_free(&p);
	if (t != NULL)
		tdb_close(t);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	step_rows();
	tags();
	jenkins();
	header_rows();
	peeks();
	lazy_tdb();
	through_cache();
	race();
	if (getenv("KEEP")) return done_testing();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
