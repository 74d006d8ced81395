/* SPDX-License-Identifier: ISC */
/* fuzz_match.c - libFuzzer target: mx pattern matching and domain
 * normalisation (IDNA) on arbitrary pattern/host pairs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	free(s);
	return 0;
}
