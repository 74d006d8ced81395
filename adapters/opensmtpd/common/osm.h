/* SPDX-License-Identifier: ISC */
/* osm.h - what table-mtasts and filter-mtasts share: logging, the one
 * context, and background refreshes (smtpd's lookups must not wait for
 * DNS or HTTPS, so cold and expiring domains are resolved by children
 * that fill the shared cache). */
#ifndef OSM_H
#define OSM_H

#include <stddef.h>
#include <sys/types.h>

#include "mtasts.h"

/* Log to syslog (mail facility) and stderr, as "<prog>: message". */
void osm_log_init(const char *prog);
/* Lines above level (syslog numbering) are dropped: log_level. */
void osm_log_level(int level);
void osm_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* mtasts_log_fn that forwards core log lines to osm_log. */
void osm_core_log(void *arg, int level, const char *msg);

/*
 * The context from a config path (NULL or "": the default). On a config
 * error the message is logged and NULL returned; the caller keeps
 * running and answers "temporary failure" (smtpd shuts down when a
 * table or filter exits).
 */
mtasts_ctx *osm_ctx(const char *conf);

/* Background refreshes: at most max at once, each killed after
 * timeout_s, the same domain not again within again_s. */
struct osm_bg;
struct osm_bg *osm_bg_new(mtasts_ctx *ctx, size_t max, int timeout_s,
    int again_s);
void osm_bg_free(struct osm_bg *bg);
/* Resolve domain (policy and MX hosts) in a child; 0 started, 1 not
 * needed now (running or done recently, or too many running), -1 error. */
int osm_bg_refresh(struct osm_bg *bg, const char *domain);
/* Reap finished children, kill overdue ones. Call from the tick. */
void osm_bg_reap(struct osm_bg *bg);
/* How many children are running (0: nothing for a tick to reap). */
size_t osm_bg_running(const struct osm_bg *bg);
/* 1 when every slot is taken (a refresh must wait, not give up). */
int osm_bg_full(const struct osm_bg *bg);
/* 1 while a child is resolving domain. */
int osm_bg_busy(const struct osm_bg *bg, const char *domain);
/* Children also write "ip domain mx\n" lines for the domain's MX
 * addresses to fd (the filter joins smtp-out sessions to domains). */
void osm_bg_addr_fd(struct osm_bg *bg, int fd);
/* Children exec full (`mtasts [-c conf] route --any-mode ...`) instead
 * of resolving in process; full and conf must outlive bg. */
void osm_bg_exec(struct osm_bg *bg, const char *full, const char *conf);
/* The full mtasts: beside this program if there (the build tree), else
 * MTASTS_FULL_BIN (BINDIR/mtasts). Static storage. */
const char *osm_full_bin(void);

/* The domain of a mailbox ("user@Example.org" -> "example.org"), or
 * -1 when there is none (a local user). */
int osm_mailbox_domain(const char *mailbox, char *buf, size_t bufsz);

#endif
