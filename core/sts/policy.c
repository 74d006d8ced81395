/* SPDX-License-Identifier: ISC */
/*
 * sts/policy.c - the policy file (RFC 8461 §3.2) parsed strictly by its ABNF,
 * and mx pattern matching (§4.1). Pure: no I/O, no context.
 *
 * A body is lines "name:" *WSP value *WSP separated by LF or CRLF
 * (STS-66 (RFC 8461 §3.2), erratum 6253), with no leading whitespace and no blank lines
 * (STS-67 (RFC 8461 §3.2), DESIGN 5). The first version/mode/max_age wins; repeats must
 * still be valid extension lines and are otherwise ignored (STS-69 (RFC 8461 §3.2),
 * DESIGN 6). Every mx line is a pattern (STS-63 (RFC 8461 §3.2)..65).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/domain.h"
#include "sts/policy.h"
#include "base/util.h"

/*
 * A document is one allocation (a policy is parsed on every lookup that
 * misses the process's memo): the public part, room for the first
 * MX_INLINE mx pointers, the text, then the mx patterns, each a
 * lowercased copy of its value and a NUL. The values are disjoint parts
 * of the text, each after at least "mx:", so len + 1 bytes hold them.
 */
#define MX_INLINE 8

struct doc_block {
	struct mts_policy_doc doc;      /* first: what callers see */
	char *mx_inline[MX_INLINE];
	char bytes[];                   /* text (len + 1), mx (len + 1) */
};

struct pstate {
	struct mts_policy_doc *doc;
	int have_version, have_mode, have_max_age;
	size_t mxcap;
	char *mxnext;                   /* where the next mx pattern goes */
};

/* RFC 3629 well-formed UTF-8 with no NUL (STS-45, RFC 8461 §3.2); returns the offset of
 * the first bad byte, or len. ASCII other than NUL passes a byte at a
 * time without a call. */
static size_t
utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;

			/* Eight bytes, none with its high bit, none zero. */
			memcpy(&w, s + i, 8);
			if (((w | ((w - 0x0101010101010101ull) & ~w)) &
			    0x8080808080808080ull) == 0) {
				i += 8;
				continue;
			}
		}
		if ((unsigned)(s[i] - 1) < 0x7f) {
			i++;
			continue;
		}
		if (s[i] == 0)
			return i;
		if ((n = mts_utf8_len(s + i, len - i)) == 0)
			return i;
		i += n;
	}
	return len;
}

int
mts_mx_pattern_valid(const char *pattern, size_t len)
{
	if (len >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		pattern += 2;
		len -= 2;
	}
	return mts_domain_valid(pattern, len);
}

int
mts_mx_match_norm(const char *pattern, const char *host)
{
	const char *dot;

	if (pattern == NULL || host == NULL || host[0] == '\0' ||
	    host[0] == '.' || host[0] == '[')
		return 0;
	if (pattern[0] != '*')
		return strcmp(pattern, host) == 0;
	if (pattern[1] != '.')
		return 0;
	/* "*." matches exactly one non-empty left label (STS-73, RFC 8461 §4.1). */
	dot = strchr(host, '.');
	if (dot == NULL || dot == host)
		return 0;
	return strcmp(pattern + 2, dot + 1) == 0;
}

/* sts-policy-ext-value: vchar [*(SP / vchar) vchar]; trailing WSP has
 * been cut already, leading WSP belongs to the delimiter. */
static int
ext_value_valid(const char *v, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c != ' ' && (c < 0x21 || c == 0x7f))
			return 0;
	}
	return 1;
}

static int
ext_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 32 || !mts_is_alnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!mts_is_alnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

static int
is_field(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

static int
set_mode(struct pstate *st, const char *v, size_t len, char *err,
    size_t errsz)
{
	if (is_field(v, len, "enforce"))
		st->doc->mode = MTASTS_MODE_ENFORCE;
	else if (is_field(v, len, "testing"))
		st->doc->mode = MTASTS_MODE_TESTING;
	else if (is_field(v, len, "none"))
		st->doc->mode = MTASTS_MODE_NONE;
	else {
		char q[32 * 4 + 1];

		mts_fmt(err, errsz, "mode: \"%s\" is not enforce, testing "
		    "or none", mts_esc(q, sizeof(q), v, len > 32 ? 32 : len));
		return -1;
	}
	st->have_mode = 1;
	return 0;
}

static int
set_max_age(struct pstate *st, const char *v, size_t len, char *err,
    size_t errsz)
{
	int64_t n = 0;
	size_t i;

	if (len == 0 || len > 10) {
		mts_fmt(err, errsz, "max_age: must be 1 to 10 digits");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!mts_is_digit((unsigned char)v[i])) {
			mts_fmt(err, errsz, "max_age: not a number");
			return -1;
		}
		n = n * 10 + (v[i] - '0');
	}
	if (n > MTS_MAX_AGE_MAX) {
		/* STS-62 (RFC 8461 §3.2), DESIGN 2: above the maximum is invalid, not clamped */
		mts_fmt(err, errsz, "max_age: %lld is above the maximum %d",
		    (long long)n, MTS_MAX_AGE_MAX);
		return -1;
	}
	st->doc->max_age = n;
	st->have_max_age = 1;
	return 0;
}

static int
add_mx(struct pstate *st, const char *v, size_t len, char *err, size_t errsz)
{
	struct mts_policy_doc *doc = st->doc;
	size_t i;
	char *p;

	if (!mts_mx_pattern_valid(v, len)) {
		char q[64 * 4 + 1];

		mts_fmt(err, errsz, "mx: \"%s\" is not a host name or *. "
		    "followed by one", mts_esc(q, sizeof(q), v, len > 64 ? 64 : len));
		return -1;
	}
	/* Not reachable within MTS_POLICY_MAX_BODY (policy.h): a guard for
	 * the array size arithmetic, not a policy rule. */
	if (doc->nmx == MTS_POLICY_MAX_MX) {
		mts_fmt(err, errsz, "mx: more than %d mx lines in %d bytes",
		    MTS_POLICY_MAX_MX, MTS_POLICY_MAX_BODY);
		return -1;
	}
	if (doc->nmx == st->mxcap) {
		/* Past the inline pointers: a heap array, grown by doubling. */
		struct doc_block *b = (struct doc_block *)doc;
		size_t cap = st->mxcap * 2;
		char **n = realloc(doc->mx == b->mx_inline ? NULL : doc->mx,
		    cap * sizeof(*n));

		if (n == NULL)
			goto nomem;
		if (doc->mx == b->mx_inline)
			memcpy(n, b->mx_inline, sizeof(b->mx_inline));
		doc->mx = n;
		st->mxcap = cap;
	}
	p = st->mxnext;
	for (i = 0; i < len; i++)
		p[i] = (char)mts_lower((unsigned char)v[i]);
	p[len] = '\0';
	st->mxnext = p + len + 1;
	doc->mx[doc->nmx++] = p;
	return 0;
nomem:
	mts_fmt(err, errsz, "out of memory");
	return -1;
}

static int
field(struct pstate *st, const char *name, size_t nlen, const char *v,
    size_t vlen, char *err, size_t errsz)
{
	if (is_field(name, nlen, "mx"))
		return add_mx(st, v, vlen, err, errsz);
	if (is_field(name, nlen, "version") && !st->have_version) {
		if (!is_field(v, vlen, "STSv1")) {
			mts_fmt(err, errsz, "version: must be STSv1");
			return -1;
		}
		st->have_version = 1;
		return 0;
	}
	if (is_field(name, nlen, "mode") && !st->have_mode)
		return set_mode(st, v, vlen, err, errsz);
	if (is_field(name, nlen, "max_age") && !st->have_max_age)
		return set_max_age(st, v, vlen, err, errsz);
	/* an extension, or a repeated field: ignored if well-formed */
	if (!ext_value_valid(v, vlen)) {
		mts_fmt(err, errsz, "%.*s: malformed value", (int)nlen, name);
		return -1;
	}
	return 0;
}

/* One line without its terminator. */
static int
line(struct pstate *st, const char *s, size_t len, char *err, size_t errsz)
{
	size_t n = 0, v;

	while (n < len && s[n] != ':')
		n++;
	if (n == len) {
		mts_fmt(err, errsz, "%s", len == 0 ? "blank line" :
		    "no ':' after the field name");
		return -1;
	}
	if (!ext_name_valid(s, n)) {
		char q[32 * 4 + 1];

		mts_fmt(err, errsz, "\"%s\" is not a field name",
		    mts_esc(q, sizeof(q), s, n > 32 ? 32 : n));
		return -1;
	}
	v = n + 1;
	while (v < len && mts_is_wsp(s[v]))
		v++;
	while (len > v && mts_is_wsp(s[len - 1]))
		len--;
	if (v == len) {
		mts_fmt(err, errsz, "%.*s: empty value", (int)n, s);
		return -1;
	}
	return field(st, s, n, s + v, len - v, err, errsz);
}

static int
parse_lines(struct pstate *st, const char *body, size_t len, char *err,
    size_t errsz)
{
	char lerr[200];
	size_t pos = 0, lineno = 1, end;

	const char *nl, *cr;

	while (pos < len) {
		nl = memchr(body + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - body) : len;
		/* A CR is only the one before the line's LF. */
		cr = memchr(body + pos, '\r', end - pos);
		if (cr != NULL && (cr + 1 != body + end || end == len)) {
			mts_fmt(err, errsz, "line %zu: bare CR", lineno);
			return -1;
		}
		if (line(st, body + pos, (end > pos && body[end - 1] == '\r') ?
		    end - pos - 1 : end - pos, lerr, sizeof(lerr)) != 0) {
			mts_fmt(err, errsz, "line %zu: %s", lineno, lerr);
			return -1;
		}
		pos = end + 1;
		lineno++;
	}
	return 0;
}

static int
check_required(const struct pstate *st, char *err, size_t errsz)
{
	if (!st->have_version)
		mts_fmt(err, errsz, "no version field");
	else if (!st->have_mode)
		mts_fmt(err, errsz, "no mode field");
	else if (!st->have_max_age)
		mts_fmt(err, errsz, "no max_age field");
	else if (st->doc->nmx == 0 && st->doc->mode != MTASTS_MODE_NONE)
		mts_fmt(err, errsz, "no mx field (required unless mode is "
		    "none)");
	else
		return 0;
	return -1;
}

int
mts_policy_parse(const char *body, size_t len, struct mts_policy_doc **out,
    char *err, size_t errsz)
{
	struct doc_block *b;
	struct pstate st;
	size_t bad;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	if (len == 0) {
		mts_fmt(err, errsz, "empty policy");
		return -1;
	}
	if (len > MTS_POLICY_MAX_BODY) {
		mts_fmt(err, errsz, "policy larger than %d bytes",
		    MTS_POLICY_MAX_BODY);
		return -1;
	}
	if ((bad = utf8_check((const unsigned char *)body, len)) != len) {
		mts_fmt(err, errsz, "byte %zu: %s", bad, body[bad] == '\0' ?
		    "NUL byte" : "invalid UTF-8");
		return -1;
	}
	if ((b = malloc(sizeof(*b) + 2 * (len + 1))) == NULL) {
		mts_fmt(err, errsz, "out of memory");
		return -1;
	}
	memset(&b->doc, 0, sizeof(b->doc));
	st.doc = &b->doc;
	st.doc->refs = 1;
	st.doc->mx = b->mx_inline;
	st.mxcap = MX_INLINE;
	st.doc->text = b->bytes;
	memcpy(b->bytes, body, len);
	b->bytes[len] = '\0';
	st.doc->text_len = len;
	st.mxnext = b->bytes + len + 1;
	if (parse_lines(&st, body, len, err, errsz) != 0 ||
	    check_required(&st, err, errsz) != 0)
		goto fail;
	*out = st.doc;
	return 0;
fail:
	mts_policy_doc_free(st.doc);
	return -1;
}

void
mts_policy_doc_free(struct mts_policy_doc *doc)
{
	struct doc_block *b = (struct doc_block *)doc;

	if (doc == NULL || __atomic_sub_fetch(&doc->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (doc->mx != b->mx_inline)
		free(doc->mx);
	free(b);
}

struct mts_policy_doc *
mts_policy_doc_ref(struct mts_policy_doc *doc)
{
	if (doc != NULL)
		__atomic_add_fetch(&doc->refs, 1, __ATOMIC_RELAXED);
	return doc;
}
