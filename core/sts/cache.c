/* SPDX-License-Identifier: ISC */
/*
 * sts/cache.c - the policy cache in tdb, shared by all MTA processes.
 *
 * tdb gives atomic stores and many readers and writers across processes.
 * The per-domain fetch lock (one fetch per domain at a time, no
 * thundering herd) is a byte-range lock on a separate lock file: a
 * process killed while holding it releases it, and holding it never
 * blocks readers of the tdb. The byte is chosen by SipHash under a
 * random key kept at the start of the lock file (made once per host):
 * a remote domain cannot pick a name whose lock collides with another
 * domain's, and the 2^62 range makes a chance collision negligible.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tdb.h>

#include "sts/cache.h"
#include "sts/cache_tag.h"
#include "base/domain.h"
#include "base/siphash.h"
#include "base/store_tdb.h"
#include "base/tdb_peek.h"
#include "base/util.h"

/* tdb's bucket count, fixed when the file is created: chains of about
 * ten at 1M domains (cache_hash_size for more). */
#define CACHE_HASH_SIZE 100003
#define LOCK_KEY_OFF 0             /* the key: bytes 0..15, locked to init */
#define LOCK_BASE 64               /* domain locks from here */
#define LOCK_SPACE (1ull << 62)

/*
 * The hot path (a cached domain, asked again by the same process) must
 * cost no system call: tdb_fetch takes and drops an fcntl lock. tdb's
 * sequence number (TDB_SEQNUM), bumped by every store and delete from
 * any process and read from the mapped header without a lock, tells
 * whether a record read earlier is still the current one.
 */
#define MEMO_SLOTS 16

struct memo {
	char domain[MTS_DOMAIN_BUF];
	struct mts_entry e;           /* decoded; its doc shared by reference */
	int seqnum;
	int valid;
	mtasts_policy *hot;           /* made from e (mts_cache_peek), or NULL */
};

/* The same for auxiliary records, kept as the raw bytes and, once a
 * caller asked for it (mts_cache_aux_peek_decoded), decoded: a hit on
 * the MX answer then neither reads nor decodes it. */
#define AUX_SLOTS 16

struct aux_memo {
	char key[MTS_DOMAIN_BUF + 16];
	unsigned char *buf;
	size_t len;
	int seqnum;
	int valid;
	mts_cache_decode_fn *decfn;   /* what dec holds, if dec_ok */
	void *dec;                    /* decsz bytes, reused across records */
	size_t decsz;
	int dec_ok;                   /* 1 decoded, -1 undecodable, 0 not yet */
};

/*
 * Without a mapping (cache_mmap = no, the default), reading tdb's
 * sequence number is a pread(): a system call on every lookup, 5x the
 * rest of a cached verdict. So a process trusts the number it read for
 * up to SEQ_RECHECK_MS: another process's write is seen within that
 * time (a policy lives for days; a refresh landing a second later
 * changes nothing that matters), this process's own writes at once.
 */
#define SEQ_RECHECK_MS 1000

struct mts_cache {
	int mmap;
	int hash_size;                  /* for tdb_open (a new file) */
	int tdb_flags;
	int seq;                        /* last sequence number read */
	int64_t seq_at;                 /* when (mts_mono_ms), 0: re-read */
	/* Slots allocated when first used: a process that asks for one
	 * domain (an Exim delivery) zeroes one slot, not 15 KiB. */
	struct aux_memo *aux[AUX_SLOTS];
	struct mts_store_tdb st;
	struct tdb_context *tdb;        /* st.tdb, opened when needed */
	struct mts_tdb_peek peek;       /* lock-free reads, checked by tag */
	struct mts_doc_memo docs;       /* policy texts parsed lately */
	int lockfd;
	int lockkey_ok;                 /* lockkey read (lock_key) */
	unsigned char lockkey[MTS_SIPHASH_KEY_LEN];
	char path[1024];
	unsigned mode;
	struct memo *memo[MEMO_SLOTS];
};

static int
range_lock(int fd, off_t off, off_t len, short type, int wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = len;
	return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}

/* Read the lock key; with write set, make it first if the file has
 * none yet (new, or from a version without keys). Held for one pread
 * or pwrite, so waiting for it (SETLKW) is bounded by the holder. */
static int
lock_key(struct mts_cache *c, int write)
{
	int fd = c->lockfd, rc = -1;
	ssize_t n;

	if (range_lock(fd, LOCK_KEY_OFF, MTS_SIPHASH_KEY_LEN,
	    write ? F_WRLCK : F_RDLCK, 1) != 0)
		return -1;
	n = pread(fd, c->lockkey, sizeof(c->lockkey), LOCK_KEY_OFF);
	if (n == (ssize_t)sizeof(c->lockkey))
		rc = 0;
	else if (write && getrandom(c->lockkey, sizeof(c->lockkey), 0) ==
	    (ssize_t)sizeof(c->lockkey) && pwrite(fd, c->lockkey,
	    sizeof(c->lockkey), LOCK_KEY_OFF) == (ssize_t)sizeof(c->lockkey))
		rc = 0;
	else if (!write)
		rc = 1;
	(void)range_lock(fd, LOCK_KEY_OFF, MTS_SIPHASH_KEY_LEN, F_UNLCK, 0);
	return rc;
}

/* The lock file is opened (and checked, storefile.h) with the cache;
 * its key is read on the first fetch lock: a process answered from the
 * cache (an Exim delivery) never needs it, and saves three system calls.
 * A key that cannot be read then fails that lock (the caller fetches
 * unlocked and logs it), as the whole cache failed before. */
static int
load_lockkey(struct mts_cache *c)
{
	int rc;

	if (c->lockkey_ok)
		return 0;
	if ((rc = lock_key(c, 0)) == 1)
		rc = lock_key(c, 1);
	if (rc != 0)
		return -1;
	c->lockkey_ok = 1;
	return 0;
}

static int
open_lockfile(struct mts_cache *c, char *err, size_t errsz)
{
	int created;

	c->lockfd = mts_store_tdb_lockfile(&c->st, c->path, c->mode, &created,
	    err, errsz);
	if (c->lockfd < 0)
		return c->lockfd;
	/* A new lock file gets its key at once: it is ours to make. */
	if (created && load_lockkey(c) != 0) {
		mts_fmt(err, errsz, "%s.lock: cannot make the lock key: %s",
		    c->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Lock-free reads; through a mapping when tdb maps the file too
 * (cache_mmap = yes: its SIGBUS exposure, tdb_peek.h), never without. */
static void
peek_init(struct mts_cache *c)
{
	mts_tdb_peek_init(&c->peek, c->st.fd);
	if (c->mmap)
		mts_tdb_peek_use_map(&c->peek);
}

/* tdb itself, opened on first need (mts_cache_open): 0, -1 or
 * MTS_STORE_REFUSED with err. */
static int
need_tdb(struct mts_cache *c, char *err, size_t errsz)
{
	int rc;

	if (c->tdb != NULL)
		return 0;
	if ((rc = mts_store_tdb_attach(&c->st, c->path, c->hash_size,
	    c->tdb_flags, c->mode, err, errsz)) != 0)
		return rc;
	c->tdb = c->st.tdb;
	/* A new file has a header only now. */
	if (!c->peek.ok)
		peek_init(c);
	return 0;
}

/* The same where the caller has no room for a message. */
static struct tdb_context *
tdb_of(struct mts_cache *c)
{
	char err[256];

	return need_tdb(c, err, sizeof(err)) == 0 ? c->tdb : NULL;
}

int
mts_cache_open(struct mts_cache **out, const char *path, unsigned mode,
    int mmap, int hash_size, char *err, size_t errsz)
{
	struct mts_cache *c = calloc(1, sizeof(*c));
	int rc = -1;

	if (c == NULL) {
		mts_fmt(err, errsz, "out of memory");
		return -1;
	}
	c->lockfd = -1;
	c->mmap = mmap;
	c->st.fd = -1;
	c->st.dir.fd = -1;
	c->mode = mode;
	if (mts_fmt(c->path, sizeof(c->path), "%s", path) != 0) {
		mts_fmt(err, errsz, "cache path too long");
		goto fail;
	}
	c->hash_size = hash_size > 0 ? hash_size : CACHE_HASH_SIZE;
	c->tdb_flags = TDB_INCOMPATIBLE_HASH | TDB_SEQNUM |
	    (mmap ? 0 : TDB_NOMMAP);
	if ((rc = mts_store_tdb_open_file(&c->st, path, mode, err,
	    errsz)) != 0)
		goto fail;
	/*
	 * A file whose header a peek can read is left to peeks until
	 * something needs tdb itself (a miss, a write, an odd record):
	 * an Exim delivery answered from the cache then never loads
	 * libtdb, nor pays tdb_open's dozen system calls. Its sequence
	 * number, read with the header, is trusted as any other read
	 * (SEQ_RECHECK_MS). A new, foreign or damaged file, or a mapped
	 * cache (cache_mmap), is opened by tdb at once, as it always was.
	 */
	peek_init(c);
	if (c->peek.ok && !mmap) {
		c->seq = (int)c->peek.seqnum;
		c->seq_at = mts_mono_ms();
		if (c->seq_at <= 0)
			c->seq_at = 1;
	} else if ((rc = need_tdb(c, err, errsz)) != 0)
		goto fail;
	if ((rc = open_lockfile(c, err, errsz)) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	mts_cache_close(c);
	return rc;
}

void
mts_cache_close(struct mts_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < MEMO_SLOTS; i++)
		if (c->memo[i] != NULL) {
			mts_entry_clear(&c->memo[i]->e);
			mtasts_policy_free(c->memo[i]->hot);
			free(c->memo[i]);
		}
	for (i = 0; i < AUX_SLOTS; i++)
		if (c->aux[i] != NULL) {
			free(c->aux[i]->buf);
			free(c->aux[i]->dec);
			free(c->aux[i]);
		}
	mts_tdb_peek_free(&c->peek);
	mts_doc_memo_clear(&c->docs);
	mts_store_tdb_close(&c->st);
	if (c->lockfd >= 0)
		close(c->lockfd);
	free(c);
}

int
mts_cache_tdb_open(const struct mts_cache *c)
{
	return c->tdb != NULL;
}

int
mts_cache_hash_size(struct mts_cache *c)
{
	if (c->tdb == NULL && c->peek.ok)
		return (int)c->peek.hash_size;
	return tdb_of(c) != NULL ? tdb_hash_size(c->tdb) : 0;
}

int
mts_cache_reopen(struct mts_cache *c, char *err, size_t errsz)
{
	c->seq_at = 0;          /* re-read the sequence number */
	/* tdb_reopen exists for exactly this: fcntl locks are per process.
	 * Peeks hold no lock: the inherited descriptor serves the child. */
	if (c->tdb != NULL && tdb_reopen(c->tdb) != 0) {
		c->tdb = c->st.tdb = NULL;
		mts_fmt(err, errsz, "tdb_reopen failed");
		return -1;
	}
	/* OFD locks belong to the open file description shared with the
	 * parent: the child needs its own. */
	close(c->lockfd);
	return open_lockfile(c, err, errsz);
}

static int
seqnum(struct mts_cache *c)
{
	int64_t now;
	uint32_t s;

	if (c->mmap)
		return tdb_get_seqnum(c->tdb);
	now = mts_mono_ms();
	if (c->seq_at == 0 || now - c->seq_at >= SEQ_RECHECK_MS) {
		/* tdb_get_seqnum() without a mapping is this very pread,
		 * and 0 when it fails. */
		if (!c->peek.ok)
			c->seq = tdb_get_seqnum(c->tdb);
		else
			c->seq = mts_tdb_peek_seqnum(&c->peek, &s) == 0 ?
			    (int)s : 0;
		c->seq_at = now > 0 ? now : 1;
	}
	return c->seq;
}

/* After a write of ours: the next read looks at the file again. */
static void
wrote(struct mts_cache *c)
{
	c->seq_at = 0;
}

void
mts_cache_recheck(struct mts_cache *c)
{
	c->seq_at = 0;
}

static TDB_DATA
key_of(const char *domain)
{
	TDB_DATA k;

	k.dptr = (unsigned char *)(uintptr_t)domain;
	k.dsize = strlen(domain);
	return k;
}

/*
 * The memo slot of a name of n bytes (a lookup that misses the memo
 * measures the name once): eight bytes a step, multiplicative
 * (Fibonacci) hashing, the slot taken from the well-mixed high bits.
 * Not for secrecy: a remote party who picks names that share a slot
 * only makes its own lookups read the file.
 */
#define MEMO_MUL UINT64_C(0x9e3779b97f4a7c15)

static struct memo *
memo_slot(struct mts_cache *c, const char *domain, size_t n)
{
	uint64_t h = n, w;
	struct memo **m;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, domain + i, sizeof(w));
		h = (h ^ w) * MEMO_MUL;
	}
	for (w = 0; i < n; i++)
		w = w << 8 | (unsigned char)domain[i];
	h = (h ^ w) * MEMO_MUL;
	m = &c->memo[(unsigned)(h >> 32) % MEMO_SLOTS];
	if (*m == NULL)
		*m = calloc(1, sizeof(**m));  /* NULL: this time unmemoised */
	return *m;
}

const struct mts_entry *
mts_cache_peek(struct mts_cache *c, const char *domain, mtasts_policy ***hot)
{
	struct memo *m = memo_slot(c, domain, strlen(domain));

	if (m != NULL && m->valid && m->seqnum == seqnum(c) &&
	    strcmp(m->domain, domain) == 0) {
		if (hot != NULL)
			*hot = &m->hot;
		return &m->e;
	}
	return NULL;
}

/*
 * A stored value: the record, then its tag (cache_tag.h). need_tag: a
 * value read without tdb's lock counts only with a valid tag; one from
 * tdb_fetch may be untagged (written before tags). 0, or -1 (no entry).
 */
static int
value_decode(struct mts_cache *c, const char *domain, size_t dlen,
    const unsigned char *v, size_t n, int need_tag, struct mts_entry *e)
{
	size_t len = n;

	if (!mts_cache_tag_check(domain, dlen, v, n, &len) && need_tag)
		return -1;
	return mts_record_decode_memo(v, len, e, c ? &c->docs : NULL) == 0 ?
	    0 : -1;
}

/*
 * Read domain's entry into dst (a memo slot's, or the caller's for a
 * name too long for a slot), whose doc the caller has dropped. 0, 1
 * absent or undecodable (dropped from the file), -1 error (err).
 */
static int
read_entry(struct mts_cache *c, const char *domain, size_t dlen,
    struct mts_entry *dst, char *err, size_t errsz)
{
	const unsigned char *pv;
	size_t pn;
	TDB_DATA v;
	int rc;

	/* No lock, and no system call through a mapping (two pread()
	 * without); anything but a whole, tagged, valid record is read
	 * again through tdb, below. */
	if (mts_tdb_peek(&c->peek, domain, dlen, &pv, &pn) == 0 &&
	    value_decode(c, domain, dlen, pv, pn, 1, dst) == 0)
		return 0;
	mts_entry_init(dst);
	if (need_tdb(c, err, errsz) != 0)
		return -1;
	v = tdb_fetch(c->tdb, key_of(domain));
	if (v.dptr == NULL) {
		if (tdb_error(c->tdb) == TDB_ERR_NOEXIST)
			return 1;
		mts_fmt(err, errsz, "tdb_fetch: %s", tdb_errorstr(c->tdb));
		return -1;
	}
	rc = value_decode(c, domain, dlen, v.dptr, v.dsize, 0, dst);
	free(v.dptr);
	if (rc != 0) {
		/* Foreign or damaged: drop it; the caller refetches. */
		(void)tdb_delete(c->tdb, key_of(domain));
		wrote(c);
		return 1;
	}
	return 0;
}

/*
 * The memo slot for domain, filled from the file unless it holds the
 * current entry already. The decoded form is kept, not the record, so
 * a hit neither re-decodes the record nor re-parses the policy text;
 * it is tagged with the sequence number seen before the read (a write
 * in between makes the tag stale: safe). NULL + *rc (1, -1) if there
 * is no entry, or the name does not fit a slot (*rc 2).
 */
static struct memo *
memo_load(struct mts_cache *c, const char *domain, size_t dlen, int *rc,
    char *err, size_t errsz)
{
	struct memo *m = memo_slot(c, domain, dlen);
	int seq = seqnum(c);

	/* No slot (its first calloc failed) or a name too long for one:
	 * read without the memo (*rc 2). */
	if (m == NULL || dlen >= sizeof(m->domain)) {
		*rc = 2;
		return NULL;
	}
	if (m->valid && m->seqnum == seq && strcmp(m->domain, domain) == 0)
		return m;
	m->valid = 0;
	mts_policy_doc_free(m->e.doc);
	m->e.doc = NULL;
	mtasts_policy_free(m->hot);     /* made from the old entry */
	m->hot = NULL;
	if ((*rc = read_entry(c, domain, dlen, &m->e, err, errsz)) != 0)
		return NULL;
	m->seqnum = seq;
	memcpy(m->domain, domain, dlen + 1);
	m->valid = 1;
	return m;
}

int
mts_cache_load(struct mts_cache *c, const char *domain,
    const struct mts_entry **out, mtasts_policy ***hot, char *err,
    size_t errsz)
{
	struct memo *m;
	int rc;

	if ((m = memo_load(c, domain, strlen(domain), &rc, err,
	    errsz)) == NULL)
		return rc == 2 ? 1 : rc;
	*out = &m->e;
	*hot = &m->hot;
	return 0;
}

int
mts_cache_get(struct mts_cache *c, const char *domain, struct mts_entry *e,
    char *err, size_t errsz)
{
	size_t dlen = strlen(domain);
	struct memo *m;
	int rc;

	if ((m = memo_load(c, domain, dlen, &rc, err, errsz)) != NULL) {
		*e = m->e;
		e->doc = mts_policy_doc_ref(m->e.doc);
		return 0;
	}
	mts_entry_init(e);
	if (rc == 2 && (rc = read_entry(c, domain, dlen, e, err, errsz)) != 0)
		mts_entry_clear(e);
	return rc;
}

int
mts_cache_put(struct mts_cache *c, const char *domain,
    const struct mts_entry *e, char *err, size_t errsz)
{
	TDB_DATA v;
	unsigned char *buf, *tagged;
	size_t len;
	int rc;

	if (need_tdb(c, err, errsz) != 0)
		return -1;
	if (mts_record_encode(e, &buf, &len) != 0 ||
	    (tagged = realloc(buf, len + MTS_CACHE_TAG_LEN)) == NULL) {
		free(buf);
		mts_fmt(err, errsz, "out of memory");
		return -1;
	}
	buf = tagged;
	mts_cache_tag_make(domain, strlen(domain), buf, len, buf + len);
	v.dptr = buf;
	v.dsize = len + MTS_CACHE_TAG_LEN;
	rc = tdb_store(c->tdb, key_of(domain), v, TDB_REPLACE);
	wrote(c);
	free(buf);
	if (rc != 0) {
		mts_fmt(err, errsz, "tdb_store: %s", tdb_errorstr(c->tdb));
		return -1;
	}
	return 0;
}

/* "<kind>:<domain>": a ':' never appears in a domain, so these keys
 * cannot collide with a policy entry, and the walk skips them. */
static int
aux_key(char *buf, size_t bufsz, const char *kind, const char *domain,
    TDB_DATA *k)
{
	size_t kl = strlen(kind), dl = strlen(domain);

	/* Two copies, not mts_fmt: this runs on every cached route, and
	 * vsnprintf cost more than the rest of the memo hit. */
	if (kl + 1 + dl >= bufsz)
		return -1;
	memcpy(buf, kind, kl);
	buf[kl] = ':';
	memcpy(buf + kl + 1, domain, dl + 1);
	k->dptr = (unsigned char *)buf;
	k->dsize = kl + 1 + dl;
	return 0;
}

static unsigned
hash_str(const char *s)
{
	unsigned h = 5381;

	for (; *s != '\0'; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

int
mts_cache_aux_get(struct mts_cache *c, const char *kind, const char *domain,
    unsigned char **buf, size_t *len)
{
	const unsigned char *b;
	int rc;

	if ((rc = mts_cache_aux_peek(c, kind, domain, &b, len)) != 0)
		return rc;
	if ((*buf = malloc(*len ? *len : 1)) == NULL)
		return -1;
	memcpy(*buf, b, *len);
	return 0;
}

/* Keep len bytes of an auxiliary record in its memo slot. */
static int
aux_keep(struct aux_memo *m, const char *kb, const unsigned char *v,
    size_t len, int seq)
{
	unsigned char *b;

	if ((b = realloc(m->buf, len ? len : 1)) == NULL)
		return -1;
	memcpy(b, v, len);
	m->buf = b;
	m->len = len;
	m->dec_ok = 0;
	m->seqnum = seq;
	memcpy(m->key, kb, strlen(kb) + 1);
	m->valid = 1;
	return 0;
}

/* The memo slot holding kind:domain, read if stale: 0, 1 absent, -1. */
static int
aux_slot(struct mts_cache *c, const char *kind, const char *domain,
    struct aux_memo **out)
{
	char kb[MTS_DOMAIN_BUF + 16];
	int seq = seqnum(c), rc;
	const unsigned char *pv;
	struct aux_memo *m, **mp;
	size_t pn, rl;
	TDB_DATA k, v;

	if (aux_key(kb, sizeof(kb), kind, domain, &k) != 0)
		return -1;
	mp = &c->aux[hash_str(kb) % AUX_SLOTS];
	if (*mp == NULL && (*mp = calloc(1, sizeof(**mp))) == NULL)
		return -1;
	m = *mp;
	*out = m;
	if (m->valid && m->seqnum == seq && strcmp(m->key, kb) == 0)
		return 0;
	m->valid = 0;
	/* As mts_cache_get: unlocked only with a valid tag. */
	if (mts_tdb_peek(&c->peek, k.dptr, k.dsize, &pv, &pn) == 0 &&
	    mts_cache_tag_check(k.dptr, k.dsize, pv, pn, &rl))
		return aux_keep(m, kb, pv, rl, seq) != 0 ? -1 : 0;
	if (tdb_of(c) == NULL)
		return -1;
	v = tdb_fetch(c->tdb, k);
	if (v.dptr == NULL)
		return tdb_error(c->tdb) == TDB_ERR_NOEXIST ? 1 : -1;
	/* Untagged (written before tags): the value as it is; the
	 * caller's decoder refuses anything else. */
	if (!mts_cache_tag_check(k.dptr, k.dsize, v.dptr, v.dsize, &rl))
		rl = v.dsize;
	rc = aux_keep(m, kb, v.dptr, rl, seq);
	free(v.dptr);
	return rc != 0 ? -1 : 0;
}

int
mts_cache_aux_peek(struct mts_cache *c, const char *kind, const char *domain,
    const unsigned char **buf, size_t *len)
{
	struct aux_memo *m;
	int rc;

	if ((rc = aux_slot(c, kind, domain, &m)) != 0)
		return rc;
	*buf = m->buf;
	*len = m->len;
	return 0;
}

int
mts_cache_aux_peek_decoded(struct mts_cache *c, const char *kind,
    const char *domain, mts_cache_decode_fn *dec, size_t size,
    const void **out)
{
	struct aux_memo *m;
	void *d;
	int rc;

	if ((rc = aux_slot(c, kind, domain, &m)) != 0)
		return rc;
	if (m->dec_ok == 0 || m->decfn != dec || m->decsz != size) {
		/* Once per record read: a hit reuses this buffer. */
		if (m->decsz != size) {
			if ((d = realloc(m->dec, size)) == NULL)
				return -1;
			m->dec = d;
			m->decsz = size;
		}
		m->decfn = dec;
		m->dec_ok = dec(m->buf, m->len, m->dec) == 0 ? 1 : -1;
	}
	if (m->dec_ok != 1)
		return -1;
	*out = m->dec;
	return 0;
}

/*
 * After our successful store of key kb (len bytes): tdb_store bumps the
 * sequence number once when it rewrites the record in place (the stats
 * record, same size every time), twice when it moves it. If the number
 * went from before (a value read from the file) to exactly before + 1,
 * that one bump was ours and no other process wrote in between: every
 * memo tagged before is still current, and moves to the new number, and
 * kb's slot holds what we wrote. Any other step (another process wrote,
 * or tdb bumped twice) leaves them stale, as wrote() does. So the
 * process's own statistics flush no longer makes its next lookups read
 * the policy and MX records again; a write by anyone else still does.
 */
static void
wrote_own(struct mts_cache *c, int before, const char *kb,
    const void *buf, size_t len)
{
	struct aux_memo *m;
	int64_t now;
	uint32_t s;
	int after;
	size_t i;

	/* Read as seqnum() reads it; a failed read carries nothing over. */
	if (c->mmap || !c->peek.ok)
		after = tdb_get_seqnum(c->tdb);
	else if (mts_tdb_peek_seqnum(&c->peek, &s) == 0)
		after = (int)s;
	else
		return;
	if ((unsigned)after != (unsigned)before + 1u)
		return;
	for (i = 0; i < MEMO_SLOTS; i++)
		if (c->memo[i] != NULL && c->memo[i]->valid &&
		    c->memo[i]->seqnum == before)
			c->memo[i]->seqnum = after;
	for (i = 0; i < AUX_SLOTS; i++)
		if (c->aux[i] != NULL && c->aux[i]->valid &&
		    c->aux[i]->seqnum == before)
			c->aux[i]->seqnum = after;
	if ((m = c->aux[hash_str(kb) % AUX_SLOTS]) != NULL) {
		m->valid = 0;
		(void)aux_keep(m, kb, buf, len, after);
	}
	now = mts_mono_ms();
	c->seq = after;
	c->seq_at = now > 0 ? now : 1;
}

int
mts_cache_aux_put(struct mts_cache *c, const char *kind, const char *domain,
    const void *buf, size_t len)
{
	char kb[MTS_DOMAIN_BUF + 16];
	unsigned char *t;
	TDB_DATA k, v;
	int rc, before;

	if (tdb_of(c) == NULL || aux_key(kb, sizeof(kb), kind, domain,
	    &k) != 0 || (t = malloc(len + MTS_CACHE_TAG_LEN)) == NULL)
		return -1;
	memcpy(t, buf, len);
	mts_cache_tag_make(k.dptr, k.dsize, t, len, t + len);
	v.dptr = t;
	v.dsize = len + MTS_CACHE_TAG_LEN;
	before = seqnum(c);
	wrote(c);
	rc = tdb_store(c->tdb, k, v, TDB_REPLACE) == 0 ? 0 : -1;
	free(t);
	if (rc == 0)
		wrote_own(c, before, kb, buf, len);
	return rc;
}

int
mts_cache_del(struct mts_cache *c, const char *domain, char *err,
    size_t errsz)
{
	char kb[MTS_DOMAIN_BUF + 16];
	TDB_DATA k;

	if (need_tdb(c, err, errsz) != 0)
		return -1;
	wrote(c);
	if (aux_key(kb, sizeof(kb), "mx", domain, &k) == 0)
		(void)tdb_delete(c->tdb, k);
	if (tdb_delete(c->tdb, key_of(domain)) == 0)
		return 0;
	if (tdb_error(c->tdb) == TDB_ERR_NOEXIST)
		return 1;
	mts_fmt(err, errsz, "tdb_delete: %s", tdb_errorstr(c->tdb));
	return -1;
}

int
mts_cache_wipe(struct mts_cache *c, char *err, size_t errsz)
{
	if (need_tdb(c, err, errsz) != 0)
		return -1;
	wrote(c);
	if (tdb_wipe_all(c->tdb) != 0) {
		mts_fmt(err, errsz, "tdb_wipe_all: %s", tdb_errorstr(c->tdb));
		return -1;
	}
	return 0;
}

struct walk {
	mts_cache_walk_fn *fn;
	void *arg;
};

static int
walk_one(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *arg)
{
	struct walk *w = arg;
	char domain[300];
	struct mts_entry e;
	int stop;

	if (k.dsize > 0 && memchr(k.dptr, ':', k.dsize) != NULL)
		return 0;           /* an auxiliary record (aux_key) */
	if (k.dsize == 0 || k.dsize >= sizeof(domain))
		goto drop;
	memcpy(domain, k.dptr, k.dsize);
	domain[k.dsize] = '\0';
	if (value_decode(NULL, domain, k.dsize, v.dptr, v.dsize, 0, &e) != 0)
		goto drop;
	stop = w->fn(w->arg, domain, &e);
	mts_entry_clear(&e);
	return stop;
drop:
	(void)tdb_delete(tdb, k);
	return 0;
}

int
mts_cache_walk(struct mts_cache *c, mts_cache_walk_fn *fn, void *arg,
    char *err, size_t errsz)
{
	struct walk w = { fn, arg };

	if (need_tdb(c, err, errsz) != 0)
		return -1;
	wrote(c);     /* the walk drops damaged records */
	if (tdb_traverse(c->tdb, walk_one, &w) < 0) {
		mts_fmt(err, errsz, "tdb_traverse: %s", tdb_errorstr(c->tdb));
		return -1;
	}
	return 0;
}

/* Keyed: the lock byte of a domain is unknown without the key. */
static off_t
lock_offset(const struct mts_cache *c, const char *domain)
{
	uint64_t h = mts_siphash24(c->lockkey, domain, strlen(domain));

	return (off_t)(LOCK_BASE + h % LOCK_SPACE);
}

int
mts_cache_lock(struct mts_cache *c, const char *domain, int wait_s,
    int *waited)
{
	off_t off;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	long tries = (long)wait_s * 50;

	*waited = 0;
	if (load_lockkey(c) != 0)
		return -1;
	off = lock_offset(c, domain);
	/* Whoever held the lock may have written the entry: the reads under
	 * the lock look at the file, never at a sequence number trusted
	 * from before (SEQ_RECHECK_MS). */
	c->seq_at = 0;
	/* Poll rather than F_OFD_SETLKW: a library must not need signals
	 * (alarm) to bound a wait. 20 ms steps. */
	for (;;) {
		if (range_lock(c->lockfd, off, 1, F_WRLCK, 0) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return -1;
		*waited = 1;
		if (tries-- <= 0)
			return 1;
		nanosleep(&nap, NULL);
	}
}

void
mts_cache_unlock(struct mts_cache *c, const char *domain)
{
	if (c->lockkey_ok)
		(void)range_lock(c->lockfd, lock_offset(c, domain), 1,
		    F_UNLCK, 0);
}
