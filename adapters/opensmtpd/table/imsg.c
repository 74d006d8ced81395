/* SPDX-License-Identifier: ISC */
/* imsg.c - the table protocol of OpenSMTPD 6.8 .. 7.5: imsg frames,
 * framed by hand so that no libutil is needed and every length is
 * checked before it is trusted.
 *
 * Verified against OpenSMTPD 6.8.0p2 (usr.sbin/smtpd/table_proc.c,
 * smtpd-api.h, openbsd-compat/imsg.[ch]) and opensmtpd-extras
 * api/table_api.c (the backend side).  Frames are in host byte order:
 *   hdr   u32 type, u16 len (header included, 16..16384), u16 flags,
 *         u32 peerid, u32 pid
 *   OPEN   u32 version (2), char name[LINE_MAX]   -> OK, no payload
 *   UPDATE (nothing)                               -> OK, int r
 *   CLOSE  (nothing)                               -> no reply at all
 *   CHECK  int service, size_t nparams, key\0      -> OK, int r
 *   LOOKUP int service, size_t nparams, key\0      -> OK, int r[, val\0]
 *   FETCH  int service, size_t nparams             -> OK, int r[, val\0]
 * nparams is always 0 from smtpd; (key\0 value\0) pairs would follow it.
 * r is 1 found, 0 not found, -1 temporary error; a value follows only
 * when r is 1, and then it must be non-empty and NUL-terminated.
 * smtpd blocks on every request but CLOSE until one OK reply comes, and
 * dies on any other reply shape.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "table/conn.h"

enum {
	TBL_IMSG_OK, TBL_IMSG_FAIL, TBL_IMSG_OPEN, TBL_IMSG_CLOSE,
	TBL_IMSG_UPDATE, TBL_IMSG_CHECK, TBL_IMSG_LOOKUP, TBL_IMSG_FETCH,
};
#define TBL_IMSG_VERSION	2	/* PROC_TABLE_API_VERSION */
#define TBL_K_DOMAIN		0x002
#define TBL_K_RELAYHOST		0x200
#define TBL_K_ANY		0xfff

/* A bounded cursor over one payload. */
struct tbl_rd {
	const char	*p;
	size_t		 left;
};

static int
tbl_rd_get(struct tbl_rd *rd, void *dst, size_t n)
{
	if (n > rd->left)
		return -1;
	if (dst != NULL)
		memcpy(dst, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return 0;
}

/* Skips one NUL-terminated string. */
static int
tbl_rd_str(struct tbl_rd *rd)
{
	const char *nul = memchr(rd->p, '\0', rd->left);

	if (nul == NULL)
		return -1;
	return tbl_rd_get(rd, NULL, (size_t)(nul - rd->p) + 1);
}

static int
tbl_reply(struct tbl_conn *c, const void *data, size_t len)
{
	char hdr[TBL_IMSG_HDRSZ];
	uint32_t type = TBL_IMSG_OK, zero = 0;
	uint16_t len16 = (uint16_t)(TBL_IMSG_HDRSZ + len), flags = 0;

	if (TBL_IMSG_HDRSZ + len > TBL_REPLY_MAX)
		return -1;
	memcpy(hdr + 0, &type, 4);
	memcpy(hdr + 4, &len16, 2);
	memcpy(hdr + 6, &flags, 2);
	memcpy(hdr + 8, &zero, 4);
	memcpy(hdr + 12, &c->pid, 4);
	if (tbl_out(c, hdr, sizeof(hdr)) == -1 ||
	    (len > 0 && tbl_out(c, data, len) == -1))
		return -1;
	c->nrequests++;
	return 0;
}

static void
tbl_reply_r(struct tbl_conn *c, int r)
{
	(void)tbl_reply(c, &r, sizeof(r));
}

static void
tbl_reply_val(struct tbl_conn *c, const char *val)
{
	char buf[sizeof(int) + TBL_VALSZ];
	int r = 1;
	size_t n = strlen(val) + 1;

	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), val, n);
	(void)tbl_reply(c, buf, sizeof(r) + n);
}

/* The single K_* bit smtpd sent; anything else is not a service. */
static int
tbl_imsg_service(int s, enum tbl_service *svc)
{
	if (s <= 0 || s > TBL_K_ANY || (s & (s - 1)) != 0)
		return -1;
	if (s == TBL_K_DOMAIN)
		*svc = TBL_SVC_DOMAIN;
	else if (s == TBL_K_RELAYHOST)
		*svc = TBL_SVC_RELAYHOST;
	else
		*svc = TBL_SVC_OTHER;
	return 0;
}

/* service, nparams and the parameter pairs, common to CHECK..FETCH. */
static int
tbl_imsg_head(struct tbl_conn *c, struct tbl_rd *rd, enum tbl_service *svc)
{
	size_t nparams;
	int s;

	if (tbl_rd_get(rd, &s, sizeof(s)) == -1 ||
	    tbl_rd_get(rd, &nparams, sizeof(nparams)) == -1) {
		tbl_log(c, LOG_ERR, "imsg request too short");
		return -1;
	}
	if (tbl_imsg_service(s, svc) == -1) {
		tbl_log(c, LOG_ERR, "imsg request for unknown service %#x", s);
		return -1;
	}
	/* each pair takes at least two bytes: bound the loop by the data */
	if (nparams > rd->left / 2) {
		tbl_log(c, LOG_ERR, "imsg request with %zu parameters", nparams);
		return -1;
	}
	for (; nparams > 0; nparams--)
		if (tbl_rd_str(rd) == -1 || tbl_rd_str(rd) == -1) {
			tbl_log(c, LOG_ERR, "imsg parameter not terminated");
			return -1;
		}
	return 0;
}

/* The key must be exactly the rest of the payload: "key\0". */
static const char *
tbl_imsg_key(struct tbl_conn *c, const struct tbl_rd *rd)
{
	if (rd->left == 0 || rd->p[rd->left - 1] != '\0' ||
	    strlen(rd->p) != rd->left - 1) {
		tbl_log(c, LOG_ERR, "imsg key missing or not NUL-terminated");
		return NULL;
	}
	return rd->p;
}

static void
tbl_imsg_query(struct tbl_conn *c, uint32_t type, struct tbl_rd *rd)
{
	char val[TBL_VALSZ];
	enum tbl_service svc;
	enum tbl_answer a;
	const char *key;
	int lookup = type == TBL_IMSG_LOOKUP;

	if (tbl_imsg_head(c, rd, &svc) == -1 ||
	    (key = tbl_imsg_key(c, rd)) == NULL)
		goto fail;
	if (c->badversion)
		goto fail;
	a = tbl_ask(c, lookup, svc, key, val, sizeof(val));
	if (a == TBL_FOUND && lookup)
		tbl_reply_val(c, val);
	else
		tbl_reply_r(c, (int)a);
	return;
 fail:
	tbl_reply_r(c, TBL_TEMPFAIL);
}

/* We keep no list to iterate: every fetch finds nothing. */
static void
tbl_imsg_fetch(struct tbl_conn *c, struct tbl_rd *rd)
{
	enum tbl_service svc;

	if (tbl_imsg_head(c, rd, &svc) == -1 || rd->left != 0 ||
	    c->badversion) {
		tbl_reply_r(c, TBL_TEMPFAIL);
		return;
	}
	tbl_reply_r(c, TBL_NOTFOUND);
}

static void
tbl_imsg_open(struct tbl_conn *c, struct tbl_rd *rd)
{
	char name[64];
	uint32_t version;

	if (tbl_rd_get(rd, &version, sizeof(version)) == -1) {
		tbl_log(c, LOG_ERR, "imsg open without a version");
		c->badversion = 1;
	} else if (version != TBL_IMSG_VERSION) {
		tbl_log(c, LOG_ERR, "imsg table API version %u, want %u: "
		    "every request will fail", version, TBL_IMSG_VERSION);
		c->badversion = 1;
	} else {
		tbl_vis(name, sizeof(name), rd->p, strnlen(rd->p, rd->left));
		tbl_log(c, LOG_DEBUG, "imsg protocol, table \"%s\"", name);
	}
	/* Even then: any reply but an empty OK kills smtpd. */
	(void)tbl_reply(c, NULL, 0);
}

static void
tbl_imsg_update(struct tbl_conn *c, const struct tbl_rd *rd)
{
	if (rd->left != 0 || c->badversion) {
		tbl_log(c, LOG_ERR, "imsg update refused");
		tbl_reply_r(c, TBL_TEMPFAIL);
		return;
	}
	if (c->be->update != NULL)
		c->be->update(c->be->arg);
	tbl_reply_r(c, 1);
}

static void
tbl_imsg_dispatch(struct tbl_conn *c, uint32_t type, const char *data,
    size_t len)
{
	struct tbl_rd rd = { data, len };

	switch (type) {
	case TBL_IMSG_OPEN:
		tbl_imsg_open(c, &rd);
		break;
	case TBL_IMSG_UPDATE:
		tbl_imsg_update(c, &rd);
		break;
	case TBL_IMSG_CLOSE:
		/* smtpd does not wait; staying until EOF costs nothing and
		 * an early exit could be taken for a crash. */
		tbl_log(c, LOG_DEBUG, "imsg close");
		break;
	case TBL_IMSG_CHECK:
	case TBL_IMSG_LOOKUP:
		tbl_imsg_query(c, type, &rd);
		break;
	case TBL_IMSG_FETCH:
		tbl_imsg_fetch(c, &rd);
		break;
	default:
		/* smtpd sends nothing else, and waits for an answer to all
		 * but CLOSE: silence would hang it, r = -1 at worst kills it. */
		tbl_log(c, LOG_ERR, "imsg of unknown type %u", type);
		tbl_reply_r(c, TBL_TEMPFAIL);
		break;
	}
}

/*
 * Answers every complete frame in c->in while c->out has room for the
 * largest reply.  A header whose length cannot be (shorter than itself,
 * longer than MAX_IMSGSIZE) leaves no way to find the next frame: imsg
 * has no marker to resynchronise on, so the connection is given up.
 */
static int
tbl_imsg_process(struct tbl_conn *c)
{
	size_t off = 0;
	uint32_t type;
	uint16_t len;

	while (!c->dead && c->inlen - off >= TBL_IMSG_HDRSZ &&
	    TBL_OUTSZ - c->outlen >= TBL_REPLY_MAX) {
		memcpy(&type, c->in + off, 4);
		memcpy(&len, c->in + off + 4, 2);
		if (len < TBL_IMSG_HDRSZ || len > TBL_IMSG_MAX) {
			tbl_log(c, LOG_ERR, "imsg with impossible length %u: "
			    "framing lost", (unsigned)len);
			c->dead = 1;
			break;
		}
		if (len > c->inlen - off)
			break;
		tbl_imsg_dispatch(c, type, c->in + off + TBL_IMSG_HDRSZ,
		    len - TBL_IMSG_HDRSZ);
		off += len;
	}
	/* only when something was taken: a frame or line arriving byte
	 * by byte must not cost a copy of itself per byte */
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	if (c->dead) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

const struct tbl_proto_ops tbl_proto_imsg = {
	.name = "6.8 imsg",
	.process = tbl_imsg_process,
};
