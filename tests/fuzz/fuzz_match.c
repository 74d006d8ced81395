/* SPDX-License-Identifier: ISC */
/* fuzz_match.c - libFuzzer target: mx pattern matching and domain
 * normalisation (IDNA) on arbitrary pattern/host pairs; and the verdict
 * for an ASCII host as given against the same host upper-cased with a
 * trailing dot, which must be the same verdict with the same reason
 * (the verdict takes a name matching a pattern as it stands without
 * normalising it: that shortcut must agree with the long way). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_verdict(const char *pattern, const char *host)
{
	char body[1024], *alt, r1[MTASTS_REASON_MAX], r2[MTASTS_REASON_MAX];
	mtasts_policy *p = NULL;
	mtasts_verdict v1, v2;
	mtasts_status s1, s2;
	size_t i, n = strlen(host);

	for (i = 0; i < n; i++)
		if ((unsigned char)host[i] >= 0x80)
			return;
	if (snprintf(body, sizeof(body), "version: STSv1\nmode: enforce\n"
	    "mx: %s\nmax_age: 86400\n", pattern) >= (int)sizeof(body) ||
	    mtasts_policy_parse(NULL, body, strlen(body), &p) != MTASTS_OK)
		return;
	if ((alt = malloc(n + 2)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		alt[i] = host[i] >= 'a' && host[i] <= 'z' ?
		    (char)(host[i] - 'a' + 'A') : host[i];
	alt[n] = '.';
	alt[n + 1] = '\0';
	if (n > 0 && host[n - 1] == '.')
		alt[n] = '\0';
	s1 = mtasts_verdict_mx(p, host, MTASTS_TLS_NOT_YET,
	    MTASTS_RESULT_SUCCESS, &v1);
	s2 = mtasts_verdict_mx(p, alt, MTASTS_TLS_NOT_YET,
	    MTASTS_RESULT_SUCCESS, &v2);
	if (s1 != s2 || v1.action != v2.action || v1.result != v2.result ||
	    strcmp(mtasts_verdict_reason(&v1, r1, sizeof(r1)),
	    mtasts_verdict_reason(&v2, r2, sizeof(r2))) != 0)
		abort();
	free(alt);
out:
	mtasts_policy_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *host;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* pattern NUL host */
	host = s + strlen(s);
	host = host < s + size ? host + 1 : host;
	(void)mtasts_mx_match(s, host);
	same_verdict(s, host);
	free(s);
	return 0;
}
