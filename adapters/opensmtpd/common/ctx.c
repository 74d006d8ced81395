/* SPDX-License-Identifier: ISC */
/* ctx.c - the adapters' context, and the one string helper they share. */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "osm.h"

#ifndef MTASTS_FULL_BIN
#define MTASTS_FULL_BIN "/usr/bin/mtasts"
#endif

#define DEFAULT_CONF "/etc/mtasts/mtasts.conf"

mtasts_ctx *
osm_ctx(const char *conf)
{
	mtasts_ctx *ctx;

	if (conf == NULL || conf[0] == '\0')
		conf = DEFAULT_CONF;
	if ((ctx = mtasts_new()) == NULL) {
		osm_log(MTASTS_LOG_ERR, "out of memory");
		return NULL;
	}
	mtasts_set_log(ctx, osm_core_log, NULL);
	/* Long-running under smtpd: a cache file truncated or replaced
	 * under a mapping would kill us with SIGBUS, and smtpd with us. */
	if (mtasts_load_config(ctx, conf) != MTASTS_OK ||
	    mtasts_set(ctx, "cache_mmap", "no") != MTASTS_OK) {
		osm_log(MTASTS_LOG_ERR, "%s (answering temporary failure until "
		    "the config is fixed and smtpd reloads the table)",
		    mtasts_error(ctx));
		mtasts_free(ctx);
		return NULL;
	}
	osm_log_level(mtasts_log_level(ctx));
	return ctx;
}

int
osm_mailbox_domain(const char *mailbox, char *buf, size_t bufsz)
{
	const char *at = strrchr(mailbox, '@');
	size_t n;

	if (at == NULL || at[1] == '\0')
		return -1;
	n = strlen(at + 1);
	if (n >= bufsz)
		return -1;
	memcpy(buf, at + 1, n + 1);
	return 0;
}

const char *
osm_full_bin(void)
{
	static char path[PATH_MAX];
	char *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", path, sizeof(path) - sizeof("mtasts"));
	if (n > 0 && (size_t)n < sizeof(path) - sizeof("mtasts")) {
		path[n] = '\0';
		if ((slash = strrchr(path, '/')) != NULL) {
			memcpy(slash + 1, "mtasts", sizeof("mtasts"));
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	return MTASTS_FULL_BIN;
}
