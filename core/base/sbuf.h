/* SPDX-License-Identifier: ISC */
/* base/sbuf.h - a growable byte buffer with a JSON string writer, for the
 * TLS-RPT report, the collector datagram and the report mail. */
#ifndef MTS_BASE_SBUF_H
#define MTS_BASE_SBUF_H

#include <stddef.h>

struct mts_sbuf {
	char *buf;          /* NUL-terminated while len < cap */
	size_t len, cap;
	int oom;            /* sticky: an append failed, the content is short */
};

void mts_sbuf_init(struct mts_sbuf *b);
void mts_sbuf_free(struct mts_sbuf *b);
void mts_sbuf_add(struct mts_sbuf *b, const void *p, size_t n);
void mts_sbuf_str(struct mts_sbuf *b, const char *s);
void mts_sbuf_fmt(struct mts_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* base/json.c: s as a JSON string with quotes (RFC 8259 escapes; control
 * bytes and invalid UTF-8 as \u escapes or U+FFFD, so the result is
 * I-JSON; the escaper behind mtasts_json_quote). NULL is "". */
void mts_sbuf_json(struct mts_sbuf *b, const char *s);
void mts_sbuf_json_n(struct mts_sbuf *b, const char *s, size_t n);
/* The lines of text as array elements, each whole, CR of CRLF dropped:
 * TLS-RPT's policy-string (RFC 8460 §4.5). No brackets. */
void mts_sbuf_json_lines(struct mts_sbuf *b, const char *text);
/* v[0..n) as array elements. No brackets. */
void mts_sbuf_json_strv(struct mts_sbuf *b, const char *const *v, size_t n);

#endif
