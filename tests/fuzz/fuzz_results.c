/* SPDX-License-Identifier: ISC */
/*
 * fuzz_results.c - libFuzzer target: the readers of the TLS-RPT results
 * store (results_read.c: day records, policies, counters, details;
 * send_state.c: send states), which root's report run reads from a file
 * the MTA user can write. The input is a list of records
 * [klen:1][vlen:2 LE][key][value] stored into an in-memory tdb; then
 * the day 2026-11-29 is read as a report would, every send state is
 * walked, and each read-back field must hold what the report trusts.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tdb.h>

#include "tlsrpt/results.h"
#include "base/domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int
on_send(void *arg, const char *day, const char *domain, const char *rua,
    const struct mts_send *s)
{
	(void)arg;
	(void)day;
	(void)domain;
	(void)rua;
	if (s->attempts < 0 || s->attempts > 10000 || s->first < 0 ||
	    s->next < 0 || s->last < 0)
		abort();        /* report.c's back-off arithmetic trusts these */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tdb_context *tdb;
	struct mts_results *r = NULL;
	struct mts_rday *d = NULL;
	size_t n = 0, i, off = 0;
	char err[256];

	if (tdb == NULL && (tdb = tdb_open("fuzz", 127, TDB_INTERNAL,
	    O_RDWR | O_CREAT, 0600)) == NULL)
		abort();
	(void)tdb_wipe_all(tdb);
	while (off + 3 <= size) {
		size_t kl = data[off], vl = data[off + 1] | (data[off + 2] << 8);
		TDB_DATA k, v;

		off += 3;
		if (kl == 0 || kl + vl > size - off)
			break;
		k.dptr = (unsigned char *)(uintptr_t)(data + off);
		k.dsize = kl;
		v.dptr = (unsigned char *)(uintptr_t)(data + off + kl);
		v.dsize = vl;
		(void)tdb_store(tdb, k, v, TDB_REPLACE);
		off += kl + vl;
	}
	if (mts_results_wrap(&r, tdb) != 0)
		abort();
	if (mts_results_day(r, "2026-11-29", &d, &n, err, sizeof(err)) == 0) {
		for (i = 0; i < n; i++)
			if (!mts_domain_valid(d[i].domain, strlen(d[i].domain)) ||
			    !printable(d[i].domain))
				abort();    /* it goes into mail headers */
		mts_rdays_free(d, n);
	}
	(void)mts_results_send_walk(r, on_send, NULL);
	mts_results_close(r);
	return 0;
}
