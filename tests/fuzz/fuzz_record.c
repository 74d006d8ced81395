/* SPDX-License-Identifier: ISC */
/* fuzz_record.c - libFuzzer target: the cache record decoder (a cache
 * file anyone with write access could damage) against the line-by-line
 * decoder it replaced (ref_record.h): the same records accepted, with
 * the same values; and re-encoding what it accepts, which must decode
 * again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts/entry.h"
#include "ref_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Same fields, same policy text (both parsed it: the same doc). */
static int
same(const struct mts_entry *a, const struct mts_entry *b)
{
	if (a->txt_state != b->txt_state || strcmp(a->txt_id, b->txt_id) ||
	    a->txt_expires != b->txt_expires ||
	    strcmp(a->policy_id, b->policy_id) ||
	    a->fetched_at != b->fetched_at || a->expires_at != b->expires_at ||
	    strcmp(a->backoff_id, b->backoff_id) ||
	    a->backoff_until != b->backoff_until ||
	    a->last_result != b->last_result ||
	    strcmp(a->last_reason, b->last_reason) ||
	    (a->doc == NULL) != (b->doc == NULL))
		return 0;
	return a->doc == NULL || (a->doc->text_len == b->doc->text_len &&
	    memcmp(a->doc->text, b->doc->text, a->doc->text_len) == 0 &&
	    a->doc->mode == b->doc->mode && a->doc->max_age == b->doc->max_age &&
	    a->doc->nmx == b->doc->nmx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mts_entry e, e2, r;
	unsigned char *buf, *copy;
	size_t len;
	int rc, rrc;

	/* An exact-size copy: ASan sees any read past the record. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	rc = mts_record_decode(copy, size, &e);
	rrc = ref_record_decode(copy, size, &r);
	if (rc != rrc || (rc == 0 && !same(&e, &r)))
		abort();              /* the decoders disagree */
	free(copy);
	mts_entry_clear(&r);
	if (rc != 0)
		return 0;
	if (mts_record_encode(&e, &buf, &len) == 0) {
		if (mts_record_decode(buf, len, &e2) != 0)
			abort();          /* what we write we must read */
		mts_entry_clear(&e2);
		free(buf);
	}
	mts_entry_clear(&e);
	return 0;
}
