/* SPDX-License-Identifier: ISC */
/*
 * sts/cache_tag.h - a checksum line after each cached record.
 *
 * Records are read without tdb's lock (base/tdb_peek.h), so a read can
 * meet a record half rewritten by another process. Each value ends
 * with "sum <16 hex digits>\n": a 64-bit hash of the record seeded
 * with the tdb key's, so a torn record, or one key's record read
 * under another key, fails the check and is read again through tdb,
 * locked. It is no defence against whoever writes the file (anyone
 * can compute it): a record that passes is decoded and validated
 * exactly as one that tdb_fetch returned.
 */
#ifndef MTS_STS_CACHE_TAG_H
#define MTS_STS_CACHE_TAG_H

#include <stddef.h>

#define MTS_CACHE_TAG_LEN 21    /* "sum " + 16 hex + "\n" */

/* out gets MTS_CACHE_TAG_LEN bytes (no NUL). */
void mts_cache_tag_make(const void *key, size_t klen,
    const unsigned char *rec, size_t len, unsigned char *out);
/* 1 if v ends with a tag valid for key and the bytes before it, whose
 * length goes to *reclen; 0 if not (an old untagged record, or torn). */
int mts_cache_tag_check(const void *key, size_t klen,
    const unsigned char *v, size_t vlen, size_t *reclen);

#endif
