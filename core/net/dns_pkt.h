/* SPDX-License-Identifier: ISC */
/*
 * net/dns_pkt.h - the answer of one DNS reply packet (RFC 1035 §4.1), for
 * the event-driven resolver (ub_resolve_event hands back the packet, not
 * parsed records). The bytes come from the resolver but carry records an
 * attacker's authoritative server chose: every read is bounded, every
 * compression pointer goes strictly backwards, and a packet that breaks
 * any rule is refused whole (the caller treats it as a DNS error).
 */
#ifndef MTS_NET_DNS_PKT_H
#define MTS_NET_DNS_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "net/dns.h"

/* Room for the records' RDATA: MX exchanges are decompressed, so an
 * RDATA may grow to 2 + 255 bytes over its packet form. */
#define MTS_DNS_PKT_BUF(len) ((len) + MTS_DNS_MAX_RR * 258u)

struct mts_dns_pkt {
	int rcode;                     /* header RCODE (RFC 1035 §4.1.1) */
	size_t n;                      /* records of qtype, class IN */
	size_t off[MTS_DNS_MAX_RR];    /* each RDATA in buf */
	size_t rdlen[MTS_DNS_MAX_RR];
	uint32_t ttl;                  /* min TTL of those; negative TTL
	                                  (RFC 2308 §5) when n == 0 */
	unsigned char *buf;            /* caller's, bufsz bytes */
	size_t bufsz, used;
};

/*
 * Parse pkt (len bytes), a reply to a question of type qtype (1 A, 16
 * TXT, 28 AAAA, 15 MX: MX exchanges come out uncompressed, as
 * mts_dns_mx_rdata wants them). out->buf/bufsz are the caller's
 * (MTS_DNS_PKT_BUF(len) is always enough). 0, or -1 for a malformed
 * packet. Records past MTS_DNS_MAX_RR are skipped but still checked.
 */
int mts_dns_pkt_parse(const unsigned char *pkt, size_t len, unsigned qtype,
    struct mts_dns_pkt *out);

#endif
