/* SPDX-License-Identifier: ISC */
/* log.c - log lines of the OpenSMTPD adapters: syslog (LOG_MAIL), as
 * smtpd itself logs, and stderr, which smtpd -d shows in the foreground. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "osm.h"

static const char *progname = "mtasts";

void
osm_log_init(const char *prog)
{
	progname = prog;
	openlog(prog, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
osm_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

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
