/* SPDX-License-Identifier: ISC */
/*
 * sts/resolve.h - the RFC 8461 §5.1 state machine, pure: it takes the cached
 * entry, what DNS and HTTPS said, and the time, and decides. The driver
 * (resolve_driver.c) does the I/O it asks for.
 */
#ifndef MTS_STS_RESOLVE_H
#define MTS_STS_RESOLVE_H

#include <stdint.h>

#include "base/config.h"
#include "sts/entry.h"

enum mts_step {
	MTS_STEP_DONE = 0,      /* decision in struct mts_decision */
	MTS_STEP_NEED_TXT = 1,  /* look up the TXT record, then mts_resolve_txt() */
	MTS_STEP_NEED_FETCH = 2 /* fetch under d->fetch_id, then mts_resolve_fetched() */
};

enum mts_resolve_outcome {
	MTS_OUT_POLICY = 0,     /* apply e->doc */
	MTS_OUT_NOPOLICY = 1,   /* deliver as though the domain had no MTA-STS */
	MTS_OUT_TEMPFAIL = 2    /* no decision now: defer */
};

struct mts_resolve_cfg {
	int64_t backoff;            /* STS-38 (RFC 8461 §3.3) */
	int64_t dns_min_ttl, dns_max_ttl;
	int64_t refresh_interval;   /* STS-54 (RFC 8461 §3.3) */
	enum mts_tempfail tempfail; /* DESIGN 8 */
};

struct mts_decision {
	enum mts_resolve_outcome outcome;
	mtasts_source source;
	mtasts_result result;       /* discovery failure to report, or SUCCESS */
	char reason[MTASTS_REASON_MAX];
	int store;                  /* the entry changed: write it back */
	char fetch_id[MTS_TXT_ID_MAX + 1];
};

/* What the TXT lookup found, after mts_txt_select(). */
enum mts_txt_kind { MTS_TXTK_TEMPFAIL = 0, MTS_TXTK_NONE = 1, MTS_TXTK_RECORD = 2 };

struct mts_txt_answer {
	enum mts_txt_kind kind;
	char id[MTS_TXT_ID_MAX + 1];
	int64_t ttl;
	char reason[160];
};

void mts_resolve_cfg_from(struct mts_resolve_cfg *rc, const struct mts_config *c);

/*
 * Start: e is the cached entry (zeroed if none). force: a refresh, which
 * ignores the cached TXT answer's TTL and refetches a policy due for it
 * even when its id is unchanged (STS-54 (RFC 8461 §3.3), STS-55 (RFC 8461 §10.2)).
 */
enum mts_step mts_resolve_start(const struct mts_entry *e, int64_t now,
    int force, const struct mts_resolve_cfg *rc, struct mts_decision *d);

/* After the TXT lookup; updates e's TXT state (d->store). */
enum mts_step mts_resolve_txt(struct mts_entry *e,
    const struct mts_txt_answer *t, int64_t now, int force,
    const struct mts_resolve_cfg *rc, struct mts_decision *d);

/*
 * After the fetch under id: doc (taken over) on success, or NULL with
 * the failure's result type and reason. Never asks for more.
 */
void mts_resolve_fetched(struct mts_entry *e, const char *id,
    struct mts_policy_doc *doc, mtasts_result fail, const char *fail_reason,
    int64_t now, const struct mts_resolve_cfg *rc, struct mts_decision *d);

/*
 * The times t around now for which mts_resolve_start(e, t, 0, rc, d) and
 * mts_entry_needs_refresh(e, 1, t, rc) give the answers they give at
 * now: [*lo, *hi). Empty (*lo == *hi) when that cannot be said.
 */
void mts_resolve_span(const struct mts_entry *e, int64_t now,
    const struct mts_resolve_cfg *rc, int64_t *lo, int64_t *hi);

/* A cached policy still within its max_age (STS-50, RFC 8461 §3.2). */
int mts_policy_valid(const struct mts_entry *e, int64_t now);
/* A cached entry that a refresh should visit. */
int mts_entry_needs_refresh(const struct mts_entry *e, int present,
    int64_t now, const struct mts_resolve_cfg *rc);

#endif
