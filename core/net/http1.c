/* SPDX-License-Identifier: ISC */
/*
 * net/http1.c - the HTTP/1.1 response reader of the policy fetch (see
 * http1.h). Framing as RFC 9112 §6.3 has it: no body for 204 and 304,
 * chunked when Transfer-Encoding says so (any other coding is refused:
 * we ask for none), else Content-Length, else the body runs to the
 * close. 1xx interim responses are skipped (101 is refused: we asked
 * for no upgrade). Anything malformed is an error, never a guess: a
 * policy read from a misframed response is not the policy the host
 * served. Lines end in CRLF or a bare LF, as libcurl accepts.
 */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "net/http1.h"

enum {
	ST_STATUS, ST_HEADER, ST_BODY_LEN, ST_BODY_EOF, ST_CHUNK_SIZE,
	ST_CHUNK_DATA, ST_CHUNK_END, ST_TRAILER, ST_DONE, ST_ERROR
};

/* A 1xx response's headers are read and dropped. */
#define ST_INTERIM_FLAG 0x100

void
mts_http1_init(struct mts_http1 *h, mts_http1_body_fn *body, void *arg)
{
	memset(h, 0, sizeof(*h));
	h->state = ST_STATUS;
	h->clen = -1;
	h->body = body;
	h->arg = arg;
}

static int
bad(struct mts_http1 *h, const char *why)
{
	h->state = ST_ERROR;
	mts_strlcpy(h->err, why, sizeof(h->err));
	return -1;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* "HTTP/1.x NNN[ reason]" */
static int
status_line(struct mts_http1 *h, const char *s, size_t n)
{
	long st;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' ||
	    s[7] > '9' || s[8] != ' ' || s[9] < '1' || s[9] > '5' ||
	    s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
	    (n > 12 && s[12] != ' '))
		return bad(h, "malformed HTTP status line");
	st = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (st == 101)
		return bad(h, "HTTP 101: an upgrade nobody asked for");
	h->status = st;
	h->state = st < 200 ? (ST_HEADER | ST_INTERIM_FLAG) : ST_HEADER;
	return 0;
}

static int
name_is(const char *s, size_t n, const char *want)
{
	size_t i;

	if (n != strlen(want))
		return 0;
	for (i = 0; i < n; i++)
		if (mts_lower((unsigned char)s[i]) != want[i])
			return 0;
	return 1;
}

/* 1-18 digits: the whole value, nothing else (RFC 9112 §6.3 item 5). */
static int
parse_length(const char *v, size_t n, long long *out)
{
	long long x = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

static int
header_field(struct mts_http1 *h, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n), *v;
	size_t nl, vl, i;
	long long len;

	if (is_ows(s[0]))
		return bad(h, "obsolete header line folding");
	if (colon == NULL || colon == s)
		return bad(h, "malformed header line");
	nl = (size_t)(colon - s);
	for (i = 0; i < nl; i++)
		if (is_ows(s[i]) || (unsigned char)s[i] < 0x21 ||
		    (unsigned char)s[i] == 0x7f)
			return bad(h, "malformed header name");
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && is_ows(*v))
		v++, vl--;
	while (vl > 0 && is_ows(v[vl - 1]))
		vl--;
	if (h->state & ST_INTERIM_FLAG)
		return 0;
	if (name_is(s, nl, "content-type")) {
		/* The last one counts, as libcurl reports it. */
		if (vl >= sizeof(h->ctype))
			return bad(h, "Content-Type too long");
		memcpy(h->ctype, v, vl);
		h->ctype[vl] = '\0';
		h->have_ctype = 1;
	} else if (name_is(s, nl, "content-length")) {
		if (parse_length(v, vl, &len) != 0)
			return bad(h, "malformed Content-Length");
		if (h->clen >= 0 && h->clen != len)
			return bad(h, "conflicting Content-Length headers");
		h->clen = len;
	} else if (name_is(s, nl, "transfer-encoding")) {
		if (h->chunked || !name_is(v, vl, "chunked"))
			return bad(h, "unsupported Transfer-Encoding");
		h->chunked = 1;
	}
	return 0;
}

/* The empty line: an interim response starts over, a final one says
 * how its body is framed (RFC 9112 §6.3). */
static int
end_of_head(struct mts_http1 *h)
{
	if (h->state & ST_INTERIM_FLAG) {
		h->state = ST_STATUS;
		return 0;
	}
	if (h->status == 204 || h->status == 304)
		h->state = ST_DONE;
	else if (h->chunked)
		h->state = ST_CHUNK_SIZE;
	else if (h->clen == 0)
		h->state = ST_DONE;
	else if (h->clen > 0) {
		h->left = (unsigned long long)h->clen;
		h->state = ST_BODY_LEN;
	} else
		h->state = ST_BODY_EOF;
	return 0;
}

/* "HEX[;ext]" (RFC 9112 §7.1). */
static int
chunk_size(struct mts_http1 *h, const char *s, size_t n)
{
	unsigned long long x = 0;
	size_t i = 0;
	int d;

	for (; i < n; i++) {
		char c = (char)mts_lower((unsigned char)s[i]);

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if (i >= 15)
			return bad(h, "chunk size too large");
		x = x * 16 + (unsigned long long)d;
	}
	if (i == 0)
		return bad(h, "malformed chunk size");
	while (i < n && is_ows(s[i]))
		i++;
	if (i < n && s[i] != ';')
		return bad(h, "malformed chunk size");
	h->left = x;
	h->state = x == 0 ? ST_TRAILER : ST_CHUNK_DATA;
	return 0;
}

static int
line(struct mts_http1 *h, const char *s, size_t n)
{
	int st = h->state & ~ST_INTERIM_FLAG;

	if (st == ST_STATUS)
		return status_line(h, s, n);
	if (st == ST_HEADER)
		return n == 0 ? end_of_head(h) : header_field(h, s, n);
	if (st == ST_CHUNK_SIZE)
		return chunk_size(h, s, n);
	if (st == ST_CHUNK_END) {
		if (n != 0)
			return bad(h, "chunk not followed by CRLF");
		h->state = ST_CHUNK_SIZE;
		return 0;
	}
	/* ST_TRAILER: fields are read and dropped; the empty line ends. */
	if (n == 0)
		h->state = ST_DONE;
	return 0;
}

static int
is_line_state(int st)
{
	st &= ~ST_INTERIM_FLAG;
	return st == ST_STATUS || st == ST_HEADER || st == ST_CHUNK_SIZE ||
	    st == ST_CHUNK_END || st == ST_TRAILER;
}

/* Collect one line from p; the number of bytes used, or -1. */
static long
take_line(struct mts_http1 *h, const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	size_t k = nl != NULL ? (size_t)(nl - p) + 1 : n;
	int st = h->state & ~ST_INTERIM_FLAG;

	if (st == ST_STATUS || st == ST_HEADER || st == ST_TRAILER) {
		h->head += k;
		if (h->head > MTS_HTTP1_HEAD_MAX)
			return bad(h, "response header too large");
	}
	if (h->linelen + k > sizeof(h->line))
		return bad(h, "response line too long");
	memcpy(h->line + h->linelen, p, k);
	h->linelen += k;
	if (nl == NULL)
		return (long)k;
	n = h->linelen - 1;           /* drop the LF, then a CR before it */
	if (n > 0 && h->line[n - 1] == '\r')
		n--;
	h->linelen = 0;
	if (memchr(h->line, '\0', n) != NULL || memchr(h->line, '\r', n) != NULL)
		return bad(h, "NUL or bare CR in a response line");
	return line(h, h->line, n) == 0 ? (long)k : -1;
}

static long
take_body(struct mts_http1 *h, const char *p, size_t n)
{
	size_t k = n;

	if (h->state != ST_BODY_EOF && h->left < k)
		k = (size_t)h->left;
	if (k > 0 && h->body(h->arg, p, k) != 0) {
		h->state = ST_ERROR;
		h->err[0] = '\0';
		return -1;
	}
	h->received += k;
	if (h->state != ST_BODY_EOF) {
		h->left -= k;
		if (h->left == 0)
			h->state = h->state == ST_BODY_LEN ? ST_DONE : ST_CHUNK_END;
	}
	return (long)k;
}

int
mts_http1_feed(struct mts_http1 *h, const char *p, size_t n)
{
	long k;

	while (n > 0 && h->state != ST_DONE && h->state != ST_ERROR) {
		k = is_line_state(h->state) ? take_line(h, p, n) :
		    take_body(h, p, n);
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	if (h->state == ST_ERROR)
		return -1;
	return h->state == ST_DONE ? 1 : 0;
}

int
mts_http1_eof(struct mts_http1 *h)
{
	if (h->state == ST_BODY_EOF)
		h->state = ST_DONE;
	if (h->state == ST_DONE)
		return 1;
	if (h->state == ST_ERROR)
		return -1;
	if (h->state == ST_BODY_LEN)
		mts_fmt(h->err, sizeof(h->err), "transfer closed with %llu bytes "
		    "remaining to read", h->left);
	else if (h->state == ST_CHUNK_SIZE || h->state == ST_CHUNK_DATA ||
	    h->state == ST_CHUNK_END || h->state == ST_TRAILER)
		mts_strlcpy(h->err, "transfer closed with outstanding read data "
		    "remaining", sizeof(h->err));
	else
		mts_strlcpy(h->err, "transfer closed before the end of the "
		    "response header", sizeof(h->err));
	h->state = ST_ERROR;
	return -1;
}
