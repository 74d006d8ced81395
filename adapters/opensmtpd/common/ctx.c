/* SPDX-License-Identifier: ISC */
/* ctx.c - the adapters' context, and the one string helper they share. */
#include <string.h>

#include "osm.h"

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
