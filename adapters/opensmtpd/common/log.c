/* SPDX-License-Identifier: ISC */
/* log.c - log lines of the OpenSMTPD adapters: syslog (LOG_MAIL), as
 * smtpd itself logs, and stderr, which smtpd -d shows in the foreground. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "osm.h"

static const char *progname = "mtasts";
/* Until a config says otherwise, the library's default (info). */
static int max_level = LOG_INFO;

void
osm_log_init(const char *prog)
{
	progname = prog;
	openlog(prog, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
osm_log_level(int level)
{
	max_level = level;
}

/* Before any formatting: a line per lookup that log_level does not ask
 * for costs nothing (it was 5 system calls per lookup). */
void
osm_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	syslog(level, "%s", msg);
	fprintf(stderr, "%s: %s\n", progname, msg);
}

void
osm_core_log(void *arg, int level, const char *msg)
{
	(void)arg;
	osm_log(level, "%s", msg);
}
