/* SPDX-License-Identifier: ISC */
/*
 * base/json.c - the one JSON string escaper, for the TLS-RPT report, the
 * collector datagram and (through mtasts_json_quote) the CLI's --json.
 * RFC 8259 §7 escapes; valid UTF-8 (RFC 3629) passes through; every byte
 * that is not part of a valid sequence becomes U+FFFD and DEL is
 * escaped, so the output is I-JSON (RFC 7493 §2.1) and safe for a log or
 * a terminal whatever a policy host, a TXT record or an EHLO name sent.
 */
#include <string.h>

#include "base/export.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "mtasts.h"

#define ESC_MAX 6               /* "\u00XX" */

/*
 * The JSON form of the character at p (n bytes left): *out points at
 * its bytes (p itself, or esc), *outlen their number. Returns how many
 * input bytes it stands for.
 */
static size_t
escape_at(const unsigned char *p, size_t n, char esc[ESC_MAX + 1],
    const char **out, size_t *outlen)
{
	static const char hex[] = "0123456789abcdef";
	static const char two[][3] = { ['"'] = "\\\"", ['\\'] = "\\\\",
	    ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r",
	    ['\t'] = "\\t" };
	size_t len;

	if (*p < sizeof(two) / sizeof(two[0]) && two[*p][0] != '\0') {
		*out = two[*p];
		*outlen = 2;
		return 1;
	}
	if (*p < 0x20 || *p == 0x7f) {
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[*p >> 4];
		esc[5] = hex[*p & 0xf];
		*out = esc;
		*outlen = 6;
		return 1;
	}
	if (*p < 0x80) {
		*out = (const char *)p;
		*outlen = 1;
		return 1;
	}
	if ((len = mts_utf8_len(p, n)) == 0) {
		*out = "\\ufffd";
		*outlen = 6;
		return 1;
	}
	*out = (const char *)p;
	*outlen = len;
	return len;
}

typedef void put_fn(void *arg, const char *p, size_t n);

/* s[0..n) as a JSON string, quotes included, handed to put piece by piece. */
static void
quote(const unsigned char *p, size_t n, put_fn *put, void *arg)
{
	char esc[ESC_MAX + 1];
	const char *out;
	size_t used, outlen;

	put(arg, "\"", 1);
	for (; n > 0; p += used, n -= used) {
		used = escape_at(p, n, esc, &out, &outlen);
		put(arg, out, outlen);
	}
	put(arg, "\"", 1);
}

static void
put_sbuf(void *arg, const char *p, size_t n)
{
	mts_sbuf_add(arg, p, n);
}

void
mts_sbuf_json_n(struct mts_sbuf *b, const char *s, size_t n)
{
	quote((const unsigned char *)s, n, put_sbuf, b);
}

void
mts_sbuf_json(struct mts_sbuf *b, const char *s)
{
	if (s == NULL)
		s = "";
	mts_sbuf_json_n(b, s, strlen(s));
}

/* The policy-string form (RFC 8460 §4.5): one element per line of text,
 * each whole, a CR before the LF dropped; no brackets. */
void
mts_sbuf_json_lines(struct mts_sbuf *b, const char *text)
{
	const char *s = text, *e;
	size_t n;

	while (s != NULL && *s != '\0') {
		e = strchr(s, '\n');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (s != text)
			mts_sbuf_add(b, ",", 1);
		mts_sbuf_json_n(b, s, n);
		s = e != NULL ? e + 1 : NULL;
	}
}

/* v[0..n) as JSON array elements; no brackets. */
void
mts_sbuf_json_strv(struct mts_sbuf *b, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			mts_sbuf_add(b, ",", 1);
		mts_sbuf_json(b, v[i]);
	}
}

/* A bounded destination: once a piece does not fit, nothing more is
 * written (an escape is never cut in half), but every length is counted. */
struct qbuf {
	char *dst;
	size_t size, len, kept;
};

static void
put_qbuf(void *arg, const char *p, size_t n)
{
	struct qbuf *q = arg;

	if (q->kept == q->len && q->len + n < q->size) {
		memcpy(q->dst + q->len, p, n);
		q->kept += n;
	}
	q->len += n;
}

MTS_API size_t
mtasts_json_quote(char *dst, size_t dstsz, const char *s)
{
	struct qbuf q = { dst, dst != NULL ? dstsz : 0, 0, 0 };

	if (s == NULL)
		s = "";
	quote((const unsigned char *)s, strlen(s), put_qbuf, &q);
	if (q.size > 0)
		dst[q.kept] = '\0';
	return q.len;
}
