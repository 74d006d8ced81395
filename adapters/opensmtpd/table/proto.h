/* SPDX-License-Identifier: ISC */
/* proto.h - the table protocols of OpenSMTPD, as seen from a table process.
 *
 * smtpd forks one process per `table NAME proc:CONFIG` line and talks to
 * it over a socketpair:
 *   - 6.8 .. 7.5: imsg frames on fd 0, which is the socket; fd 1 is
 *     whatever smtpd's own stdout is (fork_proc_backend() in 6.8's
 *     smtpd.c dup2()s the socket onto stdin only);
 *   - 7.6 and later: protocol 0.1, text lines, socket on fd 0 and fd 1.
 * tbl_serve() tells them apart by the first bytes ("config|" on 7.6+).
 *
 * Rules for everything below:
 *   - Strings handed to the backend belong to this module and live only
 *     for the duration of the call.  Callbacks may be NULL: a missing
 *     check/lookup answers TBL_TEMPFAIL, the others do nothing.
 *   - Nothing here exits or aborts.  smtpd treats a dead table process
 *     or a reply of the wrong shape as fatal, so malformed input is
 *     logged through be->log and answered with a temporary failure
 *     where smtpd waits for an answer, or skipped where it does not.
 *     The one exception is an imsg header with an impossible length:
 *     the stream cannot be re-framed after it, and the connection ends.
 *   - No global state: everything lives in struct tbl_conn.
 */
#ifndef TBL_PROTO_H
#define TBL_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tbl_service { TBL_SVC_DOMAIN, TBL_SVC_RELAYHOST, TBL_SVC_OTHER };
enum tbl_answer { TBL_TEMPFAIL = -1, TBL_NOTFOUND = 0, TBL_FOUND = 1 };

struct tbl_backend {
	void *arg;
	/* K_DOMAIN check etc.: key is the NUL-terminated key smtpd sent. */
	enum tbl_answer (*check)(void *arg, enum tbl_service svc, const char *key);
	/* K_RELAYHOST lookup: on TBL_FOUND writes a non-empty NUL-terminated
	 * value (e.g. "smtp+tls://mx.example.com") into val. */
	enum tbl_answer (*lookup)(void *arg, enum tbl_service svc,
	    const char *key, char *val, size_t valsz);
	void (*update)(void *arg);                 /* smtpctl update table */
	void (*tick)(void *arg);  /* about every tick_ms, and after requests */
	void (*log)(void *arg, int level, const char *msg);  /* syslog levels */
	int tick_ms;              /* <= 0: tick only after requests */
	/* 1 while tick has timed work (children to reap or kill); NULL:
	 * always. While 0 the loop blocks in read() alone, no poll() and
	 * no timeout: one read and one write per request. */
	int (*busy)(void *arg);
};

/*
 * Serves smtpd until it closes the connection: 0 at EOF (normal), -1 on
 * an unrecoverable I/O or framing error.  imsg replies go to `in` (the
 * only socket 6.8 gives us), line replies to `out`.
 */
int tbl_serve(int in, int out, const struct tbl_backend *be);

/*
 * The fd-free core, used by tbl_serve() and by the fuzzer.
 */
#define TBL_IMSG_HDRSZ	16	/* struct imsg_hdr: u32 u16 u16 u32 u32 */
#define TBL_IMSG_MAX	16384	/* MAX_IMSGSIZE, header included */
#define TBL_LINE_MAX	4096	/* longest line accepted, '\n' included */
#define TBL_VALSZ	2048	/* lookup value buffer given to the backend */
#define TBL_REPLY_MAX	4096	/* longest reply one request can produce */
#define TBL_OUTSZ	(4 * TBL_REPLY_MAX)

enum tbl_proto { TBL_PROTO_AUTO, TBL_PROTO_IMSG, TBL_PROTO_LINE };

/* One protocol (imsg.c, line.c): what tbl_feed() hands the bytes to
 * once it knows which one smtpd speaks (conn.h). */
struct tbl_proto_ops;

struct tbl_conn {
	const struct tbl_backend *be;
	enum tbl_proto	 proto;
	const struct tbl_proto_ops *ops; /* NULL until proto is known */
	uint32_t	 pid;		/* imsg_hdr.pid of our replies */
	unsigned int	 badversion:1;	/* answer every request "error" */
	unsigned int	 registered:1;	/* line: register|ready sent */
	unsigned int	 discarding:1;	/* line: inside an over-long line */
	unsigned int	 dead:1;	/* imsg: framing lost */
	unsigned long	 nrequests;	/* requests answered so far */
	size_t		 inlen;
	size_t		 outlen;
	char		 in[TBL_IMSG_MAX];
	char		 out[TBL_OUTSZ];
};

void	tbl_conn_init(struct tbl_conn *, const struct tbl_backend *,
	    enum tbl_proto);
/*
 * Takes bytes from smtpd and appends the replies to c->out.  Returns how
 * many bytes were taken (possibly fewer than len, even 0, when c->out is
 * full: empty c->out and call again with the rest), or -1 once framing
 * is lost.
 */
ssize_t	tbl_feed(struct tbl_conn *c, const char *buf, size_t len);

#endif
