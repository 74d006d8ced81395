/* SPDX-License-Identifier: ISC */
/*
 * proto.h - the OpenSMTPD filter protocol as seen from a filter process
 * (smtpd's "filter NAME proc-exec"): protocol 0.6 of smtpd 6.7-7.3 and
 * 0.7 of 7.4 and later, one line per message on a socket that smtpd
 * dup2()s onto our stdin and stdout.
 *
 * Ownership and errors, once for the whole interface:
 * - The backend and everything it points to belong to the caller and must
 *   outlive the connection; the connection owns its buffers only.
 * - Every pointer handed to a callback (session, rcpt, the event and its
 *   strings) is valid only for the duration of that call: copy to keep.
 * - Nothing here exits or aborts on input: malformed lines are logged
 *   through be->log and dropped, or answered "proceed" when smtpd waits
 *   for an answer and the session id and token are recoverable.
 * - Callbacks may be NULL; a NULL rcpt or report also drops the matching
 *   register| line from the handshake.
 */
#ifndef FLT_PROTO_H
#define FLT_PROTO_H

#include <stddef.h>

#define FLT_FIELDS_MAX	16
#define FLT_LINE_MAX	65536	/* longer lines are discarded (logged) */
#define FLT_REPLY_MAX	510	/* RFC 5321 4.5.3.1.5 reply line, no CRLF */

/* One report line: report|<version>|<timestamp>|<subsystem>|<event>|<sid>|... */
struct flt_event {
	const char	*version;	/* "0.6", "0.7" */
	const char	*timestamp;	/* "<sec>.<usec>" as sent */
	const char	*subsystem;	/* "smtp-in" or "smtp-out" */
	const char	*event;		/* "link-connect", ... */
	const char	*session;	/* 16 hex digits */
	size_t		 nfields;
	/*
	 * The event's fields in wire order, split on '|'.  The one field that
	 * may itself contain '|' (the last one for most events; the username
	 * of a 0.6 link-auth, the address of a 0.5 tx-mail/tx-rcpt) takes
	 * what is left over.  Unknown events: split on every '|', the last
	 * of FLT_FIELDS_MAX takes the remainder.
	 */
	const char	*fields[FLT_FIELDS_MAX];
};

struct flt_backend {
	void	*arg;
	/*
	 * smtp-in rcpt-to.  rcpt is the RCPT TO argument exactly as smtpd
	 * relays it: "<user@example.org>", possibly followed by ESMTP
	 * parameters (flt_rcpt_mailbox() extracts the mailbox).  Return 0 to
	 * proceed, or 1 with a reply such as "451 4.7.5 ..." written into
	 * reply (NUL-terminated) to reject.  The reply reaches the client
	 * verbatim: at most FLT_REPLY_MAX bytes, controls become spaces and
	 * 8-bit bytes '?', one that is not "4xx "/"5xx " is replaced by a
	 * generic 451, and smtpd disconnects the client after a 421.
	 * Called synchronously; it must not block.  It may instead return
	 * FLT_RCPT_LATER and answer later with flt_answer() (session and
	 * token identify the request): smtpd holds only that SMTP session
	 * until then.
	 */
	int	(*rcpt)(void *arg, const char *session, const char *token,
		    const char *rcpt, char *reply, size_t replysz);
	/* Every report line (those of smtp-out, as registered). */
	void	(*report)(void *arg, const struct flt_event *ev);
	/* Called about every tick_ms by flt_serve(); tick_ms <= 0: never. */
	void	(*tick)(void *arg);
	/* level is a syslog(3) level; msg has no newline. */
	void	(*log)(void *arg, int level, const char *msg);
	int	 tick_ms;
	/* 1 while tick has timed work; NULL: always. While 0 flt_serve()
	 * blocks in read() alone (no poll(), no timeout). */
	int	(*busy)(void *arg);
};

#define FLT_RCPT_LATER	2	/* rcpt(): the answer comes with flt_answer() */

/* One connection to smtpd: line assembly, handshake, pending output. */
struct flt_conn;

struct flt_conn	*flt_conn_new(const struct flt_backend *be);
void		 flt_conn_free(struct flt_conn *c);

/*
 * Takes len bytes as read from smtpd, in chunks of any size; whole lines
 * are handled at once, answers are appended to the pending output.
 */
void		 flt_feed(struct flt_conn *c, const char *buf, size_t len);
/* smtpd closed the stream: logs an unterminated last line. */
void		 flt_eof(struct flt_conn *c);
/* The output not yet written, and how much of it was written. */
const char	*flt_pending(const struct flt_conn *c, size_t *len);
void		 flt_consume(struct flt_conn *c, size_t n);
/* 1 once config|ready was answered with register|ready. */
int		 flt_registered(const struct flt_conn *c);

/*
 * The mailbox of a RCPT TO argument as smtpd reads it, without the angle
 * brackets, parameters and source route: "<a@b.example> NOTIFY=NEVER" ->
 * "a@b.example"; "<postmaster>" -> "postmaster" (no '@': a local user).
 * Returns 0, or -1 if it is malformed or does not fit in bufsz.
 */
int		 flt_rcpt_mailbox(const char *rcpt, char *buf, size_t bufsz);

/*
 * Runs the protocol on in/out (0 and 1 under smtpd) until smtpd closes
 * the stream.  Returns 0 at EOF, -1 on an I/O error (logged).  Writes
 * are complete before more input is read.
 */
int		 flt_serve(int in, int out, const struct flt_backend *be);
/* The same on a connection the caller made (and frees), so that the
 * backend can flt_answer() on it; output is flushed after each tick. */
int		 flt_serve_conn(struct flt_conn *c, int in, int out);
/* Answer a deferred rcpt-to request: reply NULL proceeds, else rejects
 * with it (cleaned as rcpt() replies are). Unknown ids are ignored. */
void		 flt_answer(struct flt_conn *c, const char *session,
		    const char *token, const char *reply);
/* The backend of a connection. */
const struct flt_backend *flt_conn_backend(const struct flt_conn *c);

#endif
