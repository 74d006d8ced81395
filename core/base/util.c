/* SPDX-License-Identifier: ISC */
/* base/util.c - bounded string helpers shared by the core (no policy logic). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

size_t
mts_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t len = strlen(src);

	if (dstsz > 0) {
		size_t n = len < dstsz - 1 ? len : dstsz - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static int
put(char *dst, size_t dstsz, size_t *o, const char *s, size_t n)
{
	if (*o + n >= dstsz) {
		memcpy(dst + *o, s, dstsz - 1 - *o);
		*o = dstsz - 1;
		return -1;
	}
	memcpy(dst + *o, s, n);
	*o += n;
	return 0;
}

/*
 * The reasons on the hot path ("cached policy, id %s", "%s matches mx
 * pattern %s; ...") need only %s: copy them without vsnprintf's
 * machinery (a third of a cached lookup's time). Same result, same
 * truncation rule. 1: fmt has another conversion, nothing consumed
 * from the caller's ap (the caller passes a copy), use vsnprintf.
 */
static int
fmt_plain_s(char *dst, size_t dstsz, const char *fmt, va_list ap)
{
	const char *p, *arg;
	size_t o = 0;
	int rc = 0;

	while (rc == 0 && (p = strchr(fmt, '%')) != NULL) {
		if (p[1] != 's')
			return 1;
		rc = put(dst, dstsz, &o, fmt, (size_t)(p - fmt));
		if (rc == 0) {
			if ((arg = va_arg(ap, const char *)) == NULL)
				arg = "(null)";
			rc = put(dst, dstsz, &o, arg, strlen(arg));
		}
		fmt = p + 2;
	}
	/* Once truncated, the rest of fmt cannot change the output. */
	if (rc == 0)
		rc = put(dst, dstsz, &o, fmt, strlen(fmt));
	dst[o] = '\0';
	return rc;
}

int
mts_vfmt(char *dst, size_t dstsz, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (dstsz == 0)
		return -1;
	va_copy(cp, ap);
	n = fmt_plain_s(dst, dstsz, fmt, cp);
	va_end(cp);
	if (n != 1)
		return n;
	n = vsnprintf(dst, dstsz, fmt, ap);
	if (n < 0) {
		dst[0] = '\0';
		return -1;
	}
	return (size_t)n >= dstsz ? -1 : 0;
}

int
mts_fmt(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mts_vfmt(dst, dstsz, fmt, ap);
	va_end(ap);
	return rc;
}

char *
mts_strndup(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int64_t
mts_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Length of a valid UTF-8 sequence at s (RFC 3629 §4), n bytes left, or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t
mts_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Bytes from the network (a policy line, a TXT record, a Content-Type)
 * quoted in a message that reaches a log, a terminal or a key="value"
 * line: printable ASCII stays, '"' and '\\' and every other byte become
 * \xNN (STYLE 13). Returns dst.
 */
const char *
mts_esc(char *dst, size_t dstsz, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && dstsz > 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 >= dstsz)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	if (dstsz > 0)
		dst[o] = '\0';
	return dst;
}

/* A whole message made safe in place for a log line or a terminal:
 * control bytes and bytes >= 0x7f become '?' (the quotes we put there
 * ourselves stay; quoted remote text went through mts_esc). */
void
mts_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}
