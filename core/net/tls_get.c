/* SPDX-License-Identifier: ISC */
/*
 * net/tls_get.c - the policy GET over OpenSSL (see tls_get.h). Sockets
 * are non-blocking and every wait is a poll() bounded by the deadlines,
 * so a host that trickles or stalls costs at most the timeouts. The
 * OpenSSL error queue is left empty: we share libcrypto with the MTA.
 * OpenSSL writes to the socket with write(), not send(MSG_NOSIGNAL) as
 * libcurl does: a peer that resets the connection would raise SIGPIPE
 * and kill the MTA process, so SIGPIPE is blocked in this thread while
 * we talk, and one we caused is taken back before it is unblocked.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base/util.h"
#include "net/https.h"
#include "net/tls_get.h"

struct mts_tls_get {
	SSL_CTX *ctx;
	void *store;                  /* the store ctx was built with */
};

struct conn {
	int fd;
	SSL *ssl;
	int64_t conn_end, end;        /* mts_mono_ms deadlines */
	const struct mts_tls_get_req *q;
	char *why;
	size_t whysz;
	int timed_out;
};

static SSL_CTX *
ctx_for(struct mts_tls_get **tp, void *store)
{
	struct mts_tls_get *t = *tp;
	SSL_CTX *c;

	if (t == NULL && (t = *tp = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	/* The ctx holds a reference on its store, so the address cannot be
	 * reused by another store while we compare against it. */
	if (t->ctx != NULL && t->store == store)
		return t->ctx;
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
	if ((c = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION)) {  /* STS-43 (RFC 8461 §7.2) */
		SSL_CTX_free(c);
		return NULL;
	}
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set1_cert_store(c, store);
	/* A session could only resume this very host, next refresh. */
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_TICKET);
	t->ctx = c;
	t->store = store;
	return c;
}

void
mts_tls_get_free(struct mts_tls_get *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/* 1 ready, 0 the deadline passed, -1 error. */
static int
wait_fd(struct conn *c, short events, int64_t end)
{
	struct pollfd p;
	int64_t left;
	int r;

	for (;;) {
		left = end - mts_mono_ms();
		if (left <= 0)
			return 0;
		p.fd = c->fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static void
timed_out(struct conn *c, int connecting, unsigned long long got)
{
	c->timed_out = 1;
	if (connecting)
		mts_fmt(c->why, c->whysz, "Connection timed out after %ld "
		    "milliseconds", c->q->connect_ms < c->q->total_ms ?
		    c->q->connect_ms : c->q->total_ms);
	else
		mts_fmt(c->why, c->whysz, "Operation timed out after %ld "
		    "milliseconds with %llu bytes received", c->q->total_ms, got);
}

/* One address, given until end: 0 connected, -1 not (why set). */
static int
connect_one(struct conn *c, int fam, const unsigned char *ip, const char *txt,
    int64_t end)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err = 0, r;

	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)(void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(443);
		memcpy(&a->sin_addr, ip, 4);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)(void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(443);
		memcpy(&a->sin6_addr, ip, 16);
		len = sizeof(*a);
	}
	if ((c->fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		goto fail;
	if (connect(c->fd, (struct sockaddr *)&ss, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		goto fail;
	if ((r = wait_fd(c, POLLOUT, end)) == 0) {
		if (end >= c->conn_end)
			timed_out(c, 1, 0);
		else
			mts_fmt(c->why, c->whysz, "Failed to connect to %s port "
			    "443 in time, trying the next address", txt);
		goto out;
	}
	len = sizeof(err);
	if (r < 0 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		goto fail;
	if (err == 0)
		return 0;
	errno = err;
fail:
	mts_fmt(c->why, c->whysz, "Failed to connect to %s port 443: %s",
	    txt, strerror(errno));
out:
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return -1;
}

static int64_t
now_half(int64_t end)
{
	int64_t now = mts_mono_ms();

	return end > now ? now + (end - now) / 2 : end;
}

/* The first pinned address that passes the check and answers. */
static int
connect_any(struct conn *c)
{
	const char *p = c->q->addrs;
	char txt[64], refused[128] = "";
	unsigned char ip[16];
	int64_t end;
	int fam;

	mts_fmt(c->why, c->whysz, "no address of %s", c->q->host);
	while (mts_https_next_addr(&p, txt, sizeof(txt)) == 0) {
		fam = strchr(txt, ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(fam, txt, ip) != 1)
			continue;
		if (mts_https_refused(c->q->allow, fam, ip, refused,
		    sizeof(refused)) != NULL)
			continue;
		/* As libcurl shares the connect timeout: an address that
		 * is not the last gets half of what is left, so one that
		 * drops SYNs cannot use it all up (RFC 8305's spirit). */
		end = c->conn_end;
		if (p[strspn(p, ",")] != '\0')
			end = now_half(c->conn_end);
		if (connect_one(c, fam, ip, txt, end) == 0)
			return 0;
		if (c->timed_out)
			break;
	}
	/* As the libcurl path reports it (mts_https_why). */
	if (refused[0] != '\0' && !c->timed_out)
		mts_strlcpy(c->why, refused, c->whysz);
	return -1;
}

/* Wait for what OpenSSL asked for after a call that returned r; 1 to
 * try again, 0 on timeout, -1 on any other failure. */
static int
ssl_wait(struct conn *c, int r)
{
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		return wait_fd(c, POLLIN, c->end);
	if (e == SSL_ERROR_WANT_WRITE)
		return wait_fd(c, POLLOUT, c->end);
	return -1;
}

static void
ssl_why(struct conn *c, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[160];

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		mts_strlcpy(buf, "connection closed by the peer", sizeof(buf));
	mts_fmt(c->why, c->whysz, "%s: %s", what, buf);
}

static enum mts_tls_get_rc
handshake(struct conn *c, SSL_CTX *ctx)
{
	long v;
	int r;

	if ((c->ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(c->ssl, c->fd) ||
	    !SSL_set_tlsext_host_name(c->ssl, c->q->host) ||
	    !SSL_set1_host(c->ssl, c->q->host)) {
		mts_strlcpy(c->why, "cannot set up TLS", c->whysz);
		return MTS_TLS_GET_FAIL;
	}
	/* RFC 6125 as libcurl checks it: subjectAltName dNSNames, a
	 * wildcard only as the whole leftmost label. */
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	while ((r = SSL_connect(c->ssl)) != 1) {
		if ((v = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
			mts_fmt(c->why, c->whysz, "SSL certificate problem: %s",
			    X509_verify_cert_error_string(v));
			return MTS_TLS_GET_CERT;
		}
		if ((r = ssl_wait(c, r)) == 0) {
			timed_out(c, 0, 0);
			return MTS_TLS_GET_FAIL;
		}
		if (r < 0) {
			ssl_why(c, "TLS handshake failed");
			return MTS_TLS_GET_FAIL;
		}
	}
	/* SSL_VERIFY_PEER fails the handshake on a bad chain or name; this
	 * is the belt to those braces. */
	if (SSL_get_verify_result(c->ssl) != X509_V_OK ||
	    SSL_get0_peer_certificate(c->ssl) == NULL) {
		mts_strlcpy(c->why, "SSL certificate problem: no verified "
		    "peer certificate", c->whysz);
		return MTS_TLS_GET_CERT;
	}
	return MTS_TLS_GET_OK;
}

static enum mts_tls_get_rc
send_request(struct conn *c)
{
	char req[MTS_HTTP1_LINE_MAX];
	int len, off = 0, r;

	/* No Accept-Encoding: the body comes as it is. Connection: close,
	 * as a policy host's connection is not used twice. */
	if (mts_fmt(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: %s\r\nAccept: */*\r\nConnection: close\r\n\r\n",
	    c->q->path, c->q->host, c->q->user_agent) != 0) {
		mts_strlcpy(c->why, "request too long", c->whysz);
		return MTS_TLS_GET_FAIL;
	}
	len = (int)strlen(req);
	while (off < len) {
		if ((r = SSL_write(c->ssl, req + off, len - off)) > 0) {
			off += r;
			continue;
		}
		if ((r = ssl_wait(c, r)) == 0) {
			timed_out(c, 0, 0);
			return MTS_TLS_GET_FAIL;
		}
		if (r < 0) {
			ssl_why(c, "TLS write failed");
			return MTS_TLS_GET_FAIL;
		}
	}
	return MTS_TLS_GET_OK;
}

/* The response to its end: complete per its framing, or the close. */
static enum mts_tls_get_rc
read_response(struct conn *c, struct mts_http1 *h)
{
	char buf[16384];
	int r, e, w;

	for (;;) {
		if ((r = SSL_read(c->ssl, buf, sizeof(buf))) > 0) {
			if ((w = mts_http1_feed(h, buf, (size_t)r)) == 1)
				return MTS_TLS_GET_OK;
			if (w < 0) {
				mts_strlcpy(c->why, h->err, c->whysz);
				return MTS_TLS_GET_FAIL;
			}
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_ZERO_RETURN) {      /* close_notify */
			if (mts_http1_eof(h) == 1)
				return MTS_TLS_GET_OK;
			mts_strlcpy(c->why, h->err, c->whysz);
			return MTS_TLS_GET_FAIL;
		}
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if ((w = ssl_wait(c, r)) == 0) {
				timed_out(c, 0, h->received);
				return MTS_TLS_GET_FAIL;
			}
			if (w > 0)
				continue;
		}
		if (e != SSL_ERROR_SYSCALL && (e != SSL_ERROR_SSL ||
		    ERR_GET_REASON(ERR_peek_error()) !=
		    SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
			ssl_why(c, "TLS read failed");
			return MTS_TLS_GET_FAIL;
		}
		/* A close without close_notify: a response framed by its
		 * length or chunks says itself whether it is whole; one
		 * delimited by the close could have been cut by anyone. */
		if (mts_http1_eof(h) == 1)
			mts_strlcpy(c->why, "transfer closed without TLS "
			    "close_notify: the body may be cut short", c->whysz);
		else
			mts_strlcpy(c->why, h->err, c->whysz);
		return MTS_TLS_GET_FAIL;
	}
}

enum mts_tls_get_rc
mts_tls_get(struct mts_tls_get **t, const struct mts_tls_get_req *q,
    struct mts_http1 *h, char *why, size_t whysz)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old_set, pending;
	struct conn c;
	SSL_CTX *ctx;
	enum mts_tls_get_rc rc = MTS_TLS_GET_FAIL;
	int64_t now = mts_mono_ms();
	int pipe_before;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.q = q;
	c.why = why;
	c.whysz = whysz;
	c.end = now + q->total_ms;
	c.conn_end = now + (q->connect_ms < q->total_ms ? q->connect_ms :
	    q->total_ms);
	why[0] = '\0';
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	sigpending(&pending);
	pipe_before = sigismember(&pending, SIGPIPE);
	if ((ctx = ctx_for(t, q->store)) == NULL) {
		mts_strlcpy(why, "cannot set up TLS", whysz);
		goto out;
	}
	if (connect_any(&c) != 0)
		goto out;
	if ((rc = handshake(&c, ctx)) != MTS_TLS_GET_OK ||
	    (rc = send_request(&c)) != MTS_TLS_GET_OK)
		goto out;
	rc = read_response(&c, h);
	if (rc == MTS_TLS_GET_OK)
		(void)SSL_shutdown(c.ssl);    /* our close_notify; not awaited */
out:
	SSL_free(c.ssl);
	if (c.fd >= 0)
		close(c.fd);
	ERR_clear_error();
	sigpending(&pending);
	if (!pipe_before && sigismember(&pending, SIGPIPE))
		(void)sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	return rc;
}
