/* SPDX-License-Identifier: ISC */
/*
 * main.c - filter-mtasts: the OpenSMTPD filter beside table-mtasts.
 *
 *   filter "mtasts" proc-exec "/usr/libexec/opensmtpd/filter-mtasts CONF"
 *   listen on ... filter "mtasts"            (rcpt-to check, warm-up)
 *   action ... relay ... filter "mtasts"     (smtp-out reports: TLS-RPT)
 *
 * At RCPT TO: a recipient whose domain has an enforce policy allowing
 * none of its MX hosts is refused with 451 4.7.5 (the sender keeps the
 * message). A domain not in the cache is resolved by a background child
 * while this one SMTP session waits (the answer is deferred, at most
 * RCPT_WAIT seconds; other sessions go on), so that the policy is cached
 * when smtpd's table check chooses the message's action right after:
 * the first message to a domain is protected too. Due policies are
 * refreshed in the background without waiting.
 *
 * smtp-out report events become TLS-RPT session outcomes. They carry no
 * MX name and no certificate verdict, so: the domain is the recipients'
 * (tx-rcpt, counted at once), or, for a session that ended before RCPT
 * (counted at link-disconnect), the domain whose
 * MX resolved to the peer address most recently (background children
 * report "ip domain mx" lines on a pipe); the outcome is success (TLS and
 * a recipient accepted), starttls-not-supported (greeting, no TLS), or
 * validation-failure "certificate-verify-failed" (TLS began, the session
 * ended before MAIL: 6.8 reports link-tls before it checks the
 * certificate). A testing-mode domain's sessions go through smtpd's
 * opportunistic relay, which delivers whatever the certificate: their
 * certificate is fetched again by a probe child (probe.c) and judged by
 * the core, so the report carries the real result type. A filter that
 * exits takes smtpd down: nothing here does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/osm.h"
#include "filter/proto.h"

#define SESSIONS 256
#define ADDRS 1024
#define DOMS 4
#define BG_MAX 8
#define BG_TIMEOUT 120
#define BG_AGAIN 30
#define RCPT_WAIT 8
#define PENDING 256
#define PROBES 4                /* certificate probes at once */
#define PROBE_TIMEOUT 15
#define PROBE_QUEUE 64
/* 7.x: the failure-reason-code of a handshake smtpd's events say
 * nothing about (no link-tls, no reason) */
#define HANDSHAKE_UNKNOWN "tls-handshake-failed-cause-not-reported-by-smtpd"          /* sessions waiting for a probe slot */
#define VERDICTS 256
#define VERDICT_TTL 3600        /* a probed certificate verdict is reused */

struct sess {
	char id[20];
	char src[64], dest[64], helo[256];
	int greeted, tls, mail;
	int starttls_sent, starttls_ok;  /* protocol-client/-server */
	int quit;               /* we said QUIT: an orderly end */
	char dom[DOMS][256];
	int ndom;
	time_t at;
};

struct addr {
	char ip[64], domain[256], mx[256];
	time_t at;
};

struct probe {
	pid_t pid;
	time_t started;
};

/* A certificate verdict for (MX address, MX name), from a probe. */
struct verdict {
	char ip[64], mx[256];
	mtasts_result result;
	time_t at;
};

struct probe_req {
	struct sess s;
	char domain[256], mx[256];
};

struct pending {
	char sid[20], token[20], domain[256];
	time_t deadline;
};

struct filter {
	const char *conf;
	struct flt_conn *conn;
	struct pending pend[PENDING];
	size_t npend;           /* pend[] slots in use */
	mtasts_ctx *ctx;
	struct osm_bg *bg;
	int pipe_rd, pipe_wr;
	char pbuf[4096];
	size_t plen;
	struct sess s[SESSIONS];
	struct addr a[ADDRS];
	size_t next_addr;
	struct probe probes[PROBES];
	struct probe_req queued[PROBE_QUEUE];
	int nqueued;
	struct verdict v[VERDICTS];
	size_t next_verdict;
};

static int
ready(struct filter *f)
{
	if (f->ctx == NULL && (f->ctx = osm_ctx(f->conf)) != NULL &&
	    (f->bg = osm_bg_new(f->ctx, BG_MAX, BG_TIMEOUT, BG_AGAIN)) != NULL) {
		osm_bg_addr_fd(f->bg, f->pipe_wr);
		osm_bg_exec(f->bg, osm_full_bin(), f->conf);
	}
	return f->ctx != NULL && f->bg != NULL;
}

/* Park a request until its domain is resolved; 0, or -1 if full. */
static int
park(struct filter *f, const char *sid, const char *token,
    const char *domain)
{
	size_t i;

	for (i = 0; i < PENDING; i++) {
		struct pending *p = &f->pend[i];

		if (p->sid[0] != '\0')
			continue;
		snprintf(p->sid, sizeof(p->sid), "%s", sid);
		snprintf(p->token, sizeof(p->token), "%s", token);
		snprintf(p->domain, sizeof(p->domain), "%s", domain);
		p->deadline = time(NULL) + RCPT_WAIT;
		f->npend++;
		return 0;
	}
	return -1;
}

/* The verdict from the cache: 1 (reply set) to refuse, else 0. */
static int
judge(struct filter *f, const mtasts_route *r, const char *domain,
    char *reply, size_t replysz)
{
	if (mtasts_route_decide(r) != MTASTS_ROUTE_DEFER)
		return 0;
	(void)f;
	snprintf(reply, replysz, "451 4.7.5 MTA-STS: %s: the enforce policy "
	    "allows none of its MX hosts, try again later", domain);
	osm_log(MTASTS_LOG_NOTICE, "rcpt domain=%s -> 451 (no MX allowed)",
	    domain);
	return 1;
}

/* The domain as the cache knows it, an expired answer included (its
 * refresh is started at every RCPT anyway): the same rule as the
 * table's K_DOMAIN check, so that what the filter lets through the table
 * can route. MTASTS_ERR_NOT_FOUND for a domain never resolved. */
static mtasts_status
known(struct filter *f, const char *domain, mtasts_route **r)
{
	return mtasts_route_lookup_flags(f->ctx, domain, MTASTS_ROUTE_CACHED |
	    MTASTS_ROUTE_STALE_MX, r);
}

#define RESOLVED_UNCACHED "resolved but not cached: see the log lines " \
	"before this one"

/* "Not yet": the policy of domain could not be learned in time. The
 * table would tempfail its K_DOMAIN check as well; this says why. */
static void
not_yet(char *reply, size_t replysz, const char *domain, const char *why)
{
	snprintf(reply, replysz, "451 4.7.0 MTA-STS: %s: policy not known "
	    "yet (%s), try again later", domain, why);
	osm_log(MTASTS_LOG_NOTICE, "rcpt domain=%s -> 451 (policy not known "
	    "yet: %s)", domain, why);
}

/*
 * A domain that is not cached is held: a child resolves it (now, or as
 * soon as a background slot is free) while this session waits, at most
 * RCPT_WAIT seconds; other sessions go on. What was not learned by then
 * is "not yet" (451), never "proceed": the message would be routed
 * without its policy, in clear if the MX offers no STARTTLS.
 */
static int
rcpt(void *arg, const char *session, const char *token, const char *to,
    char *reply, size_t replysz)
{
	struct filter *f = arg;
	char box[512], domain[256];
	mtasts_route *r = NULL;
	int reject = 0;

	if (!ready(f) || flt_rcpt_mailbox(to, box, sizeof(box)) != 0 ||
	    osm_mailbox_domain(box, domain, sizeof(domain)) != 0)
		return 0;          /* the table still decides at delivery */
	if (known(f, domain, &r) != MTASTS_OK) {
		if (osm_bg_refresh(f->bg, domain) < 0) {
			not_yet(reply, replysz, domain, "cannot start a resolver");
			return 1;
		}
		if (park(f, session, token, domain) != 0) {
			not_yet(reply, replysz, domain, "too many held sessions");
			return 1;
		}
		osm_log(MTASTS_LOG_INFO, "rcpt domain=%s session=%s: not cached, "
		    "resolving%s", domain, session, osm_bg_busy(f->bg, domain) ?
		    "" : " when a background slot is free");
		return FLT_RCPT_LATER;
	}
	/* Also when fresh: the child reports the MX addresses that join
	 * smtp-out sessions to this domain (at most once per BG_AGAIN). */
	(void)osm_bg_refresh(f->bg, domain);
	reject = judge(f, r, domain, reply, replysz);
	mtasts_route_free(r);
	return reject;
}

/* A parked request: 1 when it can be answered now (reply set when it is
 * refused), 0 to keep waiting. */
static int
settle(struct filter *f, const struct pending *p, time_t now, char *reply,
    size_t replysz, int *no)
{
	mtasts_route *r = NULL;

	*no = 0;
	if (osm_bg_busy(f->bg, p->domain) && now < p->deadline)
		return 0;
	if (known(f, p->domain, &r) == MTASTS_OK) {
		*no = judge(f, r, p->domain, reply, replysz);
		mtasts_route_free(r);
		return 1;
	}
	if (now >= p->deadline) {
		not_yet(reply, replysz, p->domain, osm_bg_busy(f->bg, p->domain) ?
		    "the policy host is slow" : osm_bg_full(f->bg) ?
		    "no resolver slot was free" : RESOLVED_UNCACHED);
		*no = 1;
		return 1;
	}
	/* Not started yet (every slot was taken), or done without caching
	 * anything (the cache cannot be written or read). */
	if (osm_bg_refresh(f->bg, p->domain) == 0 || osm_bg_full(f->bg))
		return 0;
	not_yet(reply, replysz, p->domain, RESOLVED_UNCACHED);
	*no = 1;
	return 1;
}

/* Answer parked requests whose domain is resolved (or waited enough). */
static void
answer_parked(struct filter *f)
{
	char reply[FLT_REPLY_MAX + 1];
	time_t now = time(NULL);
	size_t i;
	int no;

	for (i = 0; i < PENDING; i++) {
		struct pending *p = &f->pend[i];

		if (p->sid[0] == '\0' ||
		    !settle(f, p, now, reply, sizeof(reply), &no))
			continue;
		flt_answer(f->conn, p->sid, p->token, no ? reply : NULL);
		p->sid[0] = '\0';
		f->npend--;
	}
}

static struct sess *
sess_of(struct filter *f, const char *id, int create)
{
	struct sess *old = &f->s[0];
	size_t i;

	for (i = 0; i < SESSIONS; i++) {
		if (strcmp(f->s[i].id, id) == 0)
			return &f->s[i];
		if (f->s[i].at < old->at)
			old = &f->s[i];
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));   /* the oldest slot: a lost session */
	snprintf(old->id, sizeof(old->id), "%s", id);
	old->at = time(NULL);
	return old;
}

/* "ip:port" or "[ip6]:port" -> ip */
static void
host_of(const char *hp, char *out, size_t outsz)
{
	const char *end;
	size_t n;

	if (hp[0] == '[' && (end = strchr(hp, ']')) != NULL)
		hp++;
	else
		end = strrchr(hp, ':');
	n = end ? (size_t)(end - hp) : strlen(hp);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, hp, n);
	out[n] = '\0';
}

/* The MX entry the children reported for (ip, domain), newest first;
 * domain NULL: any domain. */
static const struct addr *
addr_of(const struct filter *f, const char *ip, const char *domain)
{
	const struct addr *best = NULL;
	size_t i;

	for (i = 0; i < ADDRS; i++)
		if (f->a[i].at != 0 && strcmp(f->a[i].ip, ip) == 0 &&
		    (domain == NULL || strcasecmp(f->a[i].domain, domain) == 0) &&
		    (best == NULL || f->a[i].at > best->at))
			best = &f->a[i];
	return best;
}

/*
 * The domain a session that failed before RCPT was for: such a session
 * is an enforce domain's (smtp+tls:// relay; opportunistic relays go on
 * in clear), so the candidates are the enforce domains whose MX
 * resolved to the peer address. Several with different MX names: the
 * events do not say which (smtpd keeps one relay per MX name), and no
 * domain gets another's failure: NULL, and the log says so.
 */
static const struct addr *
failed_for(struct filter *f, const struct sess *s)
{
	const struct addr *a, *pick = NULL;
	mtasts_policy *p;
	size_t i;
	int enforce;

	for (i = 0; i < ADDRS; i++) {
		a = &f->a[i];
		if (a->at == 0 || strcmp(a->ip, s->dest) != 0)
			continue;
		p = NULL;
		enforce = mtasts_lookup_cached(f->ctx, a->domain, &p) ==
		    MTASTS_OK && mtasts_policy_mode(p) == MTASTS_MODE_ENFORCE;
		mtasts_policy_free(p);
		if (!enforce || (pick != NULL &&
		    strcasecmp(pick->domain, a->domain) == 0))
			continue;
		if (pick != NULL && strcasecmp(pick->mx, a->mx) != 0) {
			osm_log(MTASTS_LOG_NOTICE, "session=%s ip=%s: failed before "
			    "RCPT, its domain cannot be told (%s or %s): not "
			    "counted", s->id, s->dest, pick->domain, a->domain);
			return NULL;
		}
		pick = a;
	}
	return pick;
}

/* Count what the session showed (seen, and a probed certificate's
 * verdict); the core's classifier names it, as for every adapter. */
/* why, when set, replaces the classifier's failure-reason-code: what
 * smtpd's events could not tell (RFC 8460 §4.3, failure details). */
static void
record_why(struct filter *f, const struct sess *s, const char *domain,
    const char *mx, mtasts_seen seen, mtasts_result cert, const char *why)
{
	mtasts_session_facts facts;
	mtasts_policy *p = NULL;
	mtasts_session m;
	mtasts_status st;

	memset(&facts, 0, sizeof(facts));
	facts.seen = seen;
	facts.cert_result = cert;
	facts.mx_host = mx;
	memset(&m, 0, sizeof(m));
	m.domain = domain;
	m.mx_host = mx;
	m.mx_helo = s->helo[0] ? s->helo : NULL;
	m.sending_ip = s->src;
	m.receiving_ip = s->dest;
	if (mtasts_lookup_cached(f->ctx, domain, &p) != MTASTS_OK)
		p = NULL;
	st = mtasts_session_classify(p, &facts, &m.result, &m.reason_code);
	if (why != NULL && m.result == MTASTS_RESULT_VALIDATION_FAILURE)
		m.reason_code = why;
	if (st == MTASTS_OK && mtasts_record(f->ctx, p, &m) == MTASTS_OK)
		osm_log(MTASTS_LOG_INFO, "session=%s domain=%s mx=%s ip=%s "
		    "result=%s", s->id, domain, mx ? mx : "?", s->dest,
		    mtasts_result_str(m.result));
	mtasts_policy_free(p);
}

static void
record(struct filter *f, const struct sess *s, const char *domain,
    const char *mx, mtasts_seen seen, mtasts_result cert)
{
	record_why(f, s, domain, mx, seen, cert, NULL);
}


/* The verdict probed for (ip, mx) within VERDICT_TTL, or NULL. */
static const struct verdict *
verdict_of(const struct filter *f, const char *ip, const char *mx)
{
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < VERDICTS; i++)
		if (f->v[i].at != 0 && now - f->v[i].at < VERDICT_TTL &&
		    strcmp(f->v[i].ip, ip) == 0 && strcasecmp(f->v[i].mx, mx) == 0)
			return &f->v[i];
	return NULL;
}

/* filter-mtasts-probe (adapters/opensmtpd/probe), the program beside
 * this one: the TLS probe and its verdict, with OpenSSL, in a process
 * of its own. The result type it printed, or -1 (it logged why). */
static int
probe_exec(const struct filter *f, const char *ip, const char *mx,
    const char *domain)
{
	static const char name[] = "filter-mtasts-probe";
	char self[4096], to[16], out[32], *slash;
	const char *argv[7];
	ssize_t n;
	size_t got = 0;
	int fds[2], status;
	pid_t pid;

	n = readlink("/proc/self/exe", self, sizeof(self) - sizeof(name));
	if (n <= 0 || (size_t)n >= sizeof(self) - sizeof(name))
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	memcpy(slash + 1, name, sizeof(name));
	(void)snprintf(to, sizeof(to), "%d", PROBE_TIMEOUT);
	argv[0] = self;
	argv[1] = f->conf != NULL ? f->conf : "";
	argv[2] = ip;
	argv[3] = mx;
	argv[4] = domain;
	argv[5] = to;
	argv[6] = NULL;
	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		(void)dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(self, (char *const *)argv);
		osm_log(MTASTS_LOG_ERR, "exec %s: %s", self, strerror(errno));
		_exit(70);
	}
	close(fds[1]);
	while (got < sizeof(out) - 1 && (n = read(fds[0], out + got,
	    sizeof(out) - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	out[got] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got == 0 ||
	    out[0] < '0' || out[0] > '9')
		return -1;
	return atoi(out);
}

/* The probe child: the chain judged under the domain's policy (by
 * filter-mtasts-probe), this session counted with that result, the
 * parent told, exit. No probe result is not a success: such a session
 * is not counted at all (and the log says why). */
static void
probe_child(struct filter *f, const struct sess *s, const char *domain,
    const char *mx)
{
	char line[400];
	int n, result;

	if ((result = probe_exec(f, s->dest, mx, domain)) < 0)
		_exit(1);
	record(f, s, domain, mx, MTASTS_SEEN_TLS, (mtasts_result)result);
	n = snprintf(line, sizeof(line), "V %s %s %d\n", s->dest, mx, result);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(f->pipe_wr, line, (size_t)n);
	_exit(0);
}

/* A probe child now, or queued until a probe slot is free; with the
 * queue full the session is not counted (never as a success). */
static void
start_probe(struct filter *f, const struct sess *s, const char *domain,
    const char *mx)
{
	struct probe_req *q;
	pid_t pid;
	int i;

	for (i = 0; i < PROBES && f->probes[i].pid != 0; i++)
		;
	if (i < PROBES && (pid = fork()) >= 0) {
		if (pid == 0)
			probe_child(f, s, domain, mx);
		f->probes[i].pid = pid;
		f->probes[i].started = time(NULL);
		return;
	}
	if (f->nqueued == PROBE_QUEUE) {
		osm_log(MTASTS_LOG_WARNING, "session=%s domain=%s: probe queue "
		    "full, session not counted", s->id, domain);
		return;
	}
	q = &f->queued[f->nqueued++];
	q->s = *s;
	snprintf(q->domain, sizeof(q->domain), "%s", domain);
	snprintf(q->mx, sizeof(q->mx), "%s", mx);
	/* the e2e test of a full probe queue (67) counts these */
	osm_log(MTASTS_LOG_INFO, "session=%s domain=%s: every probe slot "
	    "busy, queued (%d waiting)", s->id, domain, f->nqueued);
}

/* Queued probes whose turn came: a verdict probed meanwhile for the same
 * MX address is used, else a child is started. */
static void
drain_probes(struct filter *f)
{
	const struct verdict *v;
	struct probe_req q;
	int i;

	while (f->nqueued > 0) {
		for (i = 0; i < PROBES && f->probes[i].pid != 0; i++)
			;
		if (i == PROBES)
			return;
		q = f->queued[0];
		memmove(&f->queued[0], &f->queued[1],
		    (size_t)(--f->nqueued) * sizeof(f->queued[0]));
		if ((v = verdict_of(f, q.s.dest, q.mx)) != NULL)
			record(f, &q.s, q.domain, q.mx, MTASTS_SEEN_TLS, v->result);
		else
			start_probe(f, &q.s, q.domain, q.mx);
	}
}

/*
 * A testing-mode domain's TLS session: smtpd relayed it opportunistically
 * and its report events do not say whether the certificate verified. The
 * verdict comes from a probe of the same MX address (reused for an hour);
 * 1 if the session is counted that way (now or by the probe child).
 */
static int
judged_elsewhere(struct filter *f, const struct sess *s, const char *domain,
    const char *mx)
{
	const struct verdict *v;
	mtasts_policy *p = NULL;
	int testing;

	if (mtasts_lookup_cached(f->ctx, domain, &p) != MTASTS_OK)
		return 0;
	testing = mtasts_policy_mode(p) == MTASTS_MODE_TESTING;
	mtasts_policy_free(p);
	if (!testing)
		return 0;               /* enforce: smtpd verified (smtp+tls) */
	if ((v = verdict_of(f, s->dest, mx)) != NULL) {
		record(f, s, domain, mx, MTASTS_SEEN_TLS, v->result);
		return 1;
	}
	start_probe(f, s, domain, mx);
	return 1;
}

static void
reap_probes(struct filter *f)
{
	time_t now = time(NULL);
	int i, st;

	for (i = 0; i < PROBES; i++) {
		pid_t pid = f->probes[i].pid;

		if (pid == 0)
			continue;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			f->probes[i].pid = 0;
		} else if (now - f->probes[i].started > 2 * PROBE_TIMEOUT) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &st, 0);
			f->probes[i].pid = 0;
		}
	}
}

/* A recipient accepted: the session's outcome for that domain is known
 * now (smtpd may keep the connection open for reuse long after), and is
 * counted once per session and domain. */
static void
add_domain(struct filter *f, struct sess *s, const char *addr)
{
	const struct addr *a;
	char d[256];
	int i;

	if (osm_mailbox_domain(addr, d, sizeof(d)) != 0)
		return;
	for (i = 0; i < s->ndom; i++)
		if (strcasecmp(s->dom[i], d) == 0)
			return;
	if (s->ndom == DOMS)
		return;
	snprintf(s->dom[s->ndom++], sizeof(s->dom[0]), "%s", d);
	/* the recipient's own domain: another domain on the same MX
	 * address is not this envelope's */
	a = addr_of(f, s->dest, d);
	if (s->tls && a != NULL && judged_elsewhere(f, s, d, a->mx))
		return;
	record(f, s, d, a ? a->mx : NULL, s->tls ? MTASTS_SEEN_TLS :
	    MTASTS_SEEN_CLEAR, MTASTS_RESULT_SUCCESS);
}

static void
finish(struct filter *f, struct sess *s)
{
	const struct addr *a = NULL;

	if (s->ndom == 0 && s->greeted)
		a = failed_for(f, s);
	if (s->ndom > 0 || a == NULL)
		;                       /* counted at tx-rcpt, or unknown */
	else if ((s->tls || s->starttls_ok) && s->quit)
		;       /* TLS up, then QUIT with nothing to send (a session kept
			 * for reuse): smtpd drops a failed one without QUIT */
	else if (s->tls && !s->mail)
		/* 6.8: link-tls comes before smtpd checks the certificate */
		record(f, s, a->domain, a->mx, MTASTS_SEEN_TLS_FAILED,
		    MTASTS_RESULT_SUCCESS);
	else if (s->starttls_ok && !s->tls)
		/* 7.x: the certificate is checked inside the handshake and a
		 * failed one emits no link-tls; smtpd's events do not say
		 * whether the chain, the name or the handshake failed. */
		record_why(f, s, a->domain, a->mx, MTASTS_SEEN_TLS_FAILED,
		    MTASTS_RESULT_SUCCESS, HANDSHAKE_UNKNOWN);
	else if (!s->tls && !s->starttls_sent)
		record(f, s, a->domain, a->mx, MTASTS_SEEN_CLEAR,
		    MTASTS_RESULT_SUCCESS);
	memset(s, 0, sizeof(*s));
}

static void
report(void *arg, const struct flt_event *ev)
{
	struct filter *f = arg;
	struct sess *s;
	const char *e = ev->event;

	if (strcmp(ev->subsystem, "smtp-out") != 0 || !ready(f))
		return;
	if ((s = sess_of(f, ev->session, strcmp(e, "link-connect") == 0)) == NULL)
		return;
	s->at = time(NULL);
	if (strcmp(e, "link-connect") == 0 && ev->nfields >= 4) {
		host_of(ev->fields[2], s->src, sizeof(s->src));
		host_of(ev->fields[3], s->dest, sizeof(s->dest));
	} else if (strcmp(e, "link-greeting") == 0 && ev->nfields >= 1) {
		snprintf(s->helo, sizeof(s->helo), "%s", ev->fields[0]);
		s->greeted = 1;
	} else if (strcmp(e, "protocol-client") == 0 && ev->nfields >= 1) {
		if (strncasecmp(ev->fields[0], "STARTTLS", 8) == 0)
			s->starttls_sent = 1;
		else if (strncasecmp(ev->fields[0], "QUIT", 4) == 0)
			s->quit = 1;
	} else if (strcmp(e, "protocol-server") == 0) {
		s->greeted = 1;
		if (s->starttls_sent && ev->nfields >= 1 &&
		    strncmp(ev->fields[0], "220", 3) == 0)
			s->starttls_ok = 1;
	}
	else if (strcmp(e, "link-tls") == 0)
		s->tls = 1;
	else if (strcmp(e, "tx-mail") == 0)
		s->mail = 1;
	else if (strcmp(e, "tx-rcpt") == 0 && ev->nfields >= 3 &&
	    strcmp(ev->fields[1], "ok") == 0)
		add_domain(f, s, ev->fields[2]);
	else if (strcmp(e, "link-disconnect") == 0)
		finish(f, s);
}

static void
add_addr(struct filter *f, const char *line)
{
	struct addr *a = &f->a[f->next_addr++ % ADDRS];

	if (sscanf(line, "%63s %255s %255s", a->ip, a->domain, a->mx) == 3)
		a->at = time(NULL);
	else
		a->at = 0;
}

static void
add_verdict(struct filter *f, const char *line)
{
	struct verdict *v = &f->v[f->next_verdict++ % VERDICTS];
	int r;

	if (sscanf(line, "V %63s %255s %d", v->ip, v->mx, &r) == 3 && r >= 0 &&
	    r <= MTASTS_RESULT_STS_WEBPKI_INVALID) {
		v->result = (mtasts_result)r;
		v->at = time(NULL);
	} else
		v->at = 0;
}

/* "ip domain mx" lines from the background children, and "V ip mx
 * result" lines from the probes. */
static void
read_addrs(struct filter *f)
{
	ssize_t n;
	char *nl;

	while ((n = read(f->pipe_rd, f->pbuf + f->plen,
	    sizeof(f->pbuf) - 1 - f->plen)) > 0) {
		f->plen += (size_t)n;
		f->pbuf[f->plen] = '\0';
		while ((nl = strchr(f->pbuf, '\n')) != NULL) {
			*nl = '\0';
			if (f->pbuf[0] == 'V')
				add_verdict(f, f->pbuf);
			else
				add_addr(f, f->pbuf);
			f->plen -= (size_t)(nl + 1 - f->pbuf);
			memmove(f->pbuf, nl + 1, f->plen + 1);
		}
		if (f->plen == sizeof(f->pbuf) - 1)
			f->plen = 0;    /* no line that long is ours */
	}
}

static void
tick(void *arg)
{
	struct filter *f = arg;

	reap_probes(f);
	drain_probes(f);
	if (f->bg != NULL) {
		osm_bg_reap(f->bg);
		if (f->conn != NULL)
			answer_parked(f);
	}
	read_addrs(f);
}

/*
 * 1 while tick has timed work: children (refreshes, probes) to reap,
 * probes queued, held RCPTs to answer. Else the loop blocks in read()
 * alone (an event costs one read, no poll()): the pipe is read by the
 * tick after the children that write it were reaped, so it is empty.
 */
static int
busy(void *arg)
{
	struct filter *f = arg;
	int i;

	if (f->npend > 0 || f->nqueued > 0 ||
	    (f->bg != NULL && osm_bg_running(f->bg) > 0))
		return 1;
	for (i = 0; i < PROBES; i++)
		if (f->probes[i].pid != 0)
			return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct filter f;
	struct flt_backend be;
	int p[2], rc;

	osm_log_init("filter-mtasts");
	f.conf = argc > 1 ? argv[1] : NULL;
	f.pipe_rd = f.pipe_wr = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
		f.pipe_rd = p[0];
		f.pipe_wr = p[1];
	} else
		osm_log(MTASTS_LOG_ERR, "pipe: %s", strerror(errno));
	(void)ready(&f);
	memset(&be, 0, sizeof(be));
	be.arg = &f;
	be.rcpt = rcpt;
	be.report = report;
	be.tick = tick;
	be.busy = busy;
	be.log = osm_core_log;
	be.tick_ms = 100;
	if ((f.conn = flt_conn_new(&be)) == NULL) {
		/* Cannot even hold a connection: let smtpd see the EOF. */
		osm_log(MTASTS_LOG_ERR, "out of memory");
		return 1;
	}
	rc = flt_serve_conn(f.conn, 0, 1);
	flt_conn_free(f.conn);
	osm_bg_free(f.bg);
	mtasts_free(f.ctx);
	return rc == 0 ? 0 : 1;
}
