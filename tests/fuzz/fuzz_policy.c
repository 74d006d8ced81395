/* SPDX-License-Identifier: ISC */
/* fuzz_policy.c - libFuzzer target: the policy body parser (untrusted
 * HTTPS data) and, on success, every mx pattern through the matcher. */
#include <stdint.h>
#include <stdlib.h>

#include "sts/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mts_policy_doc *doc = NULL;
	char err[200];
	size_t i;

	if (mts_policy_parse((const char *)data, size, &doc, err, sizeof(err)) == 0) {
		for (i = 0; i < doc->nmx; i++)
			(void)mts_mx_match_norm(doc->mx[i], "mx.example.com");
		mts_policy_doc_free(doc);
	}
	return 0;
}
