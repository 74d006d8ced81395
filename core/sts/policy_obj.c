/* SPDX-License-Identifier: ISC */
/* sts/policy_obj.c - the mtasts_policy object and its accessors. */
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "sts/policy_obj.h"
#include "base/util.h"

/*
 * One spare object, kept by mtasts_policy_free() for the next lookup, so
 * that the hot path (lookup, verdict, free, again) allocates nothing.
 * Taken and given back with atomic exchanges: policy objects may be
 * freed in any thread.
 */
static struct mtasts_policy *spare;

static struct mtasts_policy *
pobj_alloc(void)
{
	struct mtasts_policy *p = __atomic_exchange_n(&spare, NULL,
	    __ATOMIC_ACQUIRE);

	if (p == NULL)
		return malloc(sizeof(*p));
	return p;
}

/* Everything but doc, which the callers set. */
static struct mtasts_policy *
pobj_fill(const char *domain, const struct mts_entry *e,
    const struct mts_decision *d)
{
	struct mtasts_policy *p = pobj_alloc();

	if (p == NULL)
		return NULL;
	mts_strlcpy(p->domain, domain, sizeof(p->domain));
	p->refs = 1;
	p->span_lo = p->span_hi = 0;
	p->outcome = d->outcome;
	p->source = d->source;
	p->result = d->result;
	p->needs_refresh = 0;
	/* Not a known "no policy" unless the caller says so: the object
	 * may be a recycled one (spare) holding another domain's flag. */
	p->known = 0;
	p->doc = NULL;
	mts_strlcpy(p->reason, d->reason, sizeof(p->reason));
	/* Reasons quote the network (curl, DNS, the policy): printed raw by
	 * adapters (`mtasts policy`, Exim's log), so no control bytes. */
	mts_sanitize(p->reason);
	if (d->outcome != MTS_OUT_POLICY || e->doc == NULL) {
		p->mode = MTASTS_MODE_NOPOLICY;
		p->source = MTASTS_SOURCE_NONE;
		p->id[0] = '\0';
		p->max_age = p->fetched_at = p->expires_at = 0;
		return p;
	}
	p->mode = e->doc->mode;
	mts_strlcpy(p->id, e->policy_id, sizeof(p->id));
	p->max_age = e->doc->max_age;
	p->fetched_at = e->fetched_at;
	p->expires_at = e->expires_at;
	return p;
}

struct mtasts_policy *
mts_pobj_new(const char *domain, struct mts_entry *e,
    const struct mts_decision *d, int take)
{
	struct mtasts_policy *p = pobj_fill(domain, e, d);

	if (p == NULL || p->mode == MTASTS_MODE_NOPOLICY)
		return p;
	if (take) {
		p->doc = e->doc;
		e->doc = NULL;
	} else
		p->doc = mts_policy_doc_ref(e->doc);   /* immutable: shared */
	return p;
}

struct mtasts_policy *
mts_pobj_shared(const char *domain, const struct mts_entry *e,
    const struct mts_decision *d)
{
	struct mtasts_policy *p = pobj_fill(domain, e, d);

	if (p != NULL && p->mode != MTASTS_MODE_NOPOLICY)
		p->doc = mts_policy_doc_ref(e->doc);
	return p;
}

struct mtasts_policy *
mts_pobj_ref(struct mtasts_policy *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

MTS_API void
mtasts_policy_free(mtasts_policy *p)
{
	if (p == NULL)
		return;
	/* The last reference frees; the others were taken by the cache's
	 * memo (the hot path's object) and the callers it was handed to. */
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	mts_policy_doc_free(p->doc);
	p->doc = NULL;
	if (!__atomic_compare_exchange_n(&spare, &(struct mtasts_policy *){
	    NULL }, p, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		free(p);
}

MTS_API const char *mtasts_policy_domain(const mtasts_policy *p) { return p->domain; }
MTS_API mtasts_mode mtasts_policy_mode(const mtasts_policy *p) { return p->mode; }
MTS_API mtasts_source mtasts_policy_source(const mtasts_policy *p) { return p->source; }
MTS_API const char *mtasts_policy_id(const mtasts_policy *p) { return p->id; }
MTS_API int64_t mtasts_policy_max_age(const mtasts_policy *p) { return p->max_age; }
MTS_API int64_t mtasts_policy_fetched_at(const mtasts_policy *p) { return p->fetched_at; }
MTS_API int64_t mtasts_policy_expires_at(const mtasts_policy *p) { return p->expires_at; }
MTS_API mtasts_result mtasts_policy_result(const mtasts_policy *p) { return p->result; }
MTS_API const char *mtasts_policy_reason(const mtasts_policy *p) { return p->reason; }
MTS_API int mtasts_policy_needs_refresh(const mtasts_policy *p) { return p->needs_refresh; }

MTS_API size_t
mtasts_policy_mx_count(const mtasts_policy *p)
{
	return p->doc ? p->doc->nmx : 0;
}

MTS_API const char *
mtasts_policy_mx(const mtasts_policy *p, size_t i)
{
	return (p->doc && i < p->doc->nmx) ? p->doc->mx[i] : NULL;
}

MTS_API const char *
mtasts_policy_text(const mtasts_policy *p)
{
	return p->doc ? p->doc->text : "";
}
