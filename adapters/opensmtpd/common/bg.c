/*
 * bg.c - background refreshes for the OpenSMTPD adapters. smtpd blocks
 * on table lookups and on filter answers, so a domain that is not cached
 * (or whose policy is due) is resolved by a child process: it runs
 * mtasts_route_lookup(), which fills the shared cache with the policy
 * and the MX answer, and exits. The parent only counts, reaps and, after
 * a timeout, kills. Each child is its own process, so a hung DNS or
 * policy server never holds up smtpd.
 */
#include <errno.h>
#include <signal.h>
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

size_t
osm_bg_running(const struct osm_bg *bg)
{
	return bg->n;
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

static void
child(mtasts_ctx *ctx, const char *domain)
{
	mtasts_route *r = NULL;
	mtasts_status st;

	st = mtasts_route_lookup(ctx, domain, &r);
	if (st != MTASTS_OK)
		osm_log(MTASTS_LOG_NOTICE, "domain=%s refresh=failed error=\"%s\"",
		    domain, mtasts_error(ctx));
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
		child(bg->ctx, domain);
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
