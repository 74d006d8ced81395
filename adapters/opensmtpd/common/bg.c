/* SPDX-License-Identifier: ISC */
/*
 * bg.c - background refreshes for the OpenSMTPD adapters. smtpd blocks
 * on table lookups and on filter answers, so a domain that is not cached
 * (or whose policy is due) is resolved by a child process: it runs
 * the full `mtasts route --any-mode` (table-mtasts and filter-mtasts
 * are linked without the network, core/offline), which fills the
 * shared cache with the policy and the MX answer, reads the MX hosts
 * back from the cache, and exits. Without osm_bg_exec() (the protocol
 * tests) the child calls mtasts_route_lookup_flags() itself. The parent only counts, reaps and, after
 * a timeout, kills. Each child is its own process, so a hung DNS or
 * policy server never holds up smtpd.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "osm.h"

#define RECENT 256

struct job {
	pid_t pid;
	time_t started;
	char domain[256];
};

struct recent {
	time_t at;
	char domain[256];
};

struct osm_bg {
	mtasts_ctx *ctx;
	size_t max, n;
	int timeout_s, again_s;
	struct job *jobs;
	struct recent recent[RECENT];
	size_t next_recent;
	int addr_fd;            /* -1, or where children write MX addresses */
	const char *full;       /* NULL: resolve in the child; else the full mtasts */
	const char *conf;       /* its -c FILE (NULL: its default) */
};

struct osm_bg *
osm_bg_new(mtasts_ctx *ctx, size_t max, int timeout_s, int again_s)
{
	struct osm_bg *bg = calloc(1, sizeof(*bg));

	if (bg == NULL || (bg->jobs = calloc(max, sizeof(*bg->jobs))) == NULL) {
		free(bg);
		return NULL;
	}
	bg->ctx = ctx;
	bg->max = max;
	bg->timeout_s = timeout_s;
	bg->again_s = again_s;
	bg->addr_fd = -1;
	return bg;
}

void
osm_bg_free(struct osm_bg *bg)
{
	if (bg == NULL)
		return;
	free(bg->jobs);
	free(bg);
}

int
osm_bg_busy(const struct osm_bg *bg, const char *domain)
{
	size_t i;

	for (i = 0; i < bg->n; i++)
		if (strcmp(bg->jobs[i].domain, domain) == 0)
			return 1;
	return 0;
}

static int
busy(const struct osm_bg *bg, const char *domain, time_t now)
{
	size_t i;

	for (i = 0; i < bg->n; i++)
		if (strcmp(bg->jobs[i].domain, domain) == 0)
			return 1;
	for (i = 0; i < RECENT; i++)
		if (bg->recent[i].at != 0 && now - bg->recent[i].at < bg->again_s &&
		    strcmp(bg->recent[i].domain, domain) == 0)
			return 1;
	return 0;
}

size_t
osm_bg_running(const struct osm_bg *bg)
{
	return bg->n;
}

int
osm_bg_full(const struct osm_bg *bg)
{
	return bg->n == bg->max;
}

void
osm_bg_addr_fd(struct osm_bg *bg, int fd)
{
	bg->addr_fd = fd;
}

void
osm_bg_exec(struct osm_bg *bg, const char *full, const char *conf)
{
	bg->full = full;
	bg->conf = conf;
}

/* "ip domain mx" for every address of every MX host, with the system
 * resolver (the one smtpd connects with). One write per line: a pipe
 * write of at most PIPE_BUF bytes is atomic among the children. */
static void
tell_addrs(int fd, const char *domain, const mtasts_route *r)
{
	struct addrinfo hints, *res, *ai;
	char ip[64], line[600];
	size_t i;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	for (i = 0; i < mtasts_route_mx_count(r); i++) {
		if (getaddrinfo(mtasts_route_mx(r, i), NULL, &hints, &res) != 0)
			continue;
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			int n;

			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip),
			    NULL, 0, NI_NUMERICHOST) != 0)
				continue;
			n = snprintf(line, sizeof(line), "%s %s %s\n", ip, domain,
			    mtasts_route_mx(r, i));
			if (n > 0 && (size_t)n < sizeof(line))
				(void)!write(fd, line, (size_t)n);
		}
		freeaddrinfo(res);
	}
}

/*
 * The full mtasts resolves (the programs are linked without the
 * network, core/offline): `mtasts -c CONF route --any-mode
 * --lookup-timeout=N DOMAIN`, its output discarded, its log lines on
 * our stderr (smtpd's log). 0 if it ran and answered (exit 0, 2, 3).
 */
static int
run_full(const struct osm_bg *bg, const char *domain, const char *deadline)
{
	char to[48];
	const char *argv[10];
	int n = 0, status, fd;
	pid_t pid;

	(void)snprintf(to, sizeof(to), "--lookup-timeout=%s", deadline);
	argv[n++] = bg->full;
	if (bg->conf != NULL && bg->conf[0] != '\0') {
		argv[n++] = "-c";
		argv[n++] = bg->conf;
	}
	argv[n++] = "route";
	argv[n++] = "--any-mode";
	argv[n++] = to;
	argv[n++] = "--";
	argv[n++] = domain;
	argv[n] = NULL;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			(void)dup2(fd, STDIN_FILENO);
			(void)dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		execv(bg->full, (char *const *)argv);
		osm_log(MTASTS_LOG_ERR, "exec %s: %s", bg->full, strerror(errno));
		_exit(70);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status))
		return -1;
	status = WEXITSTATUS(status);
	return status == 0 || status == 2 || status == 3 ? 0 : -1;
}

static void
child(const struct osm_bg *bg, const char *domain)
{
	mtasts_ctx *ctx = bg->ctx;
	int addr_fd = bg->addr_fd, timeout_s = bg->timeout_s;
	mtasts_route *r = NULL;
	mtasts_status st;
	char deadline[16];

	/* lookup_timeout bounds how long an MTA process waits for a
	 * discovery; nothing waits for this child (the filter holds a
	 * session at most RCPT_WAIT, then answers "not yet"), so a slow
	 * policy host gets until the child's own timeout and the policy is
	 * cached for the client's retry instead of "no policy" now. */
	(void)snprintf(deadline, sizeof(deadline), "%d",
	    timeout_s > 20 ? timeout_s - 10 : timeout_s);
	(void)mtasts_set(ctx, "lookup_timeout", deadline);

	/* Every mode's MX hosts: the table routes a domain that left
	 * enforce (mail still queued under it) to its normal MX. Resolved
	 * by the full mtasts when there is one, then read back from the
	 * cache it filled. */
	if (bg->full != NULL && run_full(bg, domain, deadline) != 0) {
		osm_log(MTASTS_LOG_NOTICE, "domain=%s refresh=failed error=\"%s "
		    "failed\"", domain, bg->full);
		_exit(1);
	}
	/* A context of its own: the inherited one may still trust what it
	 * read before the full mtasts wrote (base/ctx.h, cache_mmap no). */
	if (bg->full != NULL && (ctx = osm_ctx(bg->conf)) == NULL)
		_exit(1);
	st = mtasts_route_lookup_flags(ctx, domain, MTASTS_ROUTE_ANY_MODE |
	    (bg->full != NULL ? MTASTS_ROUTE_CACHED | MTASTS_ROUTE_STALE_MX : 0),
	    &r);
	if (st != MTASTS_OK)
		osm_log(MTASTS_LOG_NOTICE, "domain=%s refresh=failed error=\"%s\"",
		    domain, mtasts_error(ctx));
	else if (addr_fd >= 0)
		tell_addrs(addr_fd, domain, r);
	mtasts_route_free(r);
	_exit(st == MTASTS_OK ? 0 : 1);
}

int
osm_bg_refresh(struct osm_bg *bg, const char *domain)
{
	time_t now = time(NULL);
	struct job *j;
	pid_t pid;

	if (strlen(domain) >= sizeof(j->domain) || busy(bg, domain, now) ||
	    bg->n == bg->max)
		return 1;
	if ((pid = fork()) < 0) {
		osm_log(MTASTS_LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child(bg, domain);
	j = &bg->jobs[bg->n++];
	j->pid = pid;
	j->started = now;
	memcpy(j->domain, domain, strlen(domain) + 1);
	return 0;
}

static void
done(struct osm_bg *bg, size_t i, time_t now)
{
	struct recent *r = &bg->recent[bg->next_recent++ % RECENT];

	r->at = now;
	memcpy(r->domain, bg->jobs[i].domain, sizeof(r->domain));
	bg->jobs[i] = bg->jobs[--bg->n];
}

void
osm_bg_reap(struct osm_bg *bg)
{
	time_t now = time(NULL);
	size_t i = 0;
	int status;

	while (i < bg->n) {
		struct job *j = &bg->jobs[i];
		pid_t r = waitpid(j->pid, &status, WNOHANG);

		if (r == j->pid || (r < 0 && errno == ECHILD)) {
			done(bg, i, now);
			continue;
		}
		if (now - j->started > bg->timeout_s) {
			osm_log(MTASTS_LOG_WARNING, "domain=%s refresh=timeout "
			    "after %ds", j->domain, bg->timeout_s);
			kill(j->pid, SIGKILL);
			(void)waitpid(j->pid, &status, 0);
			done(bg, i, now);
			continue;
		}
		i++;
	}
}
