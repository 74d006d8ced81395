/* SPDX-License-Identifier: ISC */
/* sts/policy_obj.h - the mtasts_policy object handed to callers. */
#ifndef MTS_STS_POLICY_OBJ_H
#define MTS_STS_POLICY_OBJ_H

#include "base/domain.h"
#include "sts/entry.h"
#include "sts/resolve.h"

struct mtasts_policy {
	char domain[MTS_DOMAIN_BUF];
	mtasts_mode mode;
	mtasts_source source;
	char id[MTS_TXT_ID_MAX + 1];
	int64_t max_age, fetched_at, expires_at;
	struct mts_policy_doc *doc;     /* owned; NULL when no policy */
	mtasts_result result;
	char reason[MTASTS_REASON_MAX];
	int needs_refresh;
	int known;      /* the cache held a no-policy answer, maybe expired */
	/* Shared, immutable once handed out: the caller holds a reference,
	 * and the cache's memo slot one for the object it keeps for the
	 * hot path (resolve_driver.c), which answers for any now in
	 * [span_lo, span_hi). Atomic: objects may be freed in any thread. */
	unsigned refs;
	int64_t span_lo, span_hi;
	enum mts_resolve_outcome outcome;   /* for the debug log line */
};

/* A new object from an entry and a decision; takes a copy-free hand-over
 * of e->doc when take is set (e->doc becomes NULL). NULL on no memory. */
struct mtasts_policy *mts_pobj_new(const char *domain, struct mts_entry *e,
    const struct mts_decision *d, int take);
/* The same, sharing e's doc by reference (e is left as it is). */
struct mtasts_policy *mts_pobj_shared(const char *domain,
    const struct mts_entry *e, const struct mts_decision *d);
/* One more reference to p; mtasts_policy_free() drops one. */
struct mtasts_policy *mts_pobj_ref(struct mtasts_policy *p);

#endif
