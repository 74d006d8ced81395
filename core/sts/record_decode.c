/* SPDX-License-Identifier: ISC */
/*
 * sts/record_decode.c - decode one cache entry (the encoding: entry.c).
 *
 * Every lookup that misses the process's memo decodes a record (1M
 * cached domains, random lookups: nearly all of them), so this is one
 * pass with one cursor: each field is parsed where it lies and must end
 * with the byte that follows it in the encoding (' ' or '\n'); no line
 * is copied, split or searched twice. It accepts exactly the records
 * the line-splitting decoder it replaced accepted, with the same
 * values (fuzz_record checks the two against each other, the old one
 * kept as tests/fuzz/ref_record.h): lines no longer than that one's
 * buffers, single spaces between fields, numbers as strtoll reads them
 * but digits only, ids of 1-32 alphanumerics or "-", no NUL anywhere.
 *
 * Any malformed, truncated or foreign record is -1, whatever wrote it.
 */
#include <string.h>

#include "sts/entry.h"

#define MAGIC "MTSC1\n"
/* The replaced decoder's line buffers: a line this long or longer is
 * refused (no writer of ours makes one). */
#define TXT_LINE_MAX 128
#define LAST_LINE_MAX (MTASTS_REASON_MAX + 32)
#define POLICY_LINE_MAX 128

struct cur {
	const unsigned char *p, *end;
};

static int
lit(struct cur *c, const char *s, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/*
 * 1 and their value if the 8 bytes at p are all decimal digits, else 0:
 * eight at a time, as Lemire's parse_eight_digits_unrolled (simdjson),
 * on a little-endian word (the first digit in the lowest byte).
 */
static int
eight_digits(const unsigned char *p, uint64_t *v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t hi = 0xF0F0F0F0F0F0F0F0ull;
	uint64_t w;

	memcpy(&w, p, 8);
	/* Every byte 0x30..0x39: its high nibble 3, and still 3 plus 6. A
	 * carry out of a byte comes from one that fails on its own. */
	if (((w & hi) | (((w + 0x0606060606060606ull) & hi) >> 4)) !=
	    0x3333333333333333ull)
		return 0;
	w -= 0x3030303030303030ull;
	w = w * 10 + (w >> 8);
	*v = ((w & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
	    ((w >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >> 32;
	return 1;
#else
	(void)p;
	(void)v;
	return 0;
#endif
}

/*
 * A decimal integer, optionally negative, then the delimiter d (taken).
 * Out of range saturates at INT64_MIN or INT64_MAX, as strtoll does (the
 * range checks refuse those).
 */
static int
num(struct cur *c, unsigned char d, int64_t *out)
{
	const unsigned char *p = c->p, *e = c->end;
	int neg = p < e && *p == '-';
	uint64_t mag = 0, lim = (uint64_t)INT64_MAX + (uint64_t)neg, v;
	unsigned dig;

	p += neg;
	if (p >= e || (dig = (unsigned)(*p - '0')) > 9)
		return -1;
	/* One digit and the delimiter: a state, a result, no back-off. */
	if (e - p >= 2 && p[1] == d) {
		c->p = p + 2;
		*out = neg ? -(int64_t)dig : (int64_t)dig;
		return 0;
	}
	/* Eight digits at a time while mag stays below 10^18 (a time is
	 * ten digits), then one at a time, saturating. */
	while (e - p >= 8 && mag < 10000000000ull && eight_digits(p, &v)) {
		mag = mag * 100000000ull + v;
		p += 8;
	}
	for (; p < e && (dig = (unsigned)(*p - '0')) <= 9; p++) {
		/* Below this bound, mag * 10 + 9 stays under INT64_MAX. */
		if (mag < 922337203685477580ull)
			mag = mag * 10 + dig;
		else
			mag = mag > (lim - dig) / 10 ? lim : mag * 10 + dig;
	}
	if (p >= e || *p != d)
		return -1;
	c->p = p + 1;
	if (!neg)
		*out = (int64_t)mag;
	else
		*out = mag == lim ? INT64_MIN : -(int64_t)mag;
	return 0;
}

/* A number in lo..hi, then d. */
static int
num_in(struct cur *c, unsigned char d, int64_t lo, int64_t hi, int64_t *out)
{
	return num(c, d, out) != 0 || *out < lo || *out > hi ? -1 : 0;
}

/*
 * A time: whoever writes the cache (the MTA user) must not hand the
 * state machine a value whose arithmetic overflows (now - fetched_at,
 * expires_at - now: undefined behaviour on int64_t). Unix seconds in
 * 0..2^40 (past the year 36000) are all any writer of ours stores.
 */
static int
when(struct cur *c, unsigned char d, int64_t *out)
{
	return num_in(c, d, 0, MTS_TIME_MAX, out);
}

static int
alnum(unsigned char ch)
{
	return (unsigned)(ch - '0') <= 9 || (unsigned)((ch | 0x20) - 'a') < 26;
}

/* An id field: "-" for empty, else 1-32 alphanumerics (RFC 8461 §3.1),
 * then d. */
static int
id(struct cur *c, unsigned char d, char *out)
{
	const unsigned char *p = c->p, *e = c->end;
	size_t n;

	if (e - p >= 2 && p[0] == '-' && p[1] == d) {
		out[0] = '\0';
		c->p = p + 2;
		return 0;
	}
	for (n = 0; p < e && alnum(*p); p++, n++) {
		if (n == MTS_TXT_ID_MAX)
			return -1;
		out[n] = (char)*p;
	}
	if (n == 0 || p >= e || *p != d)
		return -1;
	out[n] = '\0';
	c->p = p + 1;
	return 0;
}

/* The line begun at start ended (at c->p, past its '\n') shorter than max. */
static int
short_line(const struct cur *c, const unsigned char *start, size_t max)
{
	return (size_t)(c->p - start) - 1 < max ? 0 : -1;
}

/* "txt <state> <id|-> <expires>" */
static int
dec_txt(struct cur *c, struct mts_entry *e)
{
	const unsigned char *start = c->p;
	int64_t state;

	if (lit(c, "txt ", 4) || num_in(c, ' ', 0, 2, &state) ||
	    id(c, ' ', e->txt_id) || when(c, '\n', &e->txt_expires) ||
	    short_line(c, start, TXT_LINE_MAX))
		return -1;
	e->txt_state = (enum mts_txt_state)state;
	return 0;
}

/* "backoff <id|-> <until>", then "last <result> <reason>" (the reason
 * one line of anything but NUL, truncated to the entry's buffer). */
static int
dec_backoff_last(struct cur *c, struct mts_entry *e)
{
	const unsigned char *start = c->p, *nl;
	int64_t r;
	size_t n;

	if (lit(c, "backoff ", 8) || id(c, ' ', e->backoff_id) ||
	    when(c, '\n', &e->backoff_until) ||
	    short_line(c, start, LAST_LINE_MAX))
		return -1;
	start = c->p;
	if (lit(c, "last ", 5) ||
	    num_in(c, ' ', 0, MTASTS_RESULT_STS_WEBPKI_INVALID, &r) ||
	    (nl = memchr(c->p, '\n', (size_t)(c->end - c->p))) == NULL)
		return -1;
	n = (size_t)(nl - c->p);
	if ((size_t)(nl - start) >= LAST_LINE_MAX || memchr(c->p, '\0', n))
		return -1;
	if (n >= sizeof(e->last_reason))
		n = sizeof(e->last_reason) - 1;
	memcpy(e->last_reason, c->p, n);
	e->last_reason[n] = '\0';
	e->last_result = (mtasts_result)r;
	c->p = nl + 1;
	return 0;
}

void
mts_doc_memo_clear(struct mts_doc_memo *dm)
{
	size_t i;

	for (i = 0; i < MTS_DOC_MEMO_SLOTS; i++) {
		mts_policy_doc_free(dm->doc[i]);
		dm->doc[i] = NULL;
	}
	dm->next = 0;
}

/* Parse text, or take the doc parsed before from the same text. */
static int
parse_body(const char *text, size_t len, struct mts_policy_doc **doc,
    struct mts_doc_memo *dm)
{
	char err[128];
	struct mts_policy_doc **slot;
	size_t i;

	if (dm == NULL)
		return mts_policy_parse(text, len, doc, err, sizeof(err));
	for (i = 0; i < MTS_DOC_MEMO_SLOTS; i++)
		if (dm->doc[i] != NULL && dm->doc[i]->text_len == len &&
		    memcmp(dm->doc[i]->text, text, len) == 0) {
			*doc = mts_policy_doc_ref(dm->doc[i]);
			return 0;
		}
	if (mts_policy_parse(text, len, doc, err, sizeof(err)) != 0)
		return -1;
	slot = &dm->doc[dm->next++ % MTS_DOC_MEMO_SLOTS];
	mts_policy_doc_free(*slot);
	*slot = mts_policy_doc_ref(*doc);
	return 0;
}

/* "policy <id> <fetched_at> <expires_at> <len>", then len bytes of the
 * body as served and '\n'. */
static int
dec_policy(struct cur *c, struct mts_entry *e, struct mts_doc_memo *dm)
{
	const unsigned char *start = c->p;
	int64_t blen;

	if (lit(c, "policy ", 7) || id(c, ' ', e->policy_id) ||
	    when(c, ' ', &e->fetched_at) || when(c, ' ', &e->expires_at) ||
	    num_in(c, '\n', 0, MTS_POLICY_MAX_BODY, &blen) ||
	    short_line(c, start, POLICY_LINE_MAX) ||
	    blen + 1 > (int64_t)(c->end - c->p) || c->p[blen] != '\n')
		return -1;
	if (parse_body((const char *)c->p, (size_t)blen, &e->doc, dm) != 0)
		return -1;
	c->p += blen + 1;
	return 0;
}

int
mts_record_decode(const unsigned char *buf, size_t len, struct mts_entry *e)
{
	return mts_record_decode_memo(buf, len, e, NULL);
}

int
mts_record_decode_memo(const unsigned char *buf, size_t len,
    struct mts_entry *e, struct mts_doc_memo *dm)
{
	struct cur c = { buf, buf + len };

	mts_entry_init(e);
	if (lit(&c, MAGIC, sizeof(MAGIC) - 1) || dec_txt(&c, e) ||
	    dec_backoff_last(&c, e))
		goto fail;
	if (c.end - c.p > 7 && memcmp(c.p, "policy ", 7) == 0 &&
	    dec_policy(&c, e, dm) != 0)
		goto fail;
	if (lit(&c, "end\n", 4) || c.p != c.end)
		goto fail;
	return 0;
fail:
	mts_entry_clear(e);
	return -1;
}
