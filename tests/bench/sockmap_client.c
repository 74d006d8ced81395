/* SPDX-License-Identifier: ISC */
/*
 * sockmap_client.c - asks postfix-mta-sts-resolver as Postfix does: a
 * socketmap request ("NAME KEY" as a netstring) on a persistent TCP
 * connection, one at a time, waiting for each answer.
 *
 *   sockmap_client HOST PORT MAP CONNS N DOMAIN...
 *
 * CONNS connections (one process each) share the DOMAINs (connection i
 * takes i, i + CONNS, ...); every domain is asked N times in a row.
 * Prints "ns-per-query ok-answers total-answers" (ns: wall time of the
 * whole run divided by the queries of one connection, so with CONNS 1
 * it is the round trip).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int
dial(const char *host, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* One netstring answer; 1 if it starts with "OK", 0 if not, -1 on error. */
static int
answer(int fd)
{
	char buf[4096];
	size_t len = 0, want = 0, hdr = 0;
	ssize_t n;

	for (;;) {
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
		if (hdr == 0) {
			char *colon = memchr(buf, ':', len);

			if (colon == NULL)
				continue;
			hdr = (size_t)(colon - buf) + 1;
			want = hdr + (size_t)strtoul(buf, NULL, 10) + 1;
			if (want >= sizeof(buf))
				return -1;
		}
		if (len >= want)
			return len == want && memcmp(buf + hdr, "OK", 2) == 0;
	}
}

static int
ask(int fd, const char *map, const char *key)
{
	char req[1024];
	int n = snprintf(req, sizeof(req), "%zu:%s %s,", strlen(map) + 1 +
	    strlen(key), map, key);

	if (n <= 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
		return -1;
	return answer(fd);
}

int
main(int argc, char **argv)
{
	int conns, c, fd, pfd[2], st, r, port;
	long n, j, ok = 0, total = 0, got[2];
	double t0;
	int i;

	if (argc < 7) {
		fputs("usage: sockmap_client HOST PORT MAP CONNS N DOMAIN...\n",
		    stderr);
		return 64;
	}
	port = atoi(argv[2]);
	conns = atoi(argv[4]);
	n = atol(argv[5]);
	if (pipe(pfd) != 0)
		return 1;
	t0 = now_ns();
	for (c = 0; c < conns; c++) {
		if (fork() != 0)
			continue;
		got[0] = got[1] = 0;
		if ((fd = dial(argv[1], port)) < 0)
			_exit(1);
		for (i = 6 + c; i < argc; i += conns)
			for (j = 0; j < n; j++) {
				if ((r = ask(fd, argv[3], argv[i])) < 0)
					_exit(1);
				got[0] += r;
				got[1]++;
			}
		if (write(pfd[1], got, sizeof(got)) != sizeof(got))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	while (read(pfd[0], got, sizeof(got)) == sizeof(got)) {
		ok += got[0];
		total += got[1];
	}
	while (wait(&st) > 0)
		;
	if (total == 0)
		return 1;
	printf("%.0f %ld %ld\n", (now_ns() - t0) / ((double)total / conns), ok,
	    total);
	return 0;
}
