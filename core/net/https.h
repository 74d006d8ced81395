/* SPDX-License-Identifier: ISC */
/*
 * net/https.h - the one libcurl HTTPS setup of the core, shared by the
 * policy fetch (RFC 8461 §3.3) and the TLS-RPT POST (RFC 8460 §5.4):
 * HTTPS only, PKIX with the host name, TLS >= 1.2, no redirects, no
 * proxy but the configured https_proxy (never the environment's), no signals, bounded time, and every address connected to
 * checked against the special-purpose ranges (DESIGN 17).
 */
#ifndef MTS_NET_HTTPS_H
#define MTS_NET_HTTPS_H

#include <stddef.h>

#include <curl/curl.h>

#include "base/netaddr.h"

/*
 * The one hook for what libcurl's TLS context should carry beyond
 * ca_file/ca_path (e.g. a CA store shared across handles): called as
 * CURLOPT_SSL_CTX_FUNCTION with the OpenSSL SSL_CTX. Return CURLE_OK.
 */
typedef CURLcode mts_https_ssl_ctx_fn(CURL *c, void *ssl_ctx, void *arg);

struct mts_https_opts {
	const char *ca_file;          /* NULL or "": system default */
	const char *ca_path;
	long connect_ms;              /* connection phase */
	long total_ms;                /* whole request */
	const struct mts_netlist *allow; /* special addresses allowed anyway */
	const char *proxy;            /* "" or NULL: none; else http://host:port */
	mts_https_ssl_ctx_fn *ssl_ctx_fn; /* NULL: none */
	void *ssl_ctx_arg;
};

/* Per request: why an address was refused, for the error message. */
struct mts_https_guard {
	const struct mts_netlist *allow;
	int via_proxy;                /* every socket goes to the proxy */
	char refused[128];
	struct curl_slist *connect_to; /* the CONNECT target (mts_https_route) */
};

/*
 * Set the common options on c for url (the caller adds method, body
 * and write callback after). pins: CURLOPT_RESOLVE list or NULL; g and
 * errbuf (CURL_ERROR_SIZE) must live until the transfer ends. 0 or -1.
 */
int mts_https_setup(CURL *c, const struct mts_https_opts *o,
    const char *url, struct curl_slist *pins, struct mts_https_guard *g,
    char *errbuf);
/*
 * Through a proxy, the proxy would resolve host itself and the address
 * check (DESIGN 17) would see only the proxy: a domain's policy host or
 * rua endpoint named to resolve to an internal address would be fetched
 * by the proxy inside the network. So the tunnel goes to the first of
 * addrs (our own resolution, mts_dns_addrs's "ip,ip,[v6]") that passes
 * the check, by CURLOPT_CONNECT_TO (CONNECT addr:port); TLS still
 * verifies host. Without a proxy: nothing (open_checked sees every
 * address). 0, or -1 with the reason in g->refused.
 */
int mts_https_route(CURL *c, const struct mts_https_opts *o,
    const char *host, long port, const char *addrs,
    struct mts_https_guard *g);
/* Detach from c and free what mts_https_route kept in g. */
void mts_https_guard_clear(CURL *c, struct mts_https_guard *g);
/* "host:port:addrs" for CURLOPT_RESOLVE ("-host:port" with no addrs:
 * forget an earlier pin). NULL on allocation failure. */
struct curl_slist *mts_https_pins(const char *host, long port,
    const char *addrs);
/* The reason of a failed transfer: the refused address if that was it,
 * else errbuf or libcurl's text for rc. */
const char *mts_https_why(CURLcode rc, const struct mts_https_guard *g,
    const char *errbuf);

/* NULL if connecting to ip (family AF_INET/AF_INET6; NULL: not an IP
 * address) is allowed, else msg filled with why not (DESIGN 17). */
const char *mts_https_refused(const struct mts_netlist *allow, int family,
    const unsigned char *ip, char *msg, size_t msgsz);
/* The next address of "ip,ip,[v6]" at *p into txt (brackets dropped);
 * 0, or -1 at the end. */
int mts_https_next_addr(const char **p, char *txt, size_t txtsz);

/* POST len bytes of body as ctype to url; any 2xx is success. addrs
 * pins the host as above. 0, or -1 with err. */
int mts_https_post(const struct mts_https_opts *o, const char *url,
    const char *addrs, const char *ctype, const void *body, size_t len,
    char *err, size_t errsz);
/* The host and port of an https URL. 0 or -1. */
int mts_url_host(const char *url, char *host, size_t hostsz, long *port);

#endif
