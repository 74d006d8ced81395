/* SPDX-License-Identifier: ISC */
/* test_resolve.c - the RFC 8461 §5.1 state machine (resolve.c), driven
 * from a table with a fixed clock and scripted DNS and HTTPS results. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sts/resolve.h"

#define NOW 1000000
#define DAY 86400

enum fetch { F_NONE = 0, F_OK, F_OK_AGE0, F_OK_NONE, F_FAIL, F_INVALID };

struct rcase {
	const char *name;
	/* cached entry */
	int cached;                 /* a policy is cached */
	const char *policy_id;
	int64_t fetched_at, expires_at;
	enum mts_txt_state txt_state;
	const char *txt_id;
	int64_t txt_expires;
	const char *backoff_id;
	int64_t backoff_until;
	int force, defer_on_tempfail;
	/* what DNS and HTTPS say */
	enum mts_txt_kind txt;
	const char *answer_id;
	int64_t ttl;
	enum fetch fetch;
	/* expected */
	int want_txt, want_fetch;
	enum mts_resolve_outcome outcome;
	mtasts_source source;
	mtasts_result result;
	int want_store;
	mtasts_mode mode;
	int64_t want_txt_expires;   /* 0: do not check */
};

static const char *enforce_body =
    "version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\n";
static const char *age0_body =
    "version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 0\n";
static const char *none_body = "version: STSv1\nmode: none\nmax_age: 86400\n";

static struct mts_policy_doc *
doc_of(const char *body)
{
	struct mts_policy_doc *d = NULL;
	char err[128];

	if (mts_policy_parse(body, strlen(body), &d, err, sizeof(err)) != 0) {
		printf("# fixture does not parse: %s\n", err);
		exit(2);
	}
	return d;
}

static const struct rcase cases[] = {
	{ .name = "E05 no cache, no TXT: no policy, answer kept (STS-14, RFC 8461 §3.1)",
	  .txt = MTS_TXTK_NONE, .ttl = 300, .want_txt = 1,
	  .outcome = MTS_OUT_NOPOLICY, .source = MTASTS_SOURCE_NONE,
	  .want_store = 1, .want_txt_expires = NOW + 300 },
	{ .name = "first contact: TXT id, fetch ok (STS-10 (RFC 8461 §3.1), STS-30 (RFC 8461 §3.2))",
	  .txt = MTS_TXTK_RECORD, .answer_id = "1", .ttl = 300, .fetch = F_OK,
	  .want_txt = 1, .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_FETCHED, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "hot path: fresh TXT answer and policy, no DNS at all",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 10,
	  .expires_at = NOW + DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW + 100, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_CACHE, .mode = MTASTS_MODE_ENFORCE },
	{ .name = "hot path: fresh negative TXT answer, no DNS at all",
	  .txt_state = MTS_TXTSTATE_NONE, .txt_expires = NOW + 100,
	  .outcome = MTS_OUT_NOPOLICY, .source = MTASTS_SOURCE_NONE },
	{ .name = "STS-51 (RFC 8461 §5.1) same id after TXT TTL: no refetch",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 10,
	  .expires_at = NOW + DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW - 1, .txt = MTS_TXTK_RECORD,
	  .answer_id = "1", .ttl = 60, .want_txt = 1,
	  .outcome = MTS_OUT_POLICY, .source = MTASTS_SOURCE_CACHE,
	  .want_store = 1, .mode = MTASTS_MODE_ENFORCE },
	{ .name = "STS-51 (RFC 8461 §5.1) id changed: refetch",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 10,
	  .expires_at = NOW + DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW - 1, .txt = MTS_TXTK_RECORD,
	  .answer_id = "2", .ttl = 60, .fetch = F_OK_NONE, .want_txt = 1,
	  .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_FETCHED, .want_store = 1,
	  .mode = MTASTS_MODE_NONE },
	{ .name = "E01 id changed, fetch fails: cached policy kept (STS-41 (RFC 8461 §3.3)/52)",
	  .cached = 1, .policy_id = "124", .fetched_at = NOW - 10,
	  .expires_at = NOW + DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "124", .txt_expires = NOW - 1, .txt = MTS_TXTK_RECORD,
	  .answer_id = "125", .ttl = 60, .fetch = F_FAIL, .want_txt = 1,
	  .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_STALE,
	  .result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "E03 back-off for this id: no fetch, no policy (STS-38, RFC 8461 §3.3)",
	  .txt_state = MTS_TXTSTATE_RECORD, .txt_id = "1",
	  .txt_expires = NOW - 1, .backoff_id = "1", .backoff_until = NOW + 100,
	  .txt = MTS_TXTK_RECORD, .answer_id = "1", .ttl = 60, .want_txt = 1,
	  .outcome = MTS_OUT_NOPOLICY, .source = MTASTS_SOURCE_NONE,
	  .result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR, .want_store = 1 },
	{ .name = "STS-38 (RFC 8461 §3.3) back-off is per id: a new id is fetched",
	  .txt_state = MTS_TXTSTATE_RECORD, .txt_id = "1",
	  .txt_expires = NOW - 1, .backoff_id = "1", .backoff_until = NOW + 100,
	  .txt = MTS_TXTK_RECORD, .answer_id = "2", .ttl = 60, .fetch = F_OK,
	  .want_txt = 1, .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_FETCHED, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "STS-38 (RFC 8461 §3.3) back-off over: fetch again",
	  .txt_state = MTS_TXTSTATE_RECORD, .txt_id = "1",
	  .txt_expires = NOW - 1, .backoff_id = "1", .backoff_until = NOW - 1,
	  .txt = MTS_TXTK_RECORD, .answer_id = "1", .ttl = 60, .fetch = F_OK,
	  .want_txt = 1, .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_FETCHED, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "STS-50 (RFC 8461 §3.2) expired policy, same id: refetch",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 2 * DAY,
	  .expires_at = NOW - DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW - 1, .txt = MTS_TXTK_RECORD,
	  .answer_id = "1", .ttl = 60, .fetch = F_OK, .want_txt = 1,
	  .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_FETCHED, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "STS-50 (RFC 8461 §3.2) expired policy, refetch fails: expired policy NOT used",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 2 * DAY,
	  .expires_at = NOW - 1, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW - 1, .txt = MTS_TXTK_RECORD,
	  .answer_id = "1", .ttl = 60, .fetch = F_FAIL, .want_txt = 1,
	  .want_fetch = 1, .outcome = MTS_OUT_NOPOLICY,
	  .source = MTASTS_SOURCE_NONE,
	  .result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR, .want_store = 1 },
	{ .name = "STS-59a (RFC 8461 §3.3) expired policy, TXT gone: no policy",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 2 * DAY,
	  .expires_at = NOW - 1, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW - 1, .txt = MTS_TXTK_NONE,
	  .ttl = 60, .want_txt = 1, .outcome = MTS_OUT_NOPOLICY,
	  .source = MTASTS_SOURCE_NONE, .want_store = 1 },
	{ .name = "STS-15 (RFC 8461 §3.1)/53 TXT gone, valid cached policy still applies",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 10,
	  .expires_at = NOW + DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW - 1, .txt = MTS_TXTK_NONE,
	  .ttl = 60, .want_txt = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_CACHE, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "DESIGN 8 TXT tempfail with valid cache: cached policy applied",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 10,
	  .expires_at = NOW + DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW - 1, .txt = MTS_TXTK_TEMPFAIL,
	  .want_txt = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_STALE,
	  .result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR, .want_store = 0,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "DESIGN 8 TXT tempfail, nothing cached, deliver: not cached",
	  .txt = MTS_TXTK_TEMPFAIL, .want_txt = 1, .outcome = MTS_OUT_NOPOLICY,
	  .source = MTASTS_SOURCE_NONE,
	  .result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR, .want_store = 0 },
	{ .name = "DESIGN 8 TXT tempfail, nothing cached, dns_tempfail=defer",
	  .defer_on_tempfail = 1, .txt = MTS_TXTK_TEMPFAIL, .want_txt = 1,
	  .outcome = MTS_OUT_TEMPFAIL, .source = MTASTS_SOURCE_NONE,
	  .result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR, .want_store = 0 },
	{ .name = "STS-71 (RFC 8461 §3.3) invalid policy body: no policy, sts-policy-invalid",
	  .txt = MTS_TXTK_RECORD, .answer_id = "1", .ttl = 60,
	  .fetch = F_INVALID, .want_txt = 1, .want_fetch = 1,
	  .outcome = MTS_OUT_NOPOLICY, .source = MTASTS_SOURCE_NONE,
	  .result = MTASTS_RESULT_STS_POLICY_INVALID, .want_store = 1 },
	{ .name = "DESIGN 3 max_age 0: used now, expired at once",
	  .txt = MTS_TXTK_RECORD, .answer_id = "1", .ttl = 60,
	  .fetch = F_OK_AGE0, .want_txt = 1, .want_fetch = 1,
	  .outcome = MTS_OUT_POLICY, .source = MTASTS_SOURCE_FETCHED,
	  .want_store = 1, .mode = MTASTS_MODE_ENFORCE },
	{ .name = "STS-54 (RFC 8461 §3.3) refresh: same id but due: refetch",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - DAY - 1,
	  .expires_at = NOW + 10 * DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW + 100, .force = 1,
	  .txt = MTS_TXTK_RECORD, .answer_id = "1", .ttl = 60, .fetch = F_OK,
	  .want_txt = 1, .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_FETCHED, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "STS-54 (RFC 8461 §3.3) refresh: same id, fetched recently: kept",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - 100,
	  .expires_at = NOW + 10 * DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW + 100, .force = 1,
	  .txt = MTS_TXTK_RECORD, .answer_id = "1", .ttl = 60, .want_txt = 1,
	  .outcome = MTS_OUT_POLICY, .source = MTASTS_SOURCE_CACHE,
	  .want_store = 1, .mode = MTASTS_MODE_ENFORCE },
	{ .name = "STS-55 (RFC 8461 §10.2) refresh regardless of TXT: no TXT, policy due: fetch",
	  .cached = 1, .policy_id = "1", .fetched_at = NOW - DAY - 1,
	  .expires_at = NOW + 10 * DAY, .txt_state = MTS_TXTSTATE_RECORD,
	  .txt_id = "1", .txt_expires = NOW + 100, .force = 1,
	  .txt = MTS_TXTK_NONE, .ttl = 60, .fetch = F_OK, .want_txt = 1,
	  .want_fetch = 1, .outcome = MTS_OUT_POLICY,
	  .source = MTASTS_SOURCE_FETCHED, .want_store = 1,
	  .mode = MTASTS_MODE_ENFORCE },
	{ .name = "TXT TTL below dns_min_ttl is raised to it",
	  .txt = MTS_TXTK_NONE, .ttl = 5, .want_txt = 1,
	  .outcome = MTS_OUT_NOPOLICY, .source = MTASTS_SOURCE_NONE,
	  .want_store = 1, .want_txt_expires = NOW + 60 },
	{ .name = "TXT TTL above dns_max_ttl is cut to it",
	  .txt = MTS_TXTK_NONE, .ttl = 999999, .want_txt = 1,
	  .outcome = MTS_OUT_NOPOLICY, .source = MTASTS_SOURCE_NONE,
	  .want_store = 1, .want_txt_expires = NOW + 3600 },
};

static void
setup(const struct rcase *c, struct mts_entry *e)
{
	mts_entry_init(e);
	if (c->cached) {
		e->doc = doc_of(enforce_body);
		strcpy(e->policy_id, c->policy_id);
		e->fetched_at = c->fetched_at;
		e->expires_at = c->expires_at;
	}
	e->txt_state = c->txt_state;
	if (c->txt_id)
		strcpy(e->txt_id, c->txt_id);
	e->txt_expires = c->txt_expires;
	if (c->backoff_id)
		strcpy(e->backoff_id, c->backoff_id);
	e->backoff_until = c->backoff_until;
	e->last_result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR;
	strcpy(e->last_reason, "HTTP status 500");
}

static void
run(const struct rcase *c)
{
	struct mts_resolve_cfg rc = { .backoff = 300, .dns_min_ttl = 60,
	    .dns_max_ttl = 3600, .refresh_interval = DAY,
	    .tempfail = c->defer_on_tempfail ? MTS_TEMPFAIL_DEFER :
	    MTS_TEMPFAIL_DELIVER };
	struct mts_txt_answer t = { .kind = c->txt, .ttl = c->ttl };
	struct mts_decision d;
	struct mts_entry e;
	enum mts_step step;
	int did_txt = 0, did_fetch = 0, stored = 0;

	setup(c, &e);
	if (c->answer_id)
		strcpy(t.id, c->answer_id);
	strcpy(t.reason, "scripted");
	step = mts_resolve_start(&e, NOW, c->force, &rc, &d);
	if (step == MTS_STEP_NEED_TXT) {
		did_txt = 1;
		step = mts_resolve_txt(&e, &t, NOW, c->force, &rc, &d);
		stored |= d.store;
	}
	if (step == MTS_STEP_NEED_FETCH) {
		struct mts_policy_doc *doc = NULL;
		mtasts_result fail = MTASTS_RESULT_STS_POLICY_FETCH_ERROR;

		did_fetch = 1;
		if (c->fetch == F_OK)
			doc = doc_of(enforce_body);
		else if (c->fetch == F_OK_AGE0)
			doc = doc_of(age0_body);
		else if (c->fetch == F_OK_NONE)
			doc = doc_of(none_body);
		else if (c->fetch == F_INVALID)
			fail = MTASTS_RESULT_STS_POLICY_INVALID;
		mts_resolve_fetched(&e, d.fetch_id, doc, fail, "scripted failure",
		    NOW, &rc, &d);
		stored |= d.store;
	}
	is_int(did_txt, c->want_txt, "%s: TXT lookup %s", c->name,
	    c->want_txt ? "done" : "skipped");
	is_int(did_fetch, c->want_fetch, "%s: fetch %s", c->name,
	    c->want_fetch ? "done" : "skipped");
	is_int(d.outcome, c->outcome, "%s: outcome", c->name);
	is_int(d.source, c->source, "%s: source", c->name);
	is_int(d.result, c->result, "%s: result type", c->name);
	is_int(stored, c->want_store, "%s: cache write", c->name);
	if (d.outcome == MTS_OUT_POLICY)
		is_int(e.doc ? (int)e.doc->mode : -1, c->mode, "%s: mode", c->name);
	if (c->want_txt_expires)
		is_int(e.txt_expires, c->want_txt_expires, "%s: TXT kept until",
		    c->name);
	if (c->fetch == F_OK_AGE0)
		ok(!mts_policy_valid(&e, NOW), "%s: not valid afterwards", c->name);
	if (c->fetch == F_FAIL || c->fetch == F_INVALID) {
		is_str(e.backoff_id, c->answer_id, "%s: back-off id", c->name);
		is_int(e.backoff_until, NOW + 300, "%s: back-off 5 min", c->name);
	}
	mts_entry_clear(&e);
}

/* What the hot path keeps: mts_resolve_start's answer (no force) and
 * mts_entry_needs_refresh, as one comparable value. */
struct answer {
	enum mts_step step;
	struct mts_decision d;
	int refresh;
};

static void
answer_at(const struct mts_entry *e, int64_t t,
    const struct mts_resolve_cfg *rc, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	a->step = mts_resolve_start(e, t, 0, rc, &a->d);
	a->refresh = mts_entry_needs_refresh(e, 1, t, rc);
}

static int
answer_eq(const struct answer *a, const struct answer *b)
{
	return a->step == b->step && a->refresh == b->refresh &&
	    a->d.outcome == b->d.outcome && a->d.source == b->d.source &&
	    a->d.result == b->d.result && a->d.store == b->d.store &&
	    strcmp(a->d.reason, b->d.reason) == 0 &&
	    strcmp(a->d.fetch_id, b->d.fetch_id) == 0;
}

/*
 * mts_resolve_span: the memo's policy object answers for every t in
 * [lo, hi), so the state machine must answer there as it did at now.
 * Probed at every time the entry names, one second either side, from
 * each of those times as now.
 */
static void
span(const struct rcase *c)
{
	struct mts_resolve_cfg rc = { .backoff = 300, .dns_min_ttl = 60,
	    .dns_max_ttl = 3600, .refresh_interval = DAY };
	struct answer at_now, at_t;
	struct mts_entry e;
	int64_t ts[16], now, t, lo, hi;
	size_t n = 0, i, j;
	int bad = 0, k;

	setup(c, &e);
	ts[n++] = NOW;
	ts[n++] = e.txt_expires;
	ts[n++] = e.expires_at;
	ts[n++] = e.backoff_until;
	ts[n++] = e.fetched_at + rc.refresh_interval;
	ts[n++] = e.expires_at - rc.refresh_interval;
	for (i = 0; i < n; i++)
		for (k = -1; k <= 1; k++) {
			now = ts[i] + k;
			answer_at(&e, now, &rc, &at_now);
			mts_resolve_span(&e, now, &rc, &lo, &hi);
			if (lo > now || now >= hi)
				bad++;
			for (j = 0; j < n; j++)
				for (t = ts[j] - 1; t <= ts[j] + 1; t++) {
					if (t < lo || t >= hi)
						continue;
					answer_at(&e, t, &rc, &at_t);
					if (!answer_eq(&at_now, &at_t)) {
						printf("# now %lld t %lld [%lld, "
						    "%lld)\n", (long long)now,
						    (long long)t, (long long)lo,
						    (long long)hi);
						bad++;
					}
				}
		}
	is_int(bad, 0, "span: %s: one answer throughout", c->name);
	mts_entry_clear(&e);
}

int
main(void)
{
	struct mts_resolve_cfg rc = { .refresh_interval = DAY };
	struct mts_entry e;
	int64_t lo, hi;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!cases[i].force)
			span(&cases[i]);
	/* The hot path's entry: fresh TXT answer, valid policy. */
	setup(&cases[2], &e);
	mts_resolve_span(&e, NOW, &rc, &lo, &hi);
	/* expires_at - refresh_interval is NOW: due for refresh from now. */
	ok(lo == NOW && hi == NOW + 100, "span: hot entry: until the TXT "
	    "answer's expiry [%lld, %lld)", (long long)lo, (long long)hi);
	/* Times no writer of ours stores: no span, the state machine runs. */
	e.fetched_at = INT64_MAX - 5;
	mts_resolve_span(&e, NOW, &rc, &lo, &hi);
	ok(lo == hi, "span: a time out of range gives an empty span");
	mts_entry_clear(&e);
	return done_testing();
}
