/* SPDX-License-Identifier: ISC */
/* test_netaddr.c - which addresses the policy fetch and the report POST
 * refuse (DESIGN 17), one row per special-purpose range, and the
 * allow_networks list. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"
#include "base/netaddr.h"

static const struct {
	const char *ip;
	const char *want;       /* NULL: public */
} rows[] = {
	{ .ip = "0.0.0.0", .want = "unspecified" },
	{ .ip = "10.1.2.3", .want = "private" },          /* RFC 1918 */
	{ .ip = "100.64.0.1", .want = "shared" },         /* RFC 6598 */
	{ .ip = "127.0.0.1", .want = "loopback" },
	{ .ip = "127.0.10.2", .want = "loopback" },
	{ .ip = "169.254.169.254", .want = "link-local" },/* cloud metadata */
	{ .ip = "172.16.0.1", .want = "private" },
	{ .ip = "172.31.255.255", .want = "private" },
	{ .ip = "172.32.0.1", .want = NULL },
	{ .ip = "192.0.2.1", .want = "documentation" },   /* RFC 5737 */
	{ .ip = "192.168.1.1", .want = "private" },
	{ .ip = "198.18.0.1", .want = "reserved" },
	{ .ip = "198.51.100.7", .want = "documentation" },
	{ .ip = "203.0.113.9", .want = "documentation" },
	{ .ip = "224.0.0.1", .want = "multicast" },
	{ .ip = "239.255.255.250", .want = "multicast" },
	{ .ip = "255.255.255.255", .want = "reserved" },
	{ .ip = "8.8.8.8", .want = NULL },
	{ .ip = "93.184.216.34", .want = NULL },
	{ .ip = "::", .want = "unspecified" },
	{ .ip = "::1", .want = "loopback" },
	{ .ip = "::ffff:127.0.0.1", .want = "loopback" },  /* mapped */
	{ .ip = "::ffff:10.0.0.1", .want = "private" },
	{ .ip = "::ffff:8.8.8.8", .want = NULL },
	{ .ip = "64:ff9b::a9fe:a9fe", .want = "link-local" }, /* NAT64 */
	{ .ip = "fc00::1", .want = "unique-local" },       /* RFC 4193 */
	{ .ip = "fd12:3456::1", .want = "unique-local" },
	{ .ip = "fe80::1", .want = "link-local" },
	{ .ip = "fec0::1", .want = "site-local" },
	{ .ip = "ff02::1", .want = "multicast" },
	{ .ip = "2001:db8::1", .want = "documentation" },  /* RFC 3849 */
	{ .ip = "3fff::1", .want = "documentation" },      /* RFC 9637 */
	{ .ip = "100::1", .want = "reserved" },            /* RFC 6666 */
	{ .ip = "2a00:1450:4001::1", .want = NULL },
	{ .ip = "2001:4860:4860::8888", .want = NULL },
};

static int
family_of(const char *ip)
{
	return strchr(ip, ':') ? AF_INET6 : AF_INET;
}

static const char *
special(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(family_of(ip), ip, a) != 1)
		return "(bad test row)";
	return mts_addr_special(family_of(ip), a);
}

static int
allowed(const struct mts_netlist *l, const char *ip)
{
	unsigned char a[16];

	return inet_pton(family_of(ip), ip, a) == 1 &&
	    mts_netlist_has(l, family_of(ip), a);
}

int
main(void)
{
	struct mts_netlist l;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		is_str(special(rows[i].ip) ? special(rows[i].ip) : "public",
		    rows[i].want ? rows[i].want : "public", "%s", rows[i].ip);

	ok(mts_netlist_parse("127.0.10.0/24, ::1 10.0.0.0/8", &l, err,
	    sizeof(err)) == 0 && l.n == 3, "parse three networks");
	ok(allowed(&l, "127.0.10.2"), "127.0.10.2 in 127.0.10.0/24");
	ok(!allowed(&l, "127.0.11.2"), "127.0.11.2 not in it");
	ok(allowed(&l, "::1"), "::1 (one host)");
	ok(!allowed(&l, "::2"), "::2 not");
	ok(allowed(&l, "10.200.0.1"), "10/8");
	ok(mts_netlist_parse("", &l, err, sizeof(err)) == 0 && l.n == 0,
	    "empty list");
	ok(!allowed(&l, "127.0.0.1"), "empty list allows nothing");
	ok(mts_netlist_parse("127.0.0.1/33", &l, err, sizeof(err)) != 0,
	    "prefix longer than 32 refused");
	ok(mts_netlist_parse("::/129", &l, err, sizeof(err)) != 0,
	    "prefix longer than 128 refused");
	ok(mts_netlist_parse("127.0.0.1/", &l, err, sizeof(err)) != 0,
	    "empty prefix refused");
	ok(mts_netlist_parse("127.0.0.1/2x", &l, err, sizeof(err)) != 0,
	    "non-digit prefix refused");
	ok(mts_netlist_parse("example.com", &l, err, sizeof(err)) != 0,
	    "a name is not a network: %s", err);
	ok(mts_netlist_parse("1.0.0.0/8 2.0.0.0/8 3.0.0.0/8 4.0.0.0/8 5.0.0.0/8 "
	    "6.0.0.0/8 7.0.0.0/8 8.0.0.0/8 9.0.0.0/8 10.0.0.0/8 11.0.0.0/8 "
	    "12.0.0.0/8 13.0.0.0/8 14.0.0.0/8 15.0.0.0/8 16.0.0.0/8 "
	    "17.0.0.0/8", &l, err, sizeof(err)) != 0, "more than 16: %s", err);
	ok(mts_netlist_parse("0.0.0.0/0", &l, err, sizeof(err)) == 0 &&
	    allowed(&l, "169.254.169.254"), "0.0.0.0/0 allows every IPv4");
	ok(mts_name_special("localhost") != NULL, "localhost: not public");
	ok(mts_name_special("mail.localhost") != NULL, "*.localhost (RFC 6761)");
	ok(mts_name_special("printer.local") != NULL, ".local (RFC 6762)");
	ok(mts_name_special("nas.home.arpa") != NULL, "home.arpa (RFC 8375)");
	ok(mts_name_special("x.onion") != NULL, ".onion (RFC 7686)");
	ok(mts_name_special("corp.internal") != NULL, ".internal (ICANN)");
	ok(mts_name_special("host.localdomain") != NULL, "localdomain");
	ok(mts_name_special("mailhub") != NULL, "a single label");
	ok(mts_name_special("[127.0.0.1]") != NULL, "an address literal");
	ok(mts_name_special("") != NULL, "empty");
	ok(mts_name_special("reports.example.com") == NULL, "public name");
	ok(mts_name_special("notlocal.com") == NULL, "suffix match is by label");
	ok(mts_name_special("reports.test") == NULL, ".test left to DNS (the world)");
	return done_testing();
}
