/* SPDX-License-Identifier: ISC */
/* test_cache.c - the tdb cache and its cross-process fetch locks, with
 * real processes: store/load, damaged records dropped, locks that block
 * a second process and die with a SIGKILLed holder, reopen after fork. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tdb.h>

#include <time.h>

#include "tap.h"
#include "mtasts.h"
#include "sts/cache.h"
#include "base/siphash.h"

static char dir[] = "/tmp/mtasts-test-cache-XXXXXX";
static char path[256];

static struct mts_cache *
open_cache(void)
{
	struct mts_cache *c = NULL;
	char err[256];

	if (mts_cache_open(&c, path, 0640, 1, 0, err, sizeof(err)) != 0)
		printf("# open: %s\n", err);
	return c;
}

static void
store_load(struct mts_cache *c)
{
	struct mts_entry e, g;
	char err[256];
	struct stat st;

	mts_entry_init(&e);
	e.txt_state = MTS_TXTSTATE_NONE;
	e.txt_expires = 42;
	ok(mts_cache_put(c, "example.test", &e, err, sizeof(err)) == 0, "put");
	ok(mts_cache_get(c, "example.test", &g, err, sizeof(err)) == 0 &&
	    g.txt_state == MTS_TXTSTATE_NONE && g.txt_expires == 42, "get");
	ok(mts_cache_get(c, "absent.test", &g, err, sizeof(err)) == 1,
	    "absent is 1");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "file created with the configured mode (0%o)", st.st_mode & 0777);
	ok(mts_cache_del(c, "example.test", err, sizeof(err)) == 0, "drop");
	ok(mts_cache_del(c, "example.test", err, sizeof(err)) == 1,
	    "drop again: absent");
}

/* A foreign value under a domain key is dropped, not trusted. tdb will
 * not open one file twice in a process, so plant it with the cache shut. */
static struct mts_cache *
damaged(struct mts_cache *c)
{
	struct tdb_context *t;
	TDB_DATA k = { (unsigned char *)"bad.test", 8 };
	TDB_DATA v = { (unsigned char *)"garbage\0\1\2", 10 };
	struct mts_entry g;
	char err[256];

	mts_cache_close(c);
	/* The cache uses the Jenkins hash (TDB_INCOMPATIBLE_HASH). */
	t = tdb_open_ex(path, 0, 0, O_RDWR, 0, NULL, tdb_jenkins_hash);
	ok(t != NULL && tdb_store(t, k, v, TDB_REPLACE) == 0,
	    "plant a garbage record");
	if (t)
		tdb_close(t);
	if ((c = open_cache()) == NULL)
		return NULL;
	is_int(mts_cache_get(c, "bad.test", &g, err, sizeof(err)), 1,
	    "garbage record reads as absent");
	is_int(mts_cache_del(c, "bad.test", err, sizeof(err)), 1,
	    "and was dropped");
	return c;
}

static void
locks(struct mts_cache *c)
{
	int p[2], waited = -1, st;
	char b;
	pid_t pid;

	ok(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		char e2[256];
		int w;

		/* tdb refuses a second open of one file in a process, and a
		 * forked child inherits the parent's list: reopen instead. */
		close(p[0]);
		if (mts_cache_reopen(c, e2, sizeof(e2)) != 0 ||
		    mts_cache_lock(c, "locked.test", 1, &w) != 0 ||
		    mts_cache_lock(c, "enforce.test", 1, &w) != 0)
			_exit(1);
		(void)write(p[1], "x", 1);
		pause();   /* hold the lock until killed */
		_exit(0);
	}
	close(p[1]);
	ok(read(p[0], &b, 1) == 1, "child holds the lock");
	is_int(mts_cache_lock(c, "locked.test", 1, &waited), 1,
	    "a second process times out on a held lock");
	is_int(waited, 1, "and says it waited");
	is_int(mts_cache_lock(c, "other.test", 1, &waited), 0,
	    "another domain's lock is free");
	mts_cache_unlock(c, "other.test");
	/* k6kpmu.test was found (2 min of brute force) to take the same
	 * byte as enforce.test under the old unkeyed FNV-1a % 2^30 lock
	 * offset: a remote domain could block another's fetch. Keyed, it
	 * cannot be chosen. */
	is_int(mts_cache_lock(c, "k6kpmu.test", 1, &waited), 0,
	    "a name colliding under an unkeyed hash: its lock is free");
	mts_cache_unlock(c, "k6kpmu.test");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	is_int(mts_cache_lock(c, "locked.test", 2, &waited), 0,
	    "the lock dies with its SIGKILLed holder");
	mts_cache_unlock(c, "locked.test");
	close(p[0]);
}

/* After fork the child reopens and can still read and write. */
static void
reopen_after_fork(struct mts_cache *c)
{
	struct mts_entry e, g;
	char err[256];
	int st = -1;
	pid_t pid;

	mts_entry_init(&e);
	e.txt_state = MTS_TXTSTATE_RECORD;
	strcpy(e.txt_id, "child");
	if ((pid = fork()) == 0) {
		if (mts_cache_reopen(c, err, sizeof(err)) != 0 ||
		    mts_cache_put(c, "fork.test", &e, err, sizeof(err)) != 0)
			_exit(1);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child reopened and wrote");
	ok(mts_cache_get(c, "fork.test", &g, err, sizeof(err)) == 0 &&
	    strcmp(g.txt_id, "child") == 0, "parent sees the child's write");
}

/*
 * cache_mmap = no: the sequence number is a pread, so a process trusts
 * the one it read for up to a second (cache.c SEQ_RECHECK_MS). Its own
 * writes are seen at once; another process's after that second.
 */
static void
unmapped_memo(void)
{
	struct mts_cache *a = NULL;
	struct mts_entry e, g;
	char p2[300], err[256];
	struct timespec nap = { 1, 200 * 1000 * 1000 };
	int st = -1;
	pid_t pid;

	snprintf(p2, sizeof(p2), "%s/nomap.tdb", dir);
	mts_entry_init(&e);
	e.txt_state = MTS_TXTSTATE_RECORD;
	strcpy(e.txt_id, "one");
	if (!ok(mts_cache_open(&a, p2, 0640, 0, 0, err, sizeof(err)) == 0 &&
	    mts_cache_put(a, "memo.test", &e, err, sizeof(err)) == 0 &&
	    mts_cache_get(a, "memo.test", &g, err, sizeof(err)) == 0 &&
	    strcmp(g.txt_id, "one") == 0, "unmapped: own write read back"))
		return;
	strcpy(e.txt_id, "two");
	ok(mts_cache_put(a, "memo.test", &e, err, sizeof(err)) == 0 &&
	    mts_cache_get(a, "memo.test", &g, err, sizeof(err)) == 0 &&
	    strcmp(g.txt_id, "two") == 0, "unmapped: own rewrite seen at once");
	if ((pid = fork()) == 0) {
		/* tdb refuses a second open of one file in a process:
		 * the child writes through its reopened copy of a. */
		strcpy(e.txt_id, "three");
		if (mts_cache_reopen(a, err, sizeof(err)) != 0 ||
		    mts_cache_put(a, "memo.test", &e, err, sizeof(err)) != 0)
			_exit(1);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	nanosleep(&nap, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    mts_cache_get(a, "memo.test", &g, err, sizeof(err)) == 0 &&
	    strcmp(g.txt_id, "three") == 0, "unmapped: another process's "
	    "write seen after the recheck interval");
	mts_cache_close(a);
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s/nomap.tdb.lock", dir);
	unlink(p2);
}

static int
count(void *arg, const char *domain, const struct mts_entry *e)
{
	(void)domain;
	(void)e;
	(*(int *)arg)++;
	return 0;
}

/* The default configuration, through the public API: a cache file
 * truncated under a process that has read it is a clean error, never
 * SIGBUS (the MTA user owns the file; Exim's root deliveries read it). */
static void
truncated_default(void)
{
	char p2[300];
	pid_t pid;
	int st = 0;

	snprintf(p2, sizeof(p2), "%s/default.tdb", dir);
	if ((pid = fork()) == 0) {
		mtasts_ctx *ctx = mtasts_new();
		mtasts_policy *pol = NULL;
		int fd;

		if (ctx == NULL || mtasts_set(ctx, "cache_file", p2) != MTASTS_OK)
			_exit(3);
		(void)mtasts_lookup_cached(ctx, "example.test", &pol);
		mtasts_policy_free(pol);
		if ((fd = open(p2, O_WRONLY | O_TRUNC)) < 0)
			_exit(4);
		close(fd);
		pol = NULL;
		(void)mtasts_lookup_cached(ctx, "example.test", &pol);
		(void)mtasts_lookup_cached(ctx, "other.test", &pol);
		mtasts_policy_free(pol);
		mtasts_free(ctx);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "default config: cache "
	    "truncated under a reader is no crash (%s %d)",
	    WIFSIGNALED(st) ? "signal" : "exit",
	    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s/default.tdb.lock", dir);
	unlink(p2);
}

int
main(void)
{
	struct mts_cache *c;
	char err[256];
	int n = 0;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/cache.tdb", dir);
	umask(022);
	c = open_cache();
	ok(c != NULL, "open creates the cache");
	if (c == NULL)
		return done_testing();
	store_load(c);
	if ((c = damaged(c)) == NULL)
		return done_testing();
	{
		/* SipHash-2-4 paper, Appendix A: key 00..0f, message 00..0e. */
		unsigned char k[16], m[15];
		int i;

		for (i = 0; i < 16; i++)
			k[i] = (unsigned char)i;
		for (i = 0; i < 15; i++)
			m[i] = (unsigned char)i;
		ok(mts_siphash24(k, m, sizeof(m)) == 0xa129ca6149be45e5ull,
		    "SipHash-2-4 test vector");
	}
	locks(c);
	reopen_after_fork(c);
	unmapped_memo();
	truncated_default();
	ok(mts_cache_walk(c, count, &n, err, sizeof(err)) == 0 && n == 1,
	    "walk sees the one entry (%d)", n);
	ok(mts_cache_wipe(c, err, sizeof(err)) == 0, "wipe");
	mts_cache_close(c);
	{
		/* cache_hash_size: the bucket count of a new file, kept by an
		 * existing one (tdb reads it from the header). */
		struct mts_cache *h = NULL;
		char p2[300];

		snprintf(p2, sizeof(p2), "%s/hash.tdb", dir);
		ok(mts_cache_open(&h, p2, 0640, 1, 1009, err, sizeof(err)) == 0 &&
		    mts_cache_hash_size(h) == 1009, "a new cache file has "
		    "cache_hash_size buckets");
		mts_cache_close(h);
		h = NULL;
		ok(mts_cache_open(&h, p2, 0640, 1, 2003, err, sizeof(err)) == 0 &&
		    mts_cache_hash_size(h) == 1009, "an existing one keeps its own");
		mts_cache_close(h);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s/hash.tdb.lock", dir);
		unlink(p2);
	}
	{
		/* A file that is not a tdb (no tdb magic): tdb rebuilds it
		 * as an empty cache, which is what we want of a corrupt one. */
		FILE *f = fopen(path, "w");
		struct mts_cache *bad = NULL;
		struct mts_entry g;

		fputs("this is not a tdb file, just text of some length........"
		    "...............................................", f);
		fclose(f);
		ok(mts_cache_open(&bad, path, 0640, 1, 0, err, sizeof(err)) == 0 &&
		    mts_cache_get(bad, "example.test", &g, err, sizeof(err)) == 1,
		    "non-tdb file rebuilt as an empty cache");
		mts_cache_close(bad);
	}
	{
		/* cache_mmap = no (the OpenSMTPD adapters): the file truncated
		 * under an open handle is an error, not a SIGBUS. */
		struct mts_cache *nm = NULL;
		struct mts_entry g;
		int rc, fd;

		unlink(path);
		ok(mts_cache_open(&nm, path, 0640, 0, 0, err, sizeof(err)) == 0,
		    "open without mmap");
		fd = open(path, O_WRONLY | O_TRUNC);
		if (fd >= 0) {
			(void)!write(fd, "garbage", 7);
			close(fd);
		}
		rc = mts_cache_get(nm, "example.test", &g, err, sizeof(err));
		ok(rc != 0, "truncated under a no-mmap handle: not found or "
		    "an error (%d), and no crash", rc);
		if (rc == 0)
			mts_entry_clear(&g);
		mts_cache_close(nm);
	}
	unlink(path);
	{
		char lock[sizeof(path) + 8];

		snprintf(lock, sizeof(lock), "%s.lock", path);
		unlink(lock);
	}
	rmdir(dir);
	return done_testing();
}
