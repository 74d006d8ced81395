/* SPDX-License-Identifier: ISC */
/* tlsrpt/tlsrpt_txt.h - the _smtp._tls TLSRPT TXT record (RFC 8460 §3). Pure, no I/O. */
#ifndef MTS_TLSRPT_TLSRPT_TXT_H
#define MTS_TLSRPT_TLSRPT_TXT_H

#include <stddef.h>

#include "base/tagrec.h"

#define MTS_RPTREC_VERSION "v=TLSRPTv1"

#define MTS_RUA_MAX 8        /* URIs kept; more are counted in skipped */
#define MTS_RUA_URI_MAX 512

enum mts_rua_scheme { MTS_RUA_MAILTO = 1, MTS_RUA_HTTPS = 2 };

struct mts_rua {
	enum mts_rua_scheme scheme;
	char uri[MTS_RUA_URI_MAX];   /* the URI as written in the record */
	char addr[MTS_RUA_URI_MAX];  /* mailto: the percent-decoded addr-spec without any ?query; https: same as uri */
};

/* Why a valid URI is not used. */
enum mts_rua_skip_why {
	MTS_RUA_SKIP_SCHEME = 1,     /* neither mailto: nor https: (RFC 8460 §3) */
	MTS_RUA_SKIP_LONG = 2,       /* MTS_RUA_URI_MAX bytes or more */
	MTS_RUA_SKIP_MANY = 3,       /* beyond the first MTS_RUA_MAX */
	MTS_RUA_SKIP_MAILTO = 4,     /* mailto: that is not one addr-spec */
	MTS_RUA_SKIP_HOST = 5        /* https: without a host */
};

struct mts_rua_skip {
	size_t uri, len;             /* offsets into the record */
	enum mts_rua_skip_why why;
};

struct mts_rptrec {
	size_t n;                    /* supported URIs (mailto:, https:), in record order, all rua= fields joined */
	struct mts_rua rua[MTS_RUA_MAX];
	size_t skipped;              /* syntactically valid URIs with other schemes, or beyond MTS_RUA_MAX */
	struct mts_rua_skip skip[MTS_RUA_MAX];  /* the first skipped ones */
	struct mts_tag_list fields;  /* offsets into the record parsed */
};

/* "scheme not supported" ...: the phrase for a skip reason. */
const char *mts_rua_skip_str(enum mts_rua_skip_why why);

/*
 * Parse one record (strings already concatenated, RPT-04 (RFC 8460 §3)) strictly per the
 * §3 ABNF: v=TLSRPTv1 first (case-sensitive; "v=TLSRPTv1 ;" accepted), at
 * least one valid rua= field, several rua= fields joined, unknown
 * extensions ignored (RPT-05, RFC 8460 §3); a rua= whose value is not a list of RFC 3986
 * URIs (bad %-escapes, ',' '!' ';' not percent-encoded) is, by the ABNF,
 * an extension and ignored. Valid URIs that cannot be used (other
 * schemes, a mailto: that is not one address, https: without a host) are
 * skipped. Returns 0, or -1 with err naming the rule broken (out is then
 * zeroed). A valid record with no usable URI is valid with n == 0.
 */
int mts_rptrec_parse(const char *rec, size_t len, struct mts_rptrec *out,
    char *err, size_t errsz);

/* 1 if rec counts in an RRset: "v=TLSRPTv1" *WSP ";" (RPT-03 (RFC 8460 §3), DESIGN 6). */
int mts_rptrec_is_candidate(const char *rec, size_t len);

enum mts_rptrec_sel {
	MTS_RPTREC_FOUND = 0,     /* exactly one candidate, valid: out filled */
	MTS_RPTREC_NONE = 1,      /* no candidate record */
	MTS_RPTREC_MULTIPLE = 2,  /* more than one candidate */
	MTS_RPTREC_INVALID = 3    /* one candidate, syntactically invalid */
};

/* Choose among the TXT records of one RRset: records that do not begin
 * with v=TLSRPTv1 *WSP ";" are discarded; exactly one must remain
 * (RPT-03, RFC 8460 §3). *which (may be NULL): the record that counted. */
enum mts_rptrec_sel mts_rptrec_select(char *const *recs, const size_t *lens,
    size_t n, struct mts_rptrec *out, size_t *which, char *err, size_t errsz);

#endif
