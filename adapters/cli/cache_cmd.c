/* SPDX-License-Identifier: ISC */
/* cache_cmd.c - `cache list | show DOMAIN | drop DOMAIN | flush`: the
 * shared policy cache, read and managed without any network. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "json.h"

struct list_arg {
	const struct cli *c;
	FILE *f;
	struct json j;
};

static int
list_one(void *arg, const mtasts_policy *p)
{
	struct list_arg *l = arg;
	const char *id = mtasts_policy_id(p);
	char t[CLI_TIME_MAX];

	if (l->c->json) {
		show_policy_json(&l->j, p);
		return 0;
	}
	/* "-" keeps the columns when a domain has no policy (a cached
	 * "no TXT record" answer). */
	fprintf(l->f, "%s %s %s %s\n", mtasts_policy_domain(p),
	    mtasts_mode_str(mtasts_policy_mode(p)), id[0] ? id : "-",
	    cli_time(mtasts_policy_expires_at(p), t));
	return 0;
}

static int
cache_list(const struct cli *c)
{
	struct list_arg l = { .c = c };
	struct out o;
	mtasts_status st;

	if (out_open(&o) != 0)
		return cli_fail(c, MTASTS_ERR_NOMEM, "output");
	l.f = o.f;
	json_init(&l.j, o.f);
	if (c->json)
		json_arr_begin(&l.j);
	if ((st = mtasts_cache_walk(c->ctx, list_one, &l)) != MTASTS_OK) {
		out_discard(&o);
		return cli_fail(c, st, "cache");
	}
	if (c->json) {
		json_arr_end(&l.j);
		fputc('\n', o.f);
	}
	return out_commit(&o);
}

struct find_arg {
	const char *domain;
	int found;
};

static int
find_one(void *arg, const mtasts_policy *p)
{
	struct find_arg *f = arg;

	f->found = strcmp(mtasts_policy_domain(p), f->domain) == 0;
	return f->found;
}

/*
 * What a sender would apply now from the cache alone. Whether the domain
 * is in the cache at all is asked of the cache itself: a cache-only
 * lookup says "no policy" both for an absent domain and for a cached
 * "no TXT record" answer.
 */
static int
cache_show(const struct cli *c)
{
	mtasts_policy *p = NULL;
	struct find_arg f = { 0 };
	mtasts_status st;
	int rc;

	if ((st = mtasts_lookup_cached(c->ctx, c->argv[1], &p)) != MTASTS_OK)
		return cli_fail(c, st, c->argv[1]);
	f.domain = mtasts_policy_domain(p);
	if ((st = mtasts_cache_walk(c->ctx, find_one, &f)) != MTASTS_OK)
		rc = cli_fail(c, st, "cache");
	else if (!f.found) {
		fprintf(stderr, "mtasts: %s: not in the cache\n", f.domain);
		rc = CLI_NO;
	} else
		rc = show_policy(c, p);
	mtasts_policy_free(p);
	return rc;
}

static int
cache_drop(const struct cli *c)
{
	mtasts_status st = mtasts_cache_drop(c->ctx, c->argv[1]);

	return st == MTASTS_OK ? CLI_OK : cli_fail(c, st, c->argv[1]);
}

static int
cache_flush(const struct cli *c)
{
	mtasts_status st = mtasts_cache_flush(c->ctx);

	return st == MTASTS_OK ? CLI_OK : cli_fail(c, st, "cache");
}

int cache_export(const struct cli *c);
int cache_import(const struct cli *c);

int
cmd_cache(struct cli *c)
{
	static const struct {
		const char *name;
		int nargs;
		int (*run)(const struct cli *c);
	} subs[] = {
		{ "list", 0, cache_list }, { "show", 1, cache_show },
		{ "drop", 1, cache_drop }, { "flush", 0, cache_flush },
		{ "export", 0, cache_export }, { "import", 1, cache_import },
	};
	size_t i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(c->argv[0], subs[i].name) != 0)
			continue;
		if (c->argc - 1 != subs[i].nargs)
			return cli_usage_error("cache %s: wrong number of "
			    "arguments", subs[i].name);
		return subs[i].run(c);
	}
	return cli_usage_error("unknown cache command '%s'", c->argv[0]);
}
