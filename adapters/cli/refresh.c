/* SPDX-License-Identifier: ISC */
/* refresh.c - `refresh [--all] [DOMAIN...]`: refresh cached policies
 * before they expire (RFC 8461 §10.2), from cron or a timer. The parent
 * picks the domains; up to refresh_concurrency child processes share
 * them out and report one byte per domain through a pipe. A context
 * made before fork() is usable in the child (include/mtasts.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#define DEFAULT_CONCURRENCY 16

enum { R_REFRESHED = 'r', R_UNCHANGED = 'u', R_FAILED = 'f' };

struct list {
	char **v;
	size_t n, cap;
	int oom;
};

static void
list_add(struct list *l, const char *s)
{
	char **v;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL) {
			l->oom = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = strdup(s)) == NULL)
		l->oom = 1;
	else
		l->n++;
}

static void
list_free(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

struct pick {
	struct list *l;
	int all;
};

/* Due: holds a policy and the library says it wants a refresh. */
static int
pick_one(void *arg, const mtasts_policy *p)
{
	struct pick *k = arg;

	if (k->all || (mtasts_policy_needs_refresh(p) &&
	    mtasts_policy_mode(p) != MTASTS_MODE_NOPOLICY))
		list_add(k->l, mtasts_policy_domain(p));
	return k->l->oom;
}

/*
 * refresh_concurrency from the config file. The API has no getter for
 * settings; the library has already accepted this file, so every line
 * is well-formed and the value is within 1..256. The last one wins, as
 * in the library.
 */
static int
concurrency(const char *path)
{
	char line[1100], *s;
	int n = DEFAULT_CONCURRENCY;
	long v;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return n;
	while (fgets(line, sizeof(line), f) != NULL) {
		s = line + strspn(line, " \t");
		if (strncmp(s, "refresh_concurrency", 19) != 0)
			continue;
		s += 19 + strspn(s + 19, " \t");
		if (*s++ != '=')
			continue;
		v = strtol(s, NULL, 10);
		if (v >= 1 && v <= 256)
			n = (int)v;
	}
	fclose(f);
	return n;
}

static char
refresh_one(const struct cli *c, const char *domain)
{
	mtasts_policy *p = NULL;
	mtasts_status st;
	char r = R_UNCHANGED;

	if ((st = mtasts_refresh(c->ctx, domain, &p)) != MTASTS_OK) {
		(void)cli_fail(c, st, domain);
		return R_FAILED;
	}
	if (mtasts_policy_source(p) == MTASTS_SOURCE_FETCHED)
		r = R_REFRESHED;
	else if (mtasts_policy_source(p) == MTASTS_SOURCE_STALE ||
	    mtasts_policy_result(p) != MTASTS_RESULT_SUCCESS) {
		fprintf(stderr, "mtasts: %s: refresh failed: %s: %s\n", domain,
		    mtasts_result_str(mtasts_policy_result(p)),
		    mtasts_policy_reason(p));
		r = R_FAILED;
	}
	mtasts_policy_free(p);
	return r;
}

/* Worker w of n: domains w, w + n, w + 2n, ... */
static void
run_slice(const struct cli *c, const struct list *l, size_t w, size_t n,
    int fd, size_t *count)
{
	size_t i;
	char r;

	for (i = w; i < l->n; i += n) {
		r = refresh_one(c, l->v[i]);
		if (fd >= 0) {
			while (write(fd, &r, 1) < 0 && errno == EINTR)
				;
		} else
			count[r == R_REFRESHED ? 0 : r == R_UNCHANGED ? 1 : 2]++;
	}
}

struct tally {
	size_t done[3];           /* refreshed, unchanged, failed */
};

/* Read the children's bytes until every write end is closed. */
static void
collect(int fd, struct tally *t)
{
	char buf[512];
	ssize_t n, i;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			t->done[buf[i] == R_REFRESHED ? 0 :
			    buf[i] == R_UNCHANGED ? 1 : 2]++;
	}
}

/* Its unfinished domains count as failed; say why they did not finish. */
static void
reap(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return;
	if (WIFSIGNALED(status))
		fprintf(stderr, "mtasts: refresh: worker %ld killed by signal "
		    "%d\n", (long)pid, WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fprintf(stderr, "mtasts: refresh: worker %ld exited with %d\n",
		    (long)pid, WEXITSTATUS(status));
}

/* Fork the workers; a slice whose fork failed is run here afterwards. */
static int
run_workers(const struct cli *c, const struct list *l, size_t nw,
    struct tally *t)
{
	pid_t *pids = calloc(nw, sizeof(*pids));
	int fds[2];
	size_t w;

	if (pids == NULL || pipe2(fds, O_CLOEXEC) != 0) {
		free(pids);
		return -1;
	}
	fflush(NULL);
	for (w = 0; w < nw; w++) {
		if ((pids[w] = fork()) == 0) {
			close(fds[0]);
			run_slice(c, l, w, nw, fds[1], NULL);
			/* Stops this worker's DNS worker process (and waits
			 * for it, so its CPU time is counted as ours). */
			mtasts_free(c->ctx);
			_exit(0);
		}
	}
	close(fds[1]);
	collect(fds[0], t);
	close(fds[0]);
	for (w = 0; w < nw; w++) {
		if (pids[w] > 0)
			reap(pids[w]);
		else
			run_slice(c, l, w, nw, -1, t->done);
	}
	free(pids);
	return 0;
}

static int
print_summary(const struct cli *c, const struct tally *t)
{
	struct out o;
	struct json j;

	if (out_open(&o) != 0)
		return cli_fail(c, MTASTS_ERR_NOMEM, "output");
	if (c->json) {
		json_init(&j, o.f);
		json_obj_begin(&j);
		json_kint(&j, "refreshed", (int64_t)t->done[0]);
		json_kint(&j, "unchanged", (int64_t)t->done[1]);
		json_kint(&j, "failed", (int64_t)t->done[2]);
		json_obj_end(&j);
		fputc('\n', o.f);
	} else
		fprintf(o.f, "refreshed %zu, unchanged %zu, failed %zu\n",
		    t->done[0], t->done[1], t->done[2]);
	return out_commit(&o);
}

static int
pick_domains(const struct cli *c, struct list *l)
{
	struct pick k = { l, c->all };
	mtasts_status st;
	int i;

	if (c->argc > 0 && c->all)
		return cli_usage_error("refresh: --all or domains, not both");
	for (i = 0; i < c->argc; i++)
		list_add(l, c->argv[i]);
	if (c->argc == 0 &&
	    (st = mtasts_cache_walk(c->ctx, pick_one, &k)) != MTASTS_OK &&
	    !l->oom)
		return cli_fail(c, st, "cache");
	if (l->oom)
		return cli_fail(c, MTASTS_ERR_NOMEM, "refresh");
	return CLI_OK;
}

int
cmd_refresh(struct cli *c)
{
	struct list l = { 0 };
	struct tally t = { { 0, 0, 0 } };
	size_t nw;
	int rc;

	if ((rc = cli_drop_to_store_owner(c)) != CLI_OK)
		return rc;
	if ((rc = pick_domains(c, &l)) != CLI_OK)
		goto done;
	nw = (size_t)concurrency(c->config);
	if (nw > l.n)
		nw = l.n;
	/* The CA bundle parsed once here, shared by the forked workers; a
	 * failure shows up in each domain's fetch error. */
	if (nw > 0) {
		/* Each worker resolves through one persistent libunbound
		 * worker process (not a resolver set up per query). */
		(void)mtasts_set(c->ctx, "dns_worker", "yes");
		(void)mtasts_prepare(c->ctx);
	}
	if (nw > 0 && run_workers(c, &l, nw, &t) != 0) {
		fprintf(stderr, "mtasts: refresh: %s\n", strerror(errno));
		rc = CLI_SOFTWARE;
		goto done;
	}
	/* A worker that died early reported less than its share. */
	t.done[2] = l.n - t.done[0] - t.done[1];
	if ((rc = print_summary(c, &t)) == CLI_OK && t.done[2] > 0)
		rc = CLI_NO;
done:
	list_free(&l);
	return rc;
}
