/* SPDX-License-Identifier: ISC */
/* test_table_proto.c - the table protocols of table-mtasts, as smtpd
 * speaks them: 6.8 imsg frames and 7.6+ protocol 0.1 lines sent to
 * tbl_serve() in a child process over a socketpair (the child is the
 * table process; a recording test double stands in for the backend),
 * then tbl_feed() with every split of the same transcripts.
 *
 * Wire shapes verified in OpenSMTPD's sources (github OpenSMTPD/OpenSMTPD):
 *   6.8.0p2 usr.sbin/smtpd/table_proc.c 141 (OPEN), 157 (UPDATE), 171
 *     (CLOSE, no reply read), 196-207 (CHECK/LOOKUP: int service,
 *     size_t nparams = 0, key\0), 240-246 (FETCH), 70-76 (reply must be
 *     PROC_TABLE_OK), 97-115 (payload read exactly), 212-225 (value
 *     non-empty, NUL-terminated); smtpd-api.h 117-150 (version 2,
 *     name[LINE_MAX], K_DOMAIN 0x002, K_RELAYHOST 0x200, OK=0 .. FETCH=7);
 *     openbsd-compat/imsg.h 26, 67-73 (MAX_IMSGSIZE, struct imsg_hdr);
 *     imsg.c imsg_create() (pid 0 means getpid()).
 *   7.8.0p1 usr.sbin/smtpd/table_proc.c 147-150 (config lines), 155-165
 *     (register|... up to register|ready), 53 and 68-78 (request lines,
 *     "%08x" ids, update has no service field), 98-110 (reply prefix and
 *     id), 190-193, 239-265, 282-294 (ok / found / not-found / error).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "table/proto.h"

#define SMTPD_PID	31337u	/* imsg_hdr.pid of smtpd's lookup process */
#define K_ALIAS		0x001
#define K_DOMAIN	0x002
#define K_RELAYHOST	0x200
enum { T_OK, T_FAIL, T_OPEN, T_CLOSE, T_UPDATE, T_CHECK, T_LOOKUP, T_FETCH };

/*
 * The backend test double: fixed answers by key, every call recorded
 * (in memory and, in the child, down a pipe to the test).
 */
struct fake {
	int	 fd;
	char	 rec[65536];
	size_t	 reclen;
};

static struct fake fake;

__attribute__((format(printf, 1, 2)))
static void
rec(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (fake.reclen + (size_t)n < sizeof(fake.rec)) {
		memcpy(fake.rec + fake.reclen, line, (size_t)n);
		fake.reclen += (size_t)n;
	}
	if (fake.fd != -1 && write(fake.fd, line, (size_t)n) != n)
		_exit(9);
}

static const char *
svcname(enum tbl_service s)
{
	return s == TBL_SVC_DOMAIN ? "domain" :
	    s == TBL_SVC_RELAYHOST ? "relayhost" : "other";
}

static enum tbl_answer
fake_check(void *arg, enum tbl_service svc, const char *key)
{
	(void)arg;
	rec("check %s %s", svcname(svc), key);
	if (strcmp(key, "example.com") == 0 || strcmp(key, "a|b") == 0)
		return TBL_FOUND;
	if (strcmp(key, "tempfail.example") == 0)
		return TBL_TEMPFAIL;
	if (strcmp(key, "weird.example") == 0)
		return (enum tbl_answer)7;
	return TBL_NOTFOUND;
}

static enum tbl_answer
fake_lookup(void *arg, enum tbl_service svc, const char *key, char *val,
    size_t valsz)
{
	(void)arg;
	rec("lookup %s %s", svcname(svc), key);
	if (strcmp(key, "example.com") == 0)
		snprintf(val, valsz, "smtp+tls://mx.example.com");
	else if (strcmp(key, "empty.example") == 0)
		val[0] = '\0';
	else if (strcmp(key, "crlf.example") == 0)
		snprintf(val, valsz, "smtp+tls://a\r\nb");
	else if (strcmp(key, "long.example") == 0) {
		memset(val, 'a', valsz - 1);
		val[valsz - 1] = '\0';
	} else if (strcmp(key, "unterminated.example") == 0)
		memset(val, 'a', valsz);
	else if (strcmp(key, "tempfail.example") == 0)
		return TBL_TEMPFAIL;
	else
		return TBL_NOTFOUND;
	return TBL_FOUND;
}

static void
fake_update(void *arg)
{
	(void)arg;
	rec("update");
}

static void
fake_tick(void *arg)
{
	(void)arg;
	rec("tick");
}

/* be->busy: -1 leaves it NULL (always ticking); peer_start's child. */
static int busy_mode = -1;
static int nonblock_mode;

static int
fake_busy(void *arg)
{
	(void)arg;
	rec("busy");
	return busy_mode;
}

static void
fake_log(void *arg, int level, const char *msg)
{
	(void)arg;
	rec("log %d %s", level, msg);
}

static struct tbl_backend be = {
	.check = fake_check, .lookup = fake_lookup, .update = fake_update,
	.tick = fake_tick, .log = fake_log, .tick_ms = 0,
};

/*
 * imsg frames, built field by field as 6.8's imsg_create()/imsg_add()
 * lay them out: host byte order, no padding.
 */
struct buf {
	unsigned char	 b[1 << 20];
	size_t		 n;
};

static void
put(struct buf *m, const void *p, size_t n)
{
	if (m->n + n > sizeof(m->b))
		abort();
	if (n == 0)
		return;
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
frame(struct buf *m, uint32_t type, uint32_t pid, const void *payload,
    size_t plen)
{
	uint16_t len = (uint16_t)(16 + plen), flags = 0;
	uint32_t peerid = 0;

	put(m, &type, 4);
	put(m, &len, 2);
	put(m, &flags, 2);
	put(m, &peerid, 4);
	put(m, &pid, 4);
	put(m, payload, plen);
}

/* table_proc_open(): struct table_open_params { u32 version; name[LINE_MAX] } */
static void
m_open(struct buf *m, uint32_t version, const char *name)
{
	unsigned char p[4 + 2048] = { 0 };

	memcpy(p, &version, 4);
	memcpy(p + 4, name, strlen(name));
	frame(m, T_OPEN, SMTPD_PID, p, sizeof(p));
}

/* table_proc_lookup(): int service, size_t nparams (0), key\0 */
static void
m_query(struct buf *m, uint32_t type, int svc, const char *key)
{
	unsigned char p[4096];
	size_t n = 0, np = 0;

	memcpy(p, &svc, sizeof(svc));
	n += sizeof(svc);
	memcpy(p + n, &np, sizeof(np));
	n += sizeof(np);
	memcpy(p + n, key, strlen(key) + 1);
	n += strlen(key) + 1;
	frame(m, type, SMTPD_PID, p, n);
}

static void
m_fetch(struct buf *m, int svc)
{
	unsigned char p[4 + sizeof(size_t)] = { 0 };

	memcpy(p, &svc, sizeof(svc));
	frame(m, T_FETCH, SMTPD_PID, p, sizeof(p));
}

static void
m_empty(struct buf *m, uint32_t type)
{
	frame(m, type, SMTPD_PID, NULL, 0);
}

/* The replies smtpd 6.8 accepts: PROC_TABLE_OK, then int r[, val\0]. */
static void
r_empty(struct buf *m, uint32_t pid)
{
	frame(m, T_OK, pid, NULL, 0);
}

static void
r_int(struct buf *m, uint32_t pid, int r)
{
	frame(m, T_OK, pid, &r, sizeof(r));
}

static void
r_val(struct buf *m, uint32_t pid, const char *val)
{
	unsigned char p[4096];
	int r = 1;

	memcpy(p, &r, sizeof(r));
	memcpy(p + sizeof(r), val, strlen(val) + 1);
	frame(m, T_OK, pid, p, sizeof(r) + strlen(val) + 1);
}

static void
s_add(struct buf *m, const char *s)
{
	put(m, s, strlen(s));
}

/* Hex dump of a mismatch, so a failing case says where. */
static void
diag_bytes(const char *what, const unsigned char *p, size_t n)
{
	size_t i;

	printf("# %s (%zu bytes):", what, n);
	for (i = 0; i < n && i < 96; i++)
		printf(" %02x", p[i]);
	printf("%s\n", n > 96 ? " ..." : "");
}

static int
is_bytes(const void *got, size_t gotn, const void *want, size_t wantn,
    const char *name)
{
	int same = gotn == wantn && memcmp(got, want, gotn) == 0;

	if (!ok(same, "%s", name)) {
		diag_bytes("got", got, gotn);
		diag_bytes("want", want, wantn);
	}
	return same;
}

/*
 * The table process: a child running tbl_serve() on one end of a
 * socketpair, as smtpd's fork_proc_backend() sets it up.
 */
struct peer {
	pid_t	 pid;
	int	 fd;		/* smtpd's end */
	int	 recfd;		/* what the backend recorded */
	int	 stray;		/* the child's `out` when it must stay unused */
	char	 rec[65536];	/* recorded since the last peer_calls() */
	size_t	 reclen;
	char	 all[1 << 18];	/* everything recorded */
	size_t	 alllen;
};

static void
peer_start(struct peer *p, int line, int tick_ms)
{
	int sp[2], rp[2], op[2];

	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1 || pipe(rp) == -1 ||
	    pipe(op) == -1)
		abort();
	fflush(stdout);
	if ((p->pid = fork()) == -1)
		abort();
	if (p->pid == 0) {
		close(sp[0]);
		close(rp[0]);
		close(op[0]);
		fake.fd = rp[1];
		be.tick_ms = tick_ms;
		be.busy = busy_mode >= 0 ? fake_busy : NULL;
		if (nonblock_mode)
			(void)fcntl(sp[1], F_SETFL, O_NONBLOCK);
		/* 6.8 hands over fd 0 only; 7.6+ fd 0 and fd 1 */
		_exit(tbl_serve(sp[1], line ? sp[1] : op[1], &be) == 0 ? 0 : 3);
	}
	close(sp[1]);
	close(rp[1]);
	close(op[1]);
	p->fd = sp[0];
	p->recfd = rp[0];
	p->stray = op[0];
	(void)fcntl(p->recfd, F_SETFL, O_NONBLOCK);
	(void)fcntl(p->stray, F_SETFL, O_NONBLOCK);
}

static void
peer_send(struct peer *p, const void *data, size_t len)
{
	const char *d = data;
	ssize_t n;

	while (len > 0) {
		if ((n = send(p->fd, d, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return;		/* the child is gone: the test says so */
		}
		d += n;
		len -= (size_t)n;
	}
}

/* One byte per write, a little apart, so the child reads them apart. */
static void
peer_trickle(struct peer *p, const void *data, size_t len)
{
	const struct timespec gap = { 0, 300000 };
	size_t i;

	for (i = 0; i < len; i++) {
		peer_send(p, (const char *)data + i, 1);
		nanosleep(&gap, NULL);
	}
}

/* Reads until `want` bytes came or `ms` passed without any. */
static size_t
peer_recv(struct peer *p, void *buf, size_t want, int ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < want && poll(&pfd, 1, ms) > 0) {
		if ((n = read(p->fd, (char *)buf + got, want - got)) <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Sends a request and checks the exact reply; nothing more may follow. */
static void
exchange(struct peer *p, const struct buf *req, const struct buf *want,
    const char *name)
{
	static unsigned char got[1 << 16];
	size_t n;

	if (want->n > sizeof(got) / 2)
		abort();
	peer_send(p, req->b, req->n);
	n = peer_recv(p, got, want->n, 2000);
	if (n == want->n)
		n += peer_recv(p, got + n, sizeof(got) - n, 20);
	is_bytes(got, n, want->b, want->n, name);
}

static void
peer_rec(struct peer *p)
{
	char buf[4096];
	ssize_t n;

	while (p->recfd != -1 && (n = read(p->recfd, buf, sizeof(buf))) > 0) {
		if (p->reclen + (size_t)n < sizeof(p->rec)) {
			memcpy(p->rec + p->reclen, buf, (size_t)n);
			p->reclen += (size_t)n;
		}
		if (p->alllen + (size_t)n < sizeof(p->all)) {
			memcpy(p->all + p->alllen, buf, (size_t)n);
			p->alllen += (size_t)n;
		}
	}
	p->rec[p->reclen] = '\0';
	p->all[p->alllen] = '\0';
}

/* The recorded calls, ticks left out, since the last look. */
static char *
peer_calls(struct peer *p, char *dst, size_t dstsz)
{
	char *l, *nl;
	size_t n = 0;

	peer_rec(p);
	dst[0] = '\0';
	for (l = p->rec; (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		*nl = '\0';
		if (strcmp(l, "tick") != 0 && strncmp(l, "log ", 4) != 0 &&
		    n + strlen(l) + 2 < dstsz)
			n += (size_t)snprintf(dst + n, dstsz - n, "%s%s",
			    n ? ";" : "", l);
	}
	p->reclen = 0;
	return dst;
}

static int
peer_logged(struct peer *p, const char *needle)
{
	peer_rec(p);
	return strstr(p->all, needle) != NULL;
}

/* smtpd closes its end; the child must be alive and then return 0. */
static int
peer_end(struct peer *p)
{
	char c;
	int st;

	shutdown(p->fd, SHUT_WR);
	if (waitpid(p->pid, &st, 0) == -1)
		return -2;
	peer_rec(p);
	ok(read(p->stray, &c, 1) <= 0, "nothing written to the unused out fd");
	close(p->fd);
	close(p->recfd);
	close(p->stray);
	p->recfd = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
alive(struct peer *p)
{
	return waitpid(p->pid, NULL, WNOHANG) == 0;
}

/*
 * 6.8: the life of a table as smtpd's lka drives it.
 */
static void
test_imsg_transcript(void)
{
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));
	struct peer *p = calloc(1, sizeof(*p));
	char calls[1024];
	uint32_t pid;
	char c;
	int st;

	peer_start(p, 0, 0);
	pid = (uint32_t)p->pid;

	m_open(q, 2, "mtasts");
	r_empty(a, pid);
	is_int(q->n, 16 + 4 + 2048, "6.8 OPEN frame is 2068 bytes");
	exchange(p, q, a, "OPEN: empty PROC_TABLE_OK");
	q->n = a->n = 0;

	m_query(q, T_CHECK, K_DOMAIN, "example.com");
	r_int(a, pid, 1);
	exchange(p, q, a, "CHECK K_DOMAIN example.com: OK, r = 1");
	is_str(peer_calls(p, calls, sizeof(calls)), "check domain example.com",
	    "backend asked check(domain, example.com)");
	q->n = a->n = 0;

	m_query(q, T_CHECK, K_DOMAIN, "other.example");
	r_int(a, pid, 0);
	exchange(p, q, a, "CHECK K_DOMAIN not in table: r = 0");
	q->n = a->n = 0;

	m_query(q, T_CHECK, K_DOMAIN, "tempfail.example");
	r_int(a, pid, -1);
	exchange(p, q, a, "CHECK K_DOMAIN backend tempfail: r = -1");
	q->n = a->n = 0;

	m_query(q, T_LOOKUP, K_RELAYHOST, "example.com");
	r_val(a, pid, "smtp+tls://mx.example.com");
	exchange(p, q, a, "LOOKUP K_RELAYHOST: OK, r = 1, value\\0");
	is_str(peer_calls(p, calls, sizeof(calls)),
	    "check domain other.example;check domain tempfail.example;"
	    "lookup relayhost example.com", "backend calls in order");
	q->n = a->n = 0;

	m_query(q, T_LOOKUP, K_RELAYHOST, "nothing.example");
	r_int(a, pid, 0);
	exchange(p, q, a, "LOOKUP not found: r = 0 and no value");
	q->n = a->n = 0;

	m_query(q, T_LOOKUP, K_RELAYHOST, "tempfail.example");
	r_int(a, pid, -1);
	exchange(p, q, a, "LOOKUP tempfail: r = -1 and no value");
	q->n = a->n = 0;

	m_query(q, T_CHECK, K_ALIAS, "postmaster");
	r_int(a, pid, 0);
	exchange(p, q, a, "CHECK of another service reaches the backend");
	q->n = a->n = 0;

	m_empty(q, T_UPDATE);
	r_int(a, pid, 1);
	exchange(p, q, a, "UPDATE: OK, r = 1");
	q->n = a->n = 0;

	m_fetch(q, K_RELAYHOST);
	r_int(a, pid, 0);
	exchange(p, q, a, "FETCH: OK, r = 0 (nothing to iterate)");
	is_str(peer_calls(p, calls, sizeof(calls)),
	    "lookup relayhost nothing.example;lookup relayhost tempfail.example;"
	    "check other postmaster;update", "update and alias reached the backend");
	q->n = a->n = 0;

	m_empty(q, T_CLOSE);
	peer_send(p, q->b, q->n);
	ok(peer_recv(p, &c, 1, 200) == 0, "CLOSE: no reply (smtpd reads none)");
	ok(alive(p), "CLOSE: still running until EOF");
	ok(peer_logged(p, "tick"), "tick called after requests");
	st = peer_end(p);
	is_int(st, 0, "EOF: tbl_serve returns 0");
	free(q);
	free(a);
	free(p);
}

/* One CHECK written as literal bytes (x86-64, little-endian, LP64). */
static void
test_imsg_literal(void)
{
	static const unsigned char check[] = {
		0x05, 0x00, 0x00, 0x00,	/* type PROC_TABLE_CHECK */
		0x28, 0x00,		/* len 40 */
		0x00, 0x00,		/* flags */
		0x00, 0x00, 0x00, 0x00,	/* peerid */
		0x69, 0x7a, 0x00, 0x00,	/* pid 31337 */
		0x02, 0x00, 0x00, 0x00,	/* K_DOMAIN */
		0, 0, 0, 0, 0, 0, 0, 0,	/* size_t nparams = 0 */
		'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0,
	};
	static const unsigned char head[] = {
		0x00, 0x00, 0x00, 0x00,	/* PROC_TABLE_OK */
		0x14, 0x00,		/* len 20 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	unsigned char got[64];
	uint32_t pid;
	uint16_t one = 1;
	struct peer *p = calloc(1, sizeof(*p));
	int r;
	size_t n;

	if (*(unsigned char *)&one != 1 || sizeof(size_t) != 8) {
		ok(1, "# SKIP literal bytes need little-endian LP64");
		free(p);
		return;
	}
	peer_start(p, 0, 0);
	peer_send(p, check, sizeof(check));
	n = peer_recv(p, got, 20, 2000);
	is_int(n, 20, "literal CHECK: 20-byte reply");
	is_bytes(got, 12, head, sizeof(head), "literal CHECK: reply header");
	memcpy(&pid, got + 12, 4);
	is_int(pid, p->pid, "reply pid is the table process's getpid()");
	memcpy(&r, got + 16, 4);
	is_int(r, 1, "literal CHECK: r = 1");
	is_int(peer_end(p), 0, "literal CHECK: exit 0 at EOF");
	free(p);
}

/* Everything in one write, then the same trickled a byte at a time. */
static void
test_imsg_merged_split(void)
{
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));
	struct buf *q2 = calloc(1, sizeof(*q2)), *a2 = calloc(1, sizeof(*a2));
	struct peer *p = calloc(1, sizeof(*p));
	uint32_t pid;

	peer_start(p, 0, 0);
	pid = (uint32_t)p->pid;
	m_open(q, 2, "mtasts");
	m_query(q, T_CHECK, K_DOMAIN, "example.com");
	m_query(q, T_LOOKUP, K_RELAYHOST, "example.com");
	m_empty(q, T_UPDATE);
	m_fetch(q, K_RELAYHOST);
	r_empty(a, pid);
	r_int(a, pid, 1);
	r_val(a, pid, "smtp+tls://mx.example.com");
	r_int(a, pid, 1);
	r_int(a, pid, 0);
	exchange(p, q, a, "five requests in one write: five replies");

	m_query(q2, T_CHECK, K_DOMAIN, "example.com");
	m_query(q2, T_LOOKUP, K_RELAYHOST, "example.com");
	r_int(a2, pid, 1);
	r_val(a2, pid, "smtp+tls://mx.example.com");
	peer_trickle(p, q2->b, q2->n);
	{
		unsigned char got[256];
		size_t n = peer_recv(p, got, a2->n, 2000);

		is_bytes(got, n, a2->b, a2->n,
		    "CHECK + LOOKUP one byte per write: same replies");
	}
	is_int(peer_end(p), 0, "merged/split: exit 0 at EOF");
	free(q);
	free(a);
	free(q2);
	free(a2);
	free(p);
}

/* A frame with a raw payload, for the malformed ones. */
static void
m_raw(struct buf *m, uint32_t type, const void *p, size_t n)
{
	frame(m, type, SMTPD_PID, p, n);
}

struct bad {
	const char	*name;
	uint32_t	 type;
	int		 svc;
	size_t		 nparams;
	const char	*tail;		/* after service and nparams */
	size_t		 tailn;
	size_t		 cut;		/* payload bytes kept, 0: all */
};

static void
test_imsg_garbage(void)
{
	static const struct bad bad[] = {
		{ "key without NUL", T_CHECK, K_DOMAIN, 0, "example.com", 11, 0 },
		{ "key with a NUL inside", T_CHECK, K_DOMAIN, 0, "ex\0ample.com", 13, 0 },
		{ "no key at all", T_LOOKUP, K_RELAYHOST, 0, "", 0, 0 },
		{ "payload shorter than service", T_CHECK, K_DOMAIN, 0, "", 0, 2 },
		{ "payload shorter than nparams", T_CHECK, K_DOMAIN, 0, "", 0, 7 },
		{ "unknown service 0x1000", T_CHECK, 0x1000, 0, "example.com", 12, 0 },
		{ "service K_NONE", T_CHECK, 0, 0, "example.com", 12, 0 },
		{ "two services at once", T_LOOKUP, K_DOMAIN | K_RELAYHOST, 0,
		  "example.com", 12, 0 },
		{ "negative service", T_CHECK, -2, 0, "example.com", 12, 0 },
		{ "1000 params announced", T_LOOKUP, K_RELAYHOST, 1000,
		  "example.com", 12, 0 },
		{ "param value not terminated", T_LOOKUP, K_RELAYHOST, 1,
		  "k\0v", 3, 0 },
		{ "FETCH with trailing bytes", T_FETCH, K_RELAYHOST, 0, "x", 1, 0 },
		{ "unknown type 99", 99, K_DOMAIN, 0, "example.com", 12, 0 },
		{ "type PROC_TABLE_OK from smtpd", T_OK, K_DOMAIN, 0, "", 0, 0 },
		{ "type PROC_TABLE_FAIL from smtpd", T_FAIL, K_DOMAIN, 0, "", 0, 0 },
	};
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));
	struct peer *p = calloc(1, sizeof(*p));
	unsigned char pl[256];
	char name[128], calls[1024];
	uint32_t pid;
	size_t i, n;

	peer_start(p, 0, 0);
	pid = (uint32_t)p->pid;
	m_open(q, 2, "mtasts");
	r_empty(a, pid);
	exchange(p, q, a, "garbage run: OPEN");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad *b = &bad[i];

		n = 0;
		memcpy(pl + n, &b->svc, sizeof(b->svc));
		n += sizeof(b->svc);
		memcpy(pl + n, &b->nparams, sizeof(b->nparams));
		n += sizeof(b->nparams);
		memcpy(pl + n, b->tail, b->tailn);
		n += b->tailn;
		q->n = a->n = 0;
		m_raw(q, b->type, pl, b->cut ? b->cut : n);
		r_int(a, pid, -1);
		snprintf(name, sizeof(name), "%s: r = -1", b->name);
		exchange(p, q, a, name);
	}
	ok(peer_logged(p, "log 3 "), "garbage was logged at LOG_ERR");
	is_str(peer_calls(p, calls, sizeof(calls)), "",
	    "no malformed request reached the backend");

	q->n = a->n = 0;
	m_raw(q, T_UPDATE, "x", 1);
	r_int(a, pid, -1);
	exchange(p, q, a, "UPDATE with a payload: r = -1");

	q->n = a->n = 0;
	{
		/* what opensmtpd-extras would parse: one (key, value) pair */
		size_t np = 1;
		int svc = K_RELAYHOST;

		n = 0;
		memcpy(pl, &svc, sizeof(svc));
		n += sizeof(svc);
		memcpy(pl + n, &np, sizeof(np));
		n += sizeof(np);
		memcpy(pl + n, "k\0v\0example.com", 16);
		n += 16;
		m_raw(q, T_LOOKUP, pl, n);
		r_val(a, pid, "smtp+tls://mx.example.com");
		exchange(p, q, a, "LOOKUP with a parameter pair: skipped, answered");
	}

	q->n = a->n = 0;
	m_query(q, T_LOOKUP, K_RELAYHOST, "empty.example");
	r_int(a, pid, -1);
	exchange(p, q, a, "backend found with an empty value: r = -1");
	q->n = a->n = 0;
	m_query(q, T_LOOKUP, K_RELAYHOST, "unterminated.example");
	r_int(a, pid, -1);
	exchange(p, q, a, "backend value not terminated: r = -1");
	q->n = a->n = 0;
	m_query(q, T_CHECK, K_DOMAIN, "weird.example");
	r_int(a, pid, -1);
	exchange(p, q, a, "backend answer 7: r = -1");
	q->n = a->n = 0;
	{
		char big[TBL_VALSZ];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		m_query(q, T_LOOKUP, K_RELAYHOST, "long.example");
		r_val(a, pid, big);
		exchange(p, q, a, "2047-byte value: answered whole");
	}

	q->n = a->n = 0;
	m_query(q, T_CHECK, K_DOMAIN, "example.com");
	r_int(a, pid, 1);
	exchange(p, q, a, "after all that garbage: CHECK still answered");
	is_int(peer_end(p), 0, "garbage run: exit 0 at EOF");
	free(q);
	free(a);
	free(p);
}

static void
test_imsg_fatal_framing(void)
{
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));
	struct peer *p = calloc(1, sizeof(*p));
	uint32_t type = T_CHECK, pid;
	uint16_t len;
	char c;

	/* A header cut short, then EOF: nothing to answer, a clean end. */
	peer_start(p, 0, 0);
	m_query(q, T_CHECK, K_DOMAIN, "example.com");
	peer_send(p, q->b, 10);
	ok(peer_recv(p, &c, 1, 100) == 0, "short header: no reply");
	is_int(peer_end(p), 0, "short header then EOF: exit 0");
	ok(peer_logged(p, "EOF inside a request"), "short header: logged");

	/* len 8 < header: no frame boundary can be trusted again */
	peer_start(p, 0, 0);
	pid = (uint32_t)p->pid;
	q->n = a->n = 0;
	m_query(q, T_CHECK, K_DOMAIN, "example.com");
	put(q, &type, 4);
	len = 8;
	put(q, &len, 2);
	put(q, "\0\0\0\0\0\0\0\0\0\0", 10);
	r_int(a, pid, 1);
	exchange(p, q, a, "good CHECK before a bad frame still answered");
	is_int(peer_end(p), 3, "len 8: tbl_serve returns -1, no crash");
	ok(peer_logged(p, "impossible length 8"), "len 8: logged");

	peer_start(p, 0, 0);
	q->n = 0;
	type = T_LOOKUP;
	put(q, &type, 4);
	len = 0xffff;
	put(q, &len, 2);
	put(q, "\0\0\0\0\0\0\0\0\0\0", 10);
	peer_send(p, q->b, q->n);
	is_int(peer_end(p), 3, "len 65535 > MAX_IMSGSIZE: returns -1");

	/* API version 3: OPEN still gets its empty OK, requests get -1 */
	peer_start(p, 0, 0);
	pid = (uint32_t)p->pid;
	q->n = a->n = 0;
	m_open(q, 3, "mtasts");
	m_query(q, T_CHECK, K_DOMAIN, "example.com");
	m_empty(q, T_UPDATE);
	r_empty(a, pid);
	r_int(a, pid, -1);
	r_int(a, pid, -1);
	exchange(p, q, a, "version 3: empty OK, then r = -1 for everything");
	ok(peer_logged(p, "version 3"), "version 3: logged");
	is_int(peer_end(p), 0, "version 3: exit 0 at EOF");

	/* an OPEN without even the version */
	peer_start(p, 0, 0);
	pid = (uint32_t)p->pid;
	q->n = a->n = 0;
	m_raw(q, T_OPEN, "\2", 1);
	r_empty(a, pid);
	exchange(p, q, a, "1-byte OPEN: still an empty OK");
	is_int(peer_end(p), 0, "1-byte OPEN: exit 0 at EOF");
	free(q);
	free(a);
	free(p);
}

/*
 * 7.6+: the handshake and requests as table_proc.c writes them (ids are
 * "%08x" of arc4random(); timestamps "%lld.%06ld").
 */
static const char handshake[] =
    "config|smtpd-version|7.8.0-portable\n"
    "config|protocol|0.1\n"
    "config|tablename|mtasts\n"
    "config|ready\n";
static const char registered[] =
    "register|domain\nregister|relayhost\nregister|ready\n";

struct lcase {
	const char	*name;
	const char	*req;
	const char	*rep;		/* "" when no reply may come */
	const char	*calls;		/* backend calls, NULL: not checked */
};

static const struct lcase lcases[] = {
	{ "check found",
	  "table|0.1|1713795103.314423|mtasts|check|domain|e5862859|example.com\n",
	  "check-result|e5862859|found\n", "check domain example.com" },
	{ "check not found",
	  "table|0.1|1713795103.314424|mtasts|check|domain|0a1b2c3d|other.example\n",
	  "check-result|0a1b2c3d|not-found\n", "check domain other.example" },
	{ "check tempfail",
	  "table|0.1|1713795103.314425|mtasts|check|domain|00000001|tempfail.example\n",
	  "check-result|00000001|error|temporary failure\n", NULL },
	{ "lookup relayhost found",
	  "table|0.1|1713795110.354921|mtasts|lookup|relayhost|f993c74a|example.com\n",
	  "lookup-result|f993c74a|found|smtp+tls://mx.example.com\n",
	  "lookup relayhost example.com" },
	{ "lookup not found",
	  "table|0.1|1713795110.354922|mtasts|lookup|relayhost|f993c74b|nothing.example\n",
	  "lookup-result|f993c74b|not-found\n", NULL },
	{ "lookup tempfail",
	  "table|0.1|1713795110.354923|mtasts|lookup|relayhost|f993c74c|tempfail.example\n",
	  "lookup-result|f993c74c|error|temporary failure\n", NULL },
	{ "key holding '|' is the rest of the line",
	  "table|0.1|1713795110.354924|mtasts|check|domain|0000000a|a|b\n",
	  "check-result|0000000a|found\n", "check domain a|b" },
	{ "check of another known service",
	  "table|0.1|1713795110.354925|mtasts|check|alias|0000000b|postmaster\n",
	  "check-result|0000000b|not-found\n", "check other postmaster" },
	{ "fetch: not-found (we keep no list)",
	  "table|0.1|1713795116.227321|mtasts|fetch|relayhost|189bd3ee\n",
	  "fetch-result|189bd3ee|not-found\n", "" },
	{ "update (no service field)",
	  "table|0.1|1713795097.394049|mtasts|update|478ff0d2\n",
	  "update-result|478ff0d2|ok\n", "update" },
	{ "empty key is still a key",
	  "table|0.1|1713795110.354926|mtasts|check|domain|0000000c|\n",
	  "check-result|0000000c|not-found\n", "check domain " },
	/* garbage */
	{ "too few fields: key missing",
	  "table|0.1|1713795103.1|mtasts|check|domain|0000000d\n",
	  "check-result|0000000d|error|missing key\n", "" },
	{ "too few fields: no id", "table|0.1|1713795103.1\n", "", "" },
	{ "protocol version 0.2",
	  "table|0.2|1713795103.1|mtasts|check|domain|0000000e|example.com\n",
	  "check-result|0000000e|error|unsupported protocol version\n", "" },
	{ "unknown service",
	  "table|0.1|1713795103.1|mtasts|check|bogus|0000000f|example.com\n",
	  "check-result|0000000f|error|unknown service\n", "" },
	{ "unknown operation", "table|0.1|1.2|mtasts|frob|domain|00000010|x\n",
	  "", "" },
	{ "unknown line", "hello|world\n", "", "" },
	{ "empty line", "\n", "", "" },
	{ "empty id", "table|0.1|1.2|mtasts|check|domain||example.com\n", "", "" },
	{ "update with an extra field",
	  "table|0.1|1.2|mtasts|update|00000011|x\n",
	  "update-result|00000011|error|too many fields\n", "" },
	{ "fetch with an extra field",
	  "table|0.1|1.2|mtasts|fetch|relayhost|00000012|x\n",
	  "fetch-result|00000012|error|too many fields\n", "" },
	{ "lookup value with CR LF",
	  "table|0.1|1.2|mtasts|lookup|relayhost|00000013|crlf.example\n",
	  "lookup-result|00000013|error|value holds a line break\n", NULL },
	{ "lookup value empty",
	  "table|0.1|1.2|mtasts|lookup|relayhost|00000014|empty.example\n",
	  "lookup-result|00000014|error|temporary failure\n", NULL },
	{ "second config|ready ignored", "config|ready\n", "", "" },
	{ "unknown config key ignored", "config|future|thing\n", "", "" },
};

static void
test_line_transcript(void)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));
	char calls[1024];
	size_t i;
	char c;

	peer_start(p, 1, 0);
	s_add(q, handshake);
	s_add(a, registered);
	exchange(p, q, a, "7.6+ handshake: register domain, relayhost, ready");
	for (i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++) {
		const struct lcase *l = &lcases[i];

		q->n = a->n = 0;
		s_add(q, l->req);
		s_add(a, l->rep);
		exchange(p, q, a, l->name);
		if (l->calls != NULL)
			is_str(peer_calls(p, calls, sizeof(calls)), l->calls,
			    "%s: backend calls", l->name);
		else
			(void)peer_calls(p, calls, sizeof(calls));
	}

	/* a NUL inside a line */
	q->n = a->n = 0;
	put(q, "table|0.1|1.2|mtasts|check|domain|00000020|ex\0ample.com\n", 56);
	s_add(a, "check-result|00000020|error|NUL byte in request\n");
	exchange(p, q, a, "NUL byte in the key: error");

	/* over-long lines: answered from their start, then skipped */
	q->n = a->n = 0;
	s_add(q, "table|0.1|1.2|mtasts|check|domain|00000021|");
	for (i = 0; i < 5000; i++)
		put(q, "x", 1);
	s_add(q, "\ntable|0.1|1.2|mtasts|check|domain|00000022|example.com\n");
	s_add(a, "check-result|00000021|error|line too long\n"
	    "check-result|00000022|found\n");
	exchange(p, q, a, "5 KiB line: error, next line answered");
	q->n = a->n = 0;
	for (i = 0; i < 9000; i++)
		put(q, "A", 1);
	s_add(q, "\ntable|0.1|1.2|mtasts|check|domain|00000023|example.com\n");
	s_add(a, "check-result|00000023|found\n");
	exchange(p, q, a, "9 KiB line without an id: skipped, next answered");
	ok(peer_logged(p, "line longer than 4096"), "over-long lines logged");
	q->n = a->n = 0;
	s_add(q, "table|0.1|1.2|mtasts|check|domain|00000024|");
	for (i = q->n; i < TBL_LINE_MAX - 1; i++)
		put(q, "y", 1);
	s_add(q, "\n");
	is_int(q->n, TBL_LINE_MAX, "a line of exactly TBL_LINE_MAX bytes");
	s_add(a, "check-result|00000024|not-found\n");
	exchange(p, q, a, "4096-byte line is still served");

	/* the handshake and two requests in one write, then trickled */
	q->n = 0;
	s_add(q, "table|0.1|1.2|mtasts|check|domain|00000030|example.com\n"
	    "table|0.1|1.2|mtasts|lookup|relayhost|00000031|example.com\n");
	a->n = 0;
	s_add(a, "check-result|00000030|found\n"
	    "lookup-result|00000031|found|smtp+tls://mx.example.com\n");
	exchange(p, q, a, "two requests in one write");
	peer_trickle(p, q->b, q->n);
	{
		unsigned char got[256];
		size_t n = peer_recv(p, got, a->n, 2000);

		is_bytes(got, n, a->b, a->n, "two requests one byte per write");
	}
	ok(peer_recv(p, &c, 1, 50) == 0, "no stray output");
	ok(peer_logged(p, "unknown line"), "garbage lines logged");
	is_int(peer_end(p), 0, "line protocol: exit 0 at EOF");
	free(q);
	free(a);
	free(p);
}

static void
test_line_badversion(void)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));

	peer_start(p, 1, 0);
	s_add(q, "config|smtpd-version|9.9.9\nconfig|protocol|0.2\n"
	    "config|tablename|mtasts\nconfig|ready\n"
	    "table|0.2|1.2|mtasts|check|domain|00000001|example.com\n"
	    "table|0.1|1.2|mtasts|update|00000002\n");
	s_add(a, registered);
	s_add(a, "check-result|00000001|error|unsupported protocol version\n"
	    "update-result|00000002|error|unsupported protocol version\n");
	exchange(p, q, a, "protocol 0.2: still registers, then errors");
	ok(peer_logged(p, "table protocol 0.2"), "protocol 0.2: logged");
	is_int(peer_end(p), 0, "protocol 0.2: exit 0 at EOF");
	free(q);
	free(a);
	free(p);
}

static void
test_tick(void)
{
	struct peer *p = calloc(1, sizeof(*p));
	const struct timespec wait = { 0, 300 * 1000000 };
	char *s;
	int ticks = 0;

	peer_start(p, 1, 20);
	nanosleep(&wait, NULL);
	peer_rec(p);
	for (s = p->all; (s = strstr(s, "tick\n")) != NULL; s++)
		ticks++;
	ok(ticks >= 3 && ticks <= 20, "idle 300 ms, tick_ms 20: %d ticks", ticks);
	is_int(peer_end(p), 0, "tick run: exit 0 at EOF");
	free(p);
}

/*
 * tbl_feed() without fds: every split of a transcript gives the same
 * bytes, and a flood larger than c->out is answered whole.
 */
static size_t
feed_all(struct tbl_conn *c, const unsigned char *b, size_t n,
    struct buf *out)
{
	ssize_t k;
	int more;

	do {
		if ((k = tbl_feed(c, (const char *)b, n)) < 0)
			return (size_t)-1;
		more = c->outlen > 0;
		put(out, c->out, c->outlen);
		c->outlen = 0;
		b += k;
		n -= (size_t)k;
	} while (n > 0 || more);
	return out->n;
}

static void
splits(const char *name, const struct buf *q, const struct buf *want)
{
	struct tbl_conn *c = malloc(sizeof(*c));
	struct buf *out = malloc(sizeof(*out));
	size_t k, i, bad = 0;

	tbl_conn_init(c, &be, TBL_PROTO_AUTO);
	out->n = 0;
	feed_all(c, q->b, q->n, out);
	is_bytes(out->b, out->n, want->b, want->n, name);
	for (k = 0; k <= q->n; k++) {
		tbl_conn_init(c, &be, TBL_PROTO_AUTO);
		out->n = 0;
		feed_all(c, q->b, k, out);
		feed_all(c, q->b + k, q->n - k, out);
		if (out->n != want->n || memcmp(out->b, want->b, out->n) != 0)
			bad++;
	}
	is_int(bad, 0, "%s: all %zu two-piece splits", name, q->n + 1);
	tbl_conn_init(c, &be, TBL_PROTO_AUTO);
	out->n = 0;
	for (i = 0; i < q->n; i++)
		feed_all(c, q->b + i, 1, out);
	is_bytes(out->b, out->n, want->b, want->n, "one byte at a time");
	free(c);
	free(out);
}

static void
test_feed(void)
{
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));
	struct buf *out = calloc(1, sizeof(*out));
	struct tbl_conn *c = malloc(sizeof(*c));
	uint32_t pid = (uint32_t)getpid();
	char id[64];
	size_t i;

	fake.fd = -1;
	m_open(q, 2, "mtasts");
	m_query(q, T_CHECK, K_DOMAIN, "example.com");
	m_query(q, T_LOOKUP, K_RELAYHOST, "example.com");
	m_query(q, T_LOOKUP, K_RELAYHOST, "nothing.example");
	m_empty(q, T_UPDATE);
	m_fetch(q, K_RELAYHOST);
	m_raw(q, T_CHECK, "\2\0\0\0", 4);
	m_empty(q, T_CLOSE);
	r_empty(a, pid);
	r_int(a, pid, 1);
	r_val(a, pid, "smtp+tls://mx.example.com");
	r_int(a, pid, 0);
	r_int(a, pid, 1);
	r_int(a, pid, 0);
	r_int(a, pid, -1);
	splits("imsg transcript via tbl_feed", q, a);

	q->n = a->n = 0;
	s_add(q, handshake);
	s_add(q, lcases[0].req);
	s_add(q, lcases[3].req);
	s_add(q, lcases[8].req);
	s_add(q, lcases[9].req);
	s_add(q, lcases[11].req);
	s_add(a, registered);
	s_add(a, lcases[0].rep);
	s_add(a, lcases[3].rep);
	s_add(a, lcases[8].rep);
	s_add(a, lcases[9].rep);
	s_add(a, lcases[11].rep);
	splits("line transcript via tbl_feed", q, a);

	/* 3000 requests at once: far more replies than c->out holds */
	q->n = a->n = 0;
	m_open(q, 2, "mtasts");
	r_empty(a, pid);
	for (i = 0; i < 3000; i++) {
		m_query(q, T_LOOKUP, K_RELAYHOST, "example.com");
		r_val(a, pid, "smtp+tls://mx.example.com");
	}
	tbl_conn_init(c, &be, TBL_PROTO_AUTO);
	out->n = 0;
	feed_all(c, q->b, q->n, out);
	is_bytes(out->b, out->n, a->b, a->n, "3000 imsg lookups in one buffer");

	q->n = a->n = 0;
	s_add(q, handshake);
	s_add(a, registered);
	for (i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "%08zx", i);
		s_add(q, "table|0.1|1.2|mtasts|lookup|relayhost|");
		s_add(q, id);
		s_add(q, "|example.com\n");
		s_add(a, "lookup-result|");
		s_add(a, id);
		s_add(a, "|found|smtp+tls://mx.example.com\n");
	}
	tbl_conn_init(c, &be, TBL_PROTO_AUTO);
	out->n = 0;
	feed_all(c, q->b, q->n, out);
	is_bytes(out->b, out->n, a->b, a->n, "3000 line lookups in one buffer");

	/* once framing is lost, it stays lost */
	tbl_conn_init(c, &be, TBL_PROTO_IMSG);
	ok(tbl_feed(c, "\5\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0", 16) == -1,
	    "tbl_feed: impossible length is -1");
	ok(tbl_feed(c, "x", 1) == -1, "tbl_feed: and stays -1");
	free(q);
	free(a);
	free(out);
	free(c);
}

/* Counts whole recorded lines equal to what. */
static int
peer_count(struct peer *p, const char *what)
{
	size_t n = strlen(what);
	const char *s;
	int k = 0;

	peer_rec(p);
	for (s = p->all; (s = strstr(s, what)) != NULL; s += n)
		if ((s == p->all || s[-1] == '\n') && s[n] == '\n')
			k++;
	return k;
}

/*
 * be->busy: while it says 0 the loop waits in read() alone, no ticks
 * (a lookup costs one read and one write: serve.c); 1 ticks as before.
 * Also on a non-blocking socket (poll() before each read then).
 */
static void
test_busy(void)
{
	static const char *const name[] = { "blocking", "non-blocking" };
	struct peer *p = calloc(1, sizeof(*p));
	struct buf *q = calloc(1, sizeof(*q)), *a = calloc(1, sizeof(*a));
	const struct timespec wait = { 0, 300 * 1000000 };
	int nb, ticks;

	for (nb = 0; nb < 2; nb++) {
		busy_mode = 0;
		nonblock_mode = nb;
		peer_start(p, 1, 20);
		nanosleep(&wait, NULL);
		is_int(peer_count(p, "tick"), 0, "%s, busy 0, idle 300 ms, "
		    "tick_ms 20: no tick", name[nb]);
		q->n = a->n = 0;
		s_add(q, "config|smtpd-version|7.6.0\nconfig|protocol|0.1\n"
		    "config|tablename|mtasts\nconfig|ready\n"
		    "table|0.1|1.2|mtasts|lookup|relayhost|00000001|"
		    "example.com\n");
		s_add(a, registered);
		s_add(a, "lookup-result|00000001|found|smtp+tls://mx.example.com\n");
		exchange(p, q, a, nb ? "non-blocking socket, busy 0: answered" :
		    "busy 0: answered");
		ticks = peer_count(p, "tick");
		ok(ticks >= 1 && ticks <= 2, "%s, busy 0: tick after the "
		    "requests (%d)", name[nb], ticks);
		ok(peer_count(p, "busy") > 0, "%s: busy asked", name[nb]);
		is_int(peer_end(p), 0, "%s, busy 0: exit 0 at EOF", name[nb]);
	}
	busy_mode = 1;
	nonblock_mode = 0;
	peer_start(p, 1, 20);
	nanosleep(&wait, NULL);
	ticks = peer_count(p, "tick");
	ok(ticks >= 3 && ticks <= 20, "busy 1, idle 300 ms, tick_ms 20: %d "
	    "ticks", ticks);
	is_int(peer_end(p), 0, "busy 1: exit 0 at EOF");
	busy_mode = -1;
	free(q);
	free(a);
	free(p);
}

int
main(void)
{
	fake.fd = -1;
	test_imsg_transcript();
	test_imsg_literal();
	test_imsg_merged_split();
	test_imsg_garbage();
	test_imsg_fatal_framing();
	test_line_transcript();
	test_line_badversion();
	test_tick();
	test_busy();
	test_feed();
	return done_testing();
}
