/* SPDX-License-Identifier: ISC */
/* base/jsonread.c - the strict JSON reader (jsonread.h). */
#include <stdio.h>
#include <string.h>

#include "base/jsonread.h"
#include "base/util.h"

#define DEPTH_MAX 16

static int
fail(struct mts_jr *j, const char *what)
{
	if (j->err[0] == '\0')
		mts_fmt(j->err, sizeof(j->err), "JSON: %s at byte %zu", what,
		    (size_t)(j->p - j->start));
	return -1;
}

void
mts_jr_init(struct mts_jr *j, const char *buf, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->p = j->start = (const unsigned char *)buf;
	j->end = j->p + len;
}

static void
ws(struct mts_jr *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

int
mts_jr_accept(struct mts_jr *j, int c)
{
	ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return 1;
	}
	return 0;
}

int
mts_jr_expect(struct mts_jr *j, int c)
{
	char what[16];

	if (mts_jr_accept(j, c))
		return 0;
	mts_fmt(what, sizeof(what), "expected '%c'", c);
	return fail(j, what);
}

static int
hex4(struct mts_jr *j, unsigned *v)
{
	int i, d;

	*v = 0;
	if (j->end - j->p < 4)
		return fail(j, "short \\u escape");
	for (i = 0; i < 4; i++) {
		d = j->p[i];
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d -= 'a' - 10;
		else if (d >= 'A' && d <= 'F')
			d -= 'A' - 10;
		else
			return fail(j, "bad \\u escape");
		*v = *v << 4 | (unsigned)d;
	}
	j->p += 4;
	return 0;
}

/* Append one code point as UTF-8. */
static int
put_cp(struct mts_jr *j, unsigned cp, char *out, size_t outsz, size_t *n)
{
	unsigned char b[4];
	size_t k, i;

	if (cp == 0)
		return fail(j, "NUL in a string");
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k >= outsz)
		return fail(j, "string too long");
	for (i = 0; i < k; i++)
		out[(*n)++] = (char)b[i];
	return 0;
}

static int
escape(struct mts_jr *j, char *out, size_t outsz, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *c;
	unsigned cp, lo;

	if (j->p >= j->end)
		return fail(j, "short escape");
	if (*j->p != 'u') {
		if ((c = strchr(from, *j->p)) == NULL || *j->p == '\0')
			return fail(j, "bad escape");
		j->p++;
		return put_cp(j, (unsigned char)to[c - from], out, outsz, n);
	}
	j->p++;
	if (hex4(j, &cp) != 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(j, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
			return fail(j, "lone high surrogate");
		j->p += 2;
		if (hex4(j, &lo) != 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(j, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return put_cp(j, cp, out, outsz, n);
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), 0 if none. */
static size_t
utf8_at(const unsigned char *p, const unsigned char *end)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if ((size_t)(end - p) < len)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

int
mts_jr_string(struct mts_jr *j, char *out, size_t outsz)
{
	size_t n = 0, k;

	if (mts_jr_expect(j, '"') != 0)
		return -1;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p == '\\') {
			j->p++;
			if (escape(j, out, outsz, &n) != 0)
				return -1;
			continue;
		}
		if (*j->p < 0x20)
			return fail(j, "control character in a string");
		k = *j->p < 0x80 ? 1 : utf8_at(j->p, j->end);
		if (k == 0)
			return fail(j, "invalid UTF-8");
		if (n + k >= outsz)
			return fail(j, "string too long");
		memcpy(out + n, j->p, k);
		n += k;
		j->p += k;
	}
	if (j->p >= j->end)
		return fail(j, "unterminated string");
	j->p++;
	out[n] = '\0';
	return 0;
}

int
mts_jr_int(struct mts_jr *j, int64_t *out)
{
	int neg = 0, digits = 0;
	int64_t v = 0;

	ws(j);
	if (j->p < j->end && *j->p == '-') {
		neg = 1;
		j->p++;
	}
	if (j->p < j->end && *j->p == '0' && j->end - j->p > 1 &&
	    mts_is_digit(j->p[1]))
		return fail(j, "leading zero");
	while (j->p < j->end && mts_is_digit(*j->p)) {
		if (v > (INT64_MAX - 9) / 10)
			return fail(j, "number too large");
		v = v * 10 + (*j->p++ - '0');
		digits++;
	}
	if (digits == 0)
		return fail(j, "expected a number");
	if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
		return fail(j, "expected an integer");
	*out = neg ? -v : v;
	return 0;
}

static int
word(struct mts_jr *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return fail(j, "unexpected token");
	j->p += n;
	return 0;
}

int
mts_jr_skip(struct mts_jr *j)
{
	char tmp[4096];
	int64_t v;
	int rc = 0;

	ws(j);
	if (j->p >= j->end)
		return fail(j, "expected a value");
	if (++j->depth > DEPTH_MAX)
		return fail(j, "nested too deep");
	switch (*j->p) {
	case '"':
		rc = mts_jr_string(j, tmp, sizeof(tmp));
		break;
	case '{':
		j->p++;
		if (mts_jr_accept(j, '}'))
			break;
		do {
			if (mts_jr_string(j, tmp, sizeof(tmp)) != 0 ||
			    mts_jr_expect(j, ':') != 0 || mts_jr_skip(j) != 0) {
				rc = -1;
				break;
			}
		} while (mts_jr_accept(j, ','));
		if (rc == 0)
			rc = mts_jr_expect(j, '}');
		break;
	case '[':
		j->p++;
		if (mts_jr_accept(j, ']'))
			break;
		do {
			if (mts_jr_skip(j) != 0) {
				rc = -1;
				break;
			}
		} while (mts_jr_accept(j, ','));
		if (rc == 0)
			rc = mts_jr_expect(j, ']');
		break;
	case 't':
		rc = word(j, "true");
		break;
	case 'f':
		rc = word(j, "false");
		break;
	case 'n':
		rc = word(j, "null");
		break;
	default:
		rc = mts_jr_int(j, &v);
		break;
	}
	j->depth--;
	return rc;
}

int
mts_jr_end(struct mts_jr *j)
{
	ws(j);
	return j->p == j->end ? 0 : fail(j, "trailing data");
}
