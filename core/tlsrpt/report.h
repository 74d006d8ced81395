/* SPDX-License-Identifier: ISC */
/* tlsrpt/report.h - one RFC 8460 report: its JSON, gzip, file name and the two
 * ways to deliver it (mail through sendmail, HTTPS POST). */
#ifndef MTS_TLSRPT_REPORT_H
#define MTS_TLSRPT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt/results.h"
#include "base/sbuf.h"

struct mts_report_meta {
	const char *org, *contact, *submitter, *from;
	const char *domain;            /* policy domain */
	char day[MTS_DAY_LEN + 1];
	int64_t start;                 /* day start, Unix seconds */
	char report_id[600];           /* "YYYYMMDD.<domain>@<submitter>" */
	char filename[800];            /* RPT B.6 name, .json.gz */
};

/* Fill report_id and filename from the other fields. 0 or -1. */
int mts_report_names(struct mts_report_meta *m);
/* The report JSON (RFC 8460 §4.4) of one domain's day. */
void mts_report_json(struct mts_sbuf *b, const struct mts_report_meta *m,
    const struct mts_rday *d);
/* gzip (RFC 1952) of in. 0 or -1. */
int mts_gzip(const char *in, size_t len, struct mts_sbuf *out);
/* The report mail (RFC 8460 §5.3) to addr, with gz as its attachment. */
void mts_report_mail(struct mts_sbuf *b, const struct mts_report_meta *m,
    const char *addr, const struct mts_sbuf *gz, int64_t now);
/* Hand msg to sendmail for addr. 0, or -1 with err. */
int mts_sendmail(const char *sendmail, const char *from, const char *addr,
    const struct mts_sbuf *msg, int timeout_s, char *err, size_t errsz);

#endif
