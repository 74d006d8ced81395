/* SPDX-License-Identifier: ISC */
/* sts/policy_obj.c - the mtasts_policy object and its accessors. */
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "sts/policy_obj.h"
#include "base/util.h"

/* Deep copy, so a cached entry and a handed-out policy never alias. */
static struct mts_policy_doc *
doc_dup(const struct mts_policy_doc *src)
{
	struct mts_policy_doc *d;
	char err[64];

	if (mts_policy_parse(src->text, src->text_len, &d, err, sizeof(err)) != 0)
		return NULL;
	return d;
}

struct mtasts_policy *
mts_pobj_new(const char *domain, struct mts_entry *e,
    const struct mts_decision *d, int take)
{
	struct mtasts_policy *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	mts_strlcpy(p->domain, domain, sizeof(p->domain));
	p->source = d->source;
	p->result = d->result;
	mts_strlcpy(p->reason, d->reason, sizeof(p->reason));
	/* Reasons quote the network (curl, DNS, the policy): printed raw by
	 * adapters (`mtasts policy`, Exim's log), so no control bytes. */
	mts_sanitize(p->reason);
	if (d->outcome != MTS_OUT_POLICY || e->doc == NULL) {
		p->mode = MTASTS_MODE_NOPOLICY;
		p->source = MTASTS_SOURCE_NONE;
		return p;
	}
	if (take) {
		p->doc = e->doc;
		e->doc = NULL;
	} else if ((p->doc = doc_dup(e->doc)) == NULL) {
		free(p);
		return NULL;
	}
	p->mode = p->doc->mode;
	mts_strlcpy(p->id, e->policy_id, sizeof(p->id));
	p->max_age = p->doc->max_age;
	p->fetched_at = e->fetched_at;
	p->expires_at = e->expires_at;
	return p;
}

MTS_API void
mtasts_policy_free(mtasts_policy *p)
{
	if (p == NULL)
		return;
	mts_policy_doc_free(p->doc);
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
