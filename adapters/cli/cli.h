/* SPDX-License-Identifier: ISC */
/* cli.h - what the files of the `mtasts` command share: the parsed command
 * line, exit codes (docs/CLI-CONTRACT.md), buffered output, subcommands.
 * The CLI is an adapter: it sees only include/mtasts.h. */
#ifndef MTASTS_CLI_H
#define MTASTS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mtasts.h"

/* Exit codes: the contract's table, nothing else. */
enum {
	CLI_OK = 0,          /* success, deliver, allowed hosts follow, match */
	CLI_NO = 1,          /* negative answer: parse error, no match, defer, absent */
	CLI_NOPOLICY = 2,    /* route: no policy to apply */
	CLI_NOMX = 3,        /* route: policy but no MX host allowed */
	CLI_USAGE = 64,
	CLI_SOFTWARE = 70,
	CLI_TEMPFAIL = 75,
	CLI_CONFIG = 78
};

/* Options that only some subcommands take. */
enum { OPT_CERT = 1, OPT_TLSFAILED = 2, OPT_ALL = 4, OPT_EXIM = 8,
	OPT_DRYRUN = 16, OPT_DOMAIN = 32, OPT_OPEN = 64, OPT_NOW = 128,
	OPT_TLSINFO = 256, OPT_AUDIT = 4096,
	OPT_MTA = 8192, OPT_ROUTEBG = 16384 };

struct cli {
	mtasts_ctx *ctx;
	const char *config;     /* the file loaded, NULL: built-in defaults */
	int json;
	int verbose;
	int all;                /* refresh --all */
	int exim;               /* route --exim: "mx1:mx2" for Exim's ${run} */
	const char *cert;       /* check --cert FILE */
	const char *tls_failed; /* check --tls-failed RESULTTYPE */
	int dry_run;            /* report --dry-run */
	int open_day;           /* report --open: the day may still be running */
	const char *domain;     /* report --domain DOMAIN */
	const char *now;        /* record/report --now EPOCH */
	const char *cipher;     /* record --cipher=: the MTA's TLS cipher, "" for none */
	const char *verified;   /* record --verified=: "1" if the MTA verified the peer */
	int no_smtp;            /* audit --no-smtp */
	int update_cache;       /* audit --update-cache */
	int brief;              /* audit --brief: one monitoring line */
	const char *mta;        /* check-config --mta exim|opensmtpd */
	int any_mode;           /* route --any-mode: MX hosts whatever the mode */
	const char *lookup_timeout; /* route --lookup-timeout=N: seconds */
	int argc;               /* arguments after the subcommand name */
	char **argv;
};

/* Exit code for a failed library call. */
int cli_exit_for(mtasts_status st);
/* Print "mtasts: <library message>" (or what: strerror) and map st. */
int cli_fail(const struct cli *c, mtasts_status st, const char *what);
/* Print "mtasts: <message>" to stderr and return CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Output is built in memory and written only once complete, so an error
 * half-way never leaves partial JSON (or a partial list) on stdout.
 */
struct out {
	FILE *f;
	char *buf;
	size_t len;
};
int out_open(struct out *o);            /* 0, or -1 (out of memory) */
int out_commit(struct out *o);          /* write to stdout; CLI_OK or CLI_SOFTWARE */
void out_discard(struct out *o);

/*
 * Read a whole file ("-": stdin) of at most max bytes into a malloc'ed,
 * NUL-terminated buffer. 0 on success; 1 if it is larger than max; -1 on
 * an I/O error (message in err).
 */
int cli_read_file(const char *path, size_t max, char **buf, size_t *len,
    char *err, size_t errsz);

/* Started as root: become the owner of the store directory (privdrop.c).
 * CLI_OK, or an exit code after a message. */
int cli_drop_to_store_owner(struct cli *c);

/* t (Unix seconds) as ISO 8601 UTC, "2026-12-01T10:00:00Z", in buf
 * (at least CLI_TIME_MAX bytes); "-" if t cannot be shown. Human output
 * only: JSON keeps the seconds. */
#define CLI_TIME_MAX 32
const char *cli_time(int64_t t, char *buf);

/* A policy object, as `policy` prints it (show.c). */
struct json;
void show_policy_json(struct json *j, const mtasts_policy *p);
void show_policy_text(FILE *f, const mtasts_policy *p);
int show_policy(const struct cli *c, const mtasts_policy *p);

/* The subcommands; each returns an exit code. */
int cmd_policy(struct cli *c);
int cmd_route(struct cli *c);
int cmd_mx_name(struct cli *c);
int cmd_check(struct cli *c);
int cmd_parse_txt(struct cli *c);
int cmd_parse_tlsrpt(struct cli *c);
int cmd_parse_policy(struct cli *c);
int cmd_match(struct cli *c);
int cmd_cache(struct cli *c);
int cmd_refresh(struct cli *c);
int cmd_record(struct cli *c);
int cmd_report(struct cli *c);
int cmd_sync(struct cli *c);
int cmd_stats(struct cli *c);
int cmd_audit(struct cli *c);
int cmd_check_config(struct cli *c);

#endif
