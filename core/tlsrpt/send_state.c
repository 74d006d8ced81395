/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/send_state.c - the send state of each (day, domain, rua) report,
 * kept beside the results so a restart neither loses nor repeats a
 * report (RPT-81 (RFC 8460 §3)..83), and purging old days.
 * State text: "<state> <attempts> <first> <next> <last> <error>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdb.h>

#include "tlsrpt/results.h"
#include "base/util.h"

#define US '\x1f'
#define KEY_MAX 2048

static const char *const state_names[] = { "new", "sending", "sent",
	"retry", "gaveup" };

static TDB_DATA
send_key(char *buf, const char *day, const char *domain, const char *rua)
{
	TDB_DATA k;
	int n = snprintf(buf, KEY_MAX, "S%c%s%c%s%c%s", US, day, US, domain,
	    US, rua);

	k.dptr = (unsigned char *)buf;
	k.dsize = n < 0 || n >= KEY_MAX ? 0 : (size_t)n;
	return k;
}

/* One space-ended decimal number in 0..max at *p; advances *p. */
static int
parse_num(const char **p, int64_t max, int64_t *out)
{
	const char *s = *p;
	int64_t v = 0;

	if (!mts_is_digit((unsigned char)*s))
		return -1;
	for (; mts_is_digit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;      /* before it can overflow */
	}
	if (*s != ' ' && *s != '\0')
		return -1;
	*p = s + (*s == ' ');
	*out = v;
	return 0;
}

/*
 * "<state> <attempts> <first> <next> <last> <error>", written by
 * send_fmt but read by root from a store the MTA user can write: every
 * number is bounded (attempts 0..10000, times 0..2^40), so the back-off
 * arithmetic in report.c cannot overflow or shift by a negative count.
 */
int
mts_send_parse(const unsigned char *p, size_t len, struct mts_send *s)
{
	char buf[512];
	const char *c, *sp;
	int64_t n[4];
	size_t i;

	memset(s, 0, sizeof(*s));
	if (len >= sizeof(buf) || memchr(p, '\0', len) != NULL)
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if ((sp = strchr(buf, ' ')) == NULL)
		return -1;
	for (i = 0, c = sp + 1; i < 4; i++)
		if (parse_num(&c, i == 0 ? 10000 : (int64_t)1 << 40, &n[i]) != 0)
			return -1;
	s->attempts = (int)n[0];
	s->first = n[1];
	s->next = n[2];
	s->last = n[3];
	mts_strlcpy(s->error, c, sizeof(s->error));
	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strlen(state_names[i]) == (size_t)(sp - buf) &&
		    memcmp(buf, state_names[i], (size_t)(sp - buf)) == 0) {
			s->state = (enum mts_send_state)i;
			return 0;
		}
	return -1;
}

int
mts_results_send_get(struct mts_results *r, const char *day,
    const char *domain, const char *rua, struct mts_send *s)
{
	char kb[KEY_MAX];
	TDB_DATA k = send_key(kb, day, domain, rua), v;
	int rc;

	memset(s, 0, sizeof(*s));
	if (k.dsize == 0)
		return -1;
	v = tdb_fetch(mts_results_tdb(r), k);
	if (v.dptr == NULL)
		return 0;                       /* never tried: NEW */
	rc = mts_send_parse(v.dptr, v.dsize, s);
	free(v.dptr);
	return rc;
}

size_t
mts_send_fmt(char *vb, size_t vbsz, const struct mts_send *s)
{
	size_t i;
	int n;

	n = snprintf(vb, vbsz, "%s %d %" PRId64 " %" PRId64 " %" PRId64
	    " %.300s", state_names[s->state], s->attempts, s->first, s->next,
	    s->last, s->error);
	for (i = 0; n > 0 && i < (size_t)n && i < vbsz; i++)
		if ((unsigned char)vb[i] < 0x20)
			vb[i] = ' ';
	return n < 0 ? 0 : (size_t)n >= vbsz ? vbsz - 1 : (size_t)n;
}

int
mts_results_send_put(struct mts_results *r, const char *day,
    const char *domain, const char *rua, const struct mts_send *s,
    char *err, size_t errsz)
{
	char kb[KEY_MAX], vb[512];
	TDB_DATA k = send_key(kb, day, domain, rua), v;

	v.dptr = (unsigned char *)vb;
	v.dsize = mts_send_fmt(vb, sizeof(vb), s);
	if (k.dsize == 0 || tdb_store(mts_results_tdb(r), k, v, TDB_REPLACE)) {
		mts_fmt(err, errsz, "results: cannot store send state: %s",
		    tdb_errorstr(mts_results_tdb(r)));
		return -1;
	}
	return 0;
}

struct swalk {
	mts_send_walk_fn *fn;
	void *arg;
};

static int
send_one(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *arg)
{
	struct swalk *w = arg;
	char kb[KEY_MAX], *f[4];
	struct mts_send s;
	size_t i, n = 0;

	(void)tdb;
	if (k.dsize < 2 || k.dptr[0] != 'S' || k.dptr[1] != US ||
	    k.dsize >= sizeof(kb) || mts_send_parse(v.dptr, v.dsize, &s) != 0)
		return 0;
	memcpy(kb, k.dptr, k.dsize);
	kb[k.dsize] = '\0';
	f[n++] = kb;
	for (i = 0; i < k.dsize && n < 4; i++)
		if (kb[i] == US) {
			kb[i] = '\0';
			f[n++] = kb + i + 1;
		}
	if (n != 4)
		return 0;
	return w->fn(w->arg, f[1], f[2], f[3], &s) != 0 ? -1 : 0;
}

int
mts_results_send_walk(struct mts_results *r, mts_send_walk_fn *fn, void *arg)
{
	struct swalk w = { fn, arg };

	return tdb_traverse_read(mts_results_tdb(r), send_one, &w) < 0 ? -1 : 0;
}

/* The day field of any record, or -1. */
static int
day_of_key(TDB_DATA k, char day[MTS_DAY_LEN + 1])
{
	if (k.dsize < 2 + MTS_DAY_LEN || k.dptr[1] != US ||
	    strchr("PCDS", k.dptr[0]) == NULL)
		return -1;
	memcpy(day, k.dptr + 2, MTS_DAY_LEN);
	day[MTS_DAY_LEN] = '\0';
	return mts_day_start(day) < 0 ? -1 : 0;
}

static int
purge_one(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *arg)
{
	const char *before = arg;
	char day[MTS_DAY_LEN + 1];

	(void)v;
	if (day_of_key(k, day) == 0 && strcmp(day, before) < 0)
		(void)tdb_delete(tdb, k);
	return 0;
}

int
mts_results_purge(struct mts_results *r, const char *before_day, char *err,
    size_t errsz)
{
	if (tdb_traverse(mts_results_tdb(r), purge_one,
	    (void *)(uintptr_t)before_day) < 0) {
		mts_fmt(err, errsz, "results: cannot purge: %s",
		    tdb_errorstr(mts_results_tdb(r)));
		return -1;
	}
	return 0;
}
