/* SPDX-License-Identifier: ISC */
/* net/dns_pkt.c - bounded parsing of a DNS reply (see dns_pkt.h). */
#include <string.h>

#include "net/dns_pkt.h"

#define HDR 12
#define T_SOA 6
#define T_MX 15
#define C_IN 1
#define NAME_MAX_WIRE 255       /* RFC 1035 §3.1 */
#define MAX_JUMPS 127           /* each jump goes back: a bound anyway */

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* RFC 2181 §8: a TTL with the top bit set is taken as 0. */
static uint32_t
ttl_of(const unsigned char *p)
{
	uint32_t t = get32(p);

	return t & 0x80000000u ? 0 : t;
}

/*
 * The name at *off: written uncompressed to out (NAME_MAX_WIRE + 1
 * bytes, may be NULL) and *off moved past its in-place form. A pointer
 * (RFC 1035 §4.1.4) must point before the label it stands in, so the
 * walk cannot loop; labels are at most 63 bytes, the name 255 in all.
 * Bytes 0x40 and 0x80 (RFC 6891 extended labels) are refused. Returns
 * the wire length or -1.
 */
static int
get_name(const unsigned char *pkt, size_t len, size_t *off,
    unsigned char *out)
{
	size_t p = *off, end = 0, o = 0, n;
	int jumped = 0, jumps = 0;

	for (;;) {
		if (p >= len)
			return -1;
		n = pkt[p];
		if ((n & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= len || ++jumps > MAX_JUMPS)
				return -1;
			to = (size_t)(get16(pkt + p) & 0x3fff);
			if (to >= p)
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			p = to;
			continue;
		}
		if (n & 0xc0)
			return -1;
		if (n > len - p - 1 || o + n + 1 > NAME_MAX_WIRE)
			return -1;
		if (out != NULL)
			memcpy(out + o, pkt + p, n + 1);
		o += n + 1;
		p += n + 1;
		if (n == 0)
			break;
	}
	*off = jumped ? end : p;
	return (int)o;
}

/* One record's RDATA into out->buf (MX: the exchange decompressed). */
static int
keep(const unsigned char *pkt, size_t len, size_t rd, size_t rdlen,
    unsigned qtype, struct mts_dns_pkt *out)
{
	unsigned char name[NAME_MAX_WIRE + 1];
	unsigned char *dst = out->buf + out->used;
	size_t at, room = out->bufsz - out->used;
	int n;

	if (qtype != T_MX) {
		if (rdlen > room)
			return -1;
		memcpy(dst, pkt + rd, rdlen);
	} else {
		/* pref + one name filling the RDATA exactly. */
		at = rd + 2;
		if (rdlen < 3 || (n = get_name(pkt, len, &at, name)) < 0 ||
		    at != rd + rdlen || (size_t)n + 2 > room)
			return -1;
		memcpy(dst, pkt + rd, 2);
		memcpy(dst + 2, name, (size_t)n);
		rdlen = (size_t)n + 2;
	}
	out->off[out->n] = out->used;
	out->rdlen[out->n] = rdlen;
	out->used += rdlen;
	out->n++;
	return 0;
}

/* One resource record at *off (RFC 1035 §4.1.3); sect 0 answer, 1
 * authority, 2 additional. */
static int
record(const unsigned char *pkt, size_t len, size_t *off, int sect,
    unsigned qtype, struct mts_dns_pkt *out, uint32_t *neg, int *have_neg)
{
	unsigned type, cls;
	uint32_t ttl;
	size_t rdlen, rd;

	if (get_name(pkt, len, off, NULL) < 0 || len - *off < 10)
		return -1;
	type = get16(pkt + *off);
	cls = get16(pkt + *off + 2);
	ttl = ttl_of(pkt + *off + 4);
	rdlen = get16(pkt + *off + 8);
	rd = *off + 10;
	if (rdlen > len - rd)
		return -1;
	*off = rd + rdlen;
	if (sect == 0 && type == qtype && cls == C_IN) {
		if (out->n >= MTS_DNS_MAX_RR)
			return 0;
		if (keep(pkt, len, rd, rdlen, qtype, out) != 0)
			return -1;
		if (out->n == 1 || ttl < out->ttl)
			out->ttl = ttl;
	} else if (sect == 1 && type == T_SOA && cls == C_IN && rdlen >= 22) {
		/* RFC 2308 §5: the negative TTL is the SOA's own TTL, capped
		 * by its MINIMUM (the RDATA's last field). */
		uint32_t min = ttl_of(pkt + rd + rdlen - 4);

		*neg = ttl < min ? ttl : min;
		*have_neg = 1;
	}
	return 0;
}

int
mts_dns_pkt_parse(const unsigned char *pkt, size_t len, unsigned qtype,
    struct mts_dns_pkt *out)
{
	size_t off = HDR, i, count[3];
	uint32_t neg = 0;
	int have_neg = 0, s;

	out->n = 0;
	out->used = 0;
	out->ttl = 0;
	out->rcode = 0;
	/* A reply (QR set) to one question (RFC 1035 §4.1.1). */
	if (len < HDR || !(pkt[2] & 0x80) || get16(pkt + 4) != 1)
		return -1;
	out->rcode = pkt[3] & 0x0f;
	count[0] = get16(pkt + 6);
	count[1] = get16(pkt + 8);
	count[2] = get16(pkt + 10);
	if (get_name(pkt, len, &off, NULL) < 0 || len - off < 4 ||
	    get16(pkt + off) != qtype)
		return -1;
	off += 4;
	/* The additional section is not read (EDNS OPT and glue only). */
	for (s = 0; s < 2; s++)
		for (i = 0; i < count[s]; i++)
			if (record(pkt, len, &off, s, qtype, out, &neg,
			    &have_neg) != 0)
				return -1;
	if (out->n == 0)
		out->ttl = have_neg ? neg : 0;
	return 0;
}
