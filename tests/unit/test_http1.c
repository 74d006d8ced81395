/* SPDX-License-Identifier: ISC */
/* test_http1.c - the policy fetch's HTTP/1.1 response reader
 * (net/http1.c): framing per RFC 9112 §6.3 and §7.1, one row per rule,
 * each response fed whole, then byte by byte (the reader must not care
 * how the bytes arrive). */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "net/http1.h"

struct sinkbuf {
	char buf[256];
	size_t len, cap;
};

static int
sink(void *arg, const char *p, size_t n)
{
	struct sinkbuf *s = arg;

	if (n > s->cap - s->len)
		return -1;                /* the caller's size cap */
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

struct row {
	const char *what;
	const char *in;
	int close;                    /* the connection closes after in */
	int want;                     /* 1 complete, -1 error */
	long status;
	const char *ctype;            /* NULL: none */
	const char *body;
	const char *err;              /* a substring of the error */
};

static const struct row rows[] = {
	{ "Content-Length body (RFC 9112 §6.3 item 6)",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
	  0, 1, 200, "text/plain", "hello", NULL },
	{ "bytes after a Content-Length body are not the body",
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiXYZ", 0, 1, 200, NULL, "hi", NULL },
	{ "chunked body (RFC 9112 §7.1)",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
	  0, 1, 200, NULL, "abcde", NULL },
	{ "chunked wins over Content-Length (§6.3 item 3)",
	  "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
	  0, 1, 200, NULL, "z", NULL },
	{ "body to the close (§6.3 item 8)",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end", 1, 1, 200,
	  "text/plain", "to the end", NULL },
	{ "bare LF line ends, as libcurl accepts",
	  "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", 0, 1, 200, NULL, "x", NULL },
	{ "HTTP/1.0 response", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
	  0, 1, 200, NULL, "x", NULL },
	{ "status line without a reason phrase", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
	  0, 1, 404, NULL, "", NULL },
	{ "1xx interim responses are skipped (§15.2)",
	  "HTTP/1.1 100 Continue\r\nX: y\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nk",
	  0, 1, 200, NULL, "k", NULL },
	{ "204 has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n",
	  0, 1, 204, NULL, "", NULL },
	{ "a redirect is read, not followed (STS-35, RFC 8461 §3.3)",
	  "HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\n",
	  0, 1, 301, NULL, "", NULL },
	{ "header names are case-insensitive, values trimmed",
	  "HTTP/1.1 200 OK\r\ncOnTeNt-TyPe: \t text/plain; charset=utf-8 \t\r\ncontent-length:1\r\n\r\nq",
	  0, 1, 200, "text/plain; charset=utf-8", "q", NULL },
	{ "the last Content-Type counts, as libcurl reports",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
	  0, 1, 200, "text/plain", "", NULL },
	{ "equal Content-Length headers", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	  0, 1, 200, NULL, "x", NULL },
	{ "conflicting Content-Length (§6.3 item 5)",
	  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
	  0, -1, 200, NULL, "", "conflicting" },
	{ "Content-Length that is not digits", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nx",
	  0, -1, 200, NULL, "", "Content-Length" },
	{ "Content-Length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx",
	  0, -1, 200, NULL, "", "Content-Length" },
	{ "a coding we did not ask for", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	  0, -1, 200, NULL, "", "Transfer-Encoding" },
	{ "chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	  0, -1, 200, NULL, "", "Transfer-Encoding" },
	{ "obsolete line folding (§5.2)", "HTTP/1.1 200 OK\r\nContent-Type: text/\r\n plain\r\n\r\n",
	  0, -1, 200, NULL, "", "folding" },
	{ "a header line without a colon", "HTTP/1.1 200 OK\r\nbogus\r\n\r\n", 0, -1, 200, NULL, "", "malformed header" },
	{ "a space before the colon (§5.1)", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx",
	  0, -1, 200, NULL, "", "malformed header name" },
	{ "not HTTP", "SSH-2.0-OpenSSH\r\n", 0, -1, 0, NULL, "", "status line" },
	{ "HTTP/2 status line", "HTTP/2 200\r\n\r\n", 0, -1, 0, NULL, "", "status line" },
	{ "two-digit status", "HTTP/1.1 20 OK\r\n\r\n", 0, -1, 0, NULL, "", "status line" },
	{ "101 upgrade nobody asked for", "HTTP/1.1 101 Switching\r\n\r\n", 0, -1, 0, NULL, "", "101" },
	{ "a NUL in a header line", "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 0, -1, 200, NULL, "", "NUL" },
	{ "a bare CR in a header line", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", 0, -1, 200, NULL, "", "CR" },
	{ "malformed chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	  0, -1, 200, NULL, "", "chunk size" },
	{ "chunk size that overflows", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
	  0, -1, 200, NULL, "", "too large" },
	{ "chunk data not followed by CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
	  0, -1, 200, NULL, "a", "CRLF" },
	{ "close inside a Content-Length body (35-faults midclose)",
	  "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, -1, 200, NULL, "abc",
	  "transfer closed with 7 bytes remaining" },
	{ "close inside a chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	  1, -1, 200, NULL, "ab", "outstanding read data" },
	{ "close before the end of the header", "HTTP/1.1 200 OK\r\nContent-Len", 1, -1, 200,
	  NULL, "", "before the end of the response header" },
	{ "close before any byte", "", 1, -1, 0, NULL, "", "before the end" },
	{ "a body over the sink's cap stops the reader (STS-39, RFC 8461 §3.3)",
	  "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n"
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "01234567890123456789", 0, -1, 200, NULL, NULL, "" },
};

/* Feed in as chunks of step bytes (0: all at once); the final state. */
static int
run(const struct row *r, size_t len, size_t step, struct mts_http1 *h,
    struct sinkbuf *s)
{
	size_t off = 0, n;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->cap = 200;
	mts_http1_init(h, sink, s);
	while (off < len && rc == 0) {
		n = step == 0 || len - off < step ? len - off : step;
		rc = mts_http1_feed(h, r->in + off, n);
		off += n;
	}
	if (rc == 0 && r->close)
		rc = mts_http1_eof(h);
	return rc;
}

static void
check(const struct row *r, size_t step)
{
	static struct mts_http1 h;
	struct sinkbuf s;
	size_t len = strlen(r->in);
	int rc;

	/* Rows with a NUL in them: their length up to the last "\r\n\r\n". */
	if (strstr(r->what, "NUL") != NULL)
		len = strlen(r->in) + 1 + strlen(r->in + strlen(r->in) + 1);
	rc = run(r, len, step, &h, &s);
	is_int(rc, r->want, "%s (%s): result", r->what, step ? "bytewise" : "whole");
	if (r->want == 1 || r->status != 0)
		is_int(h.status, r->status, "%s: status", r->what);
	if (r->want == 1) {
		is_str(h.have_ctype ? h.ctype : "(none)",
		    r->ctype ? r->ctype : "(none)", "%s: Content-Type", r->what);
		s.buf[s.len] = '\0';
		is_str(s.buf, r->body, "%s: body", r->what);
	} else if (r->err != NULL)
		ok(strstr(h.err, r->err) != NULL && (r->err[0] != '\0' ||
		    h.err[0] == '\0'), "%s: error '%s'", r->what, h.err);
}

int
main(void)
{
	static struct mts_http1 h;
	static char big[MTS_HTTP1_HEAD_MAX + 200];
	struct sinkbuf s;
	struct row r;
	size_t i, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check(&rows[i], 0);
		check(&rows[i], 1);
	}
	/* Header size caps: one line, then the whole header. */
	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");
	memset(big + n, 'a', MTS_HTTP1_LINE_MAX);
	memcpy(big + n + MTS_HTTP1_LINE_MAX, "\r\n\r\n", 5);
	memset(&r, 0, sizeof(r));
	r.in = big;
	is_int(run(&r, strlen(big), 0, &h, &s), -1, "a header line over %d bytes",
	    MTS_HTTP1_LINE_MAX);
	ok(strstr(h.err, "too long") != NULL, "  says so: %s", h.err);
	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	while (n + 100 < sizeof(big) - 8)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-Pad: %090d\r\n", 0);
	memcpy(big + n, "\r\n", 3);
	is_int(run(&r, strlen(big), 0, &h, &s), -1, "a header over %d bytes",
	    MTS_HTTP1_HEAD_MAX);
	ok(strstr(h.err, "header too large") != NULL, "  says so: %s", h.err);
	return done_testing();
}
