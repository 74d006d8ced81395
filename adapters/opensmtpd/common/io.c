/* SPDX-License-Identifier: ISC */
/* io.c - writing to smtpd's socket and the tick clock, shared by
 * table-mtasts (table/serve.c) and filter-mtasts (filter/serve.c). */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "common/io.h"

long long
osm_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
osm_write_all(int fd, const char *buf, size_t len, size_t *written)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t n;
	int rc = 0;

	while (off < len) {
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == ENOTSOCK)
			n = write(fd, buf + off, len - off);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR) {
				rc = -1;
				break;
			}
		} else if (errno == EPIPE || errno == ECONNRESET) {
			rc = 1;
			break;
		} else if (errno != EINTR) {
			rc = -1;
			break;
		}
	}
	if (written != NULL)
		*written = off;
	return rc;
}
