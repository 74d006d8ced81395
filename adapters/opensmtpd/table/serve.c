/* SPDX-License-Identifier: ISC */
/* serve.c - what both table protocols share (the connection, the guess
 * of the protocol, the backend calls with their answers checked) and
 * tbl_serve(), the loop between smtpd's socket and the backend. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

void
tbl_conn_init(struct tbl_conn *c, const struct tbl_backend *be,
    enum tbl_proto proto)
{
	memset(c, 0, sizeof(*c));
	c->be = be;
	c->proto = proto;
	/* what imsg_create() puts in imsg_hdr.pid when given 0 */
	c->pid = (uint32_t)getpid();
}

void
tbl_log(struct tbl_conn *c, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->be->log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->be->log(c->be->arg, level, msg);
}

/* Bytes from smtpd, made safe for a log line and cut to dstsz - 1. */
void
tbl_vis(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t i;

	if (dstsz == 0)
		return;
	for (i = 0; i < len && i < dstsz - 1; i++)
		dst[i] = src[i] >= ' ' && src[i] <= '~' ? src[i] : '?';
	dst[i] = '\0';
}

int
tbl_out(struct tbl_conn *c, const void *data, size_t len)
{
	if (len > TBL_OUTSZ - c->outlen)
		return -1;
	if (len == 0)
		return 0;
	memcpy(c->out + c->outlen, data, len);
	c->outlen += len;
	return 0;
}

/*
 * Asks the backend, and holds it to the answers smtpd survives: -1, 0
 * or 1, and for a lookup found a non-empty value that fits.
 */
enum tbl_answer
tbl_ask(struct tbl_conn *c, int lookup, enum tbl_service svc,
    const char *key, char *val, size_t valsz)
{
	const struct tbl_backend *be = c->be;
	int a;

	if (lookup) {
		if (be->lookup == NULL)
			return TBL_TEMPFAIL;
		val[0] = '\0';
		a = (int)be->lookup(be->arg, svc, key, val, valsz);
	} else {
		if (be->check == NULL)
			return TBL_TEMPFAIL;
		a = (int)be->check(be->arg, svc, key);
	}
	if (a != TBL_FOUND && a != TBL_NOTFOUND && a != TBL_TEMPFAIL) {
		tbl_log(c, LOG_ERR, "backend answered %d", a);
		return TBL_TEMPFAIL;
	}
	if (a == TBL_FOUND && lookup &&
	    (val[0] == '\0' || memchr(val, '\0', valsz) == NULL)) {
		tbl_log(c, LOG_ERR, "backend value empty or unterminated");
		return TBL_TEMPFAIL;
	}
	return (enum tbl_answer)a;
}

/*
 * 7.6+ opens with "config|"; 6.8 with an OPEN frame, whose first byte
 * (type 2, either byte order) is never 'c'.  0 while undecided.
 */
static int
tbl_detect(struct tbl_conn *c)
{
	static const char magic[] = "config|";
	size_t n = c->inlen < sizeof(magic) - 1 ? c->inlen : sizeof(magic) - 1;

	if (memcmp(c->in, magic, n) != 0)
		c->proto = TBL_PROTO_IMSG;
	else if (n == sizeof(magic) - 1)
		c->proto = TBL_PROTO_LINE;
	else
		return 0;
	tbl_log(c, LOG_DEBUG, "speaking the %s table protocol",
	    c->proto == TBL_PROTO_LINE ? "7.6+ line" : "6.8 imsg");
	return 1;
}

ssize_t
tbl_feed(struct tbl_conn *c, const char *buf, size_t len)
{
	size_t n = sizeof(c->in) - c->inlen;

	if (c->dead)
		return -1;
	if (n > len)
		n = len;
	if (n > 0)
		memcpy(c->in + c->inlen, buf, n);
	c->inlen += n;
	if (c->proto == TBL_PROTO_AUTO && !tbl_detect(c))
		return (ssize_t)n;
	if (c->proto == TBL_PROTO_IMSG) {
		if (tbl_imsg_process(c) == -1)
			return -1;
	} else
		tbl_line_process(c);
	return (ssize_t)n;
}

static long long
tbl_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd is readable, 0 when not yet (a tick may have run), -1. */
static int
tbl_wait(struct tbl_conn *c, int fd, long long *next)
{
	const struct tbl_backend *be = c->be;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long now;
	int timeout = -1, r;

	if (be->tick_ms > 0) {
		if ((now = tbl_now_ms()) >= *next) {
			if (be->tick != NULL)
				be->tick(be->arg);
			now = tbl_now_ms();
			*next = now + be->tick_ms;
		}
		timeout = (int)(*next - now);
	}
	if ((r = poll(&pfd, 1, timeout)) == -1 && errno != EINTR) {
		tbl_log(c, LOG_ERR, "poll: %s", strerror(errno));
		return -1;
	}
	return r > 0;
}

/*
 * Sends c->out.  send(MSG_NOSIGNAL) so that smtpd going away is EPIPE
 * and not a fatal SIGPIPE; write() only for a non-socket (tests, hand
 * runs).  0 sent, 1 peer gone, -1 error.
 */
static int
tbl_flush(struct tbl_conn *c, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t n;

	while (off < c->outlen) {
		n = send(fd, c->out + off, c->outlen - off, MSG_NOSIGNAL);
		if (n == -1 && errno == ENOTSOCK)
			n = write(fd, c->out + off, c->outlen - off);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			(void)poll(&pfd, 1, -1);
		else if (errno == EPIPE || errno == ECONNRESET) {
			tbl_log(c, LOG_INFO, "smtpd went away");
			return 1;
		} else if (errno != EINTR) {
			tbl_log(c, LOG_ERR, "write: %s", strerror(errno));
			return -1;
		}
	}
	c->outlen = 0;
	return 0;
}

/* One read's worth: feed it, sending replies whenever c->out fills. */
static int
tbl_pump(struct tbl_conn *c, const char *buf, size_t len, int in, int out)
{
	ssize_t k;
	int more, r;

	do {
		k = tbl_feed(c, buf, len);
		more = c->outlen > 0;
		r = tbl_flush(c, c->proto == TBL_PROTO_IMSG ? in : out);
		if (k == -1 || r == -1)
			return -1;
		if (r == 1)
			return 1;
		buf += k;
		len -= (size_t)k;
	} while (len > 0 || more);
	return 0;
}

static int
tbl_loop(struct tbl_conn *c, int in, int out)
{
	const struct tbl_backend *be = c->be;
	long long next = tbl_now_ms() + be->tick_ms;
	unsigned long seen;
	char buf[4096];
	ssize_t n;
	int r;

	for (;;) {
		if ((r = tbl_wait(c, in, &next)) <= 0) {
			if (r == -1)
				return -1;
			continue;
		}
		if ((n = read(in, buf, sizeof(buf))) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET)
				return 0;
			tbl_log(c, LOG_ERR, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			if (c->inlen > 0 || c->discarding)
				tbl_log(c, LOG_ERR, "EOF inside a request");
			return 0;
		}
		seen = c->nrequests;
		if ((r = tbl_pump(c, buf, (size_t)n, in, out)) != 0)
			return r == 1 ? 0 : -1;
		/* after the replies went out: smtpd waits for nothing now */
		if (c->nrequests != seen && be->tick != NULL)
			be->tick(be->arg);
	}
}

int
tbl_serve(int in, int out, const struct tbl_backend *be)
{
	struct tbl_conn *c;
	int rc;

	/* 32 KiB of buffers: the heap, not the caller's stack */
	if ((c = malloc(sizeof(*c))) == NULL) {
		if (be->log != NULL)
			be->log(be->arg, LOG_ERR, "table: out of memory");
		return -1;
	}
	tbl_conn_init(c, be, TBL_PROTO_AUTO);
	rc = tbl_loop(c, in, out);
	free(c);
	return rc;
}
