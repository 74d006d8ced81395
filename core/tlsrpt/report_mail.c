/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/report_mail.c - a report as mail (RFC 8460 §5.3): multipart/report;
 * report-type="tlsrpt" with the gzipped JSON as application/tlsrpt+gzip,
 * the TLS-Report-Domain and TLS-Report-Submitter headers and the RFC's
 * Subject, handed to the MTA's own sendmail, which signs (DKIM) and
 * delivers it. TLS-Required: No (RFC 8689) marks it as mail that must
 * reach the domain even when its TLS is broken (RPT-59, RFC 8460 §3).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tlsrpt/report.h"
#include "base/util.h"

static void
base64_lines(struct mts_sbuf *b, const unsigned char *p, size_t n)
{
	unsigned char out[80];
	size_t i;

	/* 57 input bytes make one 76-character line (RFC 2045 §6.8). */
	for (i = 0; i < n; i += 57) {
		int k = EVP_EncodeBlock(out, p + i, (int)(n - i < 57 ? n - i : 57));

		mts_sbuf_add(b, out, (size_t)k);
		mts_sbuf_add(b, "\r\n", 2);
	}
}

static uint64_t
fnv(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
headers(struct mts_sbuf *b, const struct mts_report_meta *m,
    const char *addr, const char *boundary, int64_t now)
{
	char date[64];
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	mts_sbuf_fmt(b, "From: %s\r\nTo: %s\r\nDate: %s\r\n", m->from, addr,
	    date);
	mts_sbuf_fmt(b, "Subject: Report Domain: %s Submitter: %s\r\n"
	    " Report-ID: <%s>\r\n", m->domain, m->submitter, m->report_id);
	mts_sbuf_fmt(b, "Message-ID: <tlsrpt.%016" PRIx64 ".%s>\r\n",
	    fnv(addr) ^ fnv(m->day), m->report_id);
	mts_sbuf_fmt(b, "TLS-Report-Domain: %s\r\nTLS-Report-Submitter: %s\r\n",
	    m->domain, m->submitter);
	mts_sbuf_str(b, "TLS-Required: No\r\nAuto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n");
	mts_sbuf_fmt(b, "Content-Type: multipart/report; report-type=\"tlsrpt\";"
	    "\r\n boundary=\"%s\"\r\n\r\n", boundary);
}

void
mts_report_mail(struct mts_sbuf *b, const struct mts_report_meta *m,
    const char *addr, const struct mts_sbuf *gz, int64_t now)
{
	char boundary[64];

	mts_fmt(boundary, sizeof(boundary), "tlsrpt-%016" PRIx64,
	    fnv(m->report_id));
	headers(b, m, addr, boundary, now);
	mts_sbuf_fmt(b, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n", boundary);
	mts_sbuf_fmt(b, "This is an aggregate TLS report (RFC 8460) from %s\r\n"
	    "for %s, covering %s (UTC).\r\n\r\n", m->org, m->domain, m->day);
	mts_sbuf_fmt(b, "--%s\r\nContent-Type: application/tlsrpt+gzip;\r\n"
	    " name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n", boundary,
	    m->filename);
	mts_sbuf_fmt(b, "Content-Disposition: attachment;\r\n filename=\"%s\""
	    "\r\n\r\n", m->filename);
	base64_lines(b, (const unsigned char *)gz->buf, gz->len);
	mts_sbuf_fmt(b, "--%s--\r\n", boundary);
}

/*
 * Write all of p to fd by the deadline: 0, or -1 with errno (ETIMEDOUT at
 * the deadline). A signal is no reason to stop: poll() and send() are
 * retried on EINTR, as Postfix's write_buf() does; a short count from a
 * signal is never taken for "all written" (a report cut short would be
 * marked sent). send() does not block (MSG_DONTWAIT), so a sendmail that
 * stops reading costs at most the deadline.
 */
static int
write_all(int fd, const char *p, size_t n, time_t deadline)
{
	while (n > 0) {
		struct pollfd pf = { fd, POLLOUT, 0 };
		time_t left = deadline - time(NULL);
		ssize_t w;
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pf, 1, 1000);     /* left >= 1 s: one second at most */
		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0)
			continue;
		/* A socket, so a sendmail that died early is EPIPE, not a
		 * SIGPIPE in the MTA's process (a library does not touch
		 * signal dispositions). */
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Wait for pid until the deadline, then kill it. Its exit status or -1. */
static int
reap(pid_t pid, time_t deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -1;
		}
		usleep(20000);
	}
}

int
mts_sendmail(const char *sendmail, const char *from, const char *addr,
    const struct mts_sbuf *msg, int timeout_s, char *err, size_t errsz)
{
	time_t deadline = time(NULL) + timeout_s;
	int fds[2], rc, wr, werr;
	pid_t pid;

	/* No shell: the address came from DNS (RPT: a rua is untrusted). */
	if (addr[0] == '-' || strpbrk(addr, " \t\r\n") != NULL) {
		mts_fmt(err, errsz, "refusing address '%.100s'", addr);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
		mts_fmt(err, errsz, "socketpair: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		mts_fmt(err, errsz, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		(void)dup2(fds[0], 0);
		execl(sendmail, sendmail, "-i", "-f", from, "--", addr,
		    (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	wr = write_all(fds[1], msg->buf, msg->len, deadline);
	werr = errno;
	shutdown(fds[1], SHUT_WR);
	close(fds[1]);
	rc = reap(pid, deadline);
	if (wr != 0) {
		mts_fmt(err, errsz, "%s: message not fully written: %s "
		    "(exit %d)", sendmail, strerror(werr), rc);
		return -1;
	}
	if (rc != 0) {
		mts_fmt(err, errsz, "%s exited with %d", sendmail, rc);
		return -1;
	}
	return 0;
}
