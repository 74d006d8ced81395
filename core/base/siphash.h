/* SPDX-License-Identifier: ISC */
/* base/siphash.h - SipHash-2-4 (Aumasson, Bernstein 2012): a keyed hash
 * whose collisions cannot be found without the key. */
#ifndef MTS_BASE_SIPHASH_H
#define MTS_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define MTS_SIPHASH_KEY_LEN 16

uint64_t mts_siphash24(const unsigned char key[MTS_SIPHASH_KEY_LEN],
    const void *data, size_t len);

#endif
