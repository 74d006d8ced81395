/* SPDX-License-Identifier: ISC */
/* test_tlsrpt.c - the TLS-RPT pieces that need no network: the results
 * store (aggregation, policy separation, field hygiene, send state,
 * purge), the RFC 8460 §4.4 JSON and names, gzip, the sys4 collector
 * datagram, and mtasts_record's normalisation (VECTORS I; RPT-xx). */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "mtasts.h"
#include "tlsrpt/report.h"
#include "tlsrpt/results.h"
#include <tdb.h>

#include "tap.h"
#include "tlsrpt/collector.h"

static char dir[] = "/tmp/mts-tlsrpt-XXXXXX";
static int64_t fake_now = 1795920000;    /* 2026-11-29T02:40:00Z */

static int64_t
clock_fn(void *arg)
{
	(void)arg;
	return fake_now;
}

static void
days(void)
{
	char d[MTS_DAY_LEN + 1];

	mts_day_of(0, d);
	is_str(d, "1970-01-01", "day of the epoch");
	mts_day_of(1795996799, d);
	is_str(d, "2026-11-29", "RPT-10 (RFC 8460 §4.1) UTC day: its last second");
	mts_day_of(1795996800, d);
	is_str(d, "2026-11-30", "RPT-10 (RFC 8460 §4.1) UTC day: the next one at 00:00Z");
	is_int(mts_day_start("2026-11-29"), 1795910400, "day start 00:00Z");
	is_int(mts_day_start("2026-02-31"), -1, "no February 31st");
	is_int(mts_day_start("2026-1-01"), -1, "YYYY-MM-DD only");
	is_int(mts_day_start("20261129xx"), -1, "garbage");
}

static struct mts_results *
open_store(const char *name)
{
	char path[256], err[256];
	struct mts_results *r = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mts_results_open(&r, path, 0600, 1, err, sizeof(err)) != 0)
		printf("# %s\n", err);
	return r;
}

static void
store(void)
{
	struct mts_results *r = open_store("a.tdb");
	const char *mx[] = { "mx.example.net", "*.mx.example.net" };
	struct mts_results_outcome o;
	struct mts_rday *d = NULL;
	size_t n = 0, i;
	char err[256];

	ok(r != NULL, "results store opens");
	if (r == NULL)
		return;
	memset(&o, 0, sizeof(o));
	o.day = "2026-11-29";
	o.domain = "example.net";
	o.sts = 1;
	o.policy_text = "version: STSv1\nmode: enforce\nmx: mx.example.net\n"
	    "mx: *.mx.example.net\nmax_age: 86400\n";
	o.mx = mx;
	o.nmx = 2;
	o.success = 1;
	for (i = 0; i < 3; i++)
		mts_results_add(r, &o, err, sizeof(err));
	o.success = 0;
	o.result = "certificate-expired";
	o.mx_host = "mx.example.net";
	o.receiving_ip = "192.0.2.1";
	o.sending_ip = "198.51.100.1";
	for (i = 0; i < 2; i++)
		mts_results_add(r, &o, err, sizeof(err));
	/* A control byte and the field separator in an EHLO name. */
	o.mx_helo = "evil\x1f\"name\n";
	mts_results_add(r, &o, err, sizeof(err));
	o.mx_helo = NULL;
	/* The policy changed during the day: kept apart (RFC 8460 §4.4). */
	o.policy_text = "version: STSv1\nmode: testing\nmx: mx.example.net\n"
	    "max_age: 86400\n";
	o.nmx = 1;
	o.success = 1;
	o.result = NULL;
	mts_results_add(r, &o, err, sizeof(err));
	/* Another day, another domain. */
	o.day = "2026-11-28";
	mts_results_add(r, &o, err, sizeof(err));
	ok(mts_results_day(r, "2026-11-29", &d, &n, err, sizeof(err)) == 0,
	    "read the day back");
	is_int(n, 1, "one domain that day");
	if (n == 1) {
		is_str(d[0].domain, "example.net", "its name");
		is_int(d[0].npolicies, 2, "two policies (the id changed)");
		for (i = 0; i < d[0].npolicies; i++) {
			struct mts_rpolicy *p = &d[0].policies[i];

			if (strstr(p->text, "enforce") != NULL) {
				is_int(p->ok, 3, "enforce policy: 3 successes");
				is_int(p->fail, 3, "... 3 failures");
				is_int(p->nmx, 2, "... its 2 mx patterns");
				is_int(p->ndetails, 2, "... 2 failure-detail keys "
				    "(with and without EHLO name)");
			} else {
				is_int(p->ok, 1, "testing policy: 1 success");
				is_int(p->ndetails, 0, "... no failures");
			}
		}
	}
	{
		struct mts_report_meta m;
		struct mts_sbuf b, gz;
		z_stream z;
		char out[8192];

		memset(&m, 0, sizeof(m));
		m.org = "Org \"quoted\"";
		m.contact = "tlsrpt@sender.example";
		m.submitter = "sender.example";
		m.domain = "example.net";
		strcpy(m.day, "2026-11-29");
		m.start = mts_day_start(m.day);
		ok(mts_report_names(&m) == 0, "names");
		is_str(m.report_id, "20261129.example.net@sender.example",
		    "I11 report-id local@domain, fits the Subject");
		is_str(m.filename, "sender.example!example.net!1795910400!"
		    "1795996799.json.gz", "B.6 file name");
		mts_sbuf_init(&b);
		mts_report_json(&b, &m, &d[0]);
		ok(!b.oom && strstr(b.buf, "\"start-datetime\":\"2026-11-29T00:00:00Z\""
		    ",\"end-datetime\":\"2026-11-29T23:59:59Z\"") != NULL,
		    "I09 date-range with Z, full day");
		ok(strstr(b.buf, "\"organization-name\":\"Org \\\"quoted\\\"\"") != NULL,
		    "strings escaped");
		ok(strstr(b.buf, "\"mx-host\":[\"mx.example.net\",\"*.mx.example.net\"]")
		    != NULL, "EID 6241 mx-host is an array");
		ok(strstr(b.buf, "\"policy-string\":[\"version: STSv1\",\"mode: "
		    "enforce\",\"mx: mx.example.net\"") != NULL,
		    "B.5 policy-string: one element per line");
		ok(strstr(b.buf, "\"receiving-mx-helo\":\"evil?\\\"name?\"") != NULL,
		    "control bytes in an EHLO name never reach the JSON raw");
		ok(strchr(b.buf, '\x1f') == NULL, "no separator byte in the report");
		mts_sbuf_init(&gz);
		ok(mts_gzip(b.buf, b.len, &gz) == 0 && gz.len > 2 &&
		    (unsigned char)gz.buf[0] == 0x1f &&
		    (unsigned char)gz.buf[1] == 0x8b, "B.7 gzip magic");
		memset(&z, 0, sizeof(z));
		inflateInit2(&z, 15 + 16);
		z.next_in = (unsigned char *)gz.buf;
		z.avail_in = (uInt)gz.len;
		z.next_out = (unsigned char *)out;
		z.avail_out = sizeof(out) - 1;
		inflate(&z, Z_FINISH);
		out[sizeof(out) - 1 - z.avail_out] = '\0';
		inflateEnd(&z);
		is_str(out, b.buf, "gzip round trip");
		mts_sbuf_free(&b);
		mts_sbuf_free(&gz);
	}
	mts_rdays_free(d, n);
	{
		struct mts_send s, g;

		memset(&s, 0, sizeof(s));
		s.state = MTS_SEND_RETRY;
		s.attempts = 2;
		s.first = 10;
		s.next = 20;
		s.last = 15;
		strcpy(s.error, "HTTP status 503\nsecond line");
		ok(mts_results_send_put(r, "2026-11-29", "example.net",
		    "https://r.example/x", &s, err, sizeof(err)) == 0, "send state stored");
		ok(mts_results_send_get(r, "2026-11-29", "example.net",
		    "https://r.example/x", &g) == 0 && g.state == MTS_SEND_RETRY &&
		    g.attempts == 2 && g.first == 10 && g.next == 20,
		    "send state read back");
		ok(strchr(g.error, '\n') == NULL, "... error kept on one line");
		ok(mts_results_send_get(r, "2026-11-29", "example.net",
		    "mailto:a@b.example", &g) == 0 && g.state == MTS_SEND_NEW,
		    "unknown destination: new");
	}
	ok(mts_results_purge(r, "2026-11-29", err, sizeof(err)) == 0, "purge");
	ok(mts_results_day(r, "2026-11-28", &d, &n, err, sizeof(err)) == 0 &&
	    n == 0, "the older day is gone");
	mts_rdays_free(d, n);
	ok(mts_results_day(r, "2026-11-29", &d, &n, err, sizeof(err)) == 0 &&
	    n == 1, "the kept day is still there");
	mts_rdays_free(d, n);
	{
		/* Send state with numbers that overflow the back-off
		 * (1 << attempts - 1, now + wait): refused on reading. */
		static const char *bad[] = { "retry -1 0 0 0 x",
		    "retry 2147483647 0 0 0 x", "retry 1 -9223372036854775808 0 0 x",
		    "retry 1 0 99999999999999999999 0 x", "nosuch 1 0 0 0 x",
		    "retry 1 0 0" };
		struct mts_send st;
		char kb[256];

		snprintf(kb, sizeof(kb), "S\x1f" "2026-11-29\x1fgood.test\x1f"
		    "mailto:a@good.test");
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			TDB_DATA k = { (unsigned char *)kb, strlen(kb) };
			TDB_DATA v = { (unsigned char *)(uintptr_t)bad[i],
			    strlen(bad[i]) };

			(void)tdb_store(mts_results_tdb(r), k, v, TDB_REPLACE);
			ok(mts_results_send_get(r, "2026-11-29", "good.test",
			    "mailto:a@good.test", &st) != 0,
			    "hostile send state refused: %s", bad[i]);
		}
	}
	mts_results_close(r);
}

/* One policy-string rule for the report and the collector datagram:
 * every line whole, as served (RFC 8460 §4.5), however long. */
static void
long_policy_line(void)
{
	static char text[3000], want[3100];
	struct mts_results_outcome o;
	struct mts_dgram g;
	struct mts_sbuf b;
	char a[2001];

	memset(a, 'a', 2000);
	a[2000] = '\0';
	snprintf(text, sizeof(text), "version: STSv1\nmx: %s.example\n", a);
	snprintf(want, sizeof(want), "\"policy-string\":[\"version: STSv1\","
	    "\"mx: %s.example\"]", a);
	memset(&o, 0, sizeof(o));
	o.domain = "example.net";
	o.sts = 1;
	o.policy_text = text;
	o.success = 1;
	memset(&g, 0, sizeof(g));
	g.record = "v=TLSRPTv1; rua=mailto:r@example.net";
	g.o = &o;
	mts_sbuf_init(&b);
	mts_tlsrpt_datagram(&b, &g);
	ok(b.buf != NULL && strstr(b.buf, want) != NULL,
	    "RPT policy-string: a 2012-byte line whole in the datagram");
	mts_sbuf_free(&b);
}

/*
 * The datagram, byte for byte what libtlsrpt 0.5 writes for the same
 * calls (libtlsrpt.c: tlsrpt_init_delivery_request writes
 * {"dpv": "1","d": "..","pr": "..", tlsrpt_init_policy ,"policies":[{
 * "policy-type":N,"policy-domain": "..", tlsrpt_finish_policy the
 * policy-string / mx-host / failure-details arrays only when non-empty,
 * then ,"t":N,"f":N}; tlsrpt_finish_delivery_request ]}).
 */
static void
datagram(void)
{
	static const char *mx[] = { "mx.example.net", "*.example.net" };
	static const struct mts_results_outcome fetchfail = {
		.domain = "example.net", .sts = 1, .detail_only = 1,
		.result = "sts-policy-fetch-error", .reason_code = "http-404",
	};
	static const struct {
		struct mts_results_outcome o;
		const struct mts_results_outcome *fetch;
		const char *want, *name;
	} rows[] = {
	{ .o = { .domain = "example.net", .sts = 1,
	    .policy_text = "version: STSv1\r\nmode: enforce\r\n", .mx = mx,
	    .nmx = 1, .result = "certificate-host-mismatch",
	    .sending_ip = "192.0.2.9", .mx_host = "mx.example.net",
	    .mx_helo = "mx1", .receiving_ip = "192.0.2.1",
	    .reason_code = "x-name" },
	  .want = "{\"dpv\": \"1\",\"d\": \"example.net\",\"pr\": \"v=TLSRPTv1; "
	    "rua=mailto:r@example.net\",\"policies\":[{\"policy-type\":2,"
	    "\"policy-domain\": \"example.net\",\"policy-string\":[\"version: "
	    "STSv1\",\"mode: enforce\"],\"mx-host\":[\"mx.example.net\"],"
	    "\"failure-details\":[{\"c\":202,\"s\": \"192.0.2.9\",\"n\": "
	    "\"mx.example.net\",\"h\": \"mx1\",\"r\": \"192.0.2.1\",\"f\": "
	    "\"x-name\"}],\"t\":1,\"f\":1}]}",
	  .name = "I17 sts failure: every detail key in libtlsrpt's order, "
	    "t=1 f=1 (RFC 8460 §4.4)" },
	{ .o = { .domain = "nopolicy.example", .success = 1 },
	  .want = "{\"dpv\": \"1\",\"d\": \"nopolicy.example\",\"pr\": \"v=TLSRPTv1; "
	    "rua=mailto:r@example.net\",\"policies\":[{\"policy-type\":9,"
	    "\"policy-domain\": \"nopolicy.example\",\"t\":0,\"f\":0}]}",
	  .name = "I17 no-policy-found is 9, no empty arrays, success f=0" },
	{ .o = { .domain = "example.net", .sts = 1,
	    .policy_text = "version: STSv1\nmode: testing\nmx: mx.example.net\n"
	    "mx: *.example.net\nmax_age: 86400", .mx = mx, .nmx = 2,
	    .success = 1 },
	  .fetch = &fetchfail,
	  .want = "{\"dpv\": \"1\",\"d\": \"example.net\",\"pr\": \"v=TLSRPTv1; "
	    "rua=mailto:r@example.net\",\"policies\":[{\"policy-type\":2,"
	    "\"policy-domain\": \"example.net\",\"policy-string\":[\"version: "
	    "STSv1\",\"mode: testing\",\"mx: mx.example.net\",\"mx: *.example."
	    "net\",\"max_age: 86400\"],\"mx-host\":[\"mx.example.net\",\"*."
	    "example.net\"],\"failure-details\":[{\"c\":301,\"f\": \"http-404\"}"
	    "],\"t\":1,\"f\":0}]}",
	  .name = "I17 cached policy after a fetch error: success with the "
	    "fetch failure as its detail (RFC 8460 §4.3.2.2)" },
	{ .o = { .domain = "example.net", .sts = 1, .result =
	    "starttls-not-supported", .mx_helo = "a\"b\\c\td\x01\x7f\xe9" },
	  .want = "{\"dpv\": \"1\",\"d\": \"example.net\",\"pr\": \"v=TLSRPTv1; "
	    "rua=mailto:r@example.net\",\"policies\":[{\"policy-type\":2,"
	    "\"policy-domain\": \"example.net\",\"failure-details\":[{\"c\":201,"
	    "\"h\": \"a\\\"b\\\\c\\td\\u0001\\u007f\\ufffd\"}],\"t\":1,\"f\":1}]}",
	  .name = "I17 libtlsrpt's escapes (\\t short, \\u0001, \\u007f); "
	    "invalid UTF-8 as U+FFFD so the collector can decode it" },
	};
	struct mts_dgram g;
	struct mts_sbuf b;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&g, 0, sizeof(g));
		g.record = "v=TLSRPTv1; rua=mailto:r@example.net";
		g.o = &rows[i].o;
		g.fetch = rows[i].fetch;
		mts_sbuf_init(&b);
		mts_tlsrpt_datagram(&b, &g);
		is_str(b.buf, rows[i].want, "%s", rows[i].name);
		mts_sbuf_free(&b);
	}
	ok(mts_tlsrpt_code("sts-webpki-invalid") == 303 &&
	    mts_tlsrpt_code("dane-required") == 306 &&
	    mts_tlsrpt_code("certificate-expired") == 204,
	    "I17 tlsrpt_failure_t codes (libtlsrpt tlsrpt.h)");
}

/* mtasts_record end to end on a store: IPs in RFC 5952 form (I23),
 * host names normalised, bad input refused. */
static void
record(void)
{
	char path[256], conf_key[300];
	mtasts_ctx *ctx = mtasts_new();
	mtasts_session s;
	struct mts_results *r;
	struct mts_rday *d = NULL;
	size_t n = 0;
	char err[256];

	snprintf(path, sizeof(path), "%s/rec.tdb", dir);
	snprintf(conf_key, sizeof(conf_key), "%s/cache.tdb", dir);
	mtasts_set(ctx, "results_file", path);
	mtasts_set(ctx, "cache_file", conf_key);
	mtasts_set_clock(ctx, clock_fn, NULL);
	memset(&s, 0, sizeof(s));
	s.domain = "Example.NET.";
	s.mx_host = "MX.Example.net.";
	s.sending_ip = "2001:db8:abcd:0012::1";
	s.receiving_ip = "192.0.2.7";
	s.result = MTASTS_RESULT_STARTTLS_NOT_SUPPORTED;
	is_int(mtasts_record(ctx, NULL, &s), MTASTS_OK, "record a failure");
	s.sending_ip = "not an ip";
	s.mx_host = "bad..host";
	is_int(mtasts_record(ctx, NULL, &s), MTASTS_OK,
	    "garbage IP and host: recorded without them");
	s.domain = "bad..domain";
	is_int(mtasts_record(ctx, NULL, &s), MTASTS_ERR_INVALID,
	    "a bad policy domain is refused");
	s.domain = "example.net";
	s.result = (mtasts_result)99;
	is_int(mtasts_record(ctx, NULL, &s), MTASTS_ERR_INVALID,
	    "an unknown result type is refused");
	mtasts_free(ctx);
	r = open_store("rec.tdb");
	if (r == NULL || mts_results_day(r, "2026-11-29", &d, &n, err,
	    sizeof(err)) != 0 || n != 1 || d[0].npolicies != 1) {
		ok(0, "recorded day readable");
		mts_results_close(r);
		return;
	}
	is_str(d[0].domain, "example.net", "STS-05 (RFC 8461 §3.4) domain normalised");
	ok(d[0].policies[0].sts == 0, "DESIGN 13: no policy cached: no-policy-found");
	is_int(d[0].policies[0].fail, 2, "two failed sessions");
	{
		size_t i;
		int v6 = 0, none = 0;

		for (i = 0; i < d[0].policies[0].ndetails; i++) {
			struct mts_rdetail *x = &d[0].policies[0].details[i];

			if (strcmp(x->sending_ip, "2001:db8:abcd:12::1") == 0 &&
			    strcmp(x->mx_host, "mx.example.net") == 0)
				v6 = 1;
			if (x->sending_ip[0] == '\0' && x->mx_host[0] == '\0')
				none = 1;
		}
		ok(v6, "I23 IPv6 in RFC 5952 form, MX name lowercased without dot");
		ok(none, "unusable IP and host left out");
	}
	mts_rdays_free(d, n);
	mts_results_close(r);
}

/* Whoever can write the store (the MTA user) must not reach root's
 * report mail headers: a record whose domain carries CR LF and a header
 * of its own, or whose counter type is unknown, is skipped on reading. */
static void
hostile_store(void)
{
	struct mts_results *r = open_store("h.tdb");
	static const char *keys[] = {
	    "C\x1f" "2026-11-29\x1f" "evil.test\r\nBcc: x@victim.test\x1f" "fp\x1fok",
	    "C\x1f" "2026-11-29\x1f" "evil..test\x1f" "fp\x1fok",
	    "C\x1f" "2026-11-29\x1f" "good.test\x1f" "fp\x1fmaybe",
	    "D\x1f" "2026-11-29\x1f" "good.test\x1f" "fp\x1fno-such-type\x1f\x1f\x1f\x1f\x1f",
	    "C\x1f" "2026-11-29\x1f" "good.test\x1f" "fp\x1fok",
	};
	unsigned char one[8] = { 1 };
	struct mts_rday *d = NULL;
	size_t n = 0, i;
	char err[256];

	ok(r != NULL, "hostile store opens");
	if (r == NULL)
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		TDB_DATA k = { (unsigned char *)(uintptr_t)keys[i], strlen(keys[i]) };
		TDB_DATA v = { one, sizeof(one) };

		(void)tdb_store(mts_results_tdb(r), k, v, TDB_REPLACE);
	}
	ok(mts_results_day(r, "2026-11-29", &d, &n, err, sizeof(err)) == 0,
	    "hostile store: read");
	is_int(n, 1, "only the well-formed domain is read back");
	if (n == 1) {
		is_str(d[0].domain, "good.test", "good.test");
		is_int(d[0].npolicies == 1 ? (int)(d[0].policies[0].ok +
		    d[0].policies[0].fail) : -1, 1, "with its one valid counter");
		is_int(d[0].npolicies == 1 ? (int)d[0].policies[0].ndetails : -1,
		    0, "the detail with an unknown result type skipped");
	}
	mts_rdays_free(d, n);
	mts_results_close(r);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	days();
	store();
	hostile_store();
	datagram();
	long_policy_line();
	record();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
	}
	return done_testing();
}
