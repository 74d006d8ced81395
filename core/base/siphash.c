/* SPDX-License-Identifier: ISC */
/* base/siphash.c - SipHash-2-4, written from the paper ("SipHash: a fast
 * short-input PRF", 2012); test vector in tests/unit/test_cache.c. */
#include "base/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void
round_(struct sip *s)
{
	s->v0 += s->v1; s->v1 = ROTL(s->v1, 13); s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3; s->v3 = ROTL(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = ROTL(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = ROTL(s->v1, 17); s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void
compress(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	round_(s);
	round_(s);
	s->v0 ^= m;
}

uint64_t
mts_siphash24(const unsigned char key[MTS_SIPHASH_KEY_LEN], const void *data,
    size_t len)
{
	const unsigned char *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8), b = (uint64_t)len << 56;
	struct sip s = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
	    k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8)
		compress(&s, le64(p + i));
	for (; tail > 0; tail--)
		b |= (uint64_t)p[i + tail - 1] << (8 * (tail - 1));
	compress(&s, b);
	s.v2 ^= 0xff;
	round_(&s);
	round_(&s);
	round_(&s);
	round_(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
