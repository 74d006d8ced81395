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
/* s as a JSON string with quotes (RFC 8259 escapes; control bytes and
 * invalid UTF-8 as \u escapes or U+FFFD, so the result is I-JSON). */
void mts_sbuf_json(struct mts_sbuf *b, const char *s);
/* The same for n bytes of s, with the short escapes \b \t \n \f \r
 * where they exist (the escapes libtlsrpt's datagrams use). */
void mts_sbuf_json_n(struct mts_sbuf *b, const char *s, size_t n);

#endif
