/* SPDX-License-Identifier: ISC */
/*
 * fuzz_filter_proto.c - libFuzzer target: arbitrary bytes from "smtpd"
 * through the filter's line assembler and parser, in chunks whose size
 * the first byte picks.  Beyond memory errors it aborts on any answer
 * that would make smtpd fatalx(): a non-register line before
 * register|ready, a register line after it, a filter-result whose ids
 * are not hex or whose decision smtpd would not take.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fz_rcpt(void *arg, const char *session, const char *token,
    const char *rcpt, char *reply,
    size_t replysz)
{
	char mb[300];
	size_t n = strlen(rcpt) + strlen(session);
	(void)token;

	(void)arg;
	(void)flt_rcpt_mailbox(rcpt, mb, sizeof(mb));
	switch (n % 4) {
	case 0:
		return 0;
	case 1:
		(void)snprintf(reply, replysz, "451 4.7.5 %s", rcpt);
		return 1;
	case 2:
		(void)snprintf(reply, replysz, "%s", rcpt);	/* junk */
		return 1;
	default:
		reply[0] = '\0';
		return -1;
	}
}

static void
fz_report(void *arg, const struct flt_event *ev)
{
	size_t i, n;

	(void)arg;
	if (ev->nfields > FLT_FIELDS_MAX)
		abort();
	n = strlen(ev->version) + strlen(ev->timestamp) +
	    strlen(ev->subsystem) + strlen(ev->event) + strlen(ev->session);
	for (i = 0; i < ev->nfields; i++)
		n += strlen(ev->fields[i]);
	if (n > FLT_LINE_MAX)
		abort();
}

static void
fz_log(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	if (strchr(msg, '\n') != NULL)
		abort();
}

static int
hex16(const char *s, const char *e)
{
	return e > s && e - s <= 16 &&
	    strspn(s, "0123456789abcdefABCDEF") == (size_t)(e - s);
}

/* One answer line (without '\n') as smtpd's lka_filter.c would take it. */
static void
check_result(const char *l, size_t len)
{
	const char *end = l + len, *sid, *tok, *d;

	sid = l + strlen("filter-result|");
	if ((tok = memchr(sid, '|', (size_t)(end - sid))) == NULL ||
	    !hex16(sid, tok++) ||
	    (d = memchr(tok, '|', (size_t)(end - tok))) == NULL ||
	    !hex16(tok, d++))
		abort();
	if ((size_t)(end - d) == 7 && memcmp(d, "proceed", 7) == 0)
		return;
	if ((size_t)(end - d) < 12 || memcmp(d, "reject|", 7) != 0)
		abort();
	d += 7;
	if ((d[0] != '4' && d[0] != '5') || d[1] < '0' || d[1] > '9' ||
	    d[2] < '0' || d[2] > '9' || d[3] != ' ' ||
	    (size_t)(end - d) > FLT_REPLY_MAX)
		abort();
	for (; d < end; d++)
		if ((unsigned char)*d < 0x20 || (unsigned char)*d > 0x7e)
			abort();
}

static void
check_output(const char *out, size_t len)
{
	const char *l = out, *nl;
	int ready = 0;

	if (len == 0)
		return;
	if (out[len - 1] != '\n')
		abort();
	for (; l < out + len; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(out + len - l));
		if (memchr(l, '\0', (size_t)(nl - l)) != NULL ||
		    memchr(l, '\r', (size_t)(nl - l)) != NULL)
			abort();
		if (strncmp(l, "register|", 9) == 0) {
			if (ready)
				abort();
			ready = (size_t)(nl - l) == 14;	/* register|ready */
			continue;
		}
		if (!ready)
			abort();
		if (strncmp(l, "filter-result|", 14) == 0)
			check_result(l, (size_t)(nl - l));
		else if (strncmp(l, "filter-dataline|", 16) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct flt_backend be = { NULL, fz_rcpt, fz_report, NULL,
	    fz_log, 0, NULL };
	struct flt_conn *c;
	const char *out;
	size_t chunk, n, len;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	if ((c = flt_conn_new(&be)) == NULL)
		abort();
	for (n = 0; n < size; n += chunk)
		flt_feed(c, (const char *)data + n,
		    size - n < chunk ? size - n : chunk);
	flt_eof(c);
	out = flt_pending(c, &len);
	check_output(out, len);
	flt_consume(c, len);
	flt_conn_free(c);
	return 0;
}
