/* SPDX-License-Identifier: ISC */
/*
 * ref_record.h - the cache record decoder as it was before
 * sts/record_decode.c (line by line: copy, split, parse), kept as the
 * reference that fuzz_record and test_record check the one-pass
 * decoder against: the same records accepted, the same values.
 * Static functions, for inclusion in one test or fuzz target.
 */
#ifndef MTS_TESTS_REF_RECORD_H
#define MTS_TESTS_REF_RECORD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts/entry.h"
#include "base/util.h"

#define MAGIC "MTSC1\n"

static int
ref_parse_body(const char *text, size_t len, struct mts_policy_doc **doc)
{
	char err[128];

	return mts_policy_parse(text, len, doc, err, sizeof(err));
}

/* A bounded cursor over the record. */
struct cur {
	const char *p, *end;
};

/* Take the next line (without '\n') into line/linelen. */
static int
next_line(struct cur *c, const char **line, size_t *linelen)
{
	const char *nl;

	if (c->p >= c->end)
		return -1;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (nl == NULL)
		return -1;
	*line = c->p;
	*linelen = (size_t)(nl - c->p);
	c->p = nl + 1;
	return 0;
}

/* Copy a line into a NUL-terminated buffer for sscanf-free splitting. */
static int
line_copy(char *dst, size_t dstsz, const char *line, size_t len)
{
	if (len >= dstsz || memchr(line, '\0', len) != NULL)
		return -1;
	memcpy(dst, line, len);
	dst[len] = '\0';
	return 0;
}

/*
 * A decimal integer, optionally negative, nothing else: strtoll's
 * answer for such a string (out of range saturates at INT64_MIN or
 * INT64_MAX, as strtoll does; parse_time refuses those), without its
 * locale and base machinery, a tenth of a record's decoding.
 */
static int
parse_i64(const char *s, int64_t *out)
{
	int neg = (*s == '-');
	const char *p = s + neg;
	uint64_t mag = 0, lim = (uint64_t)INT64_MAX + (uint64_t)neg;
	unsigned dig;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		dig = (unsigned)(*p - '0');
		/* Below this bound, mag * 10 + 9 stays under INT64_MAX. */
		if (mag < 922337203685477580ull)
			mag = mag * 10 + dig;
		else
			mag = mag > (lim - dig) / 10 ? lim : mag * 10 + dig;
	}
	if (*p != '\0')
		return -1;
	if (!neg)
		*out = (int64_t)mag;
	else
		*out = mag == lim ? INT64_MIN : -(int64_t)mag;
	return 0;
}

/*
 * A time: whoever writes the cache (the MTA user) must not hand the
 * state machine a value whose arithmetic overflows (now - fetched_at,
 * expires_at - now: undefined behaviour on int64_t). Unix seconds in
 * 0..2^40 (past the year 36000) are all any writer of ours stores.
 */
static int
parse_time(const char *s, int64_t *out)
{
	if (parse_i64(s, out) != 0 || *out < 0 || *out > MTS_TIME_MAX)
		return -1;
	return 0;
}

/* An id field: "-" for empty, else 1-32 alphanumerics (RFC 8461 §3.1). */
static int
parse_id(const char *s, char *id)
{
	size_t i, n = strlen(s);

	if (strcmp(s, "-") == 0) {
		id[0] = '\0';
		return 0;
	}
	if (n == 0 || n > MTS_TXT_ID_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (!mts_is_alnum((unsigned char)s[i]))
			return -1;
	memcpy(id, s, n + 1);
	return 0;
}

/* Split "word rest..." fields separated by single spaces, at most max. */
static size_t
split(char *s, char **f, size_t max)
{
	size_t n = 0;

	while (n < max && s != NULL) {
		f[n++] = s;
		s = (n < max) ? strchr(s, ' ') : NULL;
		if (s != NULL)
			*s++ = '\0';
	}
	return n;
}

static int
decode_txt(struct cur *c, struct mts_entry *e)
{
	char buf[128], *f[4];
	const char *line;
	size_t len;
	int64_t state;

	if (next_line(c, &line, &len) || line_copy(buf, sizeof(buf), line, len)
	    || split(buf, f, 4) != 4 || strcmp(f[0], "txt") != 0
	    || parse_i64(f[1], &state) || state < 0 || state > 2
	    || parse_id(f[2], e->txt_id) || parse_time(f[3], &e->txt_expires))
		return -1;
	e->txt_state = (enum mts_txt_state)state;
	return 0;
}

static int
decode_backoff_last(struct cur *c, struct mts_entry *e)
{
	char buf[MTASTS_REASON_MAX + 32], *f[3];
	const char *line;
	size_t len;
	int64_t r;

	if (next_line(c, &line, &len) || line_copy(buf, sizeof(buf), line, len)
	    || split(buf, f, 3) != 3 || strcmp(f[0], "backoff") != 0
	    || parse_id(f[1], e->backoff_id) || parse_time(f[2], &e->backoff_until))
		return -1;
	if (next_line(c, &line, &len) || line_copy(buf, sizeof(buf), line, len)
	    || split(buf, f, 3) != 3 || strcmp(f[0], "last") != 0
	    || parse_i64(f[1], &r) || r < 0 || r > MTASTS_RESULT_STS_WEBPKI_INVALID)
		return -1;
	e->last_result = (mtasts_result)r;
	mts_strlcpy(e->last_reason, f[2], sizeof(e->last_reason));
	return 0;
}

static int
decode_policy(struct cur *c, const char *line, size_t len, struct mts_entry *e)
{
	char buf[128], *f[5];
	int64_t blen;

	if (line_copy(buf, sizeof(buf), line, len) || split(buf, f, 5) != 5
	    || strcmp(f[0], "policy") != 0 || parse_id(f[1], e->policy_id)
	    || parse_time(f[2], &e->fetched_at) || parse_time(f[3], &e->expires_at)
	    || parse_i64(f[4], &blen) || blen < 0 || blen > MTS_POLICY_MAX_BODY
	    || blen + 1 > (int64_t)(c->end - c->p) || c->p[blen] != '\n')
		return -1;
	if (ref_parse_body(c->p, (size_t)blen, &e->doc) != 0)
		return -1;
	c->p += blen + 1;
	return 0;
}

static int
ref_record_decode(const unsigned char *buf, size_t len, struct mts_entry *e)
{
	struct cur c = { (const char *)buf, (const char *)buf + len };
	const char *line;
	size_t llen;

	mts_entry_init(e);
	if (len < sizeof(MAGIC) - 1 || memcmp(buf, MAGIC, sizeof(MAGIC) - 1))
		return -1;
	c.p += sizeof(MAGIC) - 1;
	if (decode_txt(&c, e) || decode_backoff_last(&c, e))
		goto fail;
	if (next_line(&c, &line, &llen))
		goto fail;
	if (llen > 7 && memcmp(line, "policy ", 7) == 0) {
		if (decode_policy(&c, line, llen, e) ||
		    next_line(&c, &line, &llen))
			goto fail;
	}
	if (llen != 3 || memcmp(line, "end", 3) != 0 || c.p != c.end)
		goto fail;
	return 0;
fail:
	mts_entry_clear(e);
	return -1;
}

#undef MAGIC

#endif
