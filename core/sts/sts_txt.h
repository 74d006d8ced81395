/* SPDX-License-Identifier: ISC */
/* sts/sts_txt.h - the _mta-sts TXT record (RFC 8461 §3.1). Pure, no I/O. */
#ifndef MTS_STS_STS_TXT_H
#define MTS_STS_STS_TXT_H

#include <stddef.h>

#define MTS_TXT_ID_MAX 32

struct mts_txt {
	char id[MTS_TXT_ID_MAX + 1];
};

/*
 * Parse one record (the RR's strings already concatenated, STS-16)
 * strictly per the §3.1 ABNF. A repeated id: the first wins (STS-19,
 * DESIGN 6). Returns 0, or -1 with err naming the rule broken.
 */
int mts_txt_parse(const char *rec, size_t len, struct mts_txt *out,
    char *err, size_t errsz);

/* 1 if rec starts with the whole token "v=STSv1" followed by WSP, ';' or
 * the end (STS-13 with erratum 6285), else 0. */
int mts_txt_is_candidate(const char *rec, size_t len);

/* Shared with the TLSRPT record (tlsrpt/tlsrpt_txt.c), whose grammar has the same
 * shape (RFC 8460 §3 follows RFC 8461 §3.1): rec starts with the whole
 * token version followed by WSP, ';' or the end; extension name and
 * value characters. */
int mts_txt_has_version(const char *rec, size_t len, const char *version);
int mts_ext_name_char(int c);
/* Among the records of one RRset, the one starting with version (STS-14,
 * RPT-03): 1 with *which set, 0 if none, 2 if several (err says so). */
int mts_txt_pick(char *const *recs, const size_t *lens, size_t n,
    const char *version, size_t *which, char *err, size_t errsz);
int mts_ext_value_char(int c);

enum mts_txt_sel {
	MTS_TXT_FOUND = 0,      /* exactly one candidate, valid: out filled */
	MTS_TXT_NONE = 1,       /* no candidate record (STS-13/14) */
	MTS_TXT_MULTIPLE = 2,   /* more than one candidate (STS-14) */
	MTS_TXT_INVALID = 3     /* one candidate, syntactically invalid */
};

/* Choose among the records of one RRset (STS-13, STS-14). */
enum mts_txt_sel mts_txt_select(char *const *recs, const size_t *lens,
    size_t n, struct mts_txt *out, char *err, size_t errsz);

#endif
