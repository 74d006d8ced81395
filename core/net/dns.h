/* SPDX-License-Identifier: ISC */
/* net/dns.h - TXT, MX and address lookups through libunbound, with each
 * answer's DNSSEC status kept apart from failures (STYLE 2). */
#ifndef MTS_NET_DNS_H
#define MTS_NET_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "base/domain.h"

enum mts_dns_status {
	MTS_DNS_OK = 0,         /* records in the answer */
	MTS_DNS_NODATA = 1,     /* name exists, no records of the type */
	MTS_DNS_NXDOMAIN = 2,   /* name does not exist */
	MTS_DNS_TEMPFAIL = 3,   /* SERVFAIL, timeout, no upstream: try later */
	MTS_DNS_BOGUS = 4       /* DNSSEC validation failed */
};

#define MTS_DNS_MAX_RR 64       /* cap on records taken from one answer */

struct mts_dns_txt {
	enum mts_dns_status status;
	size_t n;
	char *recs[MTS_DNS_MAX_RR];   /* each RR's strings concatenated (STS-16), NUL-terminated */
	size_t lens[MTS_DNS_MAX_RR];
	uint32_t ttl;                 /* answer TTL (negative TTL for NODATA/NXDOMAIN) */
	int secure;
	char reason[128];
};

struct mts_dns_mx_host {
	unsigned pref;
	char name[MTS_DOMAIN_BUF];    /* normalised */
};

struct mts_dns_mx {
	enum mts_dns_status status;
	size_t n;
	struct mts_dns_mx_host hosts[MTS_DNS_MAX_RR];  /* sorted by preference, stable */
	uint32_t ttl;
	int secure;
	int null_mx;                  /* RFC 7505 "." */
	char reason[128];
};

struct mts_dns;

/*
 * upstream: "" for the system resolver (/etc/resolv.conf), else
 * "ip[@port]" forwarders separated by spaces or commas. trust_anchor:
 * "" or a file for DNSSEC validation. timeout in seconds.
 */
int mts_dns_open(struct mts_dns **out, const char *upstream,
    const char *trust_anchor, int timeout, char *err, size_t errsz);
void mts_dns_free(struct mts_dns *d);

/* Lookups; return 0 when an answer (of any status) is in *out, -1 on API
 * misuse or memory. */
int mts_dns_txt(struct mts_dns *d, const char *name, struct mts_dns_txt *out);
void mts_dns_txt_clear(struct mts_dns_txt *t);
int mts_dns_mx(struct mts_dns *d, const char *name, struct mts_dns_mx *out);
/* A and AAAA of name as "ip,ip,[v6]" for CURLOPT_RESOLVE in buf: whole
 * addresses only, at most MTS_DNS_ADDRS_MAX (MTS_DNS_ADDRS_BUF holds
 * that many). */
#define MTS_DNS_ADDRS_MAX 16
#define MTS_DNS_ADDRS_BUF (MTS_DNS_ADDRS_MAX * 48)
int mts_dns_addrs(struct mts_dns *d, const char *name, char *buf,
    size_t bufsz, enum mts_dns_status *status, char *reason, size_t reasonsz);

/* Decode one TXT RDATA (character-strings) into a NUL-terminated
 * concatenation; pure, for tests and fuzzing. Returns 0 or -1. */
int mts_dns_txt_rdata(const unsigned char *rdata, size_t len, char **out,
    size_t *outlen);
/* Decode an MX RDATA (pref + uncompressed name). Returns 0 or -1. */
int mts_dns_mx_rdata(const unsigned char *rdata, size_t len, unsigned *pref,
    char *name, size_t namesz);

#endif
