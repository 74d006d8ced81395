/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/results.c - the TLS-RPT results store in tdb.
 *
 * Every delivery process adds to it, so an add is one locked
 * read-modify-write per counter (tdb_chainlock), never a whole-file
 * lock. Records, keyed by text fields joined with US (0x1f):
 *   P day domain fp              -> type US policy text US mx1 US mx2 ...
 *   C day domain fp ok|fail      -> count (uint64, little endian)
 *   D day domain fp result sip mx helo rip code -> count
 *   S day domain rua             -> send state (text, see send_fmt)
 * The policy fingerprint (fp) keeps policies that changed during the
 * day apart, as RFC 8460 §4.4 reports each applied policy on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tdb.h>

#include "tlsrpt/results.h"
#include "base/store_tdb.h"
#include "base/util.h"

#define US '\x1f'
#define KEY_MAX 2048
#define RESULTS_HASH_SIZE 10007

struct mts_results {
	struct mts_store_tdb st;
	struct tdb_context *tdb;        /* st.tdb */
	char path[1024];
	unsigned mode;
	int runfd;
	int pushfd;                     /* the fleet journal's push lock */
};

void
mts_day_of(int64_t t, char day[MTS_DAY_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	(void)strftime(day, MTS_DAY_LEN + 1, "%Y-%m-%d", &tm);
}

int64_t
mts_day_start(const char *day)
{
	struct tm tm;
	char back[MTS_DAY_LEN + 1];
	int64_t t;
	size_t i;

	if (day == NULL || strlen(day) != MTS_DAY_LEN)
		return -1;
	for (i = 0; i < MTS_DAY_LEN; i++)
		if ((i == 4 || i == 7) ? day[i] != '-' :
		    !mts_is_digit((unsigned char)day[i]))
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(day) - 1900;
	tm.tm_mon = atoi(day + 5) - 1;
	tm.tm_mday = atoi(day + 8);
	t = (int64_t)timegm(&tm);
	mts_day_of(t, back);
	/* timegm normalises 2026-02-31; a real date survives the round trip. */
	return strcmp(back, day) == 0 ? t : -1;
}

int
mts_results_open(struct mts_results **out, const char *path, unsigned mode,
    int mmap, char *err, size_t errsz)
{
	struct mts_results *r = calloc(1, sizeof(*r));
	int rc = -1;

	if (r == NULL) {
		mts_fmt(err, errsz, "out of memory");
		return -1;
	}
	r->runfd = -1;
	r->pushfd = -1;
	r->st.fd = -1;
	r->st.dir.fd = -1;
	r->mode = mode;
	if (mts_fmt(r->path, sizeof(r->path), "%s", path) != 0) {
		mts_fmt(err, errsz, "results path too long");
		goto fail;
	}
	if ((rc = mts_store_tdb_open(&r->st, path, RESULTS_HASH_SIZE,
	    TDB_INCOMPATIBLE_HASH | (mmap ? 0 : TDB_NOMMAP), mode, err,
	    errsz)) != 0)
		goto fail;
	r->tdb = r->st.tdb;
	*out = r;
	return 0;
fail:
	mts_results_close(r);
	return rc;
}

int
mts_results_wrap(struct mts_results **out, struct tdb_context *tdb)
{
	struct mts_results *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -1;
	r->runfd = -1;
	r->st.fd = -1;
	r->st.dir.fd = -1;
	r->tdb = tdb;           /* r->st.tdb stays NULL: not ours to close */
	*out = r;
	return 0;
}

void
mts_results_close(struct mts_results *r)
{
	if (r == NULL)
		return;
	mts_store_tdb_close(&r->st);
	if (r->runfd >= 0)
		close(r->runfd);
	if (r->pushfd >= 0)
		close(r->pushfd);
	free(r);
}

/* Append one field: separator, then the value with control bytes (and
 * so the separator) replaced, at most MTS_FIELD_MAX - 1 bytes. */
static int
put_field(char *key, size_t *len, const char *v)
{
	size_t n = 0;

	if (*len + 1 >= KEY_MAX)
		return -1;
	if (*len > 0)
		key[(*len)++] = US;
	for (; v != NULL && v[n] != '\0' && n < MTS_FIELD_MAX - 1; n++) {
		unsigned char c = (unsigned char)v[n];

		if (*len + 1 >= KEY_MAX)
			return -1;
		key[(*len)++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	key[*len] = '\0';
	return 0;
}

static int
make_key(char *key, size_t *len, const char *const *f, size_t n)
{
	size_t i;

	*len = 0;
	key[0] = '\0';
	for (i = 0; i < n; i++)
		if (put_field(key, len, f[i]) != 0)
			return -1;
	return 0;
}

static TDB_DATA
datum(const void *p, size_t n)
{
	TDB_DATA d;

	d.dptr = (unsigned char *)(uintptr_t)p;
	d.dsize = n;
	return d;
}

static uint64_t
get_u64(TDB_DATA d)
{
	uint64_t v = 0;
	size_t i;

	if (d.dptr == NULL || d.dsize != 8)
		return 0;          /* absent or foreign: start again from 0 */
	for (i = 0; i < 8; i++)
		v |= (uint64_t)d.dptr[i] << (8 * i);
	return v;
}

/* key += 1 under the key's chain lock (atomic across processes). */
static int
bump(struct mts_results *r, const char *key, size_t len)
{
	TDB_DATA k = datum(key, len), old;
	unsigned char buf[8];
	uint64_t v;
	size_t i;
	int rc;

	if (tdb_chainlock(r->tdb, k) != 0)
		return -1;
	old = tdb_fetch(r->tdb, k);
	v = get_u64(old) + 1;
	free(old.dptr);
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(v >> (8 * i));
	rc = tdb_store(r->tdb, k, datum(buf, 8), TDB_REPLACE);
	tdb_chainunlock(r->tdb, k);
	return rc;
}

/* FNV-1a 64 over type and text: short, stable across hosts. */
static void
fingerprint(const struct mts_results_outcome *o, char fp[17])
{
	uint64_t h = 14695981039346656037ULL;
	const char *s = o->policy_text ? o->policy_text : "";
	size_t i;

	h = (h ^ (o->sts ? 's' : 'n')) * 1099511628211ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	for (i = 0; i < o->nmx; i++)
		for (s = o->mx[i]; s && *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	(void)snprintf(fp, 17, "%016" PRIx64, h);
}

/* The policy record, written once per day (TDB_INSERT keeps the first). */
static int
put_policy(struct mts_results *r, const char *key, size_t klen,
    const struct mts_results_outcome *o)
{
	char *v;
	size_t cap = 16, len = 0, i;
	const char *text = o->policy_text ? o->policy_text : "";
	int rc;

	if (tdb_exists(r->tdb, datum(key, klen)))
		return 0;
	cap += strlen(text);
	for (i = 0; i < o->nmx; i++)
		cap += strlen(o->mx[i]) + 1;
	if ((v = malloc(cap)) == NULL)
		return -1;
	len = (size_t)snprintf(v, cap, "%s%c%s", o->sts ? "sts" :
	    "no-policy-found", US, text);
	for (i = 0; i < o->nmx; i++)
		len += (size_t)snprintf(v + len, cap - len, "%c%s", US, o->mx[i]);
	rc = tdb_store(r->tdb, datum(key, klen), datum(v, len), TDB_INSERT);
	free(v);
	return rc != 0 && tdb_error(r->tdb) != TDB_ERR_EXISTS ? -1 : 0;
}

int
mts_results_add(struct mts_results *r, const struct mts_results_outcome *o,
    char *err, size_t errsz)
{
	char key[KEY_MAX], fp[17];
	size_t len;
	const char *f[10];

	fingerprint(o, fp);
	f[0] = "P"; f[1] = o->day; f[2] = o->domain; f[3] = fp;
	if (make_key(key, &len, f, 4) != 0 || put_policy(r, key, len, o) != 0)
		goto fail;
	f[0] = "C"; f[4] = o->success ? "ok" : "fail";
	if (!o->detail_only &&
	    (make_key(key, &len, f, 5) != 0 || bump(r, key, len) != 0))
		goto fail;
	if (o->result == NULL)
		return 0;
	f[0] = "D"; f[4] = o->result; f[5] = o->sending_ip; f[6] = o->mx_host;
	f[7] = o->mx_helo; f[8] = o->receiving_ip; f[9] = o->reason_code;
	if (make_key(key, &len, f, 10) != 0 || bump(r, key, len) != 0)
		goto fail;
	return 0;
fail:
	mts_fmt(err, errsz, "results: %s", tdb_errorstr(r->tdb));
	return -1;
}

struct tdb_context *
mts_results_tdb(struct mts_results *r)
{
	return r->tdb;
}

int
mts_results_run_lock(struct mts_results *r, char *err, size_t errsz)
{
	int created;

	if (r->runfd < 0) {
		r->runfd = mts_store_tdb_lockfile(&r->st, r->path, r->mode,
		    &created, err, errsz);
		if (r->runfd < 0)
			return -1;
	}
	if (flock(r->runfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return 1;
	mts_fmt(err, errsz, "%s.lock: %s", r->path, strerror(errno));
	return -1;
}

/* The fleet journal's push lock ("<file>.push.lock", flock, opened and
 * checked like the run lock): tdb allows no transaction while the
 * process holds a record lock, so the push cannot lock a record of the
 * store itself. 0 taken, 1 busy, -1 error. */
int
mts_results_push_lock(struct mts_results *r, int wait)
{
	char path[1100], err[256];
	int created;

	if (r->pushfd < 0) {
		if (mts_fmt(path, sizeof(path), "%s.push", r->path) != 0)
			return -1;
		r->pushfd = mts_store_tdb_lockfile(&r->st, path, r->mode,
		    &created, err, sizeof(err));
		if (r->pushfd < 0)
			return -1;
	}
	if (flock(r->pushfd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0)
		return 0;
	return errno == EWOULDBLOCK ? 1 : -1;
}

void
mts_results_push_unlock(struct mts_results *r)
{
	if (r->pushfd >= 0)
		(void)flock(r->pushfd, LOCK_UN);
}
