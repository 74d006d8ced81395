/* SPDX-License-Identifier: ISC */
/*
 * sts/sts_txt.c - the _mta-sts TXT record (RFC 8461 §3.1), parsed strictly by
 * its ABNF:
 *   sts-text-record = sts-version 1*(*WSP %x3B *WSP sts-field) [%x3B]
 *   sts-field       = sts-id / sts-extension
 *   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *   sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 */
#include <string.h>

#include "sts/sts_txt.h"
#include "base/util.h"

#define VERSION "v=STSv1"
#define VERSION_LEN (sizeof(VERSION) - 1)

int
mts_txt_has_version(const char *rec, size_t len, const char *version)
{
	size_t vl = strlen(version);

	if (len < vl || memcmp(rec, version, vl) != 0)
		return 0;
	return len == vl || mts_is_wsp(rec[vl]) || rec[vl] == ';';
}

int
mts_txt_is_candidate(const char *rec, size_t len)
{
	return mts_txt_has_version(rec, len, VERSION);
}

int
mts_ext_name_char(int c)
{
	return mts_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

int
mts_ext_value_char(int c)
{
	return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

/* One sts-field at rec[*pos]; fills id on the first sts-id (STS-19). */
static int
parse_field(const char *rec, size_t len, size_t *pos, struct mts_txt *out,
    int *have_id, char *err, size_t errsz)
{
	size_t i = *pos, name = i, val;

	if (i >= len || !mts_is_alnum((unsigned char)rec[i])) {
		mts_fmt(err, errsz, "empty or malformed field at offset %zu", i);
		return -1;
	}
	while (i < len && mts_ext_name_char((unsigned char)rec[i]))
		i++;
	if (i - name > 32 || i >= len || rec[i] != '=') {
		mts_fmt(err, errsz, "malformed field name at offset %zu", name);
		return -1;
	}
	val = ++i;
	while (i < len && mts_ext_value_char((unsigned char)rec[i]))
		i++;
	if (i == val) {
		mts_fmt(err, errsz, "empty value at offset %zu", val);
		return -1;
	}
	if (val - name == 3 && memcmp(rec + name, "id", 2) == 0) {
		size_t k;

		for (k = val; k < i; k++)
			if (!mts_is_alnum((unsigned char)rec[k]))
				break;
		if (k != i || i - val > MTS_TXT_ID_MAX) {
			mts_fmt(err, errsz, "id must be 1 to 32 letters or "
			    "digits");
			return -1;
		}
		if (!*have_id) {
			memcpy(out->id, rec + val, i - val);
			out->id[i - val] = '\0';
			*have_id = 1;
		}
	}
	*pos = i;
	return 0;
}

int
mts_txt_parse(const char *rec, size_t len, struct mts_txt *out, char *err,
    size_t errsz)
{
	size_t i;
	int have_id = 0, nfields = 0;

	memset(out, 0, sizeof(*out));
	if (!mts_txt_is_candidate(rec, len)) {
		mts_fmt(err, errsz, "record does not start with v=STSv1");
		return -1;
	}
	i = VERSION_LEN;
	while (i < len) {
		while (i < len && mts_is_wsp(rec[i]))
			i++;
		if (i >= len || rec[i] != ';') {
			mts_fmt(err, errsz, "expected ';' at offset %zu", i);
			return -1;
		}
		i++;
		if (i == len && nfields > 0)
			break;          /* the optional final ';' */
		while (i < len && mts_is_wsp(rec[i]))
			i++;
		if (parse_field(rec, len, &i, out, &have_id, err, errsz) != 0)
			return -1;
		nfields++;
	}
	if (!have_id) {
		mts_fmt(err, errsz, "no id field");
		return -1;
	}
	return 0;
}

int
mts_txt_pick(char *const *recs, const size_t *lens, size_t n,
    const char *version, size_t *which, char *err, size_t errsz)
{
	size_t i, found = 0;

	for (i = 0; i < n; i++)
		if (mts_txt_has_version(recs[i], lens[i], version)) {
			found++;
			*which = i;
		}
	if (found == 0)
		mts_fmt(err, errsz, "no %s record", version);
	else if (found > 1)
		mts_fmt(err, errsz, "%zu %s records", found, version);
	return found > 1 ? 2 : (int)found;
}

enum mts_txt_sel
mts_txt_select(char *const *recs, const size_t *lens, size_t n,
    struct mts_txt *out, char *err, size_t errsz)
{
	size_t which = 0;

	switch (mts_txt_pick(recs, lens, n, VERSION, &which, err, errsz)) {
	case 0:
		return MTS_TXT_NONE;
	case 2:
		return MTS_TXT_MULTIPLE;
	}
	if (mts_txt_parse(recs[which], lens[which], out, err, errsz) != 0)
		return MTS_TXT_INVALID;
	return MTS_TXT_FOUND;
}
