/* SPDX-License-Identifier: ISC */
/* base/netaddr.h - address classes and network lists, pure: which
 * addresses the policy fetch and the report POST may connect to
 * (DESIGN 17), and the allow_networks setting that widens that. */
#ifndef MTS_BASE_NETADDR_H
#define MTS_BASE_NETADDR_H

#include <stddef.h>

#define MTS_NETLIST_MAX 16

struct mts_net {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];     /* network byte order, 4 or 16 used */
	unsigned prefix;
};

struct mts_netlist {
	size_t n;
	struct mts_net v[MTS_NETLIST_MAX];
};

/* "net[/len][ ,net[/len]...]": IPv4 or IPv6 networks; an address without
 * /len is one host. "" is the empty list. 0, or -1 with err. */
int mts_netlist_parse(const char *text, struct mts_netlist *out, char *err,
    size_t errsz);
/* 1 if addr (family AF_INET: 4 bytes, AF_INET6: 16) is in the list. */
int mts_netlist_has(const struct mts_netlist *l, int family,
    const unsigned char *addr);
/*
 * NULL for a public unicast address; else what it is ("loopback",
 * "private", "link-local", "unique-local", "multicast", "unspecified",
 * "documentation", "reserved", "shared", ...). IPv4-mapped and NAT64
 * addresses are judged by the IPv4 address inside.
 */
const char *mts_addr_special(int family, const unsigned char *addr);

/* NULL for a name that may be public; else why not ("a special-use
 * name", "a single-label name", "an address literal or empty"): a rua
 * mailto: at such a name would deliver root's report locally. */
const char *mts_name_special(const char *name);

#endif
