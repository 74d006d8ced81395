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

int
mts_cache_tag_check(const void *key, size_t klen, const unsigned char *v,
    size_t vlen, size_t *reclen)
{
	unsigned char want[MTS_CACHE_TAG_LEN];
	size_t n;

	if (vlen < MTS_CACHE_TAG_LEN)
		return 0;
	n = vlen - MTS_CACHE_TAG_LEN;
	mts_cache_tag_make(key, klen, v, n, want);
	if (memcmp(v + n, want, sizeof(want)) != 0)
		return 0;
	*reclen = n;
	return 1;
}
