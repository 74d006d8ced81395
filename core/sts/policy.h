/* SPDX-License-Identifier: ISC */
/* sts/policy.h - the policy file (RFC 8461 §3.2) and mx patterns (§4.1). Pure. */
#ifndef MTS_STS_POLICY_H
#define MTS_STS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "mtasts.h"

#define MTS_POLICY_MAX_BODY 65536      /* STS-39 (RFC 8461 §3.3) */
/*
 * RFC 8461 sets no limit on mx lines, so none of ours may turn a valid
 * policy into no policy (issue 16): the body cap bounds them. The
 * shortest mx line is "mx:a" and its LF, 5 bytes, so a 64 KiB body holds
 * at most 13108; the array grows as needed up to that (under 1 MiB).
 */
#define MTS_POLICY_MAX_MX (MTS_POLICY_MAX_BODY / 5 + 1)
#define MTS_MAX_AGE_MAX 31557600       /* STS-62 (RFC 8461 §3.2), DESIGN 2 */

struct mts_policy_doc {
	mtasts_mode mode;      /* NONE, TESTING or ENFORCE */
	int64_t max_age;
	size_t nmx;
	char **mx;             /* patterns as served, lowercased, policy order */
	char *text;            /* the body as served, NUL-terminated */
	size_t text_len;
	/* References: a parsed doc is immutable and shared by the cache's
	 * memo and the policy objects handed out (no re-parse per lookup).
	 * Atomic: a policy object may be freed in another thread. */
	unsigned refs;
};

/*
 * Parse a body strictly per the §3.2 ABNF (DESIGN 1-6): LF or CRLF lines,
 * no leading whitespace or blank lines, *WSP after ':' and at line end,
 * first occurrence of a repeated field wins (later ones still must be
 * ABNF-valid lines), version/mode/max_age required, mx required unless
 * mode is none, max_age <= 31557600, valid UTF-8 only, no NUL.
 * Returns 0 and a new doc, or -1 with err like "line 3: mode: ...".
 */
int mts_policy_parse(const char *body, size_t len,
    struct mts_policy_doc **out, char *err, size_t errsz);
/* Drop one reference (the last one frees). NULL is a no-op. */
void mts_policy_doc_free(struct mts_policy_doc *doc);
/* Take one more reference; returns doc (NULL stays NULL). */
struct mts_policy_doc *mts_policy_doc_ref(struct mts_policy_doc *doc);

/* 1 if pattern (len bytes) is "Domain" or "*." Domain (STS-65, RFC 8461 §3.2), else 0. */
int mts_mx_pattern_valid(const char *pattern, size_t len);

/*
 * 1 if host matches pattern (§4.1): both already normalised (lowercase
 * A-labels, no trailing dot). Exact match, or "*.rest" against a host
 * whose part after its first label equals rest (one label, STS-73 (RFC 8461 §4.1)).
 */
int mts_mx_match_norm(const char *pattern, const char *host);

#endif
