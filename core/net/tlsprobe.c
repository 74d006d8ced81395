/* SPDX-License-Identifier: ISC */
/*
 * net/tlsprobe.c - one TLS handshake, directly or after SMTP STARTTLS,
 * for `mtasts audit`. Certificates are not verified here (SSL_VERIFY_NONE):
 * the chain is handed back and judged by net/cert.c with the RFC 8461
 * §4.2 rules, so a bad certificate is evidence, not a lost connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/util.h"
#include "net/tlsprobe.h"

#define REPLY_MAX 8192          /* an EHLO reply is far smaller */

void
mts_tlsprobe_clear(struct mts_tlsprobe *r)
{
	free(r->chain_pem);
	memset(r, 0, sizeof(*r));
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1 if the text of one reply line (after "ddd-") is the STARTTLS keyword,
 * alone or followed by parameters (RFC 3207 §4). */
static int
line_is_starttls(const char *s, size_t n)
{
	static const char kw[] = "STARTTLS";
	size_t k = sizeof(kw) - 1, i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++)
		if ((s[i] & ~0x20) != kw[i])
			return 0;
	return n == k || s[k] == ' ' || s[k] == '\r';
}

int
mts_smtp_reply_scan(const char *buf, size_t len, size_t *used, int *starttls)
{
	size_t pos = 0, eol;
	int code = -1;

	*used = 0;
	for (;;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);

		if (nl == NULL)
			return len - pos > 512 ? -1 : 0; /* RFC 5321 §4.5.3.1.5 */
		eol = (size_t)(nl - buf);
		if (eol - pos < 3 || !is_digit(buf[pos]) ||
		    !is_digit(buf[pos + 1]) || !is_digit(buf[pos + 2]))
			return -1;
		code = (buf[pos] - '0') * 100 + (buf[pos + 1] - '0') * 10 +
		    (buf[pos + 2] - '0');
		if (eol - pos > 4 && starttls != NULL &&
		    line_is_starttls(buf + pos + 4, eol - pos - 4))
			*starttls = 1;
		if (eol - pos == 3 || buf[pos + 3] == ' ' || buf[pos + 3] == '\r') {
			*used = eol + 1;
			return code;
		}
		if (buf[pos + 3] != '-')
			return -1;
		pos = eol + 1;
	}
}

static int
connect_to(const char *ip, int port, int timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct pollfd p;
	struct timeval tv;
	int fd, err = 0;
	socklen_t el = sizeof(err);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, ip,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS)
		goto fail;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, timeout_ms) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
		goto fail;
	/* Blocking from here on, each read and write bounded by the timeout. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Read one whole reply; returns its code or -1. */
static int
read_reply(int fd, struct mts_tlsprobe *r, int *starttls)
{
	char buf[REPLY_MAX];
	size_t have = 0, used;
	ssize_t n;
	int code;

	for (;;) {
		code = mts_smtp_reply_scan(buf, have, &used, starttls);
		if (code != 0) {
			mts_strlcpy(r->reason, "", sizeof(r->reason));
			if (code > 0)
				mts_fmt(r->reason, sizeof(r->reason), "%.*s",
				    (int)(used > 80 ? 80 : used - 1), buf);
			else
				mts_fmt(r->reason, sizeof(r->reason),
				    "not an SMTP reply");
			return code;
		}
		if (have == sizeof(buf) ||
		    (n = read(fd, buf + have, sizeof(buf) - have)) <= 0) {
			mts_fmt(r->reason, sizeof(r->reason), "%s",
			    have == sizeof(buf) ? "reply too long" :
			    "connection closed or timed out waiting for a reply");
			return -1;
		}
		have += (size_t)n;
	}
}

static int
send_line(int fd, const char *line)
{
	size_t n = strlen(line);

	return write(fd, line, n) == (ssize_t)n ? 0 : -1;
}

static int
smtp_starttls(int fd, const struct mts_tlsprobe_opts *o, struct mts_tlsprobe *r)
{
	char ehlo[300];
	int offered = 0;

	r->stage = MTS_PROBE_SMTP;
	if (read_reply(fd, r, NULL) != 220)
		return -1;
	mts_fmt(ehlo, sizeof(ehlo), "EHLO %s\r\n",
	    o->helo != NULL && *o->helo ? o->helo : "localhost");
	if (send_line(fd, ehlo) != 0 || read_reply(fd, r, &offered) != 250)
		return -1;
	r->stage = MTS_PROBE_NO_STARTTLS;
	if (!offered) {
		mts_fmt(r->reason, sizeof(r->reason), "STARTTLS not offered");
		return -1;
	}
	if (send_line(fd, "STARTTLS\r\n") != 0 || read_reply(fd, r, NULL) != 220)
		return -1;
	return 0;
}

static int
chain_pem(SSL *ssl, struct mts_tlsprobe *r)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
	const ASN1_TIME *na;
	struct tm tm;
	BIO *b = NULL;
	char *p;
	long n;
	int i;

	if (sk == NULL || sk_X509_num(sk) == 0 || (b = BIO_new(BIO_s_mem())) == NULL)
		goto fail;
	for (i = 0; i < sk_X509_num(sk); i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(sk, i)))
			goto fail;
	if ((n = BIO_get_mem_data(b, &p)) <= 0 ||
	    (r->chain_pem = malloc((size_t)n + 1)) == NULL)
		goto fail;
	memcpy(r->chain_pem, p, (size_t)n);
	r->chain_pem[n] = '\0';
	r->chain_len = (size_t)n;
	na = X509_get0_notAfter(sk_X509_value(sk, 0));
	if (na != NULL && ASN1_TIME_to_tm(na, &tm) == 1)
		r->not_after = (int64_t)timegm(&tm);
	BIO_free(b);
	return 0;
fail:
	BIO_free(b);
	mts_fmt(r->reason, sizeof(r->reason), "no peer certificate");
	return -1;
}

static int
handshake(int fd, const struct mts_tlsprobe_opts *o, struct mts_tlsprobe *r)
{
	SSL_CTX *sc = NULL;
	SSL *ssl = NULL;
	int rc = -1;

	r->stage = MTS_PROBE_HANDSHAKE;
	if ((sc = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (ssl = SSL_new(sc)) == NULL || !SSL_set_fd(ssl, fd) ||
	    !SSL_set_tlsext_host_name(ssl, o->sni))
		goto out;
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (SSL_connect(ssl) != 1) {
		unsigned long e = ERR_peek_last_error();

		mts_fmt(r->reason, sizeof(r->reason), "TLS handshake failed: %s",
		    e ? ERR_reason_error_string(e) : "connection closed");
		goto out;
	}
	mts_strlcpy(r->version, SSL_get_version(ssl), sizeof(r->version));
	if (chain_pem(ssl, r) != 0)
		goto out;
	r->stage = MTS_PROBE_DONE;
	mts_fmt(r->reason, sizeof(r->reason), "%s", r->version);
	rc = 0;
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(sc);
	return rc;
}

int
mts_tlsprobe_run(const struct mts_tlsprobe_opts *o, struct mts_tlsprobe *r)
{
	int fd, rc = -1;

	memset(r, 0, sizeof(*r));
	r->stage = MTS_PROBE_CONNECT;
	if ((fd = connect_to(o->ip, o->port, o->timeout_ms)) < 0) {
		mts_fmt(r->reason, sizeof(r->reason), "cannot connect to %s port %d",
		    o->ip, o->port);
		return -1;
	}
	if (o->starttls && smtp_starttls(fd, o, r) != 0)
		goto out;
	/* No QUIT: after the handshake it would have to go over TLS, and
	 * the close_notify of SSL_shutdown() already ends the session. */
	rc = handshake(fd, o, r);
out:
	close(fd);
	return rc;
}
