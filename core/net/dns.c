/* SPDX-License-Identifier: ISC */
/*
 * net/dns.c - lookups through libunbound.
 *
 * Synchronous resolution by default: ub_resolve_async would start a
 * worker process or thread inside the MTA; `mtasts refresh` alone asks
 * for a persistent resolver (dns_worker): libunbound on an in-process
 * libevent base (ub_resolve_event, reply packets read by net/dns_pkt.c),
 * or one worker process if that cannot be set up. CNAMEs are followed by libunbound
 * (STS-17, RFC 8461 §3.1). Answers keep rcode, TTL and DNSSEC status apart.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <unbound.h>
#include <unbound-event.h>

#include "net/dns.h"
#include "net/dns_pkt.h"
#include "base/lazylib.h"
#include "base/util.h"

#define RR_A 1
#define RR_MX 15
#define RR_TXT 16
#define RR_AAAA 28
#define RCODE_SERVFAIL 2

struct mts_dns {
	struct ub_ctx *ub;
	int persistent;         /* mts_dns_persistent() asked */
	/* Event mode (mts_dns_persistent): the resolver runs in this
	 * process on its own libevent base, built at the first query, after
	 * any fork() of `mtasts refresh` (an epoll base does not survive
	 * one). ub_ctx_create_event needs a new context: its settings are
	 * kept to build it. */
	struct event_base *eb;
	int event_failed;       /* fell back to a libunbound worker */
	int local_data;         /* mts_dns_local_data used: stay as is */
	char *upstream, *trust_anchor;
	int timeout;
	/* mts_dns_txt_with_addrs: the policy host's A and AAAA answers,
	 * for the next query only if it is mts_dns_addrs of that host. */
	struct {
		char host[MTS_DOMAIN_BUF + 16];
		struct ub_result *res[2];
		int err[2];
		int64_t at;
	} stash;
};

static void drop_stash(struct mts_dns *d);

/* "ip[@port]" forwarders separated by spaces, tabs or commas (a bounded
 * cursor, no strtok: STYLE). */
static int
add_forwarders(struct ub_ctx *ub, const char *upstream, char *err,
    size_t errsz)
{
	const char *p = upstream, *e;
	char tok[128];
	size_t n;
	int rc;

	for (;;) {
		p += strspn(p, " ,\t");
		if (*p == '\0')
			return 0;
		e = p + strcspn(p, " ,\t");
		n = (size_t)(e - p);
		if (n >= sizeof(tok)) {
			mts_fmt(err, errsz, "forwarder %.40s...: too long", p);
			return -1;
		}
		memcpy(tok, p, n);
		tok[n] = '\0';
		if ((rc = ub_ctx_set_fwd(ub, tok)) != 0) {
			mts_fmt(err, errsz, "forwarder %s: %s", tok, ub_strerror(rc));
			return -1;
		}
		p = e;
	}
}

/* One libunbound option; -1 with err naming it. */
static int
set_opt(struct ub_ctx *ub, const char *opt, const char *val, char *err,
    size_t errsz)
{
	int rc = ub_ctx_set_option(ub, opt, val);

	if (rc != 0) {
		mts_fmt(err, errsz, "unbound option %s %s: %s", opt, val,
		    ub_strerror(rc));
		return -1;
	}
	return 0;
}

static const char *const fixed_opts[][2] = {
	/* Local resolvers (127.0.0.53, a site's own unbound) are normal. */
	{ "do-not-query-localhost:", "no" },
	{ "edns-buffer-size:", "1232" },
	/* Each synchronous ub_resolve() builds a worker with buffers of
	 * this size: 64 KiB (the default) made a local query cost ~1.7 ms,
	 * 4 KiB ~0.3 ms (docs/BENCHMARKS.md). An answer over 4 KiB fails
	 * like a DNS error (temporary): no real _mta-sts, MX or address
	 * RRset is near that size. */
	{ "msg-buffer-size:", "4096" },
	/* We are a stub of the site's resolver: names that unbound would
	 * answer itself as special-use (RFC 6761 test., RFC 8375 home.arpa.)
	 * go upstream like any other, so that sites and test worlds using
	 * them are served by their own DNS. */
	{ "local-zone:", "test. transparent" },
	{ "local-zone:", "home.arpa. transparent" },
};

/* One call per statement, so every failure has its own message. */
static int
set_options(struct ub_ctx *ub, int timeout, char *err, size_t errsz)
{
	char rtt[32];
	size_t i;
	int ms;

	for (i = 0; i < sizeof(fixed_opts) / sizeof(fixed_opts[0]); i++)
		if (set_opt(ub, fixed_opts[i][0], fixed_opts[i][1], err,
		    errsz) != 0)
			return -1;
	/* dns_timeout: libunbound has no per-query deadline, but it gives
	 * up on a silent upstream after a few retries whose waits are
	 * capped by infra-cache-max-rtt (default 120 s: a dead resolver
	 * held a query ~17 s). Half the timeout per wait comes out at about
	 * the timeout in all (measured: 5 s -> 5.3 s). Never above the
	 * default, and no int overflow for a huge timeout. */
	ms = timeout > 240 ? 120000 : timeout > 2 ? timeout * 500 : 1000;
	if (mts_fmt(rtt, sizeof(rtt), "%d", ms) != 0) {
		mts_fmt(err, errsz, "dns timeout %d: cannot format %d ms",
		    timeout, ms);
		return -1;
	}
	return set_opt(ub, "infra-cache-max-rtt:", rtt, err, errsz);
}

/* Everything mts_dns_open sets on a context, for either kind. */
static int
configure(struct ub_ctx *ub, const char *upstream, const char *trust_anchor,
    int timeout, char *err, size_t errsz)
{
	int rc;

	if (set_options(ub, timeout, err, errsz) != 0)
		return -1;
	if (upstream != NULL && upstream[0] != '\0') {
		if (add_forwarders(ub, upstream, err, errsz) != 0)
			return -1;
	} else if ((rc = ub_ctx_resolvconf(ub, NULL)) != 0) {
		mts_fmt(err, errsz, "/etc/resolv.conf: %s", ub_strerror(rc));
		return -1;
	}
	if (trust_anchor != NULL && trust_anchor[0] != '\0' &&
	    (rc = ub_ctx_add_ta_file(ub, trust_anchor)) != 0) {
		mts_fmt(err, errsz, "trust anchor %s: %s", trust_anchor,
		    ub_strerror(rc));
		return -1;
	}
	return 0;
}

int
mts_dns_open(struct mts_dns **out, const char *upstream,
    const char *trust_anchor, int timeout, char *err, size_t errsz)
{
	struct mts_dns *d = calloc(1, sizeof(*d));

	/* mtasts_exim.so names neither libunbound nor libevent
	 * (base/lazylib.c; libevent is loaded in event_setup()). */
	if (mts_lazylib_unbound() != 0) {
		mts_fmt(err, errsz, "cannot load libunbound");
		goto fail;
	}
	if (d == NULL || (d->ub = ub_ctx_create()) == NULL) {
		mts_fmt(err, errsz, "cannot create libunbound context");
		goto fail;
	}
	if (configure(d->ub, upstream, trust_anchor, timeout, err, errsz) != 0)
		goto fail;
	d->timeout = timeout;
	if ((d->upstream = strdup(upstream ? upstream : "")) == NULL ||
	    (d->trust_anchor = strdup(trust_anchor ? trust_anchor : "")) ==
	    NULL) {
		mts_fmt(err, errsz, "out of memory");
		goto fail;
	}
	*out = d;
	return 0;
fail:
	mts_dns_free(d);
	return -1;
}

void
mts_dns_free(struct mts_dns *d)
{
	if (d == NULL)
		return;
	if (d->ub != NULL)
		ub_ctx_delete(d->ub);
	drop_stash(d);
	if (d->eb != NULL)
		event_base_free(d->eb);
	free(d->upstream);
	free(d->trust_anchor);
	free(d);
}

/*
 * For `mtasts refresh`, never inside an MTA: instead of building a
 * resolver worker (buffers, sockets, random state) for every query,
 * about 0.9 ms each, one resolver lives on for the handle, and a
 * domain's queries are in flight together. It runs in this process on
 * a libevent base (ub_resolve_event: no worker process, no pipe hop, no
 * thread); if that cannot be set up, one libunbound worker process
 * (ub_ctx_async) does the work instead.
 */
int
mts_dns_persistent(struct mts_dns *d)
{
	d->persistent = 1;
	return 0;
}

int
mts_dns_is_persistent(const struct mts_dns *d)
{
	return d->persistent;
}

int
mts_dns_local_data(struct mts_dns *d, const char *rr)
{
	d->local_data = 1;
	return ub_ctx_data_add(d->ub, rr) == 0 ? 0 : -1;
}

/* The in-process event resolver, or -1 (then the worker process). */
static int
event_setup(struct mts_dns *d)
{
	struct event_base *eb;
	struct ub_ctx *ub;
	char err[160];

	if (d->local_data)
		return -1;      /* the unit tests' answers live in d->ub */
	if (mts_lazylib_event() != 0 || (eb = event_base_new()) == NULL)
		return -1;
	if ((ub = ub_ctx_create_event(eb)) == NULL ||
	    configure(ub, d->upstream, d->trust_anchor, d->timeout, err,
	    sizeof(err)) != 0) {
		if (ub != NULL)
			ub_ctx_delete(ub);
		event_base_free(eb);
		return -1;
	}
	ub_ctx_delete(d->ub);
	d->ub = ub;
	d->eb = eb;
	return 0;
}

static void
mode_setup(struct mts_dns *d)
{
	if (d->eb != NULL || d->event_failed)
		return;
	if (event_setup(d) == 0)
		return;
	d->event_failed = 1;
	(void)ub_ctx_async(d->ub, 0);
}

struct pending {
	struct ub_result *res;
	int type;
	int id;
	int err;
	int done;
};

/* Our own ub_result, made from a reply packet (ev_result): freed here,
 * never by ub_resolve_free. */
static void
res_free(struct mts_dns *d, struct ub_result *r)
{
	if (r == NULL)
		return;
	if (d->eb == NULL) {
		ub_resolve_free(r);
		return;
	}
	free(r->data);
	free(r->len);
	free(r->answer_packet);
	free(r->why_bogus);
	free(r);
}

static void
drop_stash(struct mts_dns *d)
{
	res_free(d, d->stash.res[0]);
	res_free(d, d->stash.res[1]);
	memset(&d->stash, 0, sizeof(d->stash));
}

/*
 * A ub_result from the packet of ub_resolve_event's callback, so that
 * the answer is read by the same code as a synchronous one: rcode,
 * NXDOMAIN, records of the type (RDATA copied: the packet is
 * libunbound's), TTL, DNSSEC status. NULL for a malformed packet or no
 * memory; *err says which.
 */
static struct ub_result *
ev_result(const unsigned char *pkt, size_t len, int type, int sec,
    const char *why, int *err)
{
	struct mts_dns_pkt a;
	struct ub_result *r;
	size_t i;

	*err = UB_NOMEM;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	a.bufsz = MTS_DNS_PKT_BUF(len);
	if ((a.buf = malloc(a.bufsz)) == NULL)
		goto fail;
	r->answer_packet = a.buf;
	if (mts_dns_pkt_parse(pkt, len, (unsigned)type, &a) != 0) {
		*err = UB_SERVFAIL;     /* "server fail": a temporary failure */
		goto fail;
	}
	if ((r->data = calloc(a.n + 1, sizeof(*r->data))) == NULL ||
	    (r->len = calloc(a.n + 1, sizeof(*r->len))) == NULL)
		goto fail;
	for (i = 0; i < a.n; i++) {
		r->data[i] = (char *)a.buf + a.off[i];
		r->len[i] = (int)a.rdlen[i];
	}
	r->qtype = type;
	r->rcode = a.rcode;
	r->nxdomain = a.rcode == 3;
	r->havedata = a.rcode == 0 && a.n > 0;
	r->ttl = a.ttl > INT32_MAX ? INT32_MAX : (int)a.ttl;
	r->secure = sec == 2;
	r->bogus = sec == 1;
	if (r->bogus && (r->why_bogus = strdup(why ? why : "?")) == NULL)
		goto fail;
	*err = 0;
	return r;
fail:
	free(r->data);
	free(r->len);
	free(r->answer_packet);
	free(r);
	return NULL;
}

/* An answer without a packet: only its rcode (SERVFAIL and the like). */
static struct ub_result *
ev_rcode_only(int rcode, int *err)
{
	struct ub_result *r = calloc(1, sizeof(*r));

	*err = UB_NOMEM;
	if (r == NULL || (r->data = calloc(1, sizeof(*r->data))) == NULL ||
	    (r->len = calloc(1, sizeof(*r->len))) == NULL) {
		if (r != NULL)
			free(r->data);
		free(r);
		return NULL;
	}
	r->rcode = rcode;
	r->nxdomain = rcode == 3;
	*err = 0;
	return r;
}

static void
on_event(void *arg, int rcode, void *pkt, int len, int sec, char *why,
    int ratelimited)
{
	struct pending *p = arg;

	(void)ratelimited;
	p->done = 1;
	p->id = 0;
	if (pkt == NULL || len <= 0) {
		p->res = ev_rcode_only(rcode != 0 ? rcode : 2, &p->err);
		return;
	}
	p->res = ev_result(pkt, (size_t)len, p->type, sec, why, &p->err);
	/* The callback's rcode stands if the packet's says less. */
	if (p->res != NULL && rcode != 0 && p->res->rcode == 0) {
		p->res->rcode = rcode;
		p->res->nxdomain = rcode == 3;
		p->res->havedata = 0;
	}
}

/* n queries in flight together on the event base, until all answered
 * (libunbound's retry cap bounds that: dns_timeout). */
static void
resolve_event(struct mts_dns *d, const char *const *names, const int *types,
    int n, struct pending *p)
{
	int i, rc, waiting;

	for (i = 0; i < n; i++) {
		p[i].type = types[i];
		if ((rc = ub_resolve_event(d->ub, names[i], types[i], 1, &p[i],
		    on_event, &p[i].id)) != 0) {
			p[i].err = rc;
			p[i].done = 1;
		}
	}
	for (;;) {
		for (waiting = 0, i = 0; i < n; i++)
			waiting |= !p[i].done;
		if (!waiting)
			return;
		if (event_base_loop(d->eb, EVLOOP_ONCE) != 0)
			break;      /* nothing left to wait for, or an error */
	}
	for (i = 0; i < n; i++)
		if (!p[i].done) {
			if (p[i].id != 0)
				(void)ub_cancel(d->ub, p[i].id);
			p[i].err = UB_SERVFAIL;
			p[i].done = 1;
		}
}

static void
on_result(void *arg, int err, struct ub_result *res)
{
	struct pending *p = arg;

	p->err = err;
	p->res = res;
	p->done = 1;
}

/*
 * n queries for name (n <= 3). Synchronous by default: the async API
 * would start a worker thread or process, which we refuse inside an
 * MTA; with mts_dns_persistent() they go to the event base or the
 * worker together. Their duration is bounded by the retry cap set in
 * mts_dns_open() (dns_timeout).
 */
static void
resolve(struct mts_dns *d, const char *name, const int *types, int n,
    struct ub_result **res, int *errs)
{
	struct pending p[3];
	int i, rc, waiting = 0;

	if (!d->persistent || n > 3) {
		for (i = 0; i < n; i++)
			if ((errs[i] = ub_resolve(d->ub, name, types[i], 1,
			    &res[i])) != 0)
				res[i] = NULL;
		return;
	}
	memset(p, 0, sizeof(p));
	mode_setup(d);
	drop_stash(d);
	if (d->eb != NULL) {
		const char *names[3] = { name, name, name };

		resolve_event(d, names, types, n, p);
	} else {
		for (i = 0; i < n; i++)
			if ((rc = ub_resolve_async(d->ub, name, types[i], 1,
			    &p[i], on_result, NULL)) != 0) {
				p[i].err = rc;
				p[i].done = 1;
			} else
				waiting = 1;
		if (waiting && (rc = ub_wait(d->ub)) != 0)
			for (i = 0; i < n; i++)
				if (!p[i].done) {
					p[i].err = rc;
					p[i].done = 1;
				}
	}
	for (i = 0; i < n; i++) {
		res[i] = p[i].err == 0 ? p[i].res : NULL;
		errs[i] = p[i].err;
		if (p[i].err != 0 && p[i].res != NULL)
			res_free(d, p[i].res);
	}
}

static enum mts_dns_status
judge(const char *name, int rc, struct ub_result *res, char *reason,
    size_t reasonsz)
{
	if (rc != 0 || res == NULL) {
		mts_fmt(reason, reasonsz, "%s: %s", name, ub_strerror(rc));
		return MTS_DNS_TEMPFAIL;
	}
	if (res->bogus) {
		mts_fmt(reason, reasonsz, "%s: DNSSEC bogus: %s", name,
		    res->why_bogus ? res->why_bogus : "?");
		return MTS_DNS_BOGUS;
	}
	if (res->nxdomain) {
		mts_fmt(reason, reasonsz, "%s: NXDOMAIN", name);
		return MTS_DNS_NXDOMAIN;
	}
	if (res->rcode != 0) {
		mts_fmt(reason, reasonsz, "%s: rcode %d%s", name, res->rcode,
		    res->rcode == RCODE_SERVFAIL ? " (SERVFAIL)" : "");
		return MTS_DNS_TEMPFAIL;
	}
	if (!res->havedata) {
		mts_fmt(reason, reasonsz, "%s: no records", name);
		return MTS_DNS_NODATA;
	}
	reason[0] = '\0';
	return MTS_DNS_OK;
}

static enum mts_dns_status
dns_query(struct mts_dns *d, const char *name, int type,
    struct ub_result **res, char *reason, size_t reasonsz)
{
	int rc;

	resolve(d, name, &type, 1, res, &rc);
	return judge(name, rc, *res, reason, reasonsz);
}

/* The answer to one query with its status, TTL and DNSSEC flag; NULL
 * when there is none (the status and reason say why). */
static struct ub_result *
answer(struct mts_dns *d, const char *name, int type,
    enum mts_dns_status *status, uint32_t *ttl, int *secure, char *reason,
    size_t reasonsz)
{
	struct ub_result *res = NULL;

	*status = dns_query(d, name, type, &res, reason, reasonsz);
	if (res == NULL)
		return NULL;
	*ttl = (uint32_t)(res->ttl < 0 ? 0 : res->ttl);
	*secure = res->secure;
	return res;
}

int
mts_dns_txt_rdata(const unsigned char *rdata, size_t len, char **out,
    size_t *outlen)
{
	size_t i = 0, o = 0, n;
	char *s;

	*out = NULL;
	/* Malformed is decided before any allocation: the two outcomes
	 * never mix. */
	while (i < len) {
		n = rdata[i++];
		if (n > len - i)
			return MTS_DNS_RDATA_MALFORMED;
		i += n;
	}
	if ((s = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i += n) {
		n = rdata[i++];
		memcpy(s + o, rdata + i, n);   /* STS-16 (RFC 8461 §3.1): concatenate, no spaces */
		o += n;
	}
	s[o] = '\0';
	*out = s;
	*outlen = o;
	return 0;
}

/* The TXT RRset of res (from answer() or a query made with others). */
static int
txt_fill(struct mts_dns *d, const char *name, struct ub_result *res,
    struct mts_dns_txt *out)
{
	int i, rc;

	if (res == NULL)
		return 0;
	for (i = 0; out->status == MTS_DNS_OK && res->data[i] != NULL
	    && out->n < MTS_DNS_MAX_RR; i++) {
		rc = mts_dns_txt_rdata((unsigned char *)res->data[i],
		    (size_t)res->len[i], &out->recs[out->n],
		    &out->lens[out->n]);
		if (rc < 0)
			goto oom;
		if (rc == 0)
			out->n++;   /* MTS_DNS_RDATA_MALFORMED: not a record */
	}
	res_free(d, res);
	return 0;
oom:
	/* A record lost to memory is not "no record" (a first-contact
	 * domain would be cached as having no policy): the API fails. */
	res_free(d, res);
	mts_dns_txt_clear(out);
	mts_fmt(out->reason, sizeof(out->reason), "%s: out of memory", name);
	out->status = MTS_DNS_TEMPFAIL;
	return -1;
}

int
mts_dns_txt(struct mts_dns *d, const char *name, struct mts_dns_txt *out)
{
	struct ub_result *res;

	memset(out, 0, sizeof(*out));
	res = answer(d, name, RR_TXT, &out->status, &out->ttl, &out->secure,
	    out->reason, sizeof(out->reason));
	return txt_fill(d, name, res, out);
}

/* How long a stashed address answer may wait for its fetch: the fetch
 * follows the TXT lookup at once unless another process held the fetch
 * lock; after a wait the host is looked up again. */
#define STASH_MS 2000

int
mts_dns_txt_with_addrs(struct mts_dns *d, const char *name,
    const char *host, struct mts_dns_txt *out)
{
	static const int types[3] = { RR_TXT, RR_A, RR_AAAA };
	const char *names[3] = { name, host, host };
	struct pending p[3];
	struct ub_result *res;
	int i;

	if (!d->persistent)
		return mts_dns_txt(d, name, out);
	mode_setup(d);
	if (d->eb == NULL || strlen(host) >= sizeof(d->stash.host))
		return mts_dns_txt(d, name, out);
	drop_stash(d);
	memset(out, 0, sizeof(*out));
	memset(p, 0, sizeof(p));
	resolve_event(d, names, types, 3, p);
	for (i = 0; i < 3; i++)
		if (p[i].err != 0 && p[i].res != NULL) {
			res_free(d, p[i].res);
			p[i].res = NULL;
		}
	memcpy(d->stash.host, host, strlen(host) + 1);
	for (i = 0; i < 2; i++) {
		d->stash.res[i] = p[i + 1].res;
		d->stash.err[i] = p[i + 1].err;
	}
	d->stash.at = mts_mono_ms();
	res = p[0].res;
	out->status = judge(name, p[0].err, res, out->reason,
	    sizeof(out->reason));
	if (res != NULL) {
		out->ttl = (uint32_t)(res->ttl < 0 ? 0 : res->ttl);
		out->secure = res->secure;
	}
	return txt_fill(d, name, res, out);
}

void
mts_dns_txt_clear(struct mts_dns_txt *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->recs[i]);
	memset(t, 0, sizeof(*t));
}

/*
 * A label byte that a name string cannot carry as itself: a dot would
 * split the label ("evil\.x" would read as evil.x), a NUL would cut
 * the name, and a raw octet above 0x7f is no A-label (an IDN in DNS is
 * already xn--). Such a target is no host name (DESIGN 19).
 */
static int
label_byte_ok(unsigned char c)
{
	return c != '.' && c != 0 && c < 0x80;
}

int
mts_dns_mx_rdata(const unsigned char *rdata, size_t len, unsigned *pref,
    char *name, size_t namesz)
{
	size_t i = 2, o = 0, n, k;
	int host = 1;

	if (len < 3)
		return -1;
	*pref = (unsigned)rdata[0] << 8 | rdata[1];
	while (i < len && (n = rdata[i++]) != 0) {
		if (n > 63 || n > len - i || o + n + 2 > namesz)
			return -1;
		for (k = 0; k < n; k++)
			if (!label_byte_ok(rdata[i + k]))
				host = 0;
		if (o > 0)
			name[o++] = '.';
		memcpy(name + o, rdata + i, n);
		o += n;
		i += n;
	}
	if (i != len || rdata[len - 1] != 0)
		return -1;
	name[o] = '\0';
	if (!host) {
		name[0] = '\0';        /* never let the other name out */
		return 1;
	}
	return 0;
}

static int
cmp_pref(const void *a, const void *b)
{
	const struct mts_dns_mx_host *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
mts_dns_mx(struct mts_dns *d, const char *name, struct mts_dns_mx *out)
{
	char raw[MTS_DOMAIN_BUF + 2], err[64];
	struct mts_dns_mx_host *h;
	struct ub_result *res;
	int i, rc;

	memset(out, 0, sizeof(*out));
	if ((res = answer(d, name, RR_MX, &out->status, &out->ttl,
	    &out->secure, out->reason, sizeof(out->reason))) == NULL)
		return 0;
	for (i = 0; out->status == MTS_DNS_OK && res->data[i] != NULL
	    && out->n < MTS_DNS_MAX_RR; i++) {
		h = &out->hosts[out->n];
		rc = mts_dns_mx_rdata((unsigned char *)res->data[i],
		    (size_t)res->len[i], &h->pref, raw, sizeof(raw));
		if (rc < 0)
			continue;            /* malformed RDATA: not a record */
		if (rc == 0 && raw[0] == '\0') {  /* RFC 7505 null MX */
			out->null_mx = 1;
			continue;
		}
		/* Not a host name: never a candidate, never rewritten into
		 * another name (DESIGN 19); counted so that callers can tell
		 * "MX records, none usable" from no MX records. */
		if (rc > 0 || mts_domain_normalize(raw, h->name,
		    sizeof(h->name), err, sizeof(err)) != 0) {
			out->not_host++;
			continue;
		}
		out->n++;
	}
	/* Ties in preference: the MTA randomises; we keep a stable order. */
	qsort(out->hosts, out->n, sizeof(out->hosts[0]), cmp_pref);
	res_free(d, res);
	return 0;
}

static size_t
count_addrs(const char *list)
{
	size_t n = list[0] != '\0';

	for (; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

/* Whole addresses only, at most MTS_DNS_ADDRS_MAX in all: a list cut
 * mid-address ("10.99.") would pin libcurl to a wrong host. */
static void
append_addrs(struct ub_result *res, int v6, char *buf, size_t bufsz)
{
	char ip[INET6_ADDRSTRLEN], one[INET6_ADDRSTRLEN + 4];
	size_t used;
	int i;

	for (i = 0; res->data[i] != NULL; i++) {
		if ((size_t)res->len[i] != (v6 ? 16u : 4u)
		    || inet_ntop(v6 ? AF_INET6 : AF_INET, res->data[i], ip,
		    sizeof(ip)) == NULL)
			continue;
		used = strlen(buf);
		if (count_addrs(buf) >= MTS_DNS_ADDRS_MAX)
			return;
		/* libcurl's CURLOPT_RESOLVE wants IPv6 in brackets. */
		if (mts_fmt(one, sizeof(one), "%s%s%s%s", used ? "," : "",
		    v6 ? "[" : "", ip, v6 ? "]" : "") != 0 ||
		    used + strlen(one) >= bufsz)
			return;
		memcpy(buf + used, one, strlen(one) + 1);
	}
}

int
mts_dns_addrs(struct mts_dns *d, const char *name, char *buf, size_t bufsz,
    enum mts_dns_status *status, char *reason, size_t reasonsz)
{
	static const int types[2] = { RR_A, RR_AAAA };
	enum mts_dns_status st[2];
	struct ub_result *res[2];
	char why[2][128];
	int i, rc[2];

	buf[0] = '\0';
	if (d->stash.host[0] != '\0' && strcmp(d->stash.host, name) == 0 &&
	    mts_mono_ms() - d->stash.at <= STASH_MS) {
		/* Asked together with the domain's TXT record. */
		for (i = 0; i < 2; i++) {
			res[i] = d->stash.res[i];
			rc[i] = d->stash.err[i];
			d->stash.res[i] = NULL;
		}
		drop_stash(d);
	} else
		resolve(d, name, types, 2, res, rc);
	for (i = 0; i < 2; i++) {
		st[i] = judge(name, rc[i], res[i], why[i], sizeof(why[i]));
		if (st[i] == MTS_DNS_OK)
			append_addrs(res[i], i == 1, buf, bufsz);
		if (res[i] != NULL)
			res_free(d, res[i]);
	}
	/* Any address will do; without one, a temporary failure of either
	 * query outranks "no such name" (we cannot know it has none). */
	if (buf[0] != '\0')
		*status = MTS_DNS_OK;
	else if (st[0] >= MTS_DNS_TEMPFAIL || st[1] >= MTS_DNS_TEMPFAIL)
		*status = st[0] >= MTS_DNS_TEMPFAIL ? st[0] : st[1];
	else
		*status = st[0] == MTS_DNS_NXDOMAIN ? MTS_DNS_NXDOMAIN : MTS_DNS_NODATA;
	mts_strlcpy(reason, *status == MTS_DNS_OK ? "" :
	    (st[0] == *status ? why[0] : why[1]), reasonsz);
	return 0;
}
