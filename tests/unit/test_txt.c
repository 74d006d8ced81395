/* SPDX-License-Identifier: ISC */
/* test_txt.c - the _mta-sts TXT record parser and RRset selection,
 * one case per rule (RFC 8461 §3.1; VECTORS A and B; STS-13..19). */
#include <string.h>

#include "tap.h"
#include "sts/sts_txt.h"

struct tcase {
	const char *name;
	const char *rec;
	const char *id;        /* NULL: must be rejected */
};

static const struct tcase cases[] = {
	{ "A01 RFC example", "v=STSv1; id=20160831085700Z;", "20160831085700Z" },
	{ "A03 no trailing ';'", "v=STSv1; id=a", "a" },
	{ "A05 no spaces at all", "v=STSv1;id=20160831085700Z", "20160831085700Z" },
	{ "A07 v=STSv0 is not STSv1", "v=STSv0", NULL },
	{ "A09 v=STSv12 is not STSv1", "v=STSv12;id=20180907T090909;", NULL },
	{ "A11 id missing", "v=STSv1", NULL },
	{ "A11b only ';' after version", "v=STSv1;", NULL },
	{ "A13 extension without id", "v=STSv1; ext=1", NULL },
	{ "A15 id of 33 characters", "v=STSv1; id=012345678901234567890123456789012", NULL },
	{ "A15b id of 32 characters", "v=STSv1; id=01234567890123456789012345678901",
	  "01234567890123456789012345678901" },
	{ "A17 empty extension value", "v=STSv1; id=a; more=", NULL },
	{ "A19 bad extension name", "v=STSv1; id=a; 1%=a", NULL },
	{ "A21 empty field ';;' (RFC-strict)", "v=STSv1; id=a;;", NULL },
	{ "A23 garbage", "azazaza;asdasdasdasd", NULL },
	{ "A25 WSP before ';' (DESIGN 1)", "v=STSv1  ;    id=foo", "foo" },
	{ "A27 empty string", "", NULL },
	{ "STS-15 version is case-sensitive", "V=stsv1; id=a", NULL },
	{ "STS-16 id with punctuation", "v=STSv1; id=2016-08-31", NULL },
	{ "STS-19 repeated id: first wins (DESIGN 6)", "v=STSv1; id=first; id=second", "first" },
	{ "extension with dots and value punctuation", "v=STSv1; id=x; a.b_c-d=!\"#:<>~", "x" },
	{ "extension value with '=' rejected", "v=STSv1; id=x; a=b=c", NULL },
	{ "extension name longer than 32", "v=STSv1; id=x; a12345678901234567890123456789012=1", NULL },
	{ "version not first", "id=a; v=STSv1", NULL },
	{ "trailing WSP after final ';' (strict ABNF)", "v=STSv1; id=a; ", NULL },
	{ "field without ';' separator", "v=STSv1 id=a", NULL },
	{ "tab as WSP", "v=STSv1;\tid=a", "a" },
};

static void
test_records(void)
{
	struct mts_txt t;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		int rc = mts_txt_parse(c->rec, strlen(c->rec), &t, err,
		    sizeof(err));

		if (c->id == NULL)
			ok(rc == -1 && err[0] != '\0', "%s: rejected (%s)",
			    c->name, rc == -1 ? err : "accepted");
		else if (ok(rc == 0, "%s: accepted", c->name))
			is_str(t.id, c->id, "%s: id", c->name);
		else
			printf("#   error: %s\n", err);
	}
}

static enum mts_txt_sel
sel(const char **recs, size_t n, struct mts_txt *t)
{
	size_t lens[8];
	char err[128];
	size_t i;

	for (i = 0; i < n; i++)
		lens[i] = strlen(recs[i]);
	return mts_txt_select((char *const *)recs, lens, n, t, err, sizeof(err));
}

static void
test_select(void)
{
	const char *b01[] = { "v=STSv1; id=1" };
	const char *b03[] = { "v=STSv1; bogus" };
	const char *b05[] = { "bogus", "more" };
	const char *b09[] = { "abc", "v=STSv1; id=blah;" };
	const char *two[] = { "v=STSv1; id=1", "v=STSv1; id=2" };
	const char *a09[] = { "v=STSv12;id=20180907T090909;" };
	struct mts_txt t;

	is_int(sel(b01, 1, &t), MTS_TXT_FOUND, "B01 one record: found");
	is_str(t.id, "1", "B01 id");
	is_int(sel(b03, 1, &t), MTS_TXT_INVALID, "B03 v=STSv1 with bad syntax: invalid");
	is_int(sel(b05, 2, &t), MTS_TXT_NONE, "B05 no v=STSv1 record: none");
	is_int(sel(b09, 2, &t), MTS_TXT_FOUND, "B09 other TXT records ignored (STS-13)");
	is_str(t.id, "blah", "B09 id");
	is_int(sel(two, 2, &t), MTS_TXT_MULTIPLE, "STS-14 two v=STSv1 records: multiple");
	is_int(sel(a09, 1, &t), MTS_TXT_NONE, "A09 v=STSv12 is not a candidate (erratum 6285)");
	is_int(sel(NULL, 0, &t), MTS_TXT_NONE, "B11 NODATA: none");
	ok(mts_txt_is_candidate("v=STSv1", 7), "bare v=STSv1 is a candidate");
	ok(!mts_txt_is_candidate("v=STSv1x", 8), "v=STSv1x is not a candidate");
}

int
main(void)
{
	test_records();
	test_select();
	return done_testing();
}
