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
	char *recs[MTS_DNS_MAX_RR];   /* each RR's strings concatenated (STS-16, RFC 8461 §3.1), NUL-terminated */
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
	int null_mx;                  /* RFC 7505 "MX 0 .": no mail host (DESIGN 19) */
	size_t not_host;              /* MX targets that are no host name (DESIGN 19), left out of hosts */
	char reason[128];
};

struct mts_dns;

/*
 * upstream: "" for the system resolver (/etc/resolv.conf), else
 * "ip[@port]" forwarders separated by spaces or commas. trust_anchor:
 * "" or a file for DNSSEC validation. timeout in seconds.
 */
/* One persistent libunbound worker process for this handle (for
 * `mtasts refresh`; never inside an MTA). 0 or -1. */
int mts_dns_persistent(struct mts_dns *d);
int mts_dns_is_persistent(const struct mts_dns *d);
int mts_dns_open(struct mts_dns **out, const char *upstream,
    const char *trust_anchor, int timeout, char *err, size_t errsz);
void mts_dns_free(struct mts_dns *d);
/* Answer name/type from rr (zone-file syntax, "name TTL IN TXT ...")
 * before asking upstream: libunbound's local-data, the unit tests' way to
 * give a lookup a known answer without a DNS server (STYLE 9). 0 or -1. */
int mts_dns_local_data(struct mts_dns *d, const char *rr);

/* Lookups; return 0 when an answer (of any status) is in *out, -1 on API
 * misuse or memory. */
int mts_dns_txt(struct mts_dns *d, const char *name, struct mts_dns_txt *out);
void mts_dns_txt_clear(struct mts_dns_txt *t);
/* As mts_dns_txt, and on a persistent handle the A and AAAA queries of
 * host (the domain's policy host) go out with it: their answers serve
 * the next query if it is mts_dns_addrs(host) within 2 s, else they are
 * dropped. */
int mts_dns_txt_with_addrs(struct mts_dns *d, const char *name,
    const char *host, struct mts_dns_txt *out);
int mts_dns_mx(struct mts_dns *d, const char *name, struct mts_dns_mx *out);
/* A and AAAA of name as "ip,ip,[v6]" for CURLOPT_RESOLVE in buf: whole
 * addresses only, at most MTS_DNS_ADDRS_MAX (MTS_DNS_ADDRS_BUF holds
 * that many). */
#define MTS_DNS_ADDRS_MAX 16
#define MTS_DNS_ADDRS_BUF (MTS_DNS_ADDRS_MAX * 48)
int mts_dns_addrs(struct mts_dns *d, const char *name, char *buf,
    size_t bufsz, enum mts_dns_status *status, char *reason, size_t reasonsz);

#define MTS_DNS_RDATA_MALFORMED 1 /* not a record; the RRset goes on */

/* Decode one TXT RDATA (character-strings) into a NUL-terminated
 * concatenation (*out, malloc'ed); pure, for tests and fuzzing. 0,
 * MTS_DNS_RDATA_MALFORMED when a length runs past the RDATA, or -1 when
 * memory ran out (the answer is lost: never "no record"). */
int mts_dns_txt_rdata(const unsigned char *rdata, size_t len, char **out,
    size_t *outlen);
/*
 * Decode an MX RDATA (pref + uncompressed name). Returns 0 with the name
 * in presentation form without the final dot ("" for the RFC 7505 null
 * MX "."); 1 when the RDATA is well-formed but a label holds a dot, a
 * NUL or a byte above 0x7f, so no string could name the target as
 * itself: not a host name (DESIGN 19), and name is then "" too, so
 * check the return value before name; -1 for malformed RDATA.
 */
int mts_dns_mx_rdata(const unsigned char *rdata, size_t len, unsigned *pref,
    char *name, size_t namesz);

#endif
