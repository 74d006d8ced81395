/* SPDX-License-Identifier: ISC */
/* fuzz_json.c - libFuzzer target: the one JSON string escaper (base/json.c)
 * on any bytes, as a policy host, a TXT record or an EHLO name may send.
 * The output must be a quoted string with no raw control byte, DEL or
 * invalid UTF-8 (I-JSON, RFC 7493 §2.1), the same through the buffer and
 * the public mtasts_json_quote, and every cut of it a whole-escape
 * prefix with the full length returned. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"
#include "base/sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 (RFC 3629 §4) with no byte below 0x20 and no DEL. */
static int
clean(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
		    c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		if (len == 0 || len > n - i)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return 0;
		i += len;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *out, cut[64];
	struct mts_sbuf b;
	size_t n, m;

	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	n = mtasts_json_quote(NULL, 0, in);
	if ((out = malloc(n + 1)) == NULL) {
		free(in);
		return 0;
	}
	if (mtasts_json_quote(out, n + 1, in) != n || strlen(out) != n ||
	    n < 2 || out[0] != '"' || out[n - 1] != '"' ||
	    !clean((unsigned char *)out, n))
		abort();
	mts_sbuf_init(&b);
	mts_sbuf_json(&b, in);
	if (!b.oom && (b.len != n || memcmp(b.buf, out, n) != 0))
		abort();
	mts_sbuf_free(&b);
	m = size % sizeof(cut);
	if (mtasts_json_quote(cut, m + 1, in) != n || strlen(cut) > m ||
	    memcmp(cut, out, strlen(cut)) != 0)
		abort();
	free(out);
	free(in);
	return 0;
}
