/* SPDX-License-Identifier: ISC */
/*
 * sts/cache_json.c - mtasts_cache_export() / mtasts_cache_import(): the
 * cached policies as JSON, so that a new or rebuilt host starts with the
 * fleet's policies instead of a cold cache (first contact is what an
 * attacker on the path can strip; RFC 8461 §10.2).
 *
 *   {"version":1,"policies":[{"domain":"example.com","id":"20240101",
 *     "fetched_at":1700000000,"expires_at":1700604800,
 *     "policy":"version: STSv1\nmode: enforce\n..."}, ...]}
 *
 * An import is untrusted input: every domain is normalised, every id
 * checked (1-32 alphanumerics, RFC 8461 §3.1), every policy parsed with
 * the strict §3.2 parser, and expires_at must not pass fetched_at plus
 * the policy's own max_age (STS-50, RFC 8461 §3.2). Expired ones are skipped, and a
 * local policy fetched later than the imported one is kept.
 */
#include <stdlib.h>
#include <string.h>

#include "base/export.h"
#include "base/ctx.h"
#include "base/domain.h"
#include "base/jsonread.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "sts/cache.h"
#include "sts/resolve.h"

#define POLICY_TEXT_MAX 65536

struct exp {
	struct mts_sbuf b;
	int64_t now;
	size_t n;
};

static int
export_one(void *arg, const char *domain, const struct mts_entry *e)
{
	struct exp *x = arg;

	if (!mts_policy_valid(e, x->now))
		return 0;
	mts_sbuf_str(&x->b, x->n++ ? ",\n" : "\n");
	mts_sbuf_str(&x->b, "{\"domain\":");
	mts_sbuf_json(&x->b, domain);
	mts_sbuf_str(&x->b, ",\"id\":");
	mts_sbuf_json(&x->b, e->policy_id);
	mts_sbuf_fmt(&x->b, ",\"fetched_at\":%lld,\"expires_at\":%lld,"
	    "\"policy\":", (long long)e->fetched_at, (long long)e->expires_at);
	mts_sbuf_json_n(&x->b, e->doc->text, e->doc->text_len);
	mts_sbuf_str(&x->b, "}");
	return 0;
}

MTS_API mtasts_status
mtasts_cache_export(mtasts_ctx *ctx, char **json, size_t *len)
{
	struct mts_cache *cache;
	struct exp x;
	char err[160];
	mtasts_status st;

	if (ctx == NULL || json == NULL || len == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	if ((st = mts_ctx_cache(ctx, &cache)) != MTASTS_OK)
		return st;
	memset(&x, 0, sizeof(x));
	x.now = mts_now(ctx);
	mts_sbuf_init(&x.b);
	mts_sbuf_str(&x.b, "{\"version\":1,\"policies\":[");
	if (mts_cache_walk(cache, export_one, &x, err, sizeof(err)) != 0) {
		mts_sbuf_free(&x.b);
		return mts_fail(ctx, MTASTS_ERR_CACHE, "cache: %s", err);
	}
	mts_sbuf_str(&x.b, "\n]}\n");
	if (x.b.oom) {
		mts_sbuf_free(&x.b);
		return mts_fail(ctx, MTASTS_ERR_NOMEM, "out of memory");
	}
	*json = x.b.buf;
	*len = x.b.len;
	return MTASTS_OK;
}

struct imp {
	char domain[MTS_DOMAIN_BUF], id[MTS_TXT_ID_MAX + 1];
	int64_t fetched_at, expires_at;
	char *text;
	int have;                  /* bit per field */
};

static int
id_ok(const char *id)
{
	size_t n = strlen(id), i;

	if (n < 1 || n > MTS_TXT_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!mts_is_alnum((unsigned char)id[i]))
			return 0;
	return 1;
}

/* One policy object; fields in any order, unknown keys skipped. */
static int
read_one(struct mts_jr *j, struct imp *p)
{
	char key[64], dom[MTS_DOMAIN_BUF + 8];

	memset(p, 0, sizeof(*p));
	if ((p->text = malloc(POLICY_TEXT_MAX + 1)) == NULL)
		return -1;
	if (mts_jr_expect(j, '{') != 0)
		return -1;
	if (mts_jr_accept(j, '}'))
		return 0;
	do {
		if (mts_jr_string(j, key, sizeof(key)) != 0 ||
		    mts_jr_expect(j, ':') != 0)
			return -1;
		if (strcmp(key, "domain") == 0) {
			if (mts_jr_string(j, dom, sizeof(dom)) != 0)
				return -1;
			mts_strlcpy(p->domain, dom, sizeof(p->domain));
			p->have |= 1;
		} else if (strcmp(key, "id") == 0) {
			if (mts_jr_string(j, dom, sizeof(dom)) != 0)
				return -1;
			mts_strlcpy(p->id, dom, sizeof(p->id));
			p->have |= strlen(dom) <= MTS_TXT_ID_MAX ? 2 : 0;
		} else if (strcmp(key, "fetched_at") == 0) {
			if (mts_jr_int(j, &p->fetched_at) != 0)
				return -1;
			p->have |= 4;
		} else if (strcmp(key, "expires_at") == 0) {
			if (mts_jr_int(j, &p->expires_at) != 0)
				return -1;
			p->have |= 8;
		} else if (strcmp(key, "policy") == 0) {
			if (mts_jr_string(j, p->text, POLICY_TEXT_MAX + 1) != 0)
				return -1;
			p->have |= 16;
		} else if (mts_jr_skip(j) != 0)
			return -1;
	} while (mts_jr_accept(j, ','));
	return mts_jr_expect(j, '}');
}

/* 1 stored, 0 skipped (why in why), -1 cache error. */
static int
store_one(mtasts_ctx *ctx, struct mts_cache *cache, struct imp *p,
    char *why, size_t whysz)
{
	struct mts_policy_doc *doc = NULL;
	struct mts_entry e;
	char dom[MTS_DOMAIN_BUF], err[160];
	int64_t now = mts_now(ctx);
	int rc, present;

	if (p->have != 31) {
		mts_fmt(why, whysz, "a policy without domain, id, fetched_at, "
		    "expires_at and policy");
		return 0;
	}
	if (mts_domain_normalize(p->domain, dom, sizeof(dom), err,
	    sizeof(err)) != 0) {
		mts_fmt(why, whysz, "domain \"%.64s\": %s", p->domain, err);
		return 0;
	}
	if (!id_ok(p->id)) {
		mts_fmt(why, whysz, "%s: bad id (RFC 8461 §3.1)", dom);
		return 0;
	}
	if (mts_policy_parse(p->text, strlen(p->text), &doc, err,
	    sizeof(err)) != 0) {
		mts_fmt(why, whysz, "%s: invalid policy: %s", dom, err);
		return 0;
	}
	if (p->expires_at <= now || p->fetched_at > now + 300 ||
	    p->fetched_at < 0 || p->expires_at > p->fetched_at + doc->max_age) {
		mts_fmt(why, whysz, "%s: expired, or times that do not fit "
		    "its max_age (STS-50, RFC 8461 §3.2)", dom);
		mts_policy_doc_free(doc);
		return 0;
	}
	mts_entry_init(&e);
	present = mts_cache_get(cache, dom, &e, err, sizeof(err));
	if (present < 0) {
		mts_policy_doc_free(doc);
		return -1;
	}
	if (present == 0 && e.doc != NULL && e.fetched_at >= p->fetched_at &&
	    mts_policy_valid(&e, now)) {
		mts_fmt(why, whysz, "%s: the local policy is as new", dom);
		mts_policy_doc_free(doc);
		mts_entry_clear(&e);
		return 0;
	}
	/* The TXT answer stays the host's own: the next lookup checks the
	 * imported id against DNS as for any cached policy. */
	mts_policy_doc_free(e.doc);
	e.doc = doc;
	mts_strlcpy(e.policy_id, p->id, sizeof(e.policy_id));
	e.fetched_at = p->fetched_at;
	e.expires_at = p->expires_at;
	e.last_result = MTASTS_RESULT_SUCCESS;
	e.last_reason[0] = '\0';
	rc = mts_cache_put(cache, dom, &e, err, sizeof(err)) == 0 ? 1 : -1;
	mts_entry_clear(&e);
	return rc;
}

MTS_API mtasts_status
mtasts_cache_import(mtasts_ctx *ctx, const char *json, size_t len,
    size_t *imported, size_t *skipped)
{
	struct mts_cache *cache;
	struct mts_jr j;
	struct imp p;
	char key[64], why[256];
	int64_t version = 0;
	mtasts_status st;
	int rc;

	if (ctx == NULL || json == NULL || imported == NULL || skipped == NULL)
		return MTASTS_ERR_INVALID;
	mts_ctx_enter(ctx);
	*imported = *skipped = 0;
	if ((st = mts_ctx_cache(ctx, &cache)) != MTASTS_OK)
		return st;
	mts_jr_init(&j, json, len);
	if (mts_jr_expect(&j, '{') != 0)
		goto syntax;
	do {
		if (mts_jr_string(&j, key, sizeof(key)) != 0 ||
		    mts_jr_expect(&j, ':') != 0)
			goto syntax;
		if (strcmp(key, "version") == 0) {
			if (mts_jr_int(&j, &version) != 0)
				goto syntax;
			if (version != 1)
				return mts_fail(ctx, MTASTS_ERR_SYNTAX, "cache "
				    "import: version %lld, expected 1",
				    (long long)version);
			continue;
		}
		if (strcmp(key, "policies") != 0) {
			if (mts_jr_skip(&j) != 0)
				goto syntax;
			continue;
		}
		if (version != 1)
			return mts_fail(ctx, MTASTS_ERR_SYNTAX, "cache import: "
			    "\"version\":1 must come first");
		if (mts_jr_expect(&j, '[') != 0)
			goto syntax;
		if (mts_jr_accept(&j, ']'))
			continue;
		do {
			rc = read_one(&j, &p);
			if (rc == 0) {
				why[0] = '\0';
				rc = store_one(ctx, cache, &p, why, sizeof(why));
				if (rc == 0) {
					(*skipped)++;
					mts_log(ctx, MTASTS_LOG_WARNING,
					    "cache=import-skipped reason=\"%s\"",
					    why);
				} else if (rc > 0)
					(*imported)++;
			}
			free(p.text);
			if (rc < 0 && j.err[0] == '\0')
				return mts_fail(ctx, MTASTS_ERR_CACHE, "cache "
				    "import: cannot store");
			if (rc < 0)
				goto syntax;
		} while (mts_jr_accept(&j, ','));
		if (mts_jr_expect(&j, ']') != 0)
			goto syntax;
	} while (mts_jr_accept(&j, ','));
	if (mts_jr_expect(&j, '}') != 0 || mts_jr_end(&j) != 0)
		goto syntax;
	return MTASTS_OK;
syntax:
	return mts_fail(ctx, MTASTS_ERR_SYNTAX, "cache import: %s", j.err);
}
