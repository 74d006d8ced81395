/* SPDX-License-Identifier: ISC */
/* base/domain.c - normalising domain and host names (RFC 8461 STS-05, §4.1). */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "base/domain.h"
#include "base/lazylib.h"
#include "base/util.h"

static int
label_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63)
		return 0;
	if (s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!mts_is_alnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!mts_is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
mts_domain_valid(const char *s, size_t len)
{
	size_t start = 0, i;

	if (len == 0 || len > MTS_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!label_valid(s + start, i - start))
			return 0;
		/* An all-numeric last label is an IP address, not a name. */
		if (i == len && all_digits(s + start, i - start))
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
has_non_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* U-labels to A-labels with UTS#46 mapping (case folding, NFC), so that
 * "Ñaca.com" and "ñaca.com" compare equal (VECTORS F13). */
static int
to_alabels(const char *in, char *out, size_t outsz, char *err, size_t errsz)
{
	char *a = NULL;
	int rc;

	/* mtasts_exim.so does not name libidn2 (base/lazylib.c). */
	if (mts_lazylib_idn2() != 0) {
		mts_fmt(err, errsz, "cannot load libidn2 for an IDN name");
		return -1;
	}
	rc = idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&a,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		mts_fmt(err, errsz, "not a valid IDN name: %s",
		    idn2_strerror(rc));
		return -1;
	}
	if (mts_strlcpy(out, a, outsz) >= outsz) {
		idn2_free(a);
		mts_fmt(err, errsz, "name longer than %d characters",
		    MTS_DOMAIN_MAX);
		return -1;
	}
	idn2_free(a);
	return 0;
}

/*
 * The common case in one pass: an ASCII name that is already valid, as
 * every MTA hands us on the hot path. Accepts exactly what the general
 * path below accepts for ASCII input (same output); anything else, or
 * any doubt, returns -1 and the general path decides and explains.
 * ld[c]: the lowercased letter or digit, or '-'; 0 for the rest ('.'
 * and NUL included), so the inner loop copies a label with one test a
 * byte.
 */
static const unsigned char ld[256] = {
	['-'] = '-',
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
#define L(u, l) [u] = l, [l] = l
	L('A', 'a'), L('B', 'b'), L('C', 'c'), L('D', 'd'), L('E', 'e'),
	L('F', 'f'), L('G', 'g'), L('H', 'h'), L('I', 'i'), L('J', 'j'),
	L('K', 'k'), L('L', 'l'), L('M', 'm'), L('N', 'n'), L('O', 'o'),
	L('P', 'p'), L('Q', 'q'), L('R', 'r'), L('S', 's'), L('T', 't'),
	L('U', 'u'), L('V', 'v'), L('W', 'w'), L('X', 'x'), L('Y', 'y'),
	L('Z', 'z'),
#undef L
};

static int
fast_ascii(const char *in, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, start, lim, j;
	unsigned char ch;

	for (;;) {
		/* A label: 1-63 of ld[], not starting or ending with '-';
		 * nothing written at or past out[MTS_DOMAIN_MAX + 1]. */
		start = i;
		lim = start + 64 < MTS_DOMAIN_MAX + 1 ? start + 64 :
		    MTS_DOMAIN_MAX + 1;
		while (i < lim && (ch = ld[s[i]]) != 0)
			out[i++] = (char)ch;
		if (i == start || i - start > 63 || out[start] == '-' ||
		    out[i - 1] == '-')
			return -1;
		if (s[i] == '\0')
			break;
		if (s[i] != '.' || i >= MTS_DOMAIN_MAX + 1)
			return -1;
		out[i++] = '.';
		if (s[i] == '\0') {      /* one trailing dot is dropped */
			i--;
			break;
		}
	}
	if (i > MTS_DOMAIN_MAX)
		return -1;
	/* An all-numeric last label is an IP address, not a name. */
	for (j = i; j > start && out[j - 1] <= '9' && out[j - 1] != '-'; j--)
		;
	if (j == start)
		return -1;
	out[i] = '\0';
	return 0;
}

int
mts_domain_normalize(const char *in, char *out, size_t outsz, char *err,
    size_t errsz)
{
	char buf[1024];
	size_t len, i;

	if (in == NULL || outsz < MTS_DOMAIN_BUF) {
		mts_fmt(err, errsz, "no name");
		return -1;
	}
	if (fast_ascii(in, out) == 0)
		return 0;
	len = strnlen(in, sizeof(buf));
	if (len >= sizeof(buf) || len > 4 * MTS_DOMAIN_MAX) {
		mts_fmt(err, errsz, "name longer than %d characters",
		    MTS_DOMAIN_MAX);
		return -1;
	}
	memcpy(buf, in, len + 1);
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	if (len == 0 || buf[0] == '.' || buf[0] == '[') {
		mts_fmt(err, errsz, "not a domain name: \"%.64s\"", in);
		return -1;
	}
	if (has_non_ascii(buf)) {
		if (to_alabels(buf, out, outsz, err, errsz) != 0)
			return -1;
	} else if (mts_strlcpy(out, buf, outsz) >= outsz) {
		mts_fmt(err, errsz, "name longer than %d characters",
		    MTS_DOMAIN_MAX);
		return -1;
	}
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)mts_lower((unsigned char)out[i]);
	if (!mts_domain_valid(out, i)) {
		mts_fmt(err, errsz, "not a valid domain name: \"%.64s\"", in);
		return -1;
	}
	return 0;
}
