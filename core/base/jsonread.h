/* SPDX-License-Identifier: ISC */
/*
 * base/jsonread.h - a small strict JSON (RFC 8259) reader with a bounded
 * cursor, for `mtasts cache import`: objects, arrays, strings (escapes,
 * surrogate pairs, UTF-8 checked), integers, true/false/null. Nesting
 * and sizes are capped; anything else is an error with its offset.
 * Pure, no I/O: fuzzable.
 */
#ifndef MTS_BASE_JSONREAD_H
#define MTS_BASE_JSONREAD_H

#include <stddef.h>
#include <stdint.h>

struct mts_jr {
	const unsigned char *p, *end, *start;
	int depth;
	char err[128];
};

void mts_jr_init(struct mts_jr *j, const char *buf, size_t len);
/* Expect c (after whitespace): 0 or -1. */
int mts_jr_expect(struct mts_jr *j, int c);
/* 1 if the next token is c (consumed), 0 if not. */
int mts_jr_accept(struct mts_jr *j, int c);
/* A string into out (NUL-terminated, at most outsz - 1 bytes, NULs
 * inside refused): 0 or -1. */
int mts_jr_string(struct mts_jr *j, char *out, size_t outsz);
/* A decimal integer without fraction or exponent: 0 or -1. */
int mts_jr_int(struct mts_jr *j, int64_t *out);
/* Skip any one value: 0 or -1. */
int mts_jr_skip(struct mts_jr *j);
/* Only whitespace left: 0 or -1. */
int mts_jr_end(struct mts_jr *j);

#endif
