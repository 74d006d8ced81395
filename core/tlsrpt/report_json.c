/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/report_json.c - the RFC 8460 §4.4 report body for one policy domain
 * and UTC day, its names (report-id, §5.1 file name) and its gzip.
 * Every string goes through mts_sbuf_json, so policy text or an EHLO
 * name cannot inject into the report (RFC 8460 §7).
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "tlsrpt/report.h"
#include "base/util.h"

int
mts_report_names(struct mts_report_meta *m)
{
	char ymd[9];

	memcpy(ymd, m->day, 4);
	memcpy(ymd + 4, m->day + 5, 2);
	memcpy(ymd + 6, m->day + 8, 2);
	ymd[8] = '\0';
	/* local@domain, so the same value fits the Subject (RPT-55, RFC 8460 §5.3). */
	if (mts_fmt(m->report_id, sizeof(m->report_id), "%s.%s@%s", ymd,
	    m->domain, m->submitter) != 0)
		return -1;
	return mts_fmt(m->filename, sizeof(m->filename),
	    "%s!%s!%" PRId64 "!%" PRId64 ".json.gz", m->submitter, m->domain,
	    m->start, m->start + 86399);
}

static void
kstr(struct mts_sbuf *b, const char *k, const char *v, int comma)
{
	mts_sbuf_fmt(b, "%s\"%s\":", comma ? "," : "", k);
	mts_sbuf_json(b, v);
}

static void
policy_obj(struct mts_sbuf *b, const char *domain,
    const struct mts_rpolicy *p)
{
	kstr(b, "policy-type", p->sts ? "sts" : "no-policy-found", 0);
	/* DESIGN 13: no-policy-found carries neither policy-string nor mx-host. */
	if (p->sts) {
		/* One element per policy line, as served (RFC 8460 §4.5). */
		mts_sbuf_str(b, ",\"policy-string\":[");
		mts_sbuf_json_lines(b, p->text);
		mts_sbuf_str(b, "]");
	}
	kstr(b, "policy-domain", domain, 1);
	if (!p->sts)
		return;
	mts_sbuf_str(b, ",\"mx-host\":[");
	mts_sbuf_json_strv(b, (const char *const *)p->mx, p->nmx);
	mts_sbuf_str(b, "]");
}

static void
detail_obj(struct mts_sbuf *b, const struct mts_rdetail *d)
{
	kstr(b, "result-type", d->result, 0);
	/* Unknown fields are left out rather than sent empty (B.4). */
	if (d->sending_ip[0])
		kstr(b, "sending-mta-ip", d->sending_ip, 1);
	if (d->mx_host[0])
		kstr(b, "receiving-mx-hostname", d->mx_host, 1);
	if (d->mx_helo[0])
		kstr(b, "receiving-mx-helo", d->mx_helo, 1);
	if (d->receiving_ip[0])
		kstr(b, "receiving-ip", d->receiving_ip, 1);
	mts_sbuf_fmt(b, ",\"failed-session-count\":%" PRIu64, d->count);
	if (d->reason_code[0])
		kstr(b, "failure-reason-code", d->reason_code, 1);
}

static void
policies(struct mts_sbuf *b, const struct mts_rday *d)
{
	size_t i, j;

	for (i = 0; i < d->npolicies; i++) {
		const struct mts_rpolicy *p = &d->policies[i];

		mts_sbuf_str(b, i ? ",{\"policy\":{" : "{\"policy\":{");
		policy_obj(b, d->domain, p);
		mts_sbuf_fmt(b, "},\"summary\":{\"total-successful-session-count\":"
		    "%" PRIu64 ",\"total-failure-session-count\":%" PRIu64 "}",
		    p->ok, p->fail);
		mts_sbuf_str(b, ",\"failure-details\":[");
		for (j = 0; j < p->ndetails; j++) {
			mts_sbuf_str(b, j ? ",{" : "{");
			detail_obj(b, &p->details[j]);
			mts_sbuf_str(b, "}");
		}
		mts_sbuf_str(b, "]}");
	}
}

void
mts_report_json(struct mts_sbuf *b, const struct mts_report_meta *m,
    const struct mts_rday *d)
{
	char t[32];

	mts_sbuf_str(b, "{");
	kstr(b, "organization-name", m->org, 0);
	/* A full UTC day, always with Z (RPT-10 (RFC 8460 §4.1), VECTORS I09). */
	mts_fmt(t, sizeof(t), "%sT00:00:00Z", m->day);
	mts_sbuf_str(b, ",\"date-range\":{");
	kstr(b, "start-datetime", t, 0);
	mts_fmt(t, sizeof(t), "%sT23:59:59Z", m->day);
	kstr(b, "end-datetime", t, 1);
	mts_sbuf_str(b, "}");
	kstr(b, "contact-info", m->contact, 1);
	kstr(b, "report-id", m->report_id, 1);
	mts_sbuf_str(b, ",\"policies\":[");
	policies(b, d);
	mts_sbuf_str(b, "]}\n");
}

int
mts_gzip(const char *in, size_t len, struct mts_sbuf *out)
{
	z_stream z;
	unsigned char buf[16384];
	int rc;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper, not zlib (RFC 8460 §5.2). */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR)
			break;
		mts_sbuf_add(out, buf, sizeof(buf) - z.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return rc == Z_STREAM_END && !out->oom ? 0 : -1;
}
