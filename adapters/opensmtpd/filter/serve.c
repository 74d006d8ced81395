/* SPDX-License-Identifier: ISC */
/*
 * serve.c - the filter's I/O loop: read smtpd's stream, feed what
 * arrives to the protocol, write every answer out in full, and, while
 * the backend has timed work (be->busy), poll() so as to call its tick
 * about every tick_ms. Idle, an event costs one read().
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/io.h"
#include "filter/proto.h"

static void
serve_log(const struct flt_backend *be, int level, const char *what)
{
	char msg[256];

	if (be->log == NULL)
		return;
	(void)snprintf(msg, sizeof(msg), "%s: %s", what, strerror(errno));
	be->log(be->arg, level, msg);
}

/* Writes all pending output (osm_write_all: EPIPE, not SIGPIPE, when
 * smtpd went away; POLLOUT waits when fd is non-blocking). */
static int
flush(struct flt_conn *c, int out, const struct flt_backend *be)
{
	const char *buf;
	size_t len, n = 0;
	int r;

	if ((buf = flt_pending(c, &len)), len == 0)
		return 0;
	r = osm_write_all(out, buf, len, &n);
	flt_consume(c, n);
	if (r != 0) {
		serve_log(be, LOG_ERR, "write to smtpd");
		return -1;
	}
	return 0;
}

/* Reads once: 1 with data fed, 0 at EOF, -1 on error, 2 to retry, 3
 * when in is non-blocking and has nothing (poll() before reading). */
static int
fill(struct flt_conn *c, int in, const struct flt_backend *be)
{
	char buf[16384];
	ssize_t n;

	if ((n = read(in, buf, sizeof(buf))) > 0) {
		flt_feed(c, buf, (size_t)n);
		return 1;
	}
	if (n == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 3;
	if (errno == EINTR)
		return 2;
	serve_log(be, LOG_ERR, "read from smtpd");
	return -1;
}

/* Milliseconds until the next tick (-1: none), calling due ticks. */
static int
tick(const struct flt_backend *be, long long *next)
{
	long long now;

	if (be->tick == NULL || be->tick_ms <= 0)
		return -1;
	now = osm_now_ms();
	if (now >= *next) {
		be->tick(be->arg);
		now = osm_now_ms();
		*next += be->tick_ms;
		if (*next <= now)	/* a slow tick: no burst to catch up */
			*next = now + be->tick_ms;
	}
	return (int)(*next - now);
}

/* 1 when the tick has timed work: wait with poll() and a timeout. */
static int
ticking(const struct flt_backend *be)
{
	return be->tick != NULL && be->tick_ms > 0 &&
	    (be->busy == NULL || be->busy(be->arg));
}

int
flt_serve_conn(struct flt_conn *c, int in, int out)
{
	const struct flt_backend *be = flt_conn_backend(c);
	struct pollfd pfd;
	long long next;
	int r, t, timeout, nonblock = 0;

	next = osm_now_ms() + (be->tick_ms > 0 ? be->tick_ms : 0);
	for (;;) {
		if (!(t = ticking(be)) && !nonblock) {
			/* idle: one read() per event, blocking */
			if ((r = fill(c, in, be)) == 3)
				nonblock = 1;
			if (r == -1 || flush(c, out, be) == -1)
				return -1;
			if (r == 0)
				break;
			continue;
		}
		timeout = t ? tick(be, &next) : -1;
		/* A tick may have answered deferred requests. */
		if (flush(c, out, be) == -1)
			return -1;
		pfd.fd = in;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout) == -1) {
			if (errno == EINTR)
				continue;
			serve_log(be, LOG_ERR, "poll");
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		if ((r = fill(c, in, be)) == -1 || flush(c, out, be) == -1)
			return -1;
		if (r == 0)
			break;
	}
	flt_eof(c);
	if (be->log != NULL)
		be->log(be->arg, LOG_INFO, "smtpd closed the filter stream");
	return 0;
}

int
flt_serve(int in, int out, const struct flt_backend *be)
{
	struct flt_conn *c;
	int rc;

	if ((c = flt_conn_new(be)) == NULL) {
		serve_log(be, LOG_ERR, "flt_conn_new");
		return -1;
	}
	rc = flt_serve_conn(c, in, out);
	flt_conn_free(c);
	return rc;
}
