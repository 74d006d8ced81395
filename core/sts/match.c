/* SPDX-License-Identifier: ISC */
/* sts/match.c - the public mx pattern matcher: normalise, then §4.1 match. */
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/domain.h"
#include "sts/policy.h"

MTS_API int
mtasts_mx_match(const char *pattern, const char *host)
{
	char p[MTS_DOMAIN_BUF + 2], h[MTS_DOMAIN_BUF], err[128];
	size_t skip = 0;

	if (pattern == NULL || host == NULL)
		return 0;
	if (pattern[0] == '*' && pattern[1] == '.') {
		skip = 2;
		memcpy(p, "*.", 2);
	}
	/* Normalising turns U-labels into A-labels and folds case (STS-72, RFC 8461 §4.1);
	 * a name that cannot be normalised never matches (VECTORS F17). */
	if (mts_domain_normalize(pattern + skip, p + skip, sizeof(p) - skip,
	    err, sizeof(err)) != 0 ||
	    mts_domain_normalize(host, h, sizeof(h), err, sizeof(err)) != 0)
		return 0;
	return mts_mx_match_norm(p, h);
}
