/* SPDX-License-Identifier: ISC */
/* tlsrpt/tlsrpt_txt.h - the _smtp._tls TLSRPT TXT record (RFC 8460 §3). Pure, no I/O. */
#ifndef MTS_TLSRPT_TLSRPT_TXT_H
#define MTS_TLSRPT_TLSRPT_TXT_H

#include <stddef.h>

#define MTS_RUA_MAX 8        /* URIs kept; more are counted in skipped */
#define MTS_RUA_URI_MAX 512

enum mts_rua_scheme { MTS_RUA_MAILTO = 1, MTS_RUA_HTTPS = 2 };

struct mts_rua {
	enum mts_rua_scheme scheme;
	char uri[MTS_RUA_URI_MAX];   /* the URI as written in the record */
	char addr[MTS_RUA_URI_MAX];  /* mailto: the percent-decoded addr-spec without any ?query; https: same as uri */
};

struct mts_rptrec {
	size_t n;                    /* supported URIs (mailto:, https:), in record order, all rua= fields joined */
	struct mts_rua rua[MTS_RUA_MAX];
	size_t skipped;              /* syntactically valid URIs with other schemes, or beyond MTS_RUA_MAX */
};

/*
 * Parse one record (strings already concatenated, RPT-04) strictly per the
 * §3 ABNF: v=TLSRPTv1 first (case-sensitive; "v=TLSRPTv1 ;" accepted), at
 * least one rua= field, several rua= fields joined, unknown extensions
 * ignored (RPT-05), every URI a valid RFC 3986 URI (bad %-escapes invalid),
 * ',' '!' ';' must be percent-encoded inside URIs. Returns 0, or -1 with err
 * naming the rule broken (out is then zeroed). A valid record whose URIs
 * are all of other schemes is valid with n == 0.
 */
int mts_rptrec_parse(const char *rec, size_t len, struct mts_rptrec *out,
    char *err, size_t errsz);

/* 1 if rec starts with the whole token "v=TLSRPTv1" followed by WSP, ';'
 * or end, else 0 (RPT-03). */
int mts_rptrec_is_candidate(const char *rec, size_t len);

enum mts_rptrec_sel {
	MTS_RPTREC_FOUND = 0,     /* exactly one candidate, valid: out filled */
	MTS_RPTREC_NONE = 1,      /* no candidate record */
	MTS_RPTREC_MULTIPLE = 2,  /* more than one candidate */
	MTS_RPTREC_INVALID = 3    /* one candidate, syntactically invalid */
};

/* Choose among the TXT records of one RRset: records not starting with
 * v=TLSRPTv1 are discarded; exactly one must remain (RPT-03). */
enum mts_rptrec_sel mts_rptrec_select(char *const *recs, const size_t *lens,
    size_t n, struct mts_rptrec *out, char *err, size_t errsz);

#endif
