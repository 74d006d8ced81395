/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/results_read.c - reading the TLS-RPT results store back: one day's
 * policies and counts per domain (for the report), the days present,
 * purging old days, and the per-(day, domain, rua) send state.
 * Records that do not parse are foreign or damaged: they are skipped.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdb.h>

#include "mtasts.h"
#include "tlsrpt/results.h"
#include "base/domain.h"
#include "base/util.h"

#define US '\x1f'

/* A policy record: type, text, then at most this many mx patterns. */
#define POLICY_FIELDS_MAX 258

struct ent {
	char *key;                 /* malloc'ed, fields split in place */
	char *val;                 /* malloc'ed, NUL-terminated */
	size_t vlen;
	char *f[10];               /* key fields */
	size_t nf;
};

struct collect {
	const char *day;
	struct ent *e;
	size_t n, cap;
	int oom;
};

static size_t
split(char *s, size_t len, char **f, size_t max)
{
	size_t n = 0, i;

	f[n++] = s;
	for (i = 0; i < len; i++)
		if (s[i] == US) {
			s[i] = '\0';
			if (n == max)
				return max + 1;
			f[n++] = s + i + 1;
		}
	return n;
}

static uint64_t
u64(const struct ent *e)
{
	uint64_t v = 0;
	size_t i;

	if (e->vlen != 8)
		return 0;
	for (i = 0; i < 8; i++)
		v |= (uint64_t)(unsigned char)e->val[i] << (8 * i);
	return v;
}

/* Printable ASCII only: what add() wrote (control bytes replaced). */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/*
 * The store is writable by the MTA user and read by root's report run,
 * whose mail headers carry the domain: every key field is checked as it
 * is read back, not trusted to be what add() wrote. A field that fails
 * makes the record foreign (skipped).
 */
static int
fields_ok(const struct ent *e)
{
	mtasts_result res;
	size_t i;

	for (i = 0; i < e->nf; i++)
		if (!printable(e->f[i]) || strlen(e->f[i]) >= MTS_FIELD_MAX)
			return 0;
	if (!mts_domain_valid(e->f[2], strlen(e->f[2])))
		return 0;
	if (e->f[0][0] == 'C')
		return strcmp(e->f[4], "ok") == 0 || strcmp(e->f[4], "fail") == 0;
	if (e->f[0][0] == 'D')
		return mtasts_result_parse(e->f[4], &res) == MTASTS_OK;
	return 1;
}

static int
want(const struct ent *e)
{
	int shape = 0;

	switch (e->f[0][0]) {
	case 'P': shape = e->nf == 4; break;
	case 'C': shape = e->nf == 5 && e->vlen == 8; break;
	case 'D': shape = e->nf == 10 && e->vlen == 8; break;
	}
	return shape && fields_ok(e);
}

static int
collect_one(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *arg)
{
	struct collect *c = arg;
	size_t dl = strlen(c->day);
	struct ent e;

	(void)tdb;
	/* A NUL would cut a field short and make two keys one group. */
	if (k.dsize < dl + 3 || k.dptr[1] != US ||
	    memcmp(k.dptr + 2, c->day, dl) != 0 || k.dptr[2 + dl] != US ||
	    memchr(k.dptr, '\0', k.dsize) != NULL)
		return 0;
	memset(&e, 0, sizeof(e));
	if ((e.key = mts_strndup((char *)k.dptr, k.dsize)) == NULL ||
	    (e.val = mts_strndup((char *)v.dptr, v.dsize)) == NULL)
		goto oom;
	e.vlen = v.dsize;
	e.nf = split(e.key, k.dsize, e.f, 10);
	if (!want(&e)) {
		free(e.key);
		free(e.val);
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct ent *ne = realloc(c->e, cap * sizeof(*ne));

		if (ne == NULL)
			goto oom;
		c->e = ne;
		c->cap = cap;
	}
	c->e[c->n++] = e;
	return 0;
oom:
	free(e.key);
	free(e.val);
	c->oom = 1;
	return -1;
}

/* Order: domain, fp, then P before C before D (so a policy opens its group). */
static int
ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	static const char order[] = "PCD";
	int c;

	if ((c = strcmp(x->f[2], y->f[2])) != 0)
		return c;
	if ((c = strcmp(x->f[3], y->f[3])) != 0)
		return c;
	return (int)(strchr(order, x->f[0][0]) - strchr(order, y->f[0][0]));
}

static int
set_policy(struct mts_rpolicy *p, struct ent *e)
{
	char *f[POLICY_FIELDS_MAX];
	size_t n, i;

	if (p->text != NULL)
		return 0;                     /* one policy per group: the first */
	n = split(e->val, e->vlen, f, POLICY_FIELDS_MAX);
	if (n < 2 || n > POLICY_FIELDS_MAX)
		return 0;                     /* damaged: leave the policy empty */
	p->sts = strcmp(f[0], "sts") == 0;
	if ((p->text = strdup(f[1])) == NULL)
		return -1;
	if (n > 2 && (p->mx = calloc(n - 2, sizeof(char *))) == NULL)
		return -1;
	for (i = 2; i < n; i++) {
		if ((p->mx[p->nmx] = strdup(f[i])) == NULL)
			return -1;
		p->nmx++;
	}
	return 0;
}

static int
add_detail(struct mts_rpolicy *p, const struct ent *e)
{
	struct mts_rdetail *d, *nd;

	nd = realloc(p->details, (p->ndetails + 1) * sizeof(*nd));
	if (nd == NULL)
		return -1;
	p->details = nd;
	d = &nd[p->ndetails++];
	memset(d, 0, sizeof(*d));
	mts_strlcpy(d->result, e->f[4], sizeof(d->result));
	mts_strlcpy(d->sending_ip, e->f[5], sizeof(d->sending_ip));
	mts_strlcpy(d->mx_host, e->f[6], sizeof(d->mx_host));
	mts_strlcpy(d->mx_helo, e->f[7], sizeof(d->mx_helo));
	mts_strlcpy(d->receiving_ip, e->f[8], sizeof(d->receiving_ip));
	mts_strlcpy(d->reason_code, e->f[9], sizeof(d->reason_code));
	d->count = u64(e);
	return 0;
}

/* Open a new domain group or policy group as the sorted entries demand. */
static struct mts_rpolicy *
group_of(struct mts_rday **days, size_t *nd, const struct ent *e)
{
	struct mts_rday *d = *nd ? &(*days)[*nd - 1] : NULL;
	struct mts_rpolicy *p, *np;

	if (d == NULL || strcmp(d->domain, e->f[2]) != 0) {
		struct mts_rday *n2 = realloc(*days, (*nd + 1) * sizeof(*n2));

		if (n2 == NULL)
			return NULL;
		*days = n2;
		d = &n2[(*nd)++];
		memset(d, 0, sizeof(*d));
		mts_strlcpy(d->domain, e->f[2], sizeof(d->domain));
	}
	p = d->npolicies ? &d->policies[d->npolicies - 1] : NULL;
	if (p == NULL || strcmp(p->fp, e->f[3]) != 0) {
		np = realloc(d->policies, (d->npolicies + 1) * sizeof(*np));
		if (np == NULL)
			return NULL;
		d->policies = np;
		p = &np[d->npolicies++];
		memset(p, 0, sizeof(*p));
		mts_strlcpy(p->fp, e->f[3], sizeof(p->fp));
	}
	return p;
}

static int
build(struct collect *c, struct mts_rday **days, size_t *nd)
{
	struct mts_rpolicy *p;
	size_t i;

	if (c->n > 1)           /* qsort(NULL, 0) is undefined */
		qsort(c->e, c->n, sizeof(*c->e), ent_cmp);
	for (i = 0; i < c->n; i++) {
		struct ent *e = &c->e[i];

		if ((p = group_of(days, nd, e)) == NULL)
			return -1;
		if (e->f[0][0] == 'P' && set_policy(p, e) != 0)
			return -1;
		if (e->f[0][0] == 'C')
			*(strcmp(e->f[4], "ok") == 0 ? &p->ok : &p->fail) += u64(e);
		if (e->f[0][0] == 'D' && add_detail(p, e) != 0)
			return -1;
	}
	return 0;
}

void
mts_rdays_free(struct mts_rday *d, size_t n)
{
	size_t i, j, k;

	for (i = 0; d != NULL && i < n; i++) {
		for (j = 0; j < d[i].npolicies; j++) {
			struct mts_rpolicy *p = &d[i].policies[j];

			for (k = 0; k < p->nmx; k++)
				free(p->mx[k]);
			free(p->mx);
			free(p->text);
			free(p->details);
		}
		free(d[i].policies);
	}
	free(d);
}

/* Sort, group and hand out what was collected; frees c's entries. */
static int
finish(struct collect *c, struct mts_rday **out, size_t *n, char *err,
    size_t errsz)
{
	struct mts_rday *days = NULL;
	size_t nd = 0, i;
	int rc = -1;

	if (c->oom || build(c, &days, &nd) != 0) {
		mts_fmt(err, errsz, "results: out of memory");
		mts_rdays_free(days, nd);
		goto done;
	}
	*out = days;
	*n = nd;
	rc = 0;
done:
	for (i = 0; i < c->n; i++) {
		free(c->e[i].key);
		free(c->e[i].val);
	}
	free(c->e);
	return rc;
}

int
mts_results_day(struct mts_results *r, const char *day, struct mts_rday **out,
    size_t *n, char *err, size_t errsz)
{
	struct collect c;

	memset(&c, 0, sizeof(c));
	c.day = day;
	if (tdb_traverse_read(mts_results_tdb(r), collect_one, &c) < 0 && c.oom == 0) {
		char why[128];

		mts_fmt(why, sizeof(why), "results: %s",
		    tdb_errorstr(mts_results_tdb(r)));
		c.oom = 1;
		(void)finish(&c, out, n, err, errsz);
		mts_strlcpy(err, why, errsz);
		return -1;
	}
	return finish(&c, out, n, err, errsz);
}

int
mts_results_day_pairs(const char *day, const struct mts_kv *kv, size_t nkv,
    struct mts_rday **out, size_t *n, char *err, size_t errsz)
{
	struct collect c;
	TDB_DATA k, v;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.day = day;
	for (i = 0; i < nkv && !c.oom; i++) {
		k.dptr = (unsigned char *)(uintptr_t)kv[i].k;
		k.dsize = kv[i].klen;
		v.dptr = (unsigned char *)(uintptr_t)kv[i].v;
		v.dsize = kv[i].vlen;
		(void)collect_one(NULL, k, v, &c);
	}
	return finish(&c, out, n, err, errsz);
}
