/* SPDX-License-Identifier: ISC */
/*
 * probe.c - a minimal SMTP client that stops after the TLS handshake:
 * greeting, EHLO, STARTTLS, handshake (no verification: the chain goes
 * to mtasts_verdict_cert), QUIT. filter-mtasts runs it in a child for a
 * testing-mode domain's session, because smtpd's report events do not
 * say whether an opportunistic session's certificate verified.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "probe.h"

static int
dial(const char *ip, int timeout_s)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	struct timeval tv = { timeout_s, 0 };
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(25);
		sl = sizeof(*in4);
	} else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(25);
		sl = sizeof(*in6);
	} else
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* Blocking with timeouts: this runs in a child of its own. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void
probe_reply_init(struct probe_reply *st)
{
	st->n = 0;
	st->starttls = 0;
}

/*
 * One byte of an SMTP reply (RFC 5321 §4.2): lines "ddd-text" then a
 * last "ddd text" (or "ddd"). A line longer than the buffer is cut (its
 * code and separator come first). Bytes from any MX host: bounded and
 * pure, fuzzed (tests/fuzz/fuzz_filter_probe.c).
 */
int
probe_reply_feed(struct probe_reply *st, char c)
{
	char *l = st->line;
	size_t n;

	if (c != '\n') {
		if (st->n < sizeof(st->line) - 1)
			l[st->n++] = c;
		return 0;
	}
	n = st->n;
	st->n = 0;
	if (n > 0 && l[n - 1] == '\r')
		n--;
	l[n] = '\0';
	if (n < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' ||
	    l[2] < '0' || l[2] > '9' || (n > 3 && l[3] != ' ' && l[3] != '-'))
		return -1;
	if (n >= 12 && strncasecmp(l + 4, "STARTTLS", 8) == 0 &&
	    (n == 12 || l[12] == ' '))
		st->starttls = 1;
	if (n == 3 || l[3] == ' ')
		return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	return 0;
}

/* Read one SMTP reply (all its lines); its code, or -1. Sets *starttls
 * when a line of it is "250-STARTTLS" or "250 STARTTLS". */
static int
reply(int fd, int *starttls)
{
	struct probe_reply st;
	char c;
	int rc;

	probe_reply_init(&st);
	do {
		if (read(fd, &c, 1) != 1)
			return -1;
	} while ((rc = probe_reply_feed(&st, c)) == 0);
	if (starttls != NULL && st.starttls)
		*starttls = 1;
	return rc;
}

static int
say(int fd, const char *s)
{
	size_t n = strlen(s);

	return send(fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static int
chain_pem(SSL *ssl, char **pem, size_t *len)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int i;

	if (sk == NULL || b == NULL || sk_X509_num(sk) == 0) {
		BIO_free(b);
		return -1;
	}
	for (i = 0; i < sk_X509_num(sk); i++)
		PEM_write_bio_X509(b, sk_X509_value(sk, i));
	n = BIO_get_mem_data(b, &data);
	if (n <= 0 || (*pem = malloc((size_t)n)) == NULL) {
		BIO_free(b);
		return -1;
	}
	memcpy(*pem, data, (size_t)n);
	*len = (size_t)n;
	BIO_free(b);
	return 0;
}

static int
handshake(int fd, const char *sni, char **pem, size_t *len, char *err,
    size_t errsz)
{
	SSL_CTX *sc = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	int rc = -1;

	if (sc == NULL || (ssl = SSL_new(sc)) == NULL) {
		snprintf(err, errsz, "TLS setup failed");
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_tlsext_host_name(ssl, sni);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		snprintf(err, errsz, "TLS handshake failed");
		goto out;
	}
	if ((rc = chain_pem(ssl, pem, len)) != 0)
		snprintf(err, errsz, "no peer certificate");
	SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	SSL_CTX_free(sc);
	return rc;
}

int
probe_chain(const char *ip, const char *sni, const char *helo,
    int timeout_s, char **pem, size_t *len, char *err, size_t errsz)
{
	char ehlo[300];
	int fd, tls = 0, rc = -1;

	if ((fd = dial(ip, timeout_s)) < 0) {
		snprintf(err, errsz, "cannot connect to %s:25", ip);
		return -1;
	}
	snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", helo);
	if (reply(fd, NULL) != 220 || say(fd, ehlo) != 0 ||
	    reply(fd, &tls) != 250) {
		snprintf(err, errsz, "SMTP greeting or EHLO failed");
		goto out;
	}
	if (!tls || say(fd, "STARTTLS\r\n") != 0 || reply(fd, NULL) != 220) {
		snprintf(err, errsz, "STARTTLS not offered or refused");
		goto out;
	}
	rc = handshake(fd, sni, pem, len, err, errsz);
out:
	close(fd);
	return rc;
}
