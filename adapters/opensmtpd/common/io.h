/* SPDX-License-Identifier: ISC */
/* io.h - the I/O helpers both OpenSMTPD programs use on smtpd's socket
 * (no mtasts.h: the protocol code stays free of the core). */
#ifndef OSM_IO_H
#define OSM_IO_H

#include <stddef.h>

/* CLOCK_MONOTONIC in milliseconds: tick deadlines. */
long long osm_now_ms(void);

/*
 * Writes len bytes to fd, waiting for POLLOUT when fd is non-blocking.
 * send(MSG_NOSIGNAL), so smtpd going away is EPIPE and not a fatal
 * SIGPIPE; write() for a non-socket (tests, hand runs). Returns the bytes
 * written and 0 when all went, 1 when the peer is gone (EPIPE,
 * ECONNRESET), -1 on another error (errno says which).
 */
int osm_write_all(int fd, const char *buf, size_t len, size_t *written);

#endif
