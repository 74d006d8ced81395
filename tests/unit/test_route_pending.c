/* SPDX-License-Identifier: ISC */
/* test_route_pending.c - a cache-only route (the OpenSMTPD table's and
 * filter's MTASTS_ROUTE_CACHED) for each state another process may have
 * left a domain's entry in (issue 14).
 *
 * The resolver stores the _mta-sts TXT answer before it fetches the
 * policy (resolve_driver.c). An entry "record announced, policy not
 * fetched yet" may hide an enforce policy: a cache-only reader must say
 * "not cached yet" (MTASTS_ERR_NOT_FOUND: the table tempfails), never "no
 * policy" (the opportunistic action). A cached "no record" (STS-14,
 * RFC 8461 §3.1) or a failed fetch with nothing cached (STS-40, RFC 8461
 * §3.3: deliver as without MTA-STS) is a known "no policy". RFC 8461 §3.3
 * lets a first message leave before the policy is known (STS-59); the
 * OpenSMTPD adapters hold it instead (issue 14). Each entry is written
 * by another process, as the resolver does, through the resolve state
 * machine itself; each row is asked twice (the second answer comes from
 * the reader's memo of the entry, from_memo()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "mtasts.h"
#include "base/config.h"
#include "sts/cache.h"
#include "sts/entry.h"
#include "sts/resolve.h"

enum after { A_PENDING, A_FETCH_FAILED };

struct row {
	const char *name;
	const char *domain;
	enum mts_txt_kind txt;
	enum after after;           /* RECORD: what the writer did next */
	unsigned flags;
	mtasts_status want;
};

#define CACHED (MTASTS_ROUTE_CACHED | MTASTS_ROUTE_STALE_MX)
#define RELAYHOST (CACHED | MTASTS_ROUTE_ANY_MODE)

static const struct row rows[] = {
	{ "TXT stored, policy fetch still running: not cached yet, not "
	  "'no policy' (domain check)", "pending.test", MTS_TXTK_RECORD,
	  A_PENDING, CACHED, MTASTS_ERR_NOT_FOUND },
	{ "TXT stored, policy fetch still running: not cached yet "
	  "(relayhost lookup)", "pending2.test", MTS_TXTK_RECORD, A_PENDING,
	  RELAYHOST, MTASTS_ERR_NOT_FOUND },
	{ "no TXT record cached: a known 'no policy' (STS-14, RFC 8461 §3.1)",
	  "norecord.test", MTS_TXTK_NONE, A_PENDING, CACHED, MTASTS_OK },
	{ "record, its fetch failed, nothing cached: a known 'no policy' "
	  "(STS-40, RFC 8461 §3.3)", "failed.test", MTS_TXTK_RECORD,
	  A_FETCH_FAILED, CACHED, MTASTS_OK },
};

static char path[256];

/* The writer: what resolve_driver.c stores, in another process. */
static int
write_entry(const struct row *r)
{
	struct mts_config cfg;
	struct mts_resolve_cfg rc;
	struct mts_txt_answer t;
	struct mts_decision d;
	struct mts_cache *c;
	struct mts_entry e;
	char err[256];
	int64_t now = (int64_t)time(NULL);
	pid_t pid;
	int st = 0;

	if ((pid = fork()) == 0) {
		mts_config_defaults(&cfg);
		mts_resolve_cfg_from(&rc, &cfg);
		if (mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0) {
			fprintf(stderr, "# cache: %s\n", err);
			_exit(2);
		}
		mts_entry_init(&e);
		if (mts_resolve_start(&e, now, 0, &rc, &d) != MTS_STEP_NEED_TXT)
			_exit(3);
		memset(&t, 0, sizeof(t));
		t.kind = r->txt;
		t.ttl = 3600;       /* fresh: the reader does not refresh it */
		snprintf(t.id, sizeof(t.id), "1");
		if (mts_resolve_txt(&e, &t, now, 0, &rc, &d) == MTS_STEP_NEED_FETCH &&
		    r->after == A_FETCH_FAILED)
			mts_resolve_fetched(&e, d.fetch_id, NULL,
			    MTASTS_RESULT_STS_POLICY_FETCH_ERROR, "HTTP 500", now,
			    &rc, &d);
		if (!d.store || mts_cache_put(c, r->domain, &e, err,
		    sizeof(err)) != 0)
			_exit(4);
		mts_entry_clear(&e);
		mts_cache_close(c);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

/*
 * The writer's fetch ends: the pending entry gets its enforce policy.
 * Run as a fresh program (exec), since this process has the file open
 * and tdb refuses a second open of one file in a process.
 */
static int
complete_fetch(const char *file, const char *domain)
{
	static const char body[] = "version: STSv1\nmode: enforce\n"
	    "mx: mx.pending.test\nmax_age: 86400\n";
	struct mts_config cfg;
	struct mts_resolve_cfg rc;
	struct mts_policy_doc *doc;
	struct mts_decision d;
	struct mts_cache *c;
	struct mts_entry e;
	char err[256];
	int64_t now = (int64_t)time(NULL);

	mts_config_defaults(&cfg);
	mts_resolve_cfg_from(&rc, &cfg);
	if (mts_cache_open(&c, file, 0600, 0, 0, err, sizeof(err)) != 0 ||
	    mts_cache_get(c, domain, &e, err, sizeof(err)) != 0)
		return 2;
	if (mts_resolve_start(&e, now, 0, &rc, &d) != MTS_STEP_NEED_FETCH ||
	    mts_policy_parse(body, sizeof(body) - 1, &doc, err,
	    sizeof(err)) != 0)
		return 3;
	mts_resolve_fetched(&e, d.fetch_id, doc, MTASTS_RESULT_SUCCESS, "",
	    now, &rc, &d);
	if (!d.store || mts_cache_put(c, domain, &e, err, sizeof(err)) != 0)
		return 4;
	mts_entry_clear(&e);
	mts_cache_close(c);
	return 0;
}

/* The policy another process cached a moment after this one saw the
 * entry pending is seen at once, not after SEQ_RECHECK_MS (cache.c):
 * the OpenSMTPD filter asks the cache as soon as its background child
 * is done (63 under load: a held RCPT answered "not known yet"). */
static void
fetch_completed(mtasts_ctx *ctx, const char *self)
{
	mtasts_policy *p = NULL;
	mtasts_status st;
	pid_t pid;
	int w = 0;

	/* Seen pending just now: the entry and the sequence number this
	 * process trusts next. */
	st = mtasts_lookup_cached(ctx, "pending.test", &p);
	ok(st == MTASTS_OK && mtasts_policy_mode(p) == MTASTS_MODE_NOPOLICY,
	    "pending.test seen pending (status %d)", (int)st);
	mtasts_policy_free(p);
	p = NULL;
	if ((pid = fork()) == 0) {
		execl(self, self, "complete", path, "pending.test", (char *)NULL);
		_exit(98);
	}
	waitpid(pid, &w, 0);
	ok(WIFEXITED(w) && WEXITSTATUS(w) == 0, "the writer's fetch ends, "
	    "the policy is stored (%d)", WIFEXITED(w) ? WEXITSTATUS(w) : -1);
	st = mtasts_lookup_cached(ctx, "pending.test", &p);
	ok(st == MTASTS_OK && mtasts_policy_mode(p) == MTASTS_MODE_ENFORCE,
	    "asked right after the fetch ended: the enforce policy (status "
	    "%d, mode %d), not the pending entry this process saw",
	    (int)st, st == MTASTS_OK ? (int)mtasts_policy_mode(p) : -1);
	mtasts_policy_free(p);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/test_route_pending.XXXXXX";
	mtasts_ctx *ctx;
	mtasts_route *rt;
	mtasts_status st;
	size_t i;
	int k, w;

	if (argc == 4 && strcmp(argv[1], "complete") == 0)
		return complete_fetch(argv[2], argv[3]);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cache.tdb", dir);
	if ((ctx = mtasts_new()) == NULL ||
	    mtasts_set(ctx, "cache_file", path) != MTASTS_OK) {
		printf("Bail out! context\n");
		return 1;
	}
	/* Every entry first: tdb refuses a second open of one file in a
	 * process (a child inherits the reader's list). */
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		w = write_entry(&rows[i]);
		ok(w == 0, "%s: entry written (%d)", rows[i].name, w);
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (k = 0; k < 2; k++) {
			rt = NULL;
			st = mtasts_route_lookup_flags(ctx, rows[i].domain,
			    rows[i].flags, &rt);
			ok(st == rows[i].want && (st != MTASTS_OK ||
			    mtasts_policy_mode(mtasts_route_policy(rt)) ==
			    MTASTS_MODE_NOPOLICY), "%s%s (status %d: %s)",
			    rows[i].name, k ? ", asked again (memo)" : "", (int)st,
			    st == MTASTS_OK ? "ok" : mtasts_error(ctx));
			mtasts_route_free(rt);
		}
	}
	fetch_completed(ctx, "/proc/self/exe");
	mtasts_free(ctx);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
