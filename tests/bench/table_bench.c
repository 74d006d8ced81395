/* SPDX-License-Identifier: ISC */
/*
 * table_bench.c - the OpenSMTPD table figure for `make bench`: runs
 * table-mtasts as smtpd does (a socketpair on its stdin and stdout),
 * speaks the table protocol 0.1 (smtpd 7.6+: config lines, then one
 * request line and one reply line at a time, as smtpd's lookup process
 * waits for each answer), and prints
 *
 *   ns-per-lookup ns-per-round-trip-floor VmHWM-KiB
 *
 * The floor is the same exchange with a child that answers each line
 * at once (the IPC round trip, nothing looked up): C, one read() and
 * one write() per line, as table-mtasts does when no child of its own
 * runs.
 *
 *   table_bench TABLE-BIN CONF DOMAIN N [pin]
 *
 * With "pin" this process and both children run on one CPU (the one it
 * started on): each wakeup is then a context switch on that CPU, not a
 * wakeup of the other CPU (an inter-processor interrupt, which a VM
 * pays with an exit), so the pinned pair shows the cost without it.
 */
#include <sched.h>
#include <signal.h>
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

/* Read one '\n'-terminated line (buffered by the caller's struct). */
struct rd {
	int fd;
	char buf[8192];
	size_t len;
};

static int
read_line(struct rd *r, char *line, size_t linesz)
{
	char *nl;
	ssize_t n;
	size_t k;

	for (;;) {
		if ((nl = memchr(r->buf, '\n', r->len)) != NULL) {
			k = (size_t)(nl - r->buf) + 1;
			if (k >= linesz)
				return -1;
			memcpy(line, r->buf, k);
			line[k] = '\0';
			memmove(r->buf, r->buf + k, r->len - k);
			r->len -= k;
			return 0;
		}
		if (r->len == sizeof(r->buf) ||
		    (n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len)) <= 0)
			return -1;
		r->len += (size_t)n;
	}
}

static int
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The floor: answer each line with a line, nothing else. */
static void
echo_child(int fd)
{
	struct rd r = { fd, { 0 }, 0 };
	char line[4096];

	while (read_line(&r, line, sizeof(line)) == 0)
		if (write_all(fd, "lookup-result|00000001|found|x\n", 31) != 0)
			break;
	_exit(0);
}

static pid_t
spawn(const char *bin, const char *conf, int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		close(sv[0]);
		if (bin == NULL)
			echo_child(sv[1]);
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		execl(bin, bin, conf, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

static long
vmhwm(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* This process, and the children it forks, on the CPU it runs on. */
static int
pin_here(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* n lookups of domain, one at a time; ns each. */
static double
run(int fd, const char *domain, long n, int handshake)
{
	static const char cfg[] = "config|smtpd-version|7.8.0\n"
	    "config|protocol|0.1\nconfig|tablename|mtasts\nconfig|ready\n";
	struct rd r = { fd, { 0 }, 0 };
	char req[512], line[4096];
	double t0;
	long i;
	int len;

	if (handshake) {
		if (write_all(fd, cfg, sizeof(cfg) - 1) != 0)
			return -1;
		do {
			if (read_line(&r, line, sizeof(line)) != 0)
				return -1;
		} while (strcmp(line, "register|ready\n") != 0);
	}
	len = snprintf(req, sizeof(req), "table|0.1|1713795110.354921|mtasts|"
	    "lookup|relayhost|00000001|%s\n", domain);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write_all(fd, req, (size_t)len) != 0 ||
		    read_line(&r, line, sizeof(line)) != 0)
			return -1;
		if (i == 0 && strncmp(line, "lookup-result|00000001|found|", 29)) {
			fprintf(stderr, "table_bench: %s", line);
			return -1;
		}
	}
	return (now_ns() - t0) / n;
}

int
main(int argc, char **argv)
{
	double table, floor_ns;
	long n, hwm;
	pid_t pid;
	int fd, st;

	if (argc != 5 && (argc != 6 || strcmp(argv[5], "pin") != 0)) {
		fputs("usage: table_bench TABLE-BIN CONF DOMAIN N [pin]\n", stderr);
		return 64;
	}
	if (argc == 6 && pin_here() != 0) {
		perror("table_bench: sched_setaffinity");
		return 1;
	}
	n = atol(argv[4]);
	signal(SIGPIPE, SIG_IGN);
	if ((pid = spawn(argv[1], argv[2], &fd)) < 0)
		return 1;
	(void)run(fd, argv[3], n / 10 + 1, 1);      /* warm */
	table = run(fd, argv[3], n, 0);
	hwm = vmhwm(pid);
	close(fd);
	waitpid(pid, &st, 0);
	if ((pid = spawn(NULL, NULL, &fd)) < 0)
		return 1;
	floor_ns = run(fd, argv[3], n, 0);
	close(fd);
	waitpid(pid, &st, 0);
	if (table < 0 || floor_ns < 0)
		return 1;
	printf("%.0f %.0f %ld\n", table, floor_ns, hwm);
	return 0;
}
