/* SPDX-License-Identifier: ISC */
/* test_sendmail.c - a report handed to sendmail (RFC 8460 §5.3) under a
 * signal storm: a report larger than the socket buffer, a reader that
 * is slow to start, SIGALRM every millisecond without SA_RESTART (as an
 * MTA's own timers may be). The report must reach sendmail whole or the
 * send must fail; it is never "sent" half written. A reader that never
 * reads makes the send fail with ETIMEDOUT at the deadline (Postfix's
 * write_buf() is the model). The "sendmail" is /bin/sh running cat. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tlsrpt/report.h"
#include "base/sbuf.h"
#include "tap.h"

#define MSG_SIZE (4u << 20)     /* far above a unix socket's buffer */

static char dir[] = "/tmp/mts-sendmail-XXXXXX";
static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void
storm(int on)
{
	struct itimerval it = { { 0, on ? 1000 : 0 }, { 0, on ? 1000 : 0 } };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;        /* no SA_RESTART: poll/send see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void
script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

/* The whole of path equals want. */
static int
same_file(const char *path, const struct mts_sbuf *want)
{
	char *got = malloc(want->len + 1);
	size_t n = 0;
	ssize_t r;
	int fd, same;

	if (got == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(got);
		return 0;
	}
	while (n <= want->len &&
	    (r = read(fd, got + n, want->len + 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	printf("# sendmail got %zu of %zu bytes\n", n, want->len);
	same = n == want->len && memcmp(got, want->buf, n) == 0;
	free(got);
	return same;
}

static void
message(struct mts_sbuf *b)
{
	size_t i;

	mts_sbuf_init(b);
	for (i = 0; b->len < MSG_SIZE && !b->oom; i++)
		mts_sbuf_fmt(b, "line %zu of a large report\r\n", i);
}

static void
slow_reader(const struct mts_sbuf *msg)
{
	char sm[300], out[300], body[700], err[256] = "";
	int rc;

	snprintf(sm, sizeof(sm), "%s/slow-sendmail", dir);
	snprintf(out, sizeof(out), "%s/slow.out", dir);
	/* Starts reading after the socket buffer has long been full. */
	snprintf(body, sizeof(body), "sleep 1\nexec cat > '%s'", out);
	script(sm, body);
	alarms = 0;
	storm(1);
	rc = mts_sendmail(sm, "reports@example.net", "rua@example.com", msg,
	    60, err, sizeof(err));
	storm(0);
	printf("# %d SIGALRM during the send; rc=%d err='%s'\n", (int)alarms,
	    rc, err);
	ok(alarms > 0, "the signal storm hit the send");
	if (rc == 0)
		ok(same_file(out, msg), "sent means sendmail read all of it");
	else
		ok(1, "not sent (fail, never half written)");
	ok(rc == 0 && same_file(out, msg),
	    "EINTR retried: the whole report reached a slow sendmail");
}

static void
never_reads(const struct mts_sbuf *msg)
{
	char sm[300], err[256] = "";
	int rc;

	snprintf(sm, sizeof(sm), "%s/stuck-sendmail", dir);
	script(sm, "exec sleep 60");
	storm(1);
	rc = mts_sendmail(sm, "reports@example.net", "rua@example.com", msg,
	    1, err, sizeof(err));
	storm(0);
	printf("# rc=%d err='%s'\n", rc, err);
	is_int(rc, -1, "a sendmail that never reads: the send fails");
	ok(strstr(err, strerror(ETIMEDOUT)) != NULL,
	    "at the deadline, with ETIMEDOUT");
}

int
main(void)
{
	struct mts_sbuf msg;
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	message(&msg);
	ok(!msg.oom && msg.len >= MSG_SIZE, "a %zu-byte report", msg.len);
	slow_reader(&msg);
	never_reads(&msg);
	mts_sbuf_free(&msg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
