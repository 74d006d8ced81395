/* SPDX-License-Identifier: ISC */
/* fuzz_peek.c - libFuzzer target: one tdb record image as a lock-free
 * read may meet it (a file anyone with write access could plant, or a
 * record torn by a writer): the record parser, then the tag check and
 * decoder on whatever value it points at, all within the bytes read;
 * and the same bytes as a file header (a file peeks read without
 * libtdb's own checks). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/tdb_peek.h"
#include "sts/cache_tag.h"
#include "sts/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char key[] = "k.test";
	struct mts_tdb_hdr hdr;
	struct mts_entry e;
	size_t voff = 0, vlen = 0, need = 0, rlen;
	uint32_t next, hash = 0;
	unsigned char *copy;

	if (size >= 20)             /* the record's own full_hash */
		memcpy(&hash, data + 16, 4);
	/* An exact-size copy: ASan sees any read past the record image. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (mts_tdb_peek_step(copy, size, hash, key, 6, &next, &voff, &vlen,
	    &need) == MTS_PEEK_MATCH) {
		if (voff + vlen > size || need > size)
			abort();
		if (mts_cache_tag_check(key, 6, copy + voff, vlen, &rlen) &&
		    mts_record_decode(copy + voff, rlen, &e) == 0)
			mts_entry_clear(&e);
	}
	/* An accepted header's bucket table lies within 32-bit offsets
	 * (the peek's bucket read relies on it). */
	if (mts_tdb_peek_header(copy, size, &hdr) == 0 &&
	    (size < MTS_TDB_HDR_LEN || hdr.hash_size == 0 ||
	    (uint64_t)MTS_TDB_HDR_LEN + ((uint64_t)hdr.hash_size + 1) * 4 >
	    UINT32_MAX))
		abort();
	(void)mts_tdb_jenkins(copy, size);
	free(copy);
	return 0;
}
