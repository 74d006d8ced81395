/* SPDX-License-Identifier: ISC */
/*
 * test_cache_memo.c - the cache's memos on the cached route's path
 * (sts/cache.c): the MX answer decoded once and kept, the process's own
 * statistics write keeping the memos when it was the only write, and a
 * write by another (real, forked) process still making them stale.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "sts/cache.h"
#include "sts/entry.h"

static char dir[] = "/tmp/mtasts-test-cmemo-XXXXXX";
static char path[256];
static int ndecodes;

static int
count_decode(const unsigned char *buf, size_t len, void *out)
{
	ndecodes++;
	return mts_mx_entry_decode(buf, len, out);
}

static int
put_mx(struct mts_cache *c, const char *host, int64_t expires)
{
	struct mts_mx_entry m;
	unsigned char *buf;
	size_t len;
	int rc;

	memset(&m, 0, sizeof(m));
	m.expires = expires;
	m.n = 1;
	m.hosts[0].pref = 10;
	strcpy(m.hosts[0].name, host);
	if (mts_mx_entry_encode(&m, &buf, &len) != 0)
		return -1;
	rc = mts_cache_aux_put(c, "mx", "memo.test", buf, len);
	free(buf);
	return rc;
}

static const struct mts_mx_entry *
peek_mx(struct mts_cache *c)
{
	const void *d = NULL;

	if (mts_cache_aux_peek_decoded(c, "mx", "memo.test", count_decode,
	    sizeof(struct mts_mx_entry), &d) != 0)
		return NULL;
	return d;
}

/* Another process (a real fork, its own tdb context) writes kind:key. */
static void
other_writes(struct mts_cache *c, const char *host)
{
	char err[256];
	pid_t pid;
	int status = -1;

	if ((pid = fork()) == 0) {
		if (mts_cache_reopen(c, err, sizeof(err)) != 0 ||
		    put_mx(c, host, 4000000000LL) != 0)
			_exit(1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "another process wrote the MX answer (%s)", host);
}

static void
stats_put(struct mts_cache *c, unsigned char v)
{
	unsigned char rec[16];

	memset(rec, v, sizeof(rec));
	ok(mts_cache_aux_put(c, "stats", "v1", rec, sizeof(rec)) == 0,
	    "own stats write (%u)", v);
}

int
main(void)
{
	const struct mts_mx_entry *m, *m2;
	const unsigned char *sb;
	struct mts_cache *c = NULL;
	struct mts_entry e, g;
	char err[256];
	size_t sl;
	int n;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/cache.tdb", dir);
	/* cache_mmap = no, the default: sequence numbers read by pread and
	 * trusted for SEQ_RECHECK_MS. */
	if (mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0) {
		printf("Bail out! open: %s\n", err);
		return 1;
	}
	mts_entry_init(&e);
	e.txt_state = MTS_TXTSTATE_NONE;
	e.txt_expires = 4000000000LL;
	ok(mts_cache_put(c, "memo.test", &e, err, sizeof(err)) == 0, "put");
	ok(put_mx(c, "mx1.memo.test", 4000000000LL) == 0, "put MX answer");
	ok(mts_cache_get(c, "memo.test", &g, err, sizeof(err)) == 0, "get");
	mts_entry_clear(&g);

	/* 1. Decoded once per record read, then kept. */
	m = peek_mx(c);
	ok(m != NULL && m->n == 1 && strcmp(m->hosts[0].name,
	    "mx1.memo.test") == 0 && m->expires == 4000000000LL,
	    "decoded MX answer");
	n = ndecodes;
	m2 = peek_mx(c);
	ok(m2 == m && ndecodes == n, "a hit neither reads nor decodes "
	    "(%d decodes)", ndecodes);

	/* 2. The process's own stats flush: the only write, so the memos of
	 * the policy entry and the MX answer stay current. */
	stats_put(c, 1);
	mts_cache_recheck(c);   /* and look at the file: still current */
	ok(mts_cache_peek(c, "memo.test", NULL) != NULL,
	    "own stats write keeps the policy memo");
	m2 = peek_mx(c);
	ok(m2 == m && ndecodes == n, "own stats write keeps the decoded MX "
	    "answer");
	ok(mts_cache_aux_peek(c, "stats", "v1", &sb, &sl) == 0 && sl == 16 &&
	    sb[0] == 1 && sb[15] == 1, "the stats memo is what we wrote");

	/* 3. Another process writes: seen (after the recheck interval,
	 * here forced), memos stale, the new MX answer decoded. */
	other_writes(c, "mx2.memo.test");
	mts_cache_recheck(c);
	ok(mts_cache_peek(c, "memo.test", NULL) == NULL,
	    "another process's write makes the policy memo stale");
	m = peek_mx(c);
	ok(m != NULL && strcmp(m->hosts[0].name, "mx2.memo.test") == 0 &&
	    ndecodes == n + 1, "the other process's MX answer, decoded anew");
	ok(mts_cache_get(c, "memo.test", &g, err, sizeof(err)) == 0,
	    "get again");
	mts_entry_clear(&g);
	ok(mts_cache_peek(c, "memo.test", NULL) != NULL, "policy memo again");

	/* 4. Another process writes, then ours before we looked at the
	 * file (its number trusted): two bumps, so our write must not
	 * carry the memos over: the other write is still seen. */
	other_writes(c, "mx3.memo.test");
	stats_put(c, 2);
	mts_cache_recheck(c);
	ok(mts_cache_peek(c, "memo.test", NULL) == NULL,
	    "another's write just before our own still makes memos stale");
	m = peek_mx(c);
	ok(m != NULL && strcmp(m->hosts[0].name, "mx3.memo.test") == 0,
	    "and the other process's MX answer is read");
	ok(mts_cache_aux_peek(c, "stats", "v1", &sb, &sl) == 0 && sl == 16 &&
	    sb[0] == 2, "stats record as we wrote it");

	mts_cache_close(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cache.tdb.lock", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
