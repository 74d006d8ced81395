/* SPDX-License-Identifier: ISC */
/* base/sbuf.c - growable buffer; out-of-memory is sticky and checked once at
 * the end by the caller (b->oom), which keeps builders short. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"

void
mts_sbuf_init(struct mts_sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
mts_sbuf_free(struct mts_sbuf *b)
{
	free(b->buf);
	mts_sbuf_init(b);
}

static int
grow(struct mts_sbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *nb;

	if (b->oom)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	while (cap < b->len + n + 1) {
		if (cap > ((size_t)-1) / 2)
			goto fail;
		cap *= 2;
	}
	if ((nb = realloc(b->buf, cap)) == NULL)
		goto fail;
	b->buf = nb;
	b->cap = cap;
	return 0;
fail:
	b->oom = 1;
	return -1;
}

void
mts_sbuf_add(struct mts_sbuf *b, const void *p, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
mts_sbuf_str(struct mts_sbuf *b, const char *s)
{
	mts_sbuf_add(b, s, strlen(s));
}

void
mts_sbuf_fmt(struct mts_sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = 1;          /* callers format short fields only */
		return;
	}
	mts_sbuf_add(b, tmp, (size_t)n);
}

/* Length of a valid UTF-8 sequence at s (RFC 3629), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;            /* overlong, surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

void
mts_sbuf_json(struct mts_sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	mts_sbuf_add(b, "\"", 1);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			mts_sbuf_add(b, "\\", 1);
			mts_sbuf_add(b, p++, 1);
		} else if (*p < 0x20 || *p == 0x7f) {
			mts_sbuf_fmt(b, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) == 0) {
			mts_sbuf_str(b, "\\ufffd");
			p++;
		} else {
			mts_sbuf_add(b, p, n);
			p += n;
		}
	}
	mts_sbuf_add(b, "\"", 1);
}

void
mts_sbuf_json_n(struct mts_sbuf *b, const char *s, size_t n)
{
	static const char shortesc[] = "btn\0fr";  /* 0x08 .. 0x0d */
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + n;
	size_t k;
	char c;

	mts_sbuf_add(b, "\"", 1);
	while (p < end && *p) {
		c = *p >= 0x08 && *p <= 0x0d ? shortesc[*p - 0x08] : '\0';
		if (*p == '"' || *p == '\\') {
			mts_sbuf_add(b, "\\", 1);
			mts_sbuf_add(b, p++, 1);
		} else if (c != '\0') {
			mts_sbuf_add(b, "\\", 1);
			mts_sbuf_add(b, &c, 1);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			mts_sbuf_fmt(b, "\\u%04x", *p++);
		} else if ((k = utf8_len(p)) == 0 || k > (size_t)(end - p)) {
			/* libtlsrpt would pass the byte on raw and the
			 * collector drop the whole datagram (not UTF-8). */
			mts_sbuf_str(b, "\\ufffd");
			p++;
		} else {
			mts_sbuf_add(b, p, k);
			p += k;
		}
	}
	mts_sbuf_add(b, "\"", 1);
}
