/* SPDX-License-Identifier: ISC */
/* base/util.h - bounded string helpers shared by the core (no policy logic). */
#ifndef MTS_BASE_UTIL_H
#define MTS_BASE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Copy src into dst (size dstsz), always NUL-terminated. Returns strlen(src). */
size_t mts_strlcpy(char *dst, const char *src, size_t dstsz);
/* snprintf that never overflows and returns 0, or -1 on truncation. */
int mts_fmt(char *dst, size_t dstsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int mts_vfmt(char *dst, size_t dstsz, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* ASCII-only helpers: locale never matters for DNS and RFC tokens (the
 * ctype.h functions follow the locale). Inline: the parsers call them
 * once a byte (a call each cost more than the test). */
static inline int
mts_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
mts_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
mts_is_alnum(int c)
{
	return mts_is_alpha(c) || mts_is_digit(c);
}

static inline int
mts_is_wsp(int c)               /* SP or HTAB (RFC 5234 WSP) */
{
	return c == ' ' || c == '\t';
}

static inline int
mts_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}
/* malloc'ed copy of the first len bytes plus a NUL, or NULL. */
char *mts_strndup(const char *s, size_t len);
/* The length of the valid UTF-8 sequence at s (n bytes left, n > 0), or 0:
 * RFC 3629 §4, no overlong forms, no surrogates, nothing above U+10FFFF.
 * The one UTF-8 rule (policy bodies, JSON escaping). */
size_t mts_utf8_len(const unsigned char *s, size_t n);
/* Escape len bytes of network text into dst: printable ASCII but '"'
 * and '\\' as is, all else \xNN; always terminated. Returns dst. */
const char *mts_esc(char *dst, size_t dstsz, const char *s, size_t len);
/* Control bytes and bytes >= 0x7f of a message replaced by '?'. */
void mts_sanitize(char *s);
/* Milliseconds on the monotonic clock (deadlines; not the policy clock). */
int64_t mts_mono_ms(void);

#endif
