/* SPDX-License-Identifier: ISC */
/*
 * sts/entry.c - encode and decode one cache entry.
 *
 * A line-oriented, versioned text encoding, so that a record is easy to
 * inspect with tdbtool and a foreign or damaged one is easy to refuse:
 *
 *   MTSC1
 *   txt <state> <id|-> <expires>
 *   backoff <id|-> <until>
 *   last <result> <reason>
 *   policy <id> <fetched_at> <expires_at> <len>
 *   <len bytes of the policy body as served>
 *   end
 *
 * The policy line and body are present only when a policy is cached. The
 * body is parsed again on decode: a cached policy is always one the
 * parser accepts, whatever happened to the file. The decoder is
 * record_decode.c; the MX answer's codec is here, below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts/entry.h"
#include "base/util.h"

#define MAGIC "MTSC1\n"

void
mts_entry_init(struct mts_entry *e)
{
	memset(e, 0, sizeof(*e));
}

void
mts_entry_clear(struct mts_entry *e)
{
	mts_policy_doc_free(e->doc);
	mts_entry_init(e);
}

static const char *
id_or_dash(const char *id)
{
	return id[0] ? id : "-";
}

/* Reasons are one line of printable ASCII in the record. */
static void
clean_reason(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	mts_strlcpy(dst, src, dstsz);
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20 || (unsigned char)dst[i] > 0x7e)
			dst[i] = '?';
}

int
mts_record_encode(const struct mts_entry *e, unsigned char **out,
    size_t *outlen)
{
	char head[1024], reason[MTASTS_REASON_MAX];
	size_t textlen = e->doc ? e->doc->text_len : 0, hlen, total;
	unsigned char *buf;
	int n;

	clean_reason(reason, sizeof(reason), e->last_reason);
	n = snprintf(head, sizeof(head), MAGIC "txt %d %s %lld\n"
	    "backoff %s %lld\nlast %d %s\n", (int)e->txt_state,
	    id_or_dash(e->txt_id), (long long)e->txt_expires,
	    id_or_dash(e->backoff_id), (long long)e->backoff_until,
	    (int)e->last_result, reason);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	hlen = (size_t)n;
	if (e->doc != NULL) {
		n = snprintf(head + hlen, sizeof(head) - hlen,
		    "policy %s %lld %lld %zu\n", id_or_dash(e->policy_id),
		    (long long)e->fetched_at, (long long)e->expires_at, textlen);
		if (n < 0 || (size_t)n >= sizeof(head) - hlen)
			return -1;
		hlen += (size_t)n;
	}
	total = hlen + textlen + (e->doc ? 1 : 0) + 4;
	if ((buf = malloc(total)) == NULL)
		return -1;
	memcpy(buf, head, hlen);
	if (e->doc != NULL) {
		memcpy(buf + hlen, e->doc->text, textlen);
		buf[hlen + textlen] = '\n';
	}
	memcpy(buf + total - 4, "end\n", 4);
	*out = buf;
	*outlen = total;
	return 0;
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

int64_t
mts_ttl_clamp(int64_t ttl, int64_t min, int64_t max)
{
	if (ttl < min)
		return min;
	if (ttl > max)
		return max;
	return ttl;
}

/*
 * The cached MX answer, in the same line style as the entry:
 *
 *   MTSX2
 *   mx <expires> <null: 0|1> <unusable: 0|1> <n>
 *   <pref> <name>            (n lines, preference order)
 *   end
 *
 * MTSX1 (before the null MX flag was kept) is foreign: a record of that
 * version may hold a null MX read back as "no MX", so it is refetched.
 */
#define MX_MAGIC "MTSX2\n"

int
mts_mx_entry_encode(const struct mts_mx_entry *m, unsigned char **out,
    size_t *outlen)
{
	size_t cap = 64 + MTS_DNS_MAX_RR * (MTS_DOMAIN_BUF + 8), len, i;
	unsigned char *buf;
	int n;

	if (m->n > MTS_DNS_MAX_RR || ((m->null_mx || m->unusable) && m->n != 0)
	    || (buf = malloc(cap)) == NULL)
		return -1;
	n = snprintf((char *)buf, cap, MX_MAGIC "mx %lld %d %d %zu\n",
	    (long long)m->expires, m->null_mx ? 1 : 0, m->unusable ? 1 : 0,
	    m->n);
	len = (size_t)n;
	for (i = 0; i < m->n; i++) {
		if (!mts_domain_valid(m->hosts[i].name, strlen(m->hosts[i].name)))
			goto fail;
		n = snprintf((char *)buf + len, cap - len, "%u %s\n",
		    m->hosts[i].pref, m->hosts[i].name);
		if (n < 0 || (size_t)n >= cap - len)
			goto fail;
		len += (size_t)n;
	}
	if (cap - len < 5)
		goto fail;
	memcpy(buf + len, "end\n", 4);
	*out = buf;
	*outlen = len + 4;
	return 0;
fail:
	free(buf);
	return -1;
}

static int
decode_mx_head(struct cur *c, struct mts_mx_entry *m)
{
	char buf[128], *f[5];
	const char *line;
	size_t len;
	int64_t null_mx, unusable, n;

	if (next_line(c, &line, &len) || line_copy(buf, sizeof(buf), line, len)
	    || split(buf, f, 5) != 5 || strcmp(f[0], "mx") != 0
	    || parse_time(f[1], &m->expires) || parse_i64(f[2], &null_mx)
	    || (null_mx != 0 && null_mx != 1) || parse_i64(f[3], &unusable)
	    || (unusable != 0 && unusable != 1) || parse_i64(f[4], &n)
	    || n < 0 || n > MTS_DNS_MAX_RR)
		return -1;
	m->null_mx = (int)null_mx;
	m->unusable = (int)unusable;
	m->n = (size_t)n;
	return 0;
}

/* "<pref> <name>": pref 0-65535 (RFC 1035 §3.3.9), name an LDH host. */
static int
decode_mx_host(struct cur *c, struct mts_dns_mx_host *h)
{
	char buf[MTS_DOMAIN_BUF + 16], *f[2];
	const char *line;
	size_t len;
	int64_t pref;

	if (next_line(c, &line, &len) || line_copy(buf, sizeof(buf), line, len)
	    || split(buf, f, 2) != 2 || !mts_is_digit((unsigned char)f[0][0])
	    || parse_i64(f[0], &pref) || pref > 65535
	    || strlen(f[1]) >= sizeof(h->name)
	    || !mts_domain_valid(f[1], strlen(f[1])))
		return -1;
	h->pref = (unsigned)pref;
	memcpy(h->name, f[1], strlen(f[1]) + 1);
	return 0;
}

static void
mx_head_clear(struct mts_mx_entry *m)
{
	m->expires = 0;
	m->null_mx = 0;
	m->unusable = 0;
	m->n = 0;
}

int
mts_mx_entry_decode(const unsigned char *buf, size_t len,
    struct mts_mx_entry *m)
{
	struct cur c = { (const char *)buf, (const char *)buf + len };
	const char *line;
	size_t llen, i;

	/* The head only: hosts[i] gets its pref and its NUL-terminated
	 * name for i < n, and nothing reads past n. Clearing all 64
	 * (16 KiB, on the caller's stack) cost an Exim delivery four fresh
	 * stack pages, a page fault each. */
	mx_head_clear(m);
	if (len < sizeof(MX_MAGIC) - 1 ||
	    memcmp(buf, MX_MAGIC, sizeof(MX_MAGIC) - 1) != 0)
		return -1;
	c.p += sizeof(MX_MAGIC) - 1;
	if (decode_mx_head(&c, m) != 0)
		goto fail;
	/* A null MX is the only record of its RRset (RFC 7505 §3); hosts
	 * and "none usable" exclude each other. */
	if ((m->null_mx || m->unusable) && m->n != 0)
		goto fail;
	for (i = 0; i < m->n; i++)
		if (decode_mx_host(&c, &m->hosts[i]) != 0)
			goto fail;
	if (next_line(&c, &line, &llen) || llen != 3 ||
	    memcmp(line, "end", 3) != 0 || c.p != c.end)
		goto fail;
	return 0;
fail:
	mx_head_clear(m);
	return -1;
}
