/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/rrset.c - the public check of a whole TXT RRset, _mta-sts
 * (RFC 8461 §3.1) or _smtp._tls (RFC 8460 §3), as `mtasts parse-txt` and
 * `mtasts parse-tlsrpt` show it. The same selection and parsers as the
 * resolver (sts/lookup.c) and the report sender (tlsrpt/report.c), with
 * what each record and field came to kept for display. Pure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/tagrec.h"
#include "base/util.h"
#include "sts/sts_txt.h"
#include "tlsrpt/tlsrpt_txt.h"

_Static_assert((int)MTS_TXT_FOUND == (int)MTASTS_RRSET_FOUND &&
    (int)MTS_TXT_NONE == (int)MTASTS_RRSET_NONE &&
    (int)MTS_TXT_MULTIPLE == (int)MTASTS_RRSET_MULTIPLE &&
    (int)MTS_TXT_INVALID == (int)MTASTS_RRSET_INVALID &&
    (int)MTS_RPTREC_FOUND == (int)MTASTS_RRSET_FOUND &&
    (int)MTS_RPTREC_NONE == (int)MTASTS_RRSET_NONE &&
    (int)MTS_RPTREC_MULTIPLE == (int)MTASTS_RRSET_MULTIPLE &&
    (int)MTS_RPTREC_INVALID == (int)MTASTS_RRSET_INVALID,
    "the selections share one numbering");

struct rfield {
	char *name, *value;
	const char *use;
};

struct mtasts_rrset {
	mtasts_record_kind kind;
	mtasts_rrset_result outcome;
	char reason[MTS_ERR_MAX];
	size_t n, chosen;
	char **recs;
	size_t *lens;
	struct mts_txt txt;
	struct mts_rptrec rpt;
	size_t nfields;
	struct rfield fields[MTS_TAG_KEEP];
	char *skip[MTS_RUA_MAX];
};

static const char *
use_str(mtasts_record_kind kind, enum mts_tag_use use)
{
	switch (use) {
	case MTS_TAG_USED:
		return kind == MTASTS_RECORD_STS ? "id" : "rua";
	case MTS_TAG_REPEAT:
		return "ignored: a repeated id, the first wins (RFC 8461 §3.2)";
	case MTS_TAG_BADVALUE:
		return kind == MTASTS_RECORD_STS ? "ignored: not 1 to 32 letters "
		    "or digits, so an extension (RFC 8461 §3.1)" :
		    "ignored: not a URI list, so an extension (RFC 8460 §3)";
	case MTS_TAG_EXTENSION:
		break;
	}
	return "ignored: an extension (RFC 8461 §3.2, RFC 8460 §3)";
}

/* Copy the records, so that the offsets of the parse stay valid. */
static int
copy_recs(mtasts_rrset *s, const char *const *recs, const size_t *lens)
{
	size_t i;

	if (s->n == 0)
		return 0;
	if ((s->recs = calloc(s->n, sizeof(*s->recs))) == NULL ||
	    (s->lens = calloc(s->n, sizeof(*s->lens))) == NULL)
		return -1;
	for (i = 0; i < s->n; i++) {
		if ((s->recs[i] = malloc(lens[i] + 1)) == NULL)
			return -1;
		memcpy(s->recs[i], recs[i], lens[i]);
		s->recs[i][lens[i]] = '\0';
		s->lens[i] = lens[i];
	}
	return 0;
}

static int
keep_fields(mtasts_rrset *s, const struct mts_tag_list *l)
{
	const char *rec = s->recs[s->chosen];
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct mts_tag *t = &l->t[i];
		struct rfield *f = &s->fields[i];

		if ((f->name = mts_strndup(rec + t->name, t->name_len)) == NULL ||
		    (f->value = mts_strndup(rec + t->value, t->value_len)) ==
		    NULL)
			return -1;
		f->use = use_str(s->kind, t->use);
		s->nfields = i + 1;
	}
	return 0;
}

static int
keep_skipped(mtasts_rrset *s)
{
	const char *rec = s->recs[s->chosen];
	size_t i;

	for (i = 0; i < s->rpt.skipped && i < MTS_RUA_MAX; i++)
		if ((s->skip[i] = mts_strndup(rec + s->rpt.skip[i].uri,
		    s->rpt.skip[i].len)) == NULL)
			return -1;
	return 0;
}

/* Select and parse; 0, or -1 out of memory. */
static int
check(mtasts_rrset *s)
{
	size_t w = (size_t)-1;
	int sel;

	if (s->kind == MTASTS_RECORD_STS)
		sel = (int)mts_txt_select(s->recs, s->lens, s->n, &s->txt, &w,
		    s->reason, sizeof(s->reason));
	else
		sel = (int)mts_rptrec_select(s->recs, s->lens, s->n, &s->rpt,
		    &w, s->reason, sizeof(s->reason));
	/* The two selections share their numbering (tagrec's RRset rule). */
	s->outcome = (mtasts_rrset_result)sel;
	s->chosen = w;
	if (s->outcome != MTASTS_RRSET_FOUND) {
		if (s->outcome == MTASTS_RRSET_NONE ||
		    s->outcome == MTASTS_RRSET_MULTIPLE)
			s->chosen = (size_t)-1;
		return 0;
	}
	s->reason[0] = '\0';
	if (s->kind == MTASTS_RECORD_STS)
		return keep_fields(s, &s->txt.fields);
	if (keep_fields(s, &s->rpt.fields) != 0)
		return -1;
	return keep_skipped(s);
}

MTS_API mtasts_status
mtasts_rrset_check(mtasts_ctx *ctx, mtasts_record_kind kind,
    const char *const *recs, const size_t *lens, size_t n,
    mtasts_rrset **out)
{
	mtasts_rrset *s;

	if (out == NULL || (n > 0 && (recs == NULL || lens == NULL)) ||
	    (kind != MTASTS_RECORD_STS && kind != MTASTS_RECORD_TLSRPT))
		return MTASTS_ERR_INVALID;
	*out = NULL;
	if (ctx != NULL)
		mts_ctx_enter(ctx);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	s->kind = kind;
	s->n = n;
	if (copy_recs(s, recs, lens) != 0 || check(s) != 0) {
		mtasts_rrset_free(s);
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	}
	*out = s;
	return MTASTS_OK;
}

MTS_API void
mtasts_rrset_free(mtasts_rrset *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; s->recs != NULL && i < s->n; i++)
		free(s->recs[i]);
	for (i = 0; i < s->nfields; i++) {
		free(s->fields[i].name);
		free(s->fields[i].value);
	}
	for (i = 0; i < MTS_RUA_MAX; i++)
		free(s->skip[i]);
	free(s->recs);
	free(s->lens);
	free(s);
}

MTS_API mtasts_rrset_result
mtasts_rrset_outcome(const mtasts_rrset *s)
{
	return s->outcome;
}

MTS_API const char *
mtasts_rrset_result_str(mtasts_rrset_result r)
{
	switch (r) {
	case MTASTS_RRSET_FOUND:
		return "found";
	case MTASTS_RRSET_NONE:
		return "none";
	case MTASTS_RRSET_MULTIPLE:
		return "multiple";
	case MTASTS_RRSET_INVALID:
		return "invalid";
	}
	return "?";
}

MTS_API const char *
mtasts_rrset_reason(const mtasts_rrset *s)
{
	return s->reason;
}

MTS_API const char *
mtasts_rrset_discarded(const mtasts_rrset *s, size_t i)
{
	const char *v = s->kind == MTASTS_RECORD_STS ? MTS_TXT_VERSION :
	    MTS_RPTREC_VERSION;

	if (i >= s->n || mts_tagrec_counts(s->recs[i], s->lens[i], v))
		return NULL;
	return mts_tagrec_discard_why(s->recs[i], s->lens[i], v);
}

MTS_API size_t
mtasts_rrset_chosen(const mtasts_rrset *s)
{
	return s->chosen;
}

MTS_API size_t
mtasts_rrset_field_count(const mtasts_rrset *s)
{
	return s->nfields;
}

MTS_API const char *
mtasts_rrset_field_name(const mtasts_rrset *s, size_t i)
{
	return i < s->nfields ? s->fields[i].name : NULL;
}

MTS_API const char *
mtasts_rrset_field_value(const mtasts_rrset *s, size_t i)
{
	return i < s->nfields ? s->fields[i].value : NULL;
}

MTS_API const char *
mtasts_rrset_field_use(const mtasts_rrset *s, size_t i)
{
	return i < s->nfields ? s->fields[i].use : NULL;
}

MTS_API const char *
mtasts_rrset_id(const mtasts_rrset *s)
{
	return s->txt.id;
}

MTS_API size_t
mtasts_rrset_rua_count(const mtasts_rrset *s)
{
	return s->rpt.n;
}

MTS_API const char *
mtasts_rrset_rua(const mtasts_rrset *s, size_t i)
{
	return i < s->rpt.n ? s->rpt.rua[i].uri : NULL;
}

MTS_API const char *
mtasts_rrset_rua_addr(const mtasts_rrset *s, size_t i)
{
	return i < s->rpt.n ? s->rpt.rua[i].addr : NULL;
}

MTS_API size_t
mtasts_rrset_skipped_count(const mtasts_rrset *s)
{
	return s->rpt.skipped;
}

MTS_API const char *
mtasts_rrset_skipped(const mtasts_rrset *s, size_t i)
{
	return i < s->rpt.skipped && i < MTS_RUA_MAX ? s->skip[i] : NULL;
}

MTS_API const char *
mtasts_rrset_skipped_why(const mtasts_rrset *s, size_t i)
{
	if (i >= s->rpt.skipped || i >= MTS_RUA_MAX)
		return NULL;
	return mts_rua_skip_str(s->rpt.skip[i].why);
}
