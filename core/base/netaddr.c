/* SPDX-License-Identifier: ISC */
/*
 * base/netaddr.c - the special-purpose address registries (RFC 6890 and
 * the IANA IPv4/IPv6 special-purpose registries) reduced to one table
 * per family: a policy host or report endpoint at one of these is not a
 * host on the public internet, and a remote domain must not make us
 * connect there (DESIGN 17, server-side request forgery).
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/netaddr.h"
#include "base/util.h"

struct special {
	const char *net;
	unsigned prefix;
	const char *what;
};

static const struct special v4[] = {
	{ "0.0.0.0", 8, "unspecified" },        /* RFC 791 "this network" */
	{ "10.0.0.0", 8, "private" },           /* RFC 1918 */
	{ "100.64.0.0", 10, "shared" },         /* RFC 6598 carrier NAT */
	{ "127.0.0.0", 8, "loopback" },         /* RFC 1122 */
	{ "169.254.0.0", 16, "link-local" },    /* RFC 3927, cloud metadata */
	{ "172.16.0.0", 12, "private" },        /* RFC 1918 */
	{ "192.0.0.0", 24, "reserved" },        /* RFC 6890 IETF assignments */
	{ "192.0.2.0", 24, "documentation" },   /* RFC 5737 */
	{ "192.88.99.0", 24, "reserved" },      /* RFC 7526 6to4 relay */
	{ "192.168.0.0", 16, "private" },       /* RFC 1918 */
	{ "198.18.0.0", 15, "reserved" },       /* RFC 2544 benchmarking */
	{ "198.51.100.0", 24, "documentation" },/* RFC 5737 */
	{ "203.0.113.0", 24, "documentation" }, /* RFC 5737 */
	{ "224.0.0.0", 4, "multicast" },        /* RFC 5771 */
	{ "240.0.0.0", 4, "reserved" },         /* RFC 1112, incl. broadcast */
};

static const struct special v6[] = {
	{ "::", 128, "unspecified" },           /* RFC 4291 */
	{ "::1", 128, "loopback" },             /* RFC 4291 */
	{ "::", 96, "reserved" },               /* deprecated IPv4-compatible */
	{ "100::", 64, "reserved" },            /* RFC 6666 discard */
	{ "2001:db8::", 32, "documentation" },  /* RFC 3849 */
	{ "3fff::", 20, "documentation" },      /* RFC 9637 */
	{ "fc00::", 7, "unique-local" },        /* RFC 4193 */
	{ "fe80::", 10, "link-local" },         /* RFC 4291 */
	{ "fec0::", 10, "site-local" },         /* RFC 3879, deprecated */
	{ "ff00::", 8, "multicast" },           /* RFC 4291 */
};

static int
in_prefix(const unsigned char *a, const unsigned char *net, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

static const char *
lookup(const struct special *t, size_t n, int family, const unsigned char *a)
{
	unsigned char net[16];
	size_t i;

	for (i = 0; i < n; i++)
		if (inet_pton(family, t[i].net, net) == 1 &&
		    in_prefix(a, net, t[i].prefix))
			return t[i].what;
	return NULL;
}

const char *
mts_addr_special(int family, const unsigned char *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (family == AF_INET)
		return lookup(v4, sizeof(v4) / sizeof(v4[0]), AF_INET, a);
	if (family != AF_INET6)
		return "not IP";
	/* ::ffff:a.b.c.d (RFC 4291) and 64:ff9b::a.b.c.d (RFC 6052) reach
	 * the IPv4 address inside. */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return lookup(v4, sizeof(v4) / sizeof(v4[0]), AF_INET, a + 12);
	return lookup(v6, sizeof(v6) / sizeof(v6[0]), AF_INET6, a);
}

/* One "net[/len]" of len bytes at s. */
static int
parse_one(const char *s, size_t len, struct mts_net *n, char *err,
    size_t errsz)
{
	char buf[64];
	const char *slash;
	unsigned max, p = 0;
	size_t i, alen;

	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	alen = slash ? (size_t)(slash - buf) : len;
	buf[alen] = '\0';
	n->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	max = n->family == AF_INET6 ? 128 : 32;
	memset(n->addr, 0, sizeof(n->addr));
	if (inet_pton(n->family, buf, n->addr) != 1)
		goto bad;
	if (slash == NULL) {
		n->prefix = max;
		return 0;
	}
	if (slash[1] == '\0' || len - alen - 1 > 3)
		goto bad;
	for (i = alen + 1; i < len; i++) {
		if (!mts_is_digit((unsigned char)s[i]))
			goto bad;
		p = p * 10 + (unsigned)(s[i] - '0');
	}
	if (p > max)
		goto bad;
	n->prefix = p;
	return 0;
bad:
	mts_fmt(err, errsz, "\"%.*s\": not a network (address[/length])",
	    (int)(len < 64 ? len : 64), s);
	return -1;
}

int
mts_netlist_parse(const char *text, struct mts_netlist *out, char *err,
    size_t errsz)
{
	const char *p = text;
	size_t len;

	memset(out, 0, sizeof(*out));
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		len = strcspn(p, " \t,");
		if (out->n == MTS_NETLIST_MAX) {
			mts_fmt(err, errsz, "more than %d networks",
			    MTS_NETLIST_MAX);
			return -1;
		}
		if (parse_one(p, len, &out->v[out->n], err, errsz) != 0)
			return -1;
		out->n++;
		p += len;
	}
}

int
mts_netlist_has(const struct mts_netlist *l, int family,
    const unsigned char *addr)
{
	size_t i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (l->v[i].family == family &&
		    in_prefix(addr, l->v[i].addr, l->v[i].prefix))
			return 1;
	return 0;
}

/*
 * Names that are not on the public internet: RFC 6761 special-use
 * (localhost, invalid), RFC 6762 local, RFC 8375 home.arpa, RFC 7686
 * onion, ICANN's reserved internal, the common localdomain, any
 * single-label name and address literals. Test names (RFC 2606 .test,
 * .example) are left to DNS: the test world lives under .test.
 */
const char *
mts_name_special(const char *name)
{
	static const char *const suffixes[] = { "localhost", "invalid",
	    "local", "home.arpa", "onion", "internal", "localdomain" };
	size_t n = strlen(name), i, l;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || name[0] == '[')
		return "an address literal or empty";
	if (memchr(name, '.', n) == NULL)
		return "a single-label name";
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		l = strlen(suffixes[i]);
		if ((n == l || (n > l && name[n - l - 1] == '.')) &&
		    strncasecmp(name + n - l, suffixes[i], l) == 0)
			return "a special-use name";
	}
	return NULL;
}
