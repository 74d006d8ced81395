/* SPDX-License-Identifier: ISC */
/* fuzz_cert.c - libFuzzer target: a peer certificate chain as an MTA
 * hands it over (PEM or DER), decoded and verified with name matching. */
#include <stdint.h>
#include <stdlib.h>

#include "net/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mts_cert_store *store;
	mtasts_result r;
	char err[256];

	if (store == NULL && mts_cert_store_open(&store, "/dev/null", NULL,
	    err, sizeof(err)) != 0 && mts_cert_store_open(&store, NULL, NULL,
	    err, sizeof(err)) != 0)
		abort();
	(void)mts_cert_verify(store, data, size, "mx.example.com",
	    1800000000, &r, err, sizeof(err));
	return 0;
}
