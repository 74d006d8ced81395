/* SPDX-License-Identifier: ISC */
/*
 * offline.c - the network entry points of the core for programs linked
 * without the network: mtasts-run (Exim's ${run}), table-mtasts and
 * filter-mtasts answer from the cache only and hand every resolution to
 * the full `mtasts` (a process they exec). Linked before libmtasts.a,
 * these definitions satisfy the references of the cache path
 * (base/ctx.c, sts/resolve_driver.c, sts/route.c, sts/verdict.c), so the
 * static linker takes none of net/dns.o, net/fetch.o, net/https.o,
 * net/cert.o, net/trust.o, net/curl_load.o, store/shared.o,
 * store/redis.o, sts/lookup_shared.o, and the program needs neither
 * libunbound, libcurl, OpenSSL nor hiredis. If anything else pulled one
 * of those objects in, the link fails on a duplicate symbol (the seam is
 * checked by the linker, not by convention).
 *
 * Every entry fails safe: no resolver, no fetcher, no CA store means the
 * caller's temporary-failure path (an enforce domain defers, never goes
 * out in the clear), and nothing here is ever asked on the cache-only
 * path (mtasts_route_lookup_cached: MTASTS_ROUTE_CACHED never resolves).
 * Not part of libmtasts.a or libmtasts.so; the signatures are the
 * headers', so a change there is a compile error here.
 */
#include <stdio.h>
#include <string.h>

#include "net/cert.h"
#include "net/dns.h"
#include "net/fetch.h"
#include "sts/entry.h"
#include "sts/lookup_shared.h"

#define OFFLINE "no network in this program (the full mtasts resolves)"

static void
say(char *err, size_t errsz)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s", OFFLINE);
}

int
mts_dns_open(struct mts_dns **out, const char *upstream,
    const char *trust_anchor, int timeout, char *err, size_t errsz)
{
	(void)upstream; (void)trust_anchor; (void)timeout;
	*out = NULL;
	say(err, errsz);
	return -1;
}

void mts_dns_free(struct mts_dns *d) { (void)d; }
int mts_dns_persistent(struct mts_dns *d) { (void)d; return -1; }
int mts_dns_is_persistent(const struct mts_dns *d) { (void)d; return 0; }

int
mts_dns_txt(struct mts_dns *d, const char *name, struct mts_dns_txt *out)
{
	(void)d; (void)name;
	memset(out, 0, sizeof(*out));
	out->status = MTS_DNS_TEMPFAIL;
	say(out->reason, sizeof(out->reason));
	return 0;
}

int
mts_dns_txt_with_addrs(struct mts_dns *d, const char *name, const char *host,
    struct mts_dns_txt *out)
{
	(void)host;
	return mts_dns_txt(d, name, out);
}

void mts_dns_txt_clear(struct mts_dns_txt *t) { (void)t; }

int
mts_dns_mx(struct mts_dns *d, const char *name, struct mts_dns_mx *out)
{
	(void)d; (void)name;
	memset(out, 0, sizeof(*out));
	out->status = MTS_DNS_TEMPFAIL;
	say(out->reason, sizeof(out->reason));
	return 0;
}

int
mts_dns_addrs(struct mts_dns *d, const char *name, char *buf, size_t bufsz,
    enum mts_dns_status *status, char *reason, size_t reasonsz)
{
	(void)d; (void)name;
	if (bufsz > 0)
		buf[0] = '\0';
	*status = MTS_DNS_TEMPFAIL;
	say(reason, reasonsz);
	return -1;
}

int mts_fetcher_new(struct mts_fetcher **out) { *out = NULL; return -1; }
void mts_fetcher_free(struct mts_fetcher *f) { (void)f; }

int
mts_fetch_policy(struct mts_fetcher *f, const struct mts_fetch_opts *o,
    const char *domain, struct mts_fetch_result *r)
{
	(void)f; (void)o; (void)domain;
	memset(r, 0, sizeof(*r));
	r->result = MTASTS_RESULT_STS_POLICY_FETCH_ERROR;
	say(r->reason, sizeof(r->reason));
	return -1;
}

void mts_fetch_result_clear(struct mts_fetch_result *r) { (void)r; }

int
mts_cert_store_open(struct mts_cert_store **out, const char *ca_file,
    const char *ca_path, char *err, size_t errsz)
{
	(void)ca_file; (void)ca_path;
	*out = NULL;
	say(err, errsz);
	return -1;
}

int
mts_cert_store_open_https(struct mts_cert_store **out, const char *ca_file,
    const char *ca_path, char *err, size_t errsz)
{
	return mts_cert_store_open(out, ca_file, ca_path, err, errsz);
}

void mts_cert_store_free(struct mts_cert_store *s) { (void)s; }

/* No chain is ever verified here: "not verified" (the caller defers an
 * enforce delivery, RFC 8461 §4.2). */
int
mts_cert_verify_code(struct mts_cert_store *s, const unsigned char *data,
    size_t len, const char *host, int64_t now, mtasts_result *result,
    char *reason, size_t reasonsz, char *code, size_t codesz)
{
	(void)s; (void)data; (void)len; (void)host; (void)now;
	*result = MTASTS_RESULT_CERT_NOT_TRUSTED;
	say(reason, reasonsz);
	if (codesz > 0)
		code[0] = '\0';
	return -1;
}

int
mts_shpol_seed(mtasts_ctx *ctx, const char *domain, struct mts_entry *e)
{
	(void)ctx; (void)domain; (void)e;
	return 0;
}

enum mts_shf
mts_shpol_begin(mtasts_ctx *ctx, const char *domain, const char *id,
    int force, int64_t have_fetched_at, struct mts_entry *got, char token[33])
{
	(void)ctx; (void)domain; (void)id; (void)force; (void)have_fetched_at;
	(void)got;
	token[0] = '\0';
	return MTS_SHF_LOCAL;
}

void
mts_shpol_done(mtasts_ctx *ctx, const char *domain, const struct mts_entry *e,
    int fetched, const char *token)
{
	(void)ctx; (void)domain; (void)e; (void)fetched; (void)token;
}
