/* SPDX-License-Identifier: ISC */
/* exim.h - shared parts of the Exim dlfunc adapter (mtasts_exim.so). */
#ifndef MTS_EXIM_H
#define MTS_EXIM_H

#define DLFUNC_IMPL
/* Exim's own header declares a function without a prototype; it is not
 * ours to fix, so only that warning is silenced, only for it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <local_scan.h>
#pragma GCC diagnostic pop

#include "mtasts.h"

#define EXIM_API __attribute__((visibility("default")))
#define MTS_EXIM_DEFAULT_CONF "/etc/mtasts/mtasts.conf"

/*
 * $event_defer_errno values of msg:host:defer. Exim's macros.h names them
 * ERRNO_TLSFAILURE (-37, "failed to start TLS session") and
 * ERRNO_TLSREQUIRED (-38, "mandatory TLS session not started"); macros.h
 * is not installed with local_scan.h, and the numbers are the same in
 * Exim 4.95, 4.96 (Debian 12), 4.97 and 4.98.
 */
#define EXIM_ERRNO_TLSFAILURE  (-37)
#define EXIM_ERRNO_TLSREQUIRED (-38)

/*
 * The process's context, opened on first use from conf (NULL or "":
 * the default path) and kept for the life of the process (Exim never
 * unloads a dlfunc object; each delivery is its own process). A
 * different conf path reopens it. NULL on failure, with *why set to a
 * message (static, or in Exim's store).
 */
mtasts_ctx *exim_ctx(const char *conf, const char **why);

/* The dlfunc entry points (int fn(uschar **yield, int argc, uschar *argv[])),
 * documented where they are defined. */
int mtasts_exim_route(uschar **yield, int argc, uschar *argv[]);
int mtasts_exim_mode(uschar **yield, int argc, uschar *argv[]);
int mtasts_exim_tls_cert(uschar **yield, int argc, uschar *argv[]);
int mtasts_exim_event(uschar **yield, int argc, uschar *argv[]);
int mtasts_exim_mx_name(uschar **yield, int argc, uschar *argv[]);

/* The allowed MX name of domain that Exim's host (renamed to its CNAME
 * target) and ip stand for, into buf; 0, or -1 if none (route.c). */
int exim_mx_name(mtasts_ctx *ctx, const char *domain, const char *host,
    const char *ip, char *buf, size_t bufsz);

/* The certificate verdict of the session in progress (event.c): host is
 * Exim's $host, mx the MX name it stands for, reason the TLS-RPT
 * failure-reason-code ("" for none). */
void exim_session_judged(const char *domain, const char *host,
    const char *mx, mtasts_result result, const char *reason);

/* The session in progress is verified by DANE, not MTA-STS (event.c):
 * not counted as an sts session (README "Exim", DANE). */
void exim_session_dane(const char *domain, const char *host);

/* An Exim variable ("$name") as a string, "" when unset (ctx.c). */
const char *exim_var(const char *name);
/* 1 for a message with "TLS-Required: No" (RFC 8689): TLS-RPT reports,
 * delivered without enforcement and not counted (RFC 8460 §3). */
int exim_tls_not_required(void);

/* dlfunc argument i as a string, or NULL when Exim passed fewer. */
const char *exim_arg(int argc, uschar *argv[], int i);

/* Put a message into Exim's store for *yield (it outlives the call). */
uschar *exim_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
