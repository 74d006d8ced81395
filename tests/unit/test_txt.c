/* SPDX-License-Identifier: ISC */
/* test_txt.c - the _mta-sts TXT record parser and RRset selection, one
 * row per rule of RFC 8461 §3.1 (the sentence or ABNF line quoted), the
 * RFC's own example, and VECTORS A and B (STS-11 (RFC 8461 §3.1)..19, DESIGN 1 and 6). */
#include <string.h>

#include "tap.h"
#include "sts/sts_txt.h"

struct tcase {
	const char *name;
	const char *rec;
	const char *id;        /* NULL: must be rejected */
};

/* The error names the rule: err contains want. */
static void
like_err(const char *err, const char *want)
{
	if (!ok(strstr(err, want) != NULL, "error says '%s'", want))
		printf("#   error: %s\n", err);
}

static const struct tcase cases[] = {
	/* RFC 8461 §3.1: "An example TXT record is as below:
	 * _mta-sts.example.com. IN TXT "v=STSv1; id=20160831085700Z;"" */
	{ "A01 RFC 8461 §3.1 example", "v=STSv1; id=20160831085700Z;", "20160831085700Z" },
	/* sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim] */
	{ "A03 §3.1 ABNF: final delimiter optional", "v=STSv1; id=a", "a" },
	{ "A05 §3.1 ABNF: *WSP may be empty", "v=STSv1;id=20160831085700Z", "20160831085700Z" },
	/* sts-field-delim = *WSP ";" *WSP: the optional final delimiter
	 * carries its WSP too (issue 16 item 1) */
	{ "§3.1 sts-field-delim: SP after the final ';'", "v=STSv1; id=abc; ", "abc" },
	{ "§3.1 sts-field-delim: HTAB after the final ';'", "v=STSv1; id=abc;\t", "abc" },
	{ "§3.1 sts-field-delim: WSP both sides of every ';'", "v=STSv1 ;id=abc ; ", "abc" },
	{ "§3.1 sts-field-delim: several SP and HTAB", "v=STSv1 \t; \tid=abc \t;\t ", "abc" },
	{ "A25 §3.1 sts-field-delim: WSP before ';' (DESIGN 1)", "v=STSv1  ;    id=foo", "foo" },
	{ "§3.1 sts-field-delim: HTAB as WSP", "v=STSv1;\tid=a", "a" },
	{ "§3.1 ABNF: WSP at the end without ';' is no delimiter", "v=STSv1; id=a ", NULL },
	{ "§3.1 ABNF: WSP after the version without ';'", "v=STSv1 ", NULL },
	{ "A21 §3.1 ABNF: no empty field (';;', RFC-strict)", "v=STSv1; id=a;;", NULL },
	{ "§3.1 ABNF: no empty field (';' WSP ';')", "v=STSv1; id=a; ;", NULL },
	{ "§3.1 ABNF: a field needs its ';'", "v=STSv1 id=a", NULL },
	/* sts-version = %s"v=STSv1"; "Currently, only "STSv1" is supported." */
	{ "A07 §3.1 only STSv1 is supported", "v=STSv0", NULL },
	{ "A09 §3.1 v=STSv12 is not v=STSv1", "v=STSv12;id=20180907T090909;", NULL },
	{ "STS-12 (RFC 8461 §3.1) §3.1 %s\"v=STSv1\" is case-sensitive", "V=stsv1; id=a", NULL },
	{ "§3.1 %s\"v=STSv1\": v=stsv1", "v=stsv1; id=a", NULL },
	/* "The TXT record MUST begin with the sts-version field" */
	{ "STS-12 (RFC 8461 §3.1) §3.1 the record MUST begin with sts-version", "id=a; v=STSv1", NULL },
	{ "STS-12 (RFC 8461 §3.1) §3.1 no leading WSP before the version", " v=STSv1; id=a", NULL },
	/* "the order of other fields is not significant" */
	{ "STS-12 (RFC 8461 §3.1) §3.1 field order not significant", "v=STSv1; ext=1; id=a", "a" },
	/* sts-field = sts-id / sts-extension ; Note that sts-id record is required. */
	{ "A11 §3.1 sts-id is required (version alone)", "v=STSv1", NULL },
	{ "A11b §3.1 sts-id is required (version and ';')", "v=STSv1;", NULL },
	{ "A13 §3.1 sts-id is required (extension only)", "v=STSv1; ext=1", NULL },
	/* sts-id = %s"id=" 1*32(ALPHA / DIGIT) */
	{ "A15 §3.1 sts-id: 33 characters is too long", "v=STSv1; id=012345678901234567890123456789012", NULL },
	{ "A15b §3.1 sts-id: 32 characters", "v=STSv1; id=01234567890123456789012345678901",
	  "01234567890123456789012345678901" },
	{ "§3.1 sts-id: one character", "v=STSv1; id=Z", "Z" },
	{ "§3.1 sts-id: no punctuation", "v=STSv1; id=2016-08-31", NULL },
	{ "§3.1 sts-id: %s\"id=\" is case-sensitive (ID= is an extension)", "v=STSv1; ID=a", NULL },
	{ "§3.1 sts-id: empty id value", "v=STSv1; id=", NULL },
	/* §3.2: "If any non-repeated field ... is duplicated, all entries
	 * except for the first SHALL be ignored." (STS-19 (RFC 8461 §3.2), DESIGN 6) */
	{ "STS-19 (RFC 8461 §3.2) §3.2 repeated id: the first wins", "v=STSv1; id=first; id=second", "first" },
	/* a repeated id= that is no sts-id is an sts-extension (issue 16 item 2) */
	{ "STS-19 (RFC 8461 §3.2) §3.1 repeated id=x-y is an ignored extension", "v=STSv1; id=abc; id=x-y", "abc" },
	{ "STS-19 (RFC 8461 §3.2) §3.1 repeated id of 33 characters: an extension",
	  "v=STSv1; id=abc; id=012345678901234567890123456789012", "abc" },
	{ "§3.1 ABNF: id=x-y before the sts-id is an extension", "v=STSv1; id=x-y; id=abc", "abc" },
	{ "§3.1 ABNF: a repeated id= still needs an ext-value", "v=STSv1; id=abc; id=", NULL },
	{ "§3.1 ABNF: a repeated id= with '=' in it", "v=STSv1; id=abc; id=a=b", NULL },
	/* sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
	 * sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E) */
	{ "STS-18 (RFC 8461 §3.2) §3.2 unknown fields SHALL be ignored", "v=STSv1; id=x; a.b_c-d=!\"#:<>~", "x" },
	{ "A17 §3.1 sts-ext-value: not empty", "v=STSv1; id=a; more=", NULL },
	{ "A19 §3.1 sts-ext-name: letters, digits, _ - .", "v=STSv1; id=a; 1%=a", NULL },
	{ "§3.1 sts-ext-name: starts with ALPHA / DIGIT", "v=STSv1; id=a; _x=1", NULL },
	{ "§3.1 sts-ext-value: no '='", "v=STSv1; id=x; a=b=c", NULL },
	{ "§3.1 sts-ext-name: 33 characters", "v=STSv1; id=x; a12345678901234567890123456789012=1", NULL },
	{ "§3.1 sts-ext-name: 32 characters", "v=STSv1; id=x; a1234567890123456789012345678901=1", "x" },
	{ "§3.1 ext field without '='", "v=STSv1; id=a; bogus", NULL },
	/* "MTA-STS TXT records MUST be US-ASCII" (STS-11, RFC 8461 §3.1) */
	{ "STS-11 (RFC 8461 §3.1) §3.1 MUST be US-ASCII (UTF-8 in a value)", "v=STSv1; id=a; x=\xc3\xa9", NULL },
	{ "STS-11 (RFC 8461 §3.1) §3.1 MUST be US-ASCII (CR)", "v=STSv1; id=a;\r", NULL },
	{ "A23 garbage", "azazaza;asdasdasdasd", NULL },
	{ "A27 empty string", "", NULL },
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

static void
test_details(void)
{
	static const char nul[] = "v=STSv1; id=a\0b";
	const char *rec = "v=STSv1; id=abc; id=x-y; id=def; e=1";
	struct mts_txt t;
	char err[128];

	is_int(mts_txt_parse(nul, sizeof(nul) - 1, &t, err, sizeof(err)), -1,
	    "STS-11 (RFC 8461 §3.1) a NUL inside the record is refused");
	like_err(err, "NUL");
	ok(mts_txt_parse(rec, strlen(rec), &t, err, sizeof(err)) == 0 &&
	    t.fields.n == 4, "fields kept in record order");
	is_int(t.fields.t[0].use, MTS_TAG_USED, "first sts-id: used");
	is_int(t.fields.t[1].use, MTS_TAG_BADVALUE, "id=x-y: no sts-id, an extension");
	is_int(t.fields.t[2].use, MTS_TAG_REPEAT, "second sts-id: ignored repeat");
	is_int(t.fields.t[3].use, MTS_TAG_EXTENSION, "e=1: an extension");
	mts_txt_parse("v=STSv1; id=2016-08-31", 22, &t, err, sizeof(err));
	like_err(err, "id=2016-08-31 is not 1 to 32");
	mts_txt_parse("v=STSv2; id=a", 13, &t, err, sizeof(err));
	like_err(err, "unsupported version");
	ok(mts_txt_parse("v=STSv1; id=ab", 13, &t, err, sizeof(err)) == 0 &&
	    strcmp(t.id, "a") == 0, "len honoured, not the NUL");
}

static enum mts_txt_sel
sel(const char **recs, size_t n, struct mts_txt *t, size_t *which)
{
	size_t lens[8];
	char err[128];
	size_t i;

	for (i = 0; i < n; i++)
		lens[i] = strlen(recs[i]);
	*which = 99;
	return mts_txt_select((char *const *)recs, lens, n, t, which, err,
	    sizeof(err));
}

struct scase {
	const char *name;
	const char *recs[4];
	enum mts_txt_sel want;
	size_t which;          /* for FOUND and INVALID */
	const char *id;
};

/* RFC 8461 §3.1: "If multiple TXT records for "_mta-sts" are returned by
 * the resolver, records that do not begin with "v=STSv1;" are discarded.
 * If the number of resulting records is not one, or if the resulting
 * record is syntactically invalid, senders MUST assume the recipient
 * domain does not have an available MTA-STS Policy". A record begins with
 * "v=STSv1;" when the version is followed by *WSP and ';' (erratum 6285,
 * DESIGN 6); a bare "v=STSv1" or "v=STSv1 id=b" does not. */
static const struct scase scases[] = {
	{ "B01 one record", { "v=STSv1; id=1" }, MTS_TXT_FOUND, 0, "1" },
	{ "B03 one v=STSv1; record with bad syntax", { "v=STSv1; bogus" }, MTS_TXT_INVALID, 0, NULL },
	{ "B05 STS-13 (RFC 8461 §3.1) no record begins with v=STSv1;", { "bogus", "more" }, MTS_TXT_NONE, 0, NULL },
	{ "B09 STS-13 (RFC 8461 §3.1) other TXT records discarded", { "abc", "v=STSv1; id=blah;" }, MTS_TXT_FOUND, 1, "blah" },
	{ "STS-14 (RFC 8461 §3.1) two v=STSv1; records: not one", { "v=STSv1; id=1", "v=STSv1; id=2" }, MTS_TXT_MULTIPLE, 0, NULL },
	{ "STS-14 (RFC 8461 §3.1) a bad v=STSv1; record still counts", { "v=STSv1;", "v=STSv1; id=2" }, MTS_TXT_MULTIPLE, 0, NULL },
	{ "A09 v=STSv12 is not v=STSv1;", { "v=STSv12;id=20180907T090909;" }, MTS_TXT_NONE, 0, NULL },
	{ "B11 NODATA: none", { NULL }, MTS_TXT_NONE, 0, NULL },
	/* issue 16 item 3 */
	{ "STS-13 (RFC 8461 §3.1) bare v=STSv1 does not begin with v=STSv1;",
	  { "v=STSv1", "v=STSv1; id=good" }, MTS_TXT_FOUND, 1, "good" },
	{ "STS-13 (RFC 8461 §3.1) v=STSv1 id=b does not begin with v=STSv1;",
	  { "v=STSv1; id=a", "v=STSv1 id=b" }, MTS_TXT_FOUND, 0, "a" },
	{ "STS-13 (RFC 8461 §3.1) erratum 6285: v=STSv1 ; counts",
	  { "v=STSv1 ; id=a", "v=spf1 -all" }, MTS_TXT_FOUND, 0, "a" },
	{ "STS-13 (RFC 8461 §3.1) erratum 6285: v=STSv1<HTAB>; counts, so two records",
	  { "v=STSv1\t;id=a", "v=STSv1; id=b" }, MTS_TXT_MULTIPLE, 0, NULL },
	{ "STS-13 (RFC 8461 §3.1) a lone bare v=STSv1: no record", { "v=STSv1" }, MTS_TXT_NONE, 0, NULL },
	{ "STS-13 (RFC 8461 §3.1) v=STSv1x; is not v=STSv1;", { "v=STSv1x; id=a", "v=STSv1; id=b" }, MTS_TXT_FOUND, 1, "b" },
	{ "STS-13 (RFC 8461 §3.1) case: V=STSv1; discarded", { "V=STSv1; id=a", "v=STSv1; id=b" }, MTS_TXT_FOUND, 1, "b" },
	{ "STS-14 (RFC 8461 §3.1) the survivor is invalid", { "v=STSv1; id=a-b", "x" }, MTS_TXT_INVALID, 0, NULL },
};

static void
test_select(void)
{
	struct mts_txt t;
	size_t i, n, which;

	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct scase *c = &scases[i];
		enum mts_txt_sel got;

		for (n = 0; n < 4 && c->recs[n] != NULL; n++)
			;
		got = sel((const char **)c->recs, n, &t, &which);
		is_int(got, c->want, "%s", c->name);
		if (c->want == MTS_TXT_FOUND || c->want == MTS_TXT_INVALID)
			is_int(which, c->which, "%s: record %zu", c->name, c->which);
		if (c->id != NULL)
			is_str(t.id, c->id, "%s: id", c->name);
	}
	ok(mts_txt_is_candidate("v=STSv1;", 8), "v=STSv1; is a candidate");
	ok(mts_txt_is_candidate("v=STSv1 \t;", 10), "v=STSv1 WSP ; is a candidate");
	ok(!mts_txt_is_candidate("v=STSv1", 7), "bare v=STSv1 is not a candidate");
	ok(!mts_txt_is_candidate("v=STSv1 ", 8), "v=STSv1 SP is not a candidate");
	ok(!mts_txt_is_candidate("v=STSv1x;", 9), "v=STSv1x; is not a candidate");
	ok(!mts_txt_is_candidate("v=STSv1;", 7), "len honoured by is_candidate");
}

int
main(void)
{
	test_records();
	test_details();
	test_select();
	return done_testing();
}
