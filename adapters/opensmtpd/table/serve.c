/* SPDX-License-Identifier: ISC */
/* serve.c - tbl_serve(), the loop between smtpd's socket and the
 * backend: read, feed (conn.c), write the replies; poll() with ticks
 * only while the backend has timed work (be->busy). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/io.h"
#include "table/conn.h"

/* 1 when the tick has timed work: wait with poll() and a timeout. */
static int
tbl_ticking(const struct tbl_backend *be)
{
	return be->tick_ms > 0 && be->tick != NULL &&
	    (be->busy == NULL || be->busy(be->arg));
}

/* 1 when fd is readable, 0 when not yet (a tick may have run), -1. */
static int
tbl_wait(struct tbl_conn *c, int fd, long long *next, int ticking)
{
	const struct tbl_backend *be = c->be;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long now;
	int timeout = -1, r;

	if (ticking) {
		if ((now = osm_now_ms()) >= *next) {
			if (be->tick != NULL)
				be->tick(be->arg);
			now = osm_now_ms();
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

/* Sends c->out (osm_write_all: EPIPE, not SIGPIPE, when smtpd went
 * away). 0 sent, 1 peer gone, -1 error. */
static int
tbl_flush(struct tbl_conn *c, int fd)
{
	int r = osm_write_all(fd, c->out, c->outlen, NULL);

	if (r == 1)
		tbl_log(c, LOG_INFO, "smtpd went away");
	else if (r == -1)
		tbl_log(c, LOG_ERR, "write: %s", strerror(errno));
	else
		c->outlen = 0;
	return r;
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
	long long next = osm_now_ms() + be->tick_ms;
	unsigned long seen;
	char buf[4096];
	ssize_t n;
	int r, ticking, nonblock = 0;

	for (;;) {
		/*
		 * Idle (no child running), a request costs one read() and
		 * one write(): the read blocks until smtpd asks. poll()
		 * only for the tick's timeout, or when the socket turned
		 * out to be non-blocking.
		 */
		ticking = tbl_ticking(be);
		if ((ticking || nonblock) &&
		    (r = tbl_wait(c, in, &next, ticking)) <= 0) {
			if (r == -1)
				return -1;
			continue;
		}
		if ((n = read(in, buf, sizeof(buf))) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				nonblock = 1;
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
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
