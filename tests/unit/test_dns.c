/* SPDX-License-Identifier: ISC */
/* test_dns.c - the DNS module's failures kept apart (STYLE 2): an
 * allocation failure is the API's -1, never "no record" (a TXT record
 * dropped under memory pressure would be cached as "no MTA-STS" for a
 * first-contact domain: fail open); malformed RDATA is not a record;
 * mts_dns_open reports the step that failed. Linked with
 * -Wl,--wrap=malloc,--wrap=mts_fmt (GNUmakefile) so that the test makes
 * the core's own malloc() or mts_fmt() calls fail on demand; libunbound's
 * allocations are not touched. Answers come from libunbound's local-data
 * (mts_dns_local_data), so no DNS server is needed. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <unbound.h>

#include "net/dns.h"
#include "base/util.h"
#include "tap.h"

/* Fail the next n-th call (1 = the next one); 0: never. */
static int fail_malloc, fail_fmt_int;

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
int __wrap_mts_fmt(char *dst, size_t dstsz, const char *fmt, ...);

void *
__wrap_malloc(size_t n)
{
	if (fail_malloc > 0 && --fail_malloc == 0)
		return NULL;
	return __real_malloc(n);
}

/* Only the "%d"-style formats of option values fail when armed. */
int
__wrap_mts_fmt(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (fail_fmt_int > 0 && fmt[0] == '%' && fmt[1] != 's' &&
	    --fail_fmt_int == 0)
		return -1;
	va_start(ap, fmt);
	rc = mts_vfmt(dst, dstsz, fmt, ap);
	va_end(ap);
	return rc;
}

static const struct {
	const char *name;
	const char *rdata;
	size_t len;
	int want;               /* 0, MTS_DNS_RDATA_MALFORMED */
	const char *text;
} rdata_rows[] = {
	{ .name = "one string", .rdata = "\x0dv=STSv1; id=1", .len = 14,
	  .want = 0, .text = "v=STSv1; id=1" },
	{ .name = "STS-16 (RFC 8461 §3.1): strings joined without spaces",
	  .rdata = "\x08v=STSv1;\x05id=1;", .len = 15, .want = 0,
	  .text = "v=STSv1;id=1;" },
	{ .name = "an empty string", .rdata = "\x00", .len = 1, .want = 0,
	  .text = "" },
	{ .name = "length past the end: malformed", .rdata = "\x09v=STSv1",
	  .len = 8, .want = MTS_DNS_RDATA_MALFORMED },
	{ .name = "second string cut short: malformed",
	  .rdata = "\x01v\x05" "ab", .len = 5, .want = MTS_DNS_RDATA_MALFORMED },
};

static void
rdata(void)
{
	size_t i, len;
	char *s;
	int rc;

	for (i = 0; i < sizeof(rdata_rows) / sizeof(rdata_rows[0]); i++) {
		s = NULL;
		rc = mts_dns_txt_rdata((const unsigned char *)rdata_rows[i].rdata,
		    rdata_rows[i].len, &s, &len);
		is_int(rc, rdata_rows[i].want, "rdata: %s", rdata_rows[i].name);
		if (rdata_rows[i].text != NULL && rc == 0)
			is_str(s, rdata_rows[i].text, "rdata: %s: text",
			    rdata_rows[i].name);
		free(s);
	}
	fail_malloc = 1;
	s = NULL;
	rc = mts_dns_txt_rdata((const unsigned char *)"\x02ok", 3, &s, &len);
	is_int(rc, -1, "rdata: allocation failure is the API's -1");
	ok(s == NULL, "rdata: nothing returned on allocation failure");
	fail_malloc = 0;
}

static struct mts_dns *
open_local(void)
{
	struct mts_dns *d = NULL;
	char err[256] = "";

	/* A forwarder that is never asked: local-data answers first. */
	if (mts_dns_open(&d, "127.0.0.1@9", "", 5, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return NULL;
	}
	if (mts_dns_local_data(d, "_mta-sts.oom.test. 300 IN TXT "
	    "\"v=STSv1; id=20261201\"") != 0)
		printf("# local-data refused\n");
	return d;
}

static void
txt(void)
{
	struct mts_dns *d = open_local();
	struct mts_dns_txt t;
	int rc;

	ok(d != NULL, "dns opened with local data");
	if (d == NULL)
		return;
	rc = mts_dns_txt(d, "_mta-sts.oom.test", &t);
	is_int(rc, 0, "TXT lookup answered");
	is_int(t.status, MTS_DNS_OK, "TXT status OK");
	is_int(t.n, 1, "one record");
	if (t.n == 1)
		is_str(t.recs[0], "v=STSv1; id=20261201", "the record's text");
	mts_dns_txt_clear(&t);

	/* The record's copy is the one malloc() of our own in the lookup. */
	fail_malloc = 1;
	rc = mts_dns_txt(d, "_mta-sts.oom.test", &t);
	fail_malloc = 0;
	is_int(rc, -1, "allocation failure in the lookup: -1, not an answer");
	is_int(t.n, 0, "no half answer left behind");
	ok(rc != 0 || t.status != MTS_DNS_OK || t.n > 0,
	    "never an OK answer without the record (a cached 'no record')");
	mts_dns_txt_clear(&t);
	mts_dns_free(d);
}

static void
open_errors(void)
{
	struct mts_dns *d = NULL;
	char err[256] = "";
	int rc;

	fail_fmt_int = 1;       /* the dns_timeout -> infra-cache-max-rtt text */
	rc = mts_dns_open(&d, "127.0.0.1@9", "", 5, err, sizeof(err));
	fail_fmt_int = 0;
	printf("# err='%s'\n", err);
	is_int(rc, -1, "open: a failed option value fails the open");
	ok(strstr(err, ub_strerror(0)) == NULL,
	    "open: the error names the failure, not '%s'", ub_strerror(0));
	ok(strstr(err, "timeout") != NULL, "open: the error names the timeout");
	if (rc == 0)
		mts_dns_free(d);

	d = NULL;
	rc = mts_dns_open(&d, " 127.0.0.1@9,\t127.0.0.2@9 ,", "", 5, err,
	    sizeof(err));
	is_int(rc, 0, "open: forwarders split on spaces, tabs and commas");
	mts_dns_free(d);
	d = NULL;
	rc = mts_dns_open(&d, "127.0.0.1@9 not-an-address", "", 5, err,
	    sizeof(err));
	is_int(rc, -1, "open: a bad forwarder fails the open");
	ok(strstr(err, "forwarder not-an-address") != NULL,
	    "open: and is named (%s)", err);
	mts_dns_free(d);

	d = NULL;
	rc = mts_dns_open(&d, "127.0.0.1@9", "", INT_MAX, err, sizeof(err));
	is_int(rc, 0, "open: a huge timeout is capped, not overflowed");
	mts_dns_free(d);
}

/* CURLOPT_RESOLVE's list: 24 A and 24 AAAA records for one name make a
 * list of whole addresses, at most MTS_DNS_ADDRS_MAX, never one cut in
 * the middle (a 512-byte buffer once pinned libcurl to "10.99."). */
static void
addrs(void)
{
	struct mts_dns *d = open_local();
	char rr[128], buf[MTS_DNS_ADDRS_BUF], why[128], *p, *e;
	enum mts_dns_status st;
	int i, n = 0, bad = 0;

	if (d == NULL)
		return;
	for (i = 0; i < 24; i++) {
		snprintf(rr, sizeof(rr), "mta-sts.many.test. 300 IN A 10.99.%d.%d",
		    i, 100 + i);
		(void)mts_dns_local_data(d, rr);
		snprintf(rr, sizeof(rr), "mta-sts.many.test. 300 IN AAAA "
		    "2001:db8:ffff:ffff:ffff:ffff:ffff:%x", 0xff00 + i);
		(void)mts_dns_local_data(d, rr);
	}
	mts_dns_addrs(d, "mta-sts.many.test", buf, sizeof(buf), &st, why,
	    sizeof(why));
	is_int(st, MTS_DNS_OK, "48 addresses: answered");
	for (p = buf; *p != '\0'; p = *e ? e + 1 : e) {
		char one[64], *q;
		unsigned char a[16];

		e = p + strcspn(p, ",");
		snprintf(one, sizeof(one), "%.*s", (int)(e - p), p);
		q = one;
		if (*q == '[' && q[strlen(q) - 1] == ']') {
			q[strlen(q) - 1] = '\0';
			q++;
		}
		if (inet_pton(strchr(q, ':') ? AF_INET6 : AF_INET, q, a) != 1)
			bad++;
		n++;
	}
	ok(n > 0 && n <= MTS_DNS_ADDRS_MAX, "at most %d addresses (%d)",
	    MTS_DNS_ADDRS_MAX, n);
	is_int(bad, 0, "each one whole (%s)", buf);
	mts_dns_free(d);
}

int
main(void)
{
	rdata();
	txt();
	addrs();
	open_errors();
	return done_testing();
}
