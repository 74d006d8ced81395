/* SPDX-License-Identifier: ISC */
/* conn.c - what both table protocols share: the connection, the guess
 * of the protocol, the output buffer, the backend calls with their
 * answers checked, and tbl_feed(), which hands bytes to the protocol's
 * vtable (conn.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "table/conn.h"

void
tbl_conn_init(struct tbl_conn *c, const struct tbl_backend *be,
    enum tbl_proto proto)
{
	memset(c, 0, sizeof(*c));
	c->be = be;
	c->proto = proto;
	if (proto == TBL_PROTO_IMSG)
		c->ops = &tbl_proto_imsg;
	else if (proto == TBL_PROTO_LINE)
		c->ops = &tbl_proto_line;
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

	if (memcmp(c->in, magic, n) != 0) {
		c->proto = TBL_PROTO_IMSG;
		c->ops = &tbl_proto_imsg;
	} else if (n == sizeof(magic) - 1) {
		c->proto = TBL_PROTO_LINE;
		c->ops = &tbl_proto_line;
	} else
		return 0;
	tbl_log(c, LOG_DEBUG, "speaking the %s table protocol",
	    c->ops->name);
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
	if (c->ops == NULL && !tbl_detect(c))
		return (ssize_t)n;
	if (c->ops->process(c) == -1)
		return -1;
	return (ssize_t)n;
}

