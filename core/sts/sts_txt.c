/* SPDX-License-Identifier: ISC */
/*
 * sts/sts_txt.c - the _mta-sts TXT record (RFC 8461 §3.1):
 *   sts-text-record = sts-version 1*(sts-field-delim sts-field)
 *                     [sts-field-delim]
 *   sts-field       = sts-id / sts-extension   ; sts-id is required
 *   sts-field-delim = *WSP ";" *WSP
 *   sts-version     = %s"v=STSv1"
 *   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *   sts-extension   = sts-ext-name "=" sts-ext-value
 * The delimiters, names and ext-values are base/tagrec.c's; here only
 * what an id is.
 */
#include <string.h>

#include "sts/sts_txt.h"
#include "base/util.h"

/* Length of the sts-id at f's value, or 0 if the value is not one (then
 * the field is an sts-extension by the ABNF). */
static size_t
id_len(const struct mts_tagrec *t, const struct mts_tag *f)
{
	size_t i = f->value;

	while (i < t->len && mts_is_alnum((unsigned char)t->rec[i]))
		i++;
	if (i == f->value || i - f->value > MTS_TXT_ID_MAX)
		return 0;
	if (i < t->len && t->rec[i] != ';' &&
	    !mts_is_wsp((unsigned char)t->rec[i]))
		return 0;
	return i - f->value;
}

/* One field: the first sts-id is the id (STS-19, RFC 8461 §3.2); a later sts-id and
 * every other field (an id= that is not an sts-id included) are
 * ignored, once the ext-value grammar holds (STS-18, RFC 8461 §3.2). */
static int
field(struct mts_tagrec *t, struct mts_tag *f, struct mts_txt *out,
    struct mts_tag *badid, char *err, size_t errsz)
{
	size_t n = mts_tag_is(t, f, "id") ? id_len(t, f) : 0;

	if (n == 0) {
		f->use = mts_tag_is(t, f, "id") ? MTS_TAG_BADVALUE :
		    MTS_TAG_EXTENSION;
		if (mts_tagrec_ext_value(t, f, err, errsz) != 0)
			return -1;
		if (mts_tag_is(t, f, "id") && badid->name_len == 0)
			*badid = *f;
		return 0;
	}
	mts_tagrec_took(t, f, f->value + n);
	f->use = out->id[0] == '\0' ? MTS_TAG_USED : MTS_TAG_REPEAT;
	if (f->use == MTS_TAG_USED)
		memcpy(out->id, t->rec + f->value, n);
	return 0;
}

int
mts_txt_parse(const char *rec, size_t len, struct mts_txt *out, char *err,
    size_t errsz)
{
	struct mts_tagrec t;
	struct mts_tag f;
	struct mts_tag badid;
	char q[40 * 4 + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&badid, 0, sizeof(badid));
	if (mts_tagrec_open(&t, rec, len, MTS_TXT_VERSION, err, errsz) != 0)
		return -1;
	while ((rc = mts_tagrec_next(&t, &f, err, errsz)) == 1) {
		if (field(&t, &f, out, &badid, err, errsz) != 0)
			return -1;
		mts_tag_keep(&out->fields, &f);
	}
	if (rc < 0)
		goto fail;
	if (out->id[0] == '\0') {
		if (badid.name_len != 0)
			mts_fmt(err, errsz, "no id field: id=%s%s is not 1 to "
			    "32 letters or digits", mts_esc(q, sizeof(q),
			    rec + badid.value, badid.value_len > 40 ? 40 :
			    badid.value_len), badid.value_len > 40 ? "..." : "");
		else
			mts_fmt(err, errsz, "no id field");
		goto fail;
	}
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

int
mts_txt_is_candidate(const char *rec, size_t len)
{
	return mts_tagrec_counts(rec, len, MTS_TXT_VERSION);
}

enum mts_txt_sel
mts_txt_select(char *const *recs, const size_t *lens, size_t n,
    struct mts_txt *out, size_t *which, char *err, size_t errsz)
{
	size_t w = 0;

	memset(out, 0, sizeof(*out));
	switch (mts_tagrec_pick(recs, lens, n, MTS_TXT_VERSION, &w, err,
	    errsz)) {
	case MTS_PICK_NONE:
		return MTS_TXT_NONE;
	case MTS_PICK_MANY:
		return MTS_TXT_MULTIPLE;
	case MTS_PICK_ONE:
		break;
	}
	if (which != NULL)
		*which = w;
	if (mts_txt_parse(recs[w], lens[w], out, err, errsz) != 0)
		return MTS_TXT_INVALID;
	return MTS_TXT_FOUND;
}
