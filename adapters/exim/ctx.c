/* SPDX-License-Identifier: ISC */
/*
 * ctx.c - the Exim adapter's one context per process. Exim forks a
 * process per delivery and a transport child from that; the core
 * notices the fork and reopens its cache itself, so one lazily opened
 * context is all the state there is. Core log lines go to Exim's
 * mainlog (warnings and errors) or debug output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exim.h"

static mtasts_ctx *ctx;
static char ctx_conf[1024];

static void
to_exim_log(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level <= MTASTS_LOG_WARNING)
		log_write(0, LOG_MAIN, "mtasts: %s", msg);
	else
		debug_printf("mtasts: %s\n", msg);
}

mtasts_ctx *
exim_ctx(const char *conf, const char **why)
{
	mtasts_status st;

	if (conf == NULL || conf[0] == '\0')
		conf = MTS_EXIM_DEFAULT_CONF;
	if (ctx != NULL && strcmp(conf, ctx_conf) == 0)
		return ctx;
	mtasts_free(ctx);
	ctx = NULL;
	if (strlen(conf) >= sizeof(ctx_conf)) {
		*why = "mtasts: config path too long";
		return NULL;
	}
	if ((ctx = mtasts_new()) == NULL) {
		*why = "mtasts: out of memory";
		return NULL;
	}
	mtasts_set_log(ctx, to_exim_log, NULL);
	if ((st = mtasts_load_config(ctx, conf)) != MTASTS_OK) {
		*why = (const char *)exim_msg("mtasts: %s", mtasts_error(ctx));
		mtasts_free(ctx);
		ctx = NULL;
		return NULL;
	}
	memcpy(ctx_conf, conf, strlen(conf) + 1);   /* fits: checked above */
	return ctx;
}

const char *
exim_arg(int argc, uschar *argv[], int i)
{
	return i < argc && argv[i] != NULL ? (const char *)argv[i] : NULL;
}

uschar *
exim_msg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return string_copy((const uschar *)buf);
}

const char *
exim_var(const char *name)
{
	const uschar *v = expand_string((uschar *)(uintptr_t)name);

	return v != NULL ? (const char *)v : "";
}

int
exim_tls_not_required(void)
{
	return strcasecmp(exim_var("$h_TLS-Required:"), "no") == 0;
}
