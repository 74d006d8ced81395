/* SPDX-License-Identifier: ISC */
/* main.c - the `mtasts` command: option parsing, the context and its
 * config, the log callback, dispatch to a subcommand, exit codes
 * (docs/CLI-CONTRACT.md). Options may come before or after the
 * subcommand; "--" ends them. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_CONFIG "/etc/mtasts/mtasts.conf"

struct command {
	const char *name;
	int (*run)(struct cli *c);
	int min_args, max_args;   /* max -1: any number */
	int opts;                 /* OPT_* it accepts */
};

static const struct command commands[] = {
	{ "policy", cmd_policy, 1, 1, 0 },
	{ "route", cmd_route, 1, 1, OPT_EXIM | OPT_ROUTEBG },
	{ "mx-name", cmd_mx_name, 3, 3, 0 },
	{ "check", cmd_check, 2, 2, OPT_CERT | OPT_TLSFAILED },
	{ "parse-txt", cmd_parse_txt, 1, -1, 0 },
	{ "parse-tlsrpt", cmd_parse_tlsrpt, 1, -1, 0 },
	{ "parse-policy", cmd_parse_policy, 1, 1, 0 },
	{ "match", cmd_match, 2, 2, 0 },
	{ "cache", cmd_cache, 1, 2, 0 },
	{ "refresh", cmd_refresh, 0, -1, OPT_ALL },
	{ "record", cmd_record, 2, 6, OPT_NOW | OPT_TLSINFO },
	{ "report", cmd_report, 0, 1, OPT_DRYRUN | OPT_DOMAIN | OPT_OPEN | OPT_NOW },
	{ "sync", cmd_sync, 0, 0, 0 },
	{ "stats", cmd_stats, 0, 0, 0 },
	{ "audit", cmd_audit, 1, 1, OPT_AUDIT },
	{ "check-config", cmd_check_config, 0, 0, OPT_MTA },
};

static const char usage_text[] =
"usage: mtasts [-c FILE] [--json] [-v] COMMAND [ARGS]\n"
"\n"
"  policy DOMAIN              the policy a sender applies to DOMAIN, and why\n"
"  route DOMAIN [--exim]      mode, then the MX hosts the policy allows\n"
"                             (--exim: only \"mx1:mx2\", for Exim's ${run})\n"
"  mx-name DOMAIN HOST IP     the allowed MX name HOST (a CNAME target) and\n"
"                             IP stand for (Exim's ${run} tls_sni)\n"
"  check DOMAIN MXHOST [--cert FILE | --tls-failed RESULTTYPE]\n"
"                             the verdict for one MX host\n"
"  parse-txt RECORD...        the _mta-sts TXT RRset made of these records:\n"
"                             the record a sender uses and its fields, or why none\n"
"  parse-tlsrpt RECORD...     the same for _smtp._tls: the rua URIs used and skipped\n"
"  parse-policy FILE|-        check a policy file (JSON)\n"
"  match PATTERN HOST         match an MX host against an mx pattern\n"
"  cache list                 every cached domain\n"
"  cache show DOMAIN          the cached policy, no network\n"
"  cache drop DOMAIN          forget one domain\n"
"  cache flush                forget every domain\n"
"  cache export               the cached policies as JSON (stdout)\n"
"  cache import FILE|-        add exported policies to the cache\n"
"  refresh [--all] [DOMAIN...]  refresh cached policies that are due\n"
"  record DOMAIN RESULT [MXHOST [RECEIVING-IP [SENDING-IP [REASON]]]]\n"
"                             count one TLS session for TLS-RPT (RESULT:\n"
"                             success or an RFC 8460 result type; \"\" = unknown;\n"
"                             from-tls: judged from --cipher= and --verified=)\n"
"  report [DAY] [--dry-run] [--domain D] [--open]\n"
"                             build and send the TLS-RPT reports of DAY\n"
"                             (YYYY-MM-DD, default yesterday, UTC)\n"
"  (record and report take --now EPOCH: act as if the time were EPOCH)\n"
"  sync                       merge this host's TLS-RPT counts into the\n"
"                             fleet's shared store (shared_store) now\n"
"  stats                      counters and cache figures, Prometheus text\n"
"  audit DOMAIN [--no-smtp] [--update-cache] [--brief]\n"
"                             check your own domain as a sender sees it\n"
"                             (exit 0 all ok, 1 a failure, 2 warnings only)\n"
"  check-config [--mta exim|opensmtpd]\n"
"                             the config loads, its paths and CA stores are\n"
"                             usable, the MTA's user can write the store and\n"
"                             (exim) Exim's running configuration calls mtasts\n"
"\n"
"  -c FILE      config file (default " DEFAULT_CONFIG " if it exists)\n"
"  --json       machine-readable output\n"
"  -v           library log lines on stderr (-vv: debug)\n"
"  --help, --version\n"
"\n"
"exit: 0 ok/deliver/match, 1 no/defer/invalid, 2 route: no policy,\n"
"      3 route: no MX allowed, 64 usage, 70 internal, 75 tempfail, 78 config\n";

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mtasts: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(mtasts --help for usage)\n", stderr);
	return CLI_USAGE;
}

int
cli_exit_for(mtasts_status st)
{
	switch (st) {
	case MTASTS_OK:
		return CLI_OK;
	case MTASTS_ERR_INVALID:
	case MTASTS_ERR_SYNTAX:
	case MTASTS_ERR_NOT_FOUND:
	case MTASTS_ERR_CERT:
		return CLI_NO;
	case MTASTS_ERR_CONFIG:
		return CLI_CONFIG;
	case MTASTS_ERR_DNS:
	case MTASTS_ERR_FETCH:
	case MTASTS_ERR_CACHE:
	case MTASTS_ERR_IO:
	case MTASTS_ERR_TEMPFAIL:
		return CLI_TEMPFAIL;
	case MTASTS_ERR_NOMEM:
	case MTASTS_ERR_INTERNAL:
		break;
	}
	return CLI_SOFTWARE;
}

int
cli_fail(const struct cli *c, mtasts_status st, const char *what)
{
	const char *msg = c->ctx != NULL ? mtasts_error(c->ctx) : "";

	if (msg[0] != '\0')
		fprintf(stderr, "mtasts: %s\n", msg);
	else
		fprintf(stderr, "mtasts: %s: %s\n", what, mtasts_strerror(st));
	return cli_exit_for(st);
}

static void
log_stderr(void *arg, int level, const char *msg)
{
	static const char *names[] = { "err", "warning", "notice", "info",
	    "debug" };

	(void)arg;
	if (level < MTASTS_LOG_ERR)
		level = MTASTS_LOG_ERR;
	if (level > MTASTS_LOG_DEBUG)
		level = MTASTS_LOG_DEBUG;
	fprintf(stderr, "%s %s\n", names[level - MTASTS_LOG_ERR], msg);
}

struct args {
	int help, version, opts;
	int npos;
	char **pos;               /* positional arguments, subcommand first */
};

/* The value of an option: "--opt=value", or the next argument. */
static const char *
opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int
is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Options with a value; 1 if arg was one, -1 if its value is missing. */
static int
value_opt(struct cli *c, struct args *a, int argc, char **argv, int *i)
{
	static const struct { const char *name; int bit; } vo[] = {
		{ "--config", 0 }, { "--cert", OPT_CERT },
		{ "--tls-failed", OPT_TLSFAILED }, { "--domain", OPT_DOMAIN },
		{ "--now", OPT_NOW }, { "--cipher", OPT_TLSINFO },
		{ "--verified", OPT_TLSINFO }, { "--mta", OPT_MTA },
		{ "--lookup-timeout", OPT_ROUTEBG },
	};
	const char *arg = argv[*i], *v;
	size_t k;

	for (k = 0; k < sizeof(vo) / sizeof(vo[0]); k++) {
		if (!is_opt(arg, vo[k].name))
			continue;
		if ((v = opt_value(argc, argv, i, vo[k].name)) == NULL)
			return -1;
		a->opts |= vo[k].bit;
		if (vo[k].bit == OPT_CERT)
			c->cert = v;
		else if (vo[k].bit == OPT_TLSFAILED)
			c->tls_failed = v;
		else if (vo[k].bit == OPT_DOMAIN)
			c->domain = v;
		else if (vo[k].bit == OPT_NOW)
			c->now = v;
		else if (vo[k].bit == OPT_MTA)
			c->mta = v;
		else if (vo[k].bit == OPT_ROUTEBG)
			c->lookup_timeout = v;
		else if (strcmp(vo[k].name, "--cipher") == 0)
			c->cipher = v;
		else if (vo[k].bit == OPT_TLSINFO)
			c->verified = v;
		else
			c->config = v;
		return 1;
	}
	return 0;
}

/* -c FILE, -cFILE, -v, -vv. 1 if arg was one, -1 on an error. */
static int
short_opt(struct cli *c, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	if (arg[1] == 'c') {
		if (arg[2] != '\0')
			c->config = arg + 2;
		else if (*i + 1 < argc)
			c->config = argv[++*i];
		else
			return -1;
		return 1;
	}
	if (arg[1] == 'v' && arg[strspn(arg + 1, "v") + 1] == '\0') {
		c->verbose += (int)strlen(arg + 1);
		return 1;
	}
	if (strcmp(arg, "-h") == 0)
		return 2;
	return 0;
}

static int
parse_args(struct cli *c, struct args *a, int argc, char **argv)
{
	int i, rc, dashdash = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			a->pos[a->npos++] = argv[i];
		} else if (strcmp(arg, "--") == 0) {
			dashdash = 1;
		} else if (strcmp(arg, "--json") == 0) {
			c->json = 1;
		} else if (strcmp(arg, "--all") == 0) {
			c->all = 1;
			a->opts |= OPT_ALL;
		} else if (strcmp(arg, "--exim") == 0) {
			c->exim = 1;
			a->opts |= OPT_EXIM;
		} else if (strcmp(arg, "--any-mode") == 0) {
			c->any_mode = 1;
			a->opts |= OPT_ROUTEBG;
		} else if (strcmp(arg, "--dry-run") == 0) {
			c->dry_run = 1;
			a->opts |= OPT_DRYRUN;
		} else if (strcmp(arg, "--open") == 0) {
			c->open_day = 1;
			a->opts |= OPT_OPEN;
		} else if (strcmp(arg, "--no-smtp") == 0 ||
		    strcmp(arg, "--update-cache") == 0 || strcmp(arg, "--brief") == 0) {
			*(arg[2] == 'n' ? &c->no_smtp : arg[2] == 'u' ?
			    &c->update_cache : &c->brief) = 1;
			a->opts |= OPT_AUDIT;
		} else if (strcmp(arg, "--help") == 0) {
			a->help = 1;
		} else if (strcmp(arg, "--version") == 0) {
			a->version = 1;
		} else if ((rc = value_opt(c, a, argc, argv, &i)) != 0 ||
		    (rc = short_opt(c, argc, argv, &i)) != 0) {
			if (rc < 0)
				return cli_usage_error("%s needs a value", arg);
			if (rc == 2)
				a->help = 1;
		} else
			return cli_usage_error("unknown option '%s'", arg);
	}
	return CLI_OK;
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
check_command(const struct command *cmd, const struct args *a)
{
	int n = a->npos - 1;

	if (a->opts & ~cmd->opts & OPT_CERT)
		return cli_usage_error("--cert is only for check");
	if (a->opts & ~cmd->opts & OPT_TLSFAILED)
		return cli_usage_error("--tls-failed is only for check");
	if (a->opts & ~cmd->opts & OPT_ALL)
		return cli_usage_error("--all is only for refresh");
	if (a->opts & ~cmd->opts & OPT_EXIM)
		return cli_usage_error("--exim is only for route");
	if (a->opts & ~cmd->opts & OPT_AUDIT)
		return cli_usage_error("--no-smtp, --update-cache and --brief are only for audit");
	if (a->opts & ~cmd->opts & OPT_ROUTEBG)
		return cli_usage_error("--any-mode and --lookup-timeout are only for route");
	if (a->opts & ~cmd->opts & OPT_MTA)
		return cli_usage_error("--mta is only for check-config");
	if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args))
		return cli_usage_error("%s: wrong number of arguments",
		    cmd->name);
	return CLI_OK;
}

/* -c FILE must load; the default file only if it is there. */
static int
load_config(struct cli *c)
{
	mtasts_status st;

	if (c->config == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		c->config = DEFAULT_CONFIG;
	if (c->config == NULL)
		return CLI_OK;
	if ((st = mtasts_load_config(c->ctx, c->config)) != MTASTS_OK)
		return cli_fail(c, st, c->config);
	return CLI_OK;
}

/* --now EPOCH: record and report as if the clock said so (replaying a
 * day, testing retries); never used for certificate or policy expiry
 * decisions other than through the same clock. */
static int64_t
fixed_clock(void *arg)
{
	return *(const int64_t *)arg;
}

static int
set_now(struct cli *c)
{
	static int64_t now;
	char *end;

	now = (int64_t)strtoll(c->now, &end, 10);
	if (*c->now == '\0' || *end != '\0' || now <= 0)
		return cli_usage_error("--now: '%s' is not Unix seconds", c->now);
	mtasts_set_clock(c->ctx, fixed_clock, &now);
	return CLI_OK;
}

static int
setup(struct cli *c)
{
	int rc;

	if ((c->ctx = mtasts_new()) == NULL) {
		fprintf(stderr, "mtasts: out of memory\n");
		return CLI_SOFTWARE;
	}
	if ((rc = load_config(c)) != CLI_OK)
		return rc;
	if (c->verbose > 0)
		mtasts_set_log(c->ctx, log_stderr, NULL);
	if (c->verbose > 1 && mtasts_set(c->ctx, "log_level", "debug") != MTASTS_OK)
		return cli_fail(c, MTASTS_ERR_CONFIG, "log_level");
	if (c->now != NULL)
		return set_now(c);
	return CLI_OK;
}

int
main(int argc, char **argv)
{
	struct cli c = { 0 };
	struct args a = { 0 };
	const struct command *cmd;
	int rc;

	if ((a.pos = calloc((size_t)argc + 1, sizeof(*a.pos))) == NULL)
		return CLI_SOFTWARE;
	if ((rc = parse_args(&c, &a, argc, argv)) != CLI_OK)
		goto done;
	if (a.help) {
		fputs(usage_text, stdout);
		goto done;
	}
	if (a.version) {
		printf("%s\n", mtasts_version());
		goto done;
	}
	if (a.npos == 0) {
		fputs(usage_text, stderr);
		rc = CLI_USAGE;
		goto done;
	}
	if ((cmd = find_command(a.pos[0])) == NULL) {
		rc = cli_usage_error("unknown command '%s'", a.pos[0]);
		goto done;
	}
	if ((rc = check_command(cmd, &a)) != CLI_OK || (rc = setup(&c)) != CLI_OK)
		goto done;
	c.argc = a.npos - 1;
	c.argv = a.pos + 1;
	rc = cmd->run(&c);
done:
	mtasts_free(c.ctx);
	free(a.pos);
	if (fflush(stdout) != 0 && rc == CLI_OK)
		rc = CLI_SOFTWARE;
	return rc;
}
