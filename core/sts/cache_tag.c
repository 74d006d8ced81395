/* SPDX-License-Identifier: ISC */
/* sts/cache_tag.c - the checksum line after each cached record. */
#include <stdint.h>
#include <string.h>

#include "sts/cache_tag.h"

/*
 * A 64-bit word-at-a-time hash in the style of MurmurHash3's (Appleby,
 * public domain): the tag detects accidents (a torn read), not forgery,
 * so it needs spread, not a key; SipHash cost more than the rest of a
 * lookup. Words are read with memcpy: no alignment assumed.
 */
#define P1 0x87c37b91114253d5ull
#define P2 0x4cf5ad432745937full

static uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
mix(uint64_t h, uint64_t w)
{
	w *= P1;
	w = rotl(w, 31);
	w *= P2;
	h ^= w;
	return rotl(h, 27) * 5 + 0x52dce729;
}

static uint64_t
hash64(uint64_t h, const unsigned char *p, size_t len)
{
	uint64_t w;
	size_t i;

	h ^= (uint64_t)len * P2;
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = mix(h, w);
	}
	w = 0;
	memcpy(&w, p + i, len - i);
	h = mix(h, w ^ 0xff);
	/* fmix64: every input bit reaches every output bit. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static uint64_t
tag_of(const void *key, size_t klen, const unsigned char *rec, size_t len)
{
	/* Seeded with the key's hash: binds the record to its tdb key. */
	return hash64(hash64(0x6d7461737473ull, key, klen), rec, len);
}

void
mts_cache_tag_make(const void *key, size_t klen, const unsigned char *rec,
    size_t len, unsigned char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = tag_of(key, klen, rec, len);
	int i;

	memcpy(out, "sum ", 4);
	for (i = 0; i < 16; i++)
		out[4 + i] = (unsigned char)hex[(h >> (60 - 4 * i)) & 0xf];
	out[20] = '\n';
}

/* hexval[c]: 1 + the value of a lowercase hex digit (as tag_make
 * writes them), 0 for any other byte. */
static const unsigned char hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* The 16 hex digits at p, or -1 (table entries are value + 1, 0 for a
 * byte that is no digit). */
static int
hex64(const unsigned char *p, uint64_t *out)
{
	uint64_t h = 0;
	unsigned v;
	int i;

	for (i = 0; i < 16; i++) {
		if ((v = hexval[p[i]]) == 0)
			return -1;
		h = h << 4 | (v - 1);
	}
	*out = h;
	return 0;
}

/* The stored digits read back and compared (not the hash formatted and
 * its text compared): the same tags pass, at a third of the cost. */
int
mts_cache_tag_check(const void *key, size_t klen, const unsigned char *v,
    size_t vlen, size_t *reclen)
{
	const unsigned char *t;
	uint64_t want;
	size_t n;

	if (vlen < MTS_CACHE_TAG_LEN)
		return 0;
	n = vlen - MTS_CACHE_TAG_LEN;
	t = v + n;
	if (memcmp(t, "sum ", 4) != 0 || t[20] != '\n' ||
	    hex64(t + 4, &want) != 0 || tag_of(key, klen, v, n) != want)
		return 0;
	*reclen = n;
	return 1;
}
