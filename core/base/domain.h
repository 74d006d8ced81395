/* SPDX-License-Identifier: ISC */
/* base/domain.h - normalising domain and host names (RFC 8461 STS-05). */
#ifndef MTS_BASE_DOMAIN_H
#define MTS_BASE_DOMAIN_H

#include <stddef.h>

#define MTS_DOMAIN_MAX 253          /* RFC 1035 presentation, no trailing dot */
#define MTS_DOMAIN_BUF (MTS_DOMAIN_MAX + 1)

/*
 * Normalise a domain or host name: drop one trailing dot, convert U-labels
 * to A-labels (IDNA2008 via libidn2), lowercase, then check it is an
 * RFC 5321 Domain: labels of 1-63 letters, digits and inner hyphens,
 * at most 253 characters. Address literals ("[1.2.3.4]"), empty labels,
 * a leading dot and bare IP addresses are rejected.
 * out must hold MTS_DOMAIN_BUF bytes. Returns 0, or -1 with err set.
 */
int mts_domain_normalize(const char *in, char *out, size_t outsz,
    char *err, size_t errsz);

/* 1 if s (length len) is a syntactically valid lowercase-or-not RFC 5321
 * Domain as above (ASCII only), else 0. */
int mts_domain_valid(const char *s, size_t len);

#endif
