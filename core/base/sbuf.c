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
