/* SPDX-License-Identifier: ISC */
/*
 * net/https.c - the core's one libcurl HTTPS setup (see https.h). The
 * address check sits in CURLOPT_OPENSOCKETFUNCTION: it sees the address
 * libcurl is about to connect to, after every resolution (ours pinned
 * with CURLOPT_RESOLVE, or libcurl's own), so a name that resolves to
 * a public address when looked up and to 127.0.0.1 when connected
 * (DNS rebinding) is still refused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mtasts.h"
#include "net/curl_load.h"
#include "net/https.h"
#include "base/util.h"

const char *
mts_https_refused(const struct mts_netlist *allow, int family,
    const unsigned char *ip, char *msg, size_t msgsz)
{
	const char *what = ip == NULL ? "non-IP" :
	    mts_addr_special(family, ip);
	char txt[INET6_ADDRSTRLEN] = "?";

	if (what == NULL || (ip != NULL && mts_netlist_has(allow, family, ip)))
		return NULL;
	if (ip != NULL)
		(void)inet_ntop(family, ip, txt, sizeof(txt));
	mts_fmt(msg, msgsz, "refused to connect to %s, a %s address (not in "
	    "allow_networks)", txt, what);
	return msg;
}

static curl_socket_t
open_checked(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct mts_https_guard *g = arg;
	const unsigned char *ip = NULL;

	(void)purpose;
	if (a->family == AF_INET)
		ip = (const unsigned char *)
		    &((const struct sockaddr_in *)(void *)&a->addr)->sin_addr;
	else if (a->family == AF_INET6)
		ip = (const unsigned char *)
		    &((const struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr;
	/* The proxy is the admin's explicit choice (https_proxy), and the
	 * only host libcurl connects to when one is set. */
	if (g->via_proxy)
		return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (mts_https_refused(g->allow, a->family, ip, g->refused,
	    sizeof(g->refused)) != NULL)
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static CURLcode
on_ssl_ctx(CURL *c, void *ssl_ctx, void *arg)
{
	const struct mts_https_opts *o = arg;

	return o->ssl_ctx_fn(c, ssl_ctx, o->ssl_ctx_arg);
}

int
mts_https_setup(CURL *c, const struct mts_https_opts *o, const char *url,
    struct curl_slist *pins, struct mts_https_guard *g, char *errbuf)
{
	int bad = 0;

	g->allow = o->allow;
	g->refused[0] = '\0';
	errbuf[0] = '\0';
	bad |= curl_easy_setopt(c, CURLOPT_URL, url);
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* STS-35 (RFC 8461 §3.3), RPT-72 (RFC 8460 §5.4) */
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	bad |= curl_easy_setopt(c, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);                     /* STS-43 (RFC 8461 §7.2) */
	if (o->ca_file != NULL && o->ca_file[0] != '\0')
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->ca_path != NULL && o->ca_path[0] != '\0')
		bad |= curl_easy_setopt(c, CURLOPT_CAPATH, o->ca_path);
	if (o->ssl_ctx_fn != NULL) {
		bad |= curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		bad |= curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, o);
	}
	/* The configured https_proxy only, never the environment's (an MTA
	 * process's environment is not the admin's choice): CURLOPT_PROXY
	 * "" and NOPROXY "*" switch libcurl's env lookup off. Through the
	 * proxy, the HTTPS tunnel (CONNECT) keeps TLS and the certificate
	 * check end to end. The socket goes to the proxy (not checked: the
	 * admin named it); the tunnel's target is our own checked address
	 * (mts_https_route), so allow_networks still bounds where requests
	 * go. No signals: we live inside an MTA process that owns them. */
	g->via_proxy = o->proxy != NULL && o->proxy[0] != '\0';
	g->connect_to = NULL;
	if (g->via_proxy) {
		bad |= curl_easy_setopt(c, CURLOPT_PROXY, o->proxy);
		bad |= curl_easy_setopt(c, CURLOPT_PROXYTYPE, (long)CURLPROXY_HTTP);
		bad |= curl_easy_setopt(c, CURLOPT_HTTPPROXYTUNNEL, 1L);
		bad |= curl_easy_setopt(c, CURLOPT_NOPROXY, "");
	} else {
		bad |= curl_easy_setopt(c, CURLOPT_PROXY, "");
		bad |= curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	}
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->total_ms);
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "mtasts/" MTASTS_VERSION_STRING);
	bad |= curl_easy_setopt(c, CURLOPT_RESOLVE, pins);
	bad |= curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	bad |= curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, g);
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	return bad ? -1 : 0;
}

int
mts_https_next_addr(const char **p, char *txt, size_t txtsz)
{
	const char *s = *p;
	const char *e;
	size_t n;

	while (*s == ',')
		s++;
	if (*s == '\0')
		return -1;
	e = strchr(s, ',');
	n = e != NULL ? (size_t)(e - s) : strlen(s);
	*p = s + n;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n >= txtsz)
		n = txtsz - 1;      /* too long for an address: fails inet_pton */
	memcpy(txt, s, n);
	txt[n] = '\0';
	return 0;
}

int
mts_https_route(CURL *c, const struct mts_https_opts *o, const char *host,
    long port, const char *addrs, struct mts_https_guard *g)
{
	unsigned char ip[16];
	char txt[64], entry[400];
	const char *p = addrs, *what;
	int fam;

	if (!g->via_proxy)
		return 0;
	if (addrs == NULL || addrs[0] == '\0') {
		mts_fmt(g->refused, sizeof(g->refused), "no address of %s to "
		    "check before the proxy connects to it", host);
		return -1;
	}
	while (mts_https_next_addr(&p, txt, sizeof(txt)) == 0) {
		fam = strchr(txt, ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(fam, txt, ip) != 1)
			continue;
		what = mts_addr_special(fam, ip);
		if (what != NULL && !mts_netlist_has(o->allow, fam, ip)) {
			mts_fmt(g->refused, sizeof(g->refused), "refused to "
			    "connect to %s, a %s address (not in allow_networks)",
			    txt, what);
			continue;
		}
		if (mts_fmt(entry, sizeof(entry), fam == AF_INET6 ?
		    "%s:%ld:[%s]:%ld" : "%s:%ld:%s:%ld", host, port, txt,
		    port) != 0 ||
		    (g->connect_to = curl_slist_append(NULL, entry)) == NULL ||
		    curl_easy_setopt(c, CURLOPT_CONNECT_TO, g->connect_to) !=
		    CURLE_OK) {
			mts_fmt(g->refused, sizeof(g->refused), "cannot set "
			    "up the proxy tunnel to %s", txt);
			return -1;
		}
		g->refused[0] = '\0';
		return 0;
	}
	if (g->refused[0] == '\0')
		mts_fmt(g->refused, sizeof(g->refused), "no usable address "
		    "of %s", host);
	return -1;
}

void
mts_https_guard_clear(CURL *c, struct mts_https_guard *g)
{
	if (g->connect_to == NULL)
		return;
	if (c != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, NULL);
	curl_slist_free_all(g->connect_to);
	g->connect_to = NULL;
}

struct curl_slist *
mts_https_pins(const char *host, long port, const char *addrs)
{
	struct curl_slist *l;
	size_t n = strlen(host) + (addrs ? strlen(addrs) : 0) + 32;
	char *entry = malloc(n);

	if (entry == NULL)
		return NULL;
	/* Without addresses, drop any earlier pin of this name from the
	 * handle's DNS cache, so libcurl resolves it itself. */
	if (addrs == NULL || addrs[0] == '\0')
		mts_fmt(entry, n, "-%s:%ld", host, port);
	else
		mts_fmt(entry, n, "%s:%ld:%s", host, port, addrs);
	l = curl_slist_append(NULL, entry);
	free(entry);
	return l;
}

const char *
mts_https_why(CURLcode rc, const struct mts_https_guard *g,
    const char *errbuf)
{
	if (g->refused[0] != '\0' && rc == CURLE_COULDNT_CONNECT)
		return g->refused;
	return errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
}

int
mts_url_host(const char *url, char *host, size_t hostsz, long *port)
{
	CURLU *u;
	char *h = NULL, *p = NULL;
	int rc = -1;

	if (mts_curl_load() != 0 || (u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	*port = strtol(p, NULL, 10);
	if (mts_strlcpy(host, h, hostsz) < hostsz)
		rc = 0;
out:
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

static int
post_setup(CURL *c, struct curl_slist *hdrs, const void *body, size_t len)
{
	int bad = 0;

	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	bad |= curl_easy_setopt(c, CURLOPT_POST, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	return bad ? -1 : 0;
}

int
mts_https_post(const struct mts_https_opts *o, const char *url,
    const char *addrs, const char *ctype, const void *body, size_t len,
    char *err, size_t errsz)
{
	char host[300], hdr[128], errbuf[CURL_ERROR_SIZE];
	struct curl_slist *pins = NULL, *hdrs = NULL;
	struct mts_https_guard g;
	CURL *c = NULL;
	CURLcode rc;
	long port = 443, status = 0;
	int ok = -1;

	memset(&g, 0, sizeof(g));
	if (mts_url_host(url, host, sizeof(host), &port) != 0) {
		mts_fmt(err, errsz, "not a usable URL");
		return -1;
	}
	if ((addrs != NULL && addrs[0] != '\0' &&
	    (pins = mts_https_pins(host, port, addrs)) == NULL) ||
	    mts_fmt(hdr, sizeof(hdr), "Content-Type: %s", ctype) != 0 ||
	    (hdrs = curl_slist_append(NULL, hdr)) == NULL ||
	    (c = curl_easy_init()) == NULL ||
	    mts_https_setup(c, o, url, pins, &g, errbuf) != 0 ||
	    post_setup(c, hdrs, body, len) != 0) {
		mts_fmt(err, errsz, "cannot set up the POST");
		goto out;
	}
	if (mts_https_route(c, o, host, port, addrs, &g) != 0) {
		mts_fmt(err, errsz, "%s", g.refused);
		goto out;
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		mts_fmt(err, errsz, "%s", mts_https_why(rc, &g, errbuf));
	else if (status < 200 || status > 299)
		mts_fmt(err, errsz, "HTTP status %ld", status);
	else
		ok = 0;
out:
	mts_https_guard_clear(c, &g);
	curl_easy_cleanup(c);
	curl_slist_free_all(pins);
	curl_slist_free_all(hdrs);
	return ok;
}
