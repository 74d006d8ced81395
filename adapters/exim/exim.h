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
 * The process's context, opened on first use from conf (NULL or "":
 * the default path) and kept for the life of the process (Exim never
 * unloads a dlfunc object; each delivery is its own process). A
 * different conf path reopens it. NULL on failure, with *why set to a
 * static message.
 */
mtasts_ctx *exim_ctx(const char *conf, const char **why);

/* The dlfunc entry points (int fn(uschar **yield, int argc, uschar *argv[])),
 * documented where they are defined. */
int mtasts_exim_route(uschar **yield, int argc, uschar *argv[]);
int mtasts_exim_mode(uschar **yield, int argc, uschar *argv[]);
int mtasts_exim_tls_cert(uschar **yield, int argc, uschar *argv[]);
int mtasts_exim_event(uschar **yield, int argc, uschar *argv[]);

/* The certificate verdict of the session in progress (event.c). */
void exim_session_judged(const char *host, mtasts_result result);

/* dlfunc argument i as a string, or NULL when Exim passed fewer. */
const char *exim_arg(int argc, uschar *argv[], int i);

/* Put a message into Exim's store for *yield (it outlives the call). */
uschar *exim_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
