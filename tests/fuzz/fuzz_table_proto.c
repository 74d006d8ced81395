/* SPDX-License-Identifier: ISC */
/* fuzz_table_proto.c - libFuzzer target: the table protocols of
 * table-mtasts (6.8 imsg frames, 7.6+ lines), fed through tbl_feed()
 * with no fds.  Byte 0 picks the protocol (auto, imsg, line) and the
 * size of the pieces the rest arrives in; every reply produced is held
 * to the shapes smtpd accepts, since any other shape kills smtpd. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Answers by the key's first byte, including the wrong ones a buggy
 * backend could give; strlen() makes ASan check the NUL is there. */
static enum tbl_answer
fz_check(void *arg, enum tbl_service svc, const char *key)
{
	(void)arg;
	(void)svc;
	switch (strlen(key) > 0 ? key[0] : 0) {
	case 'f':
		return TBL_FOUND;
	case 't':
		return TBL_TEMPFAIL;
	case 'w':
		return (enum tbl_answer)5;
	default:
		return TBL_NOTFOUND;
	}
}

static enum tbl_answer
fz_lookup(void *arg, enum tbl_service svc, const char *key, char *val,
    size_t valsz)
{
	(void)arg;
	(void)svc;
	switch (strlen(key) > 0 ? key[0] : 0) {
	case 'f':
		strncpy(val, "smtp+tls://mx.example.com", valsz - 1);
		return TBL_FOUND;
	case 'e':
		return TBL_FOUND;		/* empty value */
	case 'c':
		strncpy(val, "a\r\nb", valsz - 1);
		return TBL_FOUND;
	case 'u':
		memset(val, 'u', valsz);	/* unterminated */
		return TBL_FOUND;
	case 'l':
		memset(val, 'l', valsz - 1);
		val[valsz - 1] = '\0';
		return TBL_FOUND;
	case 't':
		return TBL_TEMPFAIL;
	default:
		return TBL_NOTFOUND;
	}
}

static void
fz_log(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	if (strlen(msg) >= 512)
		abort();
}

static const struct tbl_backend fz_be = {
	.check = fz_check, .lookup = fz_lookup, .log = fz_log,
};

/* PROC_TABLE_OK, then nothing, int r, or int 1 and a value\0. */
static void
check_imsg(const char *p, size_t n)
{
	uint32_t type;
	uint16_t len;
	size_t plen;
	int r;

	while (n > 0) {
		if (n < TBL_IMSG_HDRSZ)
			abort();
		memcpy(&type, p, 4);
		memcpy(&len, p + 4, 2);
		if (type != 0 || len < TBL_IMSG_HDRSZ || len > n)
			abort();
		plen = len - TBL_IMSG_HDRSZ;
		if (plen > 0) {
			if (plen < sizeof(r))
				abort();
			memcpy(&r, p + TBL_IMSG_HDRSZ, sizeof(r));
			if (r < -1 || r > 1 || (plen > sizeof(r) &&
			    (r != 1 || plen == sizeof(r) + 1 || p[len - 1] != '\0')))
				abort();
		}
		p += len;
		n -= len;
	}
}

static int
has_prefix(const char *l, size_t n, const char *pre)
{
	return n >= strlen(pre) && memcmp(l, pre, strlen(pre)) == 0;
}

/* register|... or OP-result|ID|STATUS..., one per line, no CR or NUL. */
static void
check_lines(const char *p, size_t n)
{
	static const char *const pre[] = {
		"register|domain", "register|relayhost", "register|ready",
		"check-result|", "lookup-result|", "fetch-result|",
		"update-result|",
	};
	const char *nl;
	size_t len, i;

	while (n > 0) {
		if ((nl = memchr(p, '\n', n)) == NULL)
			abort();
		len = (size_t)(nl - p);
		if (memchr(p, '\0', len) != NULL || memchr(p, '\r', len) != NULL)
			abort();
		for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
			if (has_prefix(p, len, pre[i]))
				break;
		if (i == sizeof(pre) / sizeof(pre[0]))
			abort();
		p += len + 1;
		n -= len + 1;
	}
}

static void
drain(struct tbl_conn *c)
{
	if (c->proto == TBL_PROTO_IMSG)
		check_imsg(c->out, c->outlen);
	else
		check_lines(c->out, c->outlen);
	c->outlen = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tbl_proto proto[] = {
		TBL_PROTO_AUTO, TBL_PROTO_IMSG, TBL_PROTO_LINE,
	};
	static struct tbl_conn c;
	const char *p = (const char *)data + 1;
	size_t left, piece, n;
	ssize_t k;
	int more;

	if (size == 0)
		return 0;
	tbl_conn_init(&c, &fz_be, proto[data[0] % 3]);
	piece = data[0] / 3;
	left = size - 1;
	do {
		n = piece == 0 || piece > left ? left : piece;
		if ((k = tbl_feed(&c, p, n)) < 0)
			break;
		if ((size_t)k > n)
			abort();
		more = c.outlen > 0;
		drain(&c);
		p += k;
		left -= (size_t)k;
	} while (left > 0 || more);
	drain(&c);
	return 0;
}
