/* SPDX-License-Identifier: ISC */
/*
 * test_hot.c - the hot path (issue 17): a lookup answered from this
 * process's memo hands out the policy object the memo keeps, for as
 * long as the state machine would answer the same (mts_resolve_span):
 * past the TXT answer's TTL, or once the policy is due for a refresh, a
 * lookup answers as the state machine does, never from the old object.
 * The objects outlive the context and its cache.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "mtasts.h"
#include "sts/cache.h"
#include "sts/policy.h"

#define T0 1800000000LL
#define BODY "version: STSv1\nmode: enforce\nmx: mx1.hot.test\n" \
    "mx: *.hot.test\nmax_age: 604800\n"

static int64_t now = T0;
static char last_log[1024];

static int64_t
clock_fn(void *arg)
{
	(void)arg;
	return now;
}

static void
log_fn(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

/* hot.test: a TXT answer fresh until T0 + 1000, the policy fetched at
 * T0 - 10 under the same id. */
static int
fill(const char *path)
{
	struct mts_policy_doc *doc = NULL;
	struct mts_cache *c = NULL;
	struct mts_entry e;
	char err[256];
	int rc;

	if (mts_policy_parse(BODY, strlen(BODY), &doc, err, sizeof(err)) != 0 ||
	    mts_cache_open(&c, path, 0600, 0, 0, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return -1;
	}
	mts_entry_init(&e);
	e.txt_state = MTS_TXTSTATE_RECORD;
	strcpy(e.txt_id, "hot1");
	strcpy(e.policy_id, "hot1");
	e.txt_expires = T0 + 1000;
	e.fetched_at = T0 - 10;
	e.expires_at = T0 - 10 + 604800;
	e.doc = doc;
	rc = mts_cache_put(c, "hot.test", &e, err, sizeof(err));
	mts_cache_close(c);
	mts_policy_doc_free(doc);
	return rc;
}

static mtasts_policy *
look(mtasts_ctx *ctx, const char *domain)
{
	mtasts_policy *p = NULL;

	if (mtasts_lookup_cached(ctx, domain, &p) != MTASTS_OK)
		printf("# lookup: %s\n", mtasts_error(ctx));
	return p;
}

int
main(void)
{
	char dir[] = "/tmp/mtasts-test-hot-XXXXXX", path[300], lock[320];
	mtasts_policy *a, *b, *c, *d;
	mtasts_ctx *ctx;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/cache.tdb", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if (fill(path) != 0 || (ctx = mtasts_new()) == NULL ||
	    mtasts_set(ctx, "cache_file", path) != MTASTS_OK ||
	    mtasts_set(ctx, "refresh_interval", "60") != MTASTS_OK ||
	    mtasts_set(ctx, "log_level", "debug") != MTASTS_OK) {
		ok(0, "fixtures");
		return done_testing();
	}
	mtasts_set_clock(ctx, clock_fn, NULL);
	mtasts_set_log(ctx, log_fn, NULL);

	a = look(ctx, "hot.test");          /* read from the file */
	b = look(ctx, "hot.test");          /* the memo's object */
	c = look(ctx, "HOT.test.");         /* normalised, then the memo */
	ok(a && b && c && mtasts_policy_mode(b) == MTASTS_MODE_ENFORCE &&
	    mtasts_policy_source(b) == MTASTS_SOURCE_CACHE,
	    "a cached enforce policy");
	ok(b == c, "a hit hands out the memo's object (no copy)");
	if (a == NULL || b == NULL || c == NULL)
		return done_testing();
	is_str(mtasts_policy_reason(b), "cached policy, id hot1", "its reason");
	is_str(mtasts_policy_reason(a), mtasts_policy_reason(b),
	    "the same answer as the first lookup");
	ok(!mtasts_policy_needs_refresh(b), "not due for a refresh yet");
	is_str(last_log, "domain=hot.test outcome=0 source=cache "
	    "result=success reason=\"cached policy, id hot1\"",
	    "a hit still logs its decision at debug level");

	/* fetched_at + refresh_interval: the same policy, due for refresh. */
	now = T0 + 50;
	d = look(ctx, "hot.test");
	ok(d != NULL && d != b && mtasts_policy_needs_refresh(d),
	    "at the refresh time: a new answer, due for a refresh");
	mtasts_policy_free(d);
	now = T0 + 49;
	d = look(ctx, "hot.test");
	ok(d != NULL && !mtasts_policy_needs_refresh(d),
	    "the clock put back: not due again");
	mtasts_policy_free(d);

	/* The TXT answer's TTL is over: the state machine would look the
	 * TXT record up; from the cache alone it says so. */
	now = T0 + 1000;
	d = look(ctx, "hot.test");
	is_str(d ? mtasts_policy_reason(d) : "", "cached policy, id hot1 "
	    "(not checked against DNS)", "past the TXT answer's TTL: not "
	    "the memo's object");
	mtasts_policy_free(d);

	/* A write to the cache (drop): the memo's object is not used. */
	now = T0;
	ok(mtasts_cache_drop(ctx, "hot.test") == MTASTS_OK, "drop");
	d = look(ctx, "hot.test");
	ok(d != NULL && mtasts_policy_mode(d) == MTASTS_MODE_NOPOLICY,
	    "after a drop: no policy");
	mtasts_policy_free(d);

	/* Objects outlive the context (and the memo that held one). */
	mtasts_free(ctx);
	is_str(mtasts_policy_domain(b), "hot.test", "object alive after "
	    "mtasts_free: domain");
	is_str(mtasts_policy_mx(c, 1), "*.hot.test", "and its policy");
	mtasts_policy_free(a);
	mtasts_policy_free(b);
	mtasts_policy_free(c);
	unlink(path);
	unlink(lock);
	rmdir(dir);
	return done_testing();
}
