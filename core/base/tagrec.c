/* SPDX-License-Identifier: ISC */
/*
 * base/tagrec.c - one scanner for the tag-record grammar that RFC 8461
 * §3.1 (_mta-sts) and RFC 8460 §3 (_smtp._tls) share (see tagrec.h).
 */
#include <string.h>

#include "base/tagrec.h"
#include "base/util.h"

static int
name_char(int c)
{
	return mts_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* ext-value: %x21-3A / %x3C / %x3E-7E, i.e. VCHAR less ';' and '='. */
static int
value_char(int c)
{
	return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

static size_t
skip_wsp(const char *s, size_t i, size_t len)
{
	while (i < len && mts_is_wsp((unsigned char)s[i]))
		i++;
	return i;
}

/* 1 if rec starts with the whole token version (then end, WSP or ';'). */
static int
has_version(const char *rec, size_t len, const char *version)
{
	size_t vl = strlen(version);

	if (len < vl || memcmp(rec, version, vl) != 0)
		return 0;
	return len == vl || mts_is_wsp((unsigned char)rec[vl]) ||
	    rec[vl] == ';';
}

int
mts_tagrec_open(struct mts_tagrec *t, const char *rec, size_t len,
    const char *version, char *err, size_t errsz)
{
	size_t i, vl = strlen(version);

	memset(t, 0, sizeof(*t));
	/* STS-11 (RFC 8461 §3.1): "MUST be US-ASCII"; the grammar has no room for other
	 * bytes either, so say so before anything else. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)rec[i];

		if ((c < 0x20 && c != '\t') || c > 0x7e) {
			mts_fmt(err, errsz, "%s at offset %zu: a record is "
			    "printable US-ASCII", c == 0 ? "NUL byte" :
			    "non-ASCII or control byte", i);
			return -1;
		}
	}
	if (!has_version(rec, len, version)) {
		/* v=STSv2, v=TLSRPTv10: a version we do not implement. */
		if (len >= vl && memcmp(rec, version, vl - 1) == 0) {
			for (i = 0; i < len && i < 32 && rec[i] != ';' &&
			    !mts_is_wsp((unsigned char)rec[i]); i++)
				;
			char q[32 * 4 + 1];

			mts_fmt(err, errsz, "unsupported version \"%s\" "
			    "(only %s)", mts_esc(q, sizeof(q), rec, i), version);
		}
		else
			mts_fmt(err, errsz, "record does not start with %s",
			    version);
		return -1;
	}
	t->rec = rec;
	t->len = len;
	t->pos = vl;
	return 0;
}

int
mts_tagrec_next(struct mts_tagrec *t, struct mts_tag *f, char *err,
    size_t errsz)
{
	size_t i = t->pos;

	memset(f, 0, sizeof(*f));
	if (i == t->len)
		return 0;               /* the record ends after a field */
	i = skip_wsp(t->rec, i, t->len);
	if (i >= t->len || t->rec[i] != ';') {
		mts_fmt(err, errsz, i >= t->len ? "whitespace at the end "
		    "without ';'" : "expected ';' at offset %zu", i);
		return -1;
	}
	/* field-delim = *WSP ";" *WSP: the final one keeps its WSP. */
	i = skip_wsp(t->rec, i + 1, t->len);
	if (i == t->len) {
		t->pos = i;
		return 0;
	}
	f->name = i;
	if (!mts_is_alnum((unsigned char)t->rec[i])) {
		mts_fmt(err, errsz, t->rec[i] == ';' ? "empty field at "
		    "offset %zu" : "malformed field name at offset %zu", i);
		return -1;
	}
	while (i < t->len && name_char((unsigned char)t->rec[i]))
		i++;
	f->name_len = i - f->name;
	if (f->name_len > MTS_TAG_NAME_MAX) {
		mts_fmt(err, errsz, "field name longer than %d characters at "
		    "offset %zu", MTS_TAG_NAME_MAX, f->name);
		return -1;
	}
	if (i >= t->len || t->rec[i] != '=') {
		mts_fmt(err, errsz, "field at offset %zu is not name=value",
		    f->name);
		return -1;
	}
	f->value = i + 1;
	t->pos = f->value;
	return 1;
}

int
mts_tagrec_ext_value(struct mts_tagrec *t, struct mts_tag *f, char *err,
    size_t errsz)
{
	size_t i = f->value;

	while (i < t->len && value_char((unsigned char)t->rec[i]))
		i++;
	if (i == f->value) {
		mts_fmt(err, errsz, "empty value for %.*s at offset %zu",
		    (int)f->name_len, t->rec + f->name, i);
		return -1;
	}
	if (i < t->len && t->rec[i] != ';' &&
	    !mts_is_wsp((unsigned char)t->rec[i])) {
		char q[8];

		mts_fmt(err, errsz, "'%s' in the value of %.*s at offset %zu",
		    mts_esc(q, sizeof(q), t->rec + i, 1), (int)f->name_len,
		    t->rec + f->name, i);
		return -1;
	}
	mts_tagrec_took(t, f, i);
	return 0;
}

void
mts_tagrec_took(struct mts_tagrec *t, struct mts_tag *f, size_t end)
{
	f->value_len = end - f->value;
	t->pos = end;
}

int
mts_tag_is(const struct mts_tagrec *t, const struct mts_tag *f,
    const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && memcmp(t->rec + f->name, name, n) == 0;
}

void
mts_tag_keep(struct mts_tag_list *l, const struct mts_tag *f)
{
	if (l->n < MTS_TAG_KEEP)
		l->t[l->n++] = *f;
	l->total++;
}

int
mts_tagrec_counts(const char *rec, size_t len, const char *version)
{
	size_t vl = strlen(version), i;

	if (len < vl || memcmp(rec, version, vl) != 0)
		return 0;
	i = skip_wsp(rec, vl, len);
	return i < len && rec[i] == ';';
}

const char *
mts_tagrec_discard_why(const char *rec, size_t len, const char *version)
{
	if (mts_tagrec_counts(rec, len, version))
		return "";
	if (has_version(rec, len, version))
		return "the version is not followed by ';'";
	return "does not begin with the version";
}

enum mts_pick
mts_tagrec_pick(char *const *recs, const size_t *lens, size_t n,
    const char *version, size_t *which, char *err, size_t errsz)
{
	size_t i, found = 0;

	for (i = 0; i < n; i++)
		if (mts_tagrec_counts(recs[i], lens[i], version)) {
			if (found++ == 0)
				*which = i;
		}
	if (found == 0)
		mts_fmt(err, errsz, "no record begins with %s and ';'",
		    version);
	else if (found > 1)
		mts_fmt(err, errsz, "%zu records begin with %s and ';': "
		    "several records are no record", found, version);
	return found == 0 ? MTS_PICK_NONE : found == 1 ? MTS_PICK_ONE :
	    MTS_PICK_MANY;
}
