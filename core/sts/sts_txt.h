/* SPDX-License-Identifier: ISC */
/* sts/sts_txt.h - the _mta-sts TXT record (RFC 8461 §3.1). Pure, no I/O.
 * The grammar it shares with the TLSRPT record is scanned by
 * base/tagrec.c; this file says what the fields mean. */
#ifndef MTS_STS_STS_TXT_H
#define MTS_STS_STS_TXT_H

#include <stddef.h>

#include "base/tagrec.h"

#define MTS_TXT_ID_MAX 32
#define MTS_TXT_VERSION "v=STSv1"

struct mts_txt {
	char id[MTS_TXT_ID_MAX + 1];
	struct mts_tag_list fields;  /* offsets into the record parsed */
};

/*
 * Parse one record (the RR's strings already concatenated, STS-16 (RFC 8461 §3.1))
 * strictly per the §3.1 ABNF. An id= whose value is not 1*32(ALPHA /
 * DIGIT) is an sts-extension by the ABNF and ignored; of the sts-id
 * fields the first wins, the others are ignored (STS-19 (RFC 8461 §3.2), DESIGN 6).
 * The final field-delim may carry WSP after its ';'. Returns 0, or -1
 * with err naming the rule broken.
 */
int mts_txt_parse(const char *rec, size_t len, struct mts_txt *out,
    char *err, size_t errsz);

/* 1 if rec counts in an RRset: "v=STSv1" *WSP ";" (STS-13 (RFC 8461 §3.1), DESIGN 6). */
int mts_txt_is_candidate(const char *rec, size_t len);

enum mts_txt_sel {
	MTS_TXT_FOUND = 0,      /* exactly one record counts, valid: out filled */
	MTS_TXT_NONE = 1,       /* no record counts (STS-13 (RFC 8461 §3.1)/14) */
	MTS_TXT_MULTIPLE = 2,   /* more than one counts (STS-14, RFC 8461 §3.1) */
	MTS_TXT_INVALID = 3     /* one counts, syntactically invalid (STS-14, RFC 8461 §3.1) */
};

/* Choose among the records of one RRset (STS-13 (RFC 8461 §3.1), STS-14 (RFC 8461 §3.1)); *which (may be
 * NULL) is the record that counted for FOUND and INVALID. */
enum mts_txt_sel mts_txt_select(char *const *recs, const size_t *lens,
    size_t n, struct mts_txt *out, size_t *which, char *err, size_t errsz);

#endif
