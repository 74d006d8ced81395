/* SPDX-License-Identifier: ISC */
/* audit/audit.h - the checks of `mtasts audit`, shared by its parts:
 * audit.c (the run and the public accessors), audit_dns.c (the TXT
 * records), audit_host.c (policy host and policy), audit_mx.c (MX
 * consistency, SMTP probes, readiness). */
#ifndef MTS_AUDIT_AUDIT_H
#define MTS_AUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "mtasts.h"
#include "base/domain.h"
#include "net/dns.h"
#include "sts/policy.h"
#include "sts/sts_txt.h"

#define MTS_AUDIT_SEEN_MAX 512
#define MTS_AUDIT_ADVICE_MAX 320
#define MTS_AUDIT_EXPIRY_WARN_DAYS 21   /* the guides' renewal margin */

struct mts_check {
	char group[16];
	char name[MTS_DOMAIN_BUF + 16];
	mtasts_check_status status;
	char seen[MTS_AUDIT_SEEN_MAX];
	char advice[MTS_AUDIT_ADVICE_MAX];
};

struct mtasts_audit {
	struct mts_check *c;
	size_t n, cap;
	int oom;
};

/* What the run learns on the way, for the later checks. */
struct mts_audit_run {
	mtasts_ctx *ctx;
	struct mtasts_audit *a;
	struct mts_dns *dns;
	unsigned flags;
	int64_t now;
	char domain[MTS_DOMAIN_BUF];       /* normalised */
	int have_txt;                      /* one valid STS record */
	struct mts_txt txt;
	struct mts_policy_doc *doc;        /* the policy as served, if valid */
	struct mts_dns_mx mx;              /* MX answer (n == 0: implicit MX) */
	int mx_ok;                         /* the MX answer is usable */
	size_t drift;                      /* MX hosts no mx line matches */
	size_t smtp_failed;                /* MX hosts whose TLS an enforce sender refuses */
	size_t smtp_probed;
	char failed_mx[MTS_AUDIT_SEEN_MAX / 2]; /* their names, for readiness */
};

/* Add one check (printf-style seen); advice may be NULL. */
void mts_audit_add(struct mts_audit_run *r, const char *group,
    const char *name, mtasts_check_status st, const char *advice,
    const char *seen_fmt, ...) __attribute__((format(printf, 6, 7)));

void mts_audit_txt(struct mts_audit_run *r);
void mts_audit_tlsrpt(struct mts_audit_run *r);
void mts_audit_policy_host(struct mts_audit_run *r);
void mts_audit_mx(struct mts_audit_run *r);
void mts_audit_smtp(struct mts_audit_run *r);
void mts_audit_readiness(struct mts_audit_run *r);

/* Resolve host to its first address, or add a failing check. */
int mts_audit_resolve(struct mts_audit_run *r, const char *group,
    const char *check, const char *host, char *ip, size_t ipsz);
/* Handshake with host:443 and judge its certificate for host. */
void mts_audit_https(struct mts_audit_run *r, const char *group,
    const char *check, const char *host);

/* The days from now until t, rounded down (negative: in the past). */
int64_t mts_audit_days_left(int64_t now, int64_t t);

#endif
