/* SPDX-License-Identifier: ISC */
/* base/config.h - settings and the mtasts.conf(5) parser. */
#ifndef MTS_BASE_CONFIG_H
#define MTS_BASE_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "base/netaddr.h"

#define MTS_PATH_MAX 1024

enum mts_tempfail { MTS_TEMPFAIL_DELIVER = 0, MTS_TEMPFAIL_DEFER = 1 };

/* Every key of mtasts.conf(5); defaults set by mts_config_defaults(). */
struct mts_config {
	char cache_file[MTS_PATH_MAX];    /* cache_file = /var/lib/mtasts/cache.tdb */
	unsigned cache_mode;              /* cache_mode = 0660 */
	int cache_mmap;                   /* cache_mmap = no */
	int cache_hash_size;              /* cache_hash_size = 100003 */
	int dns_worker;                   /* dns_worker = no */
	char dns_upstream[256];           /* dns_upstream = (system resolver) "ip[@port][ ip[@port]...]" */
	char dns_trust_anchor[MTS_PATH_MAX]; /* dns_trust_anchor = (none) */
	int dns_timeout;                  /* dns_timeout = 5 (s) */
	int dns_min_ttl;                  /* dns_min_ttl = 60 (s) */
	int dns_max_ttl;                  /* dns_max_ttl = 3600 (s) */
	enum mts_tempfail dns_tempfail;   /* dns_tempfail = deliver | defer */
	char ca_file[MTS_PATH_MAX];       /* ca_file = (system) for policy hosts */
	char ca_path[MTS_PATH_MAX];       /* ca_path = (system) */
	char mx_ca_file[MTS_PATH_MAX];    /* mx_ca_file = (ca_file) for MX certificates */
	char mx_ca_path[MTS_PATH_MAX];    /* mx_ca_path = (ca_path) */
	int connect_timeout;              /* connect_timeout = 10 (s) */
	int fetch_timeout;                /* fetch_timeout = 30 (s) */
	int require_text_plain;           /* require_text_plain = yes */
	int backoff;                      /* fetch_backoff = 300 (s), STS-38 (RFC 8461 §3.3) */
	int refresh_interval;             /* refresh_interval = 86400 (s), STS-54 (RFC 8461 §3.3) */
	int refresh_concurrency;          /* refresh_concurrency = 16 */
	int lock_wait;                    /* lock_wait = 45 (s) */
	int log_level;                    /* log_level = info (err|warning|notice|info|debug) */
	/* TLS-RPT (RFC 8460) */
	char results_file[MTS_PATH_MAX];  /* results_file = /var/lib/mtasts/results.tdb */
	char tlsrpt_socket[MTS_PATH_MAX]; /* tlsrpt_socket = (none) sys4 tlsrpt collectd */
	int results_keep_days;            /* results_keep_days = 31 */
	char report_org_name[256];        /* report_org_name = (report_submitter) */
	char report_submitter[256];       /* report_submitter = (host name) */
	char report_contact[256];         /* report_contact = (postmaster@submitter) */
	char report_from[256];            /* report_from = (report_contact) */
	char sendmail[MTS_PATH_MAX];      /* sendmail = /usr/sbin/sendmail */
	/* Fleet: the shared level (Redis), core/store/ */
	char shared_store[MTS_PATH_MAX];  /* shared_store = (none) redis://host:port | unix:/path | /path */
	char shared_password[256];        /* shared_password = (none) AUTH */
	char shared_prefix[64];           /* shared_prefix = mtasts: */
	char shared_host_id[256];         /* shared_host_id = (host name) */
	int shared_timeout;               /* shared_timeout = 500 (ms) */
	int shared_retry;                 /* shared_retry = 30 (s) */
	/* Network reach (DESIGN 17) and the per-domain deadline */
	struct mts_netlist allow_networks; /* allow_networks = (none) "net/len ..." */
	char https_proxy[256];            /* https_proxy = (none) http://host:port; never from the environment */
	int lookup_timeout;               /* lookup_timeout = 4 (s) DNS + fetch */
};

/* Where the shared store listens (shared_store). */
struct mts_store_addr {
	int unix_socket;                  /* 1: path; 0: host and port */
	char host[256];
	int port;
	char path[MTS_PATH_MAX];
};

/* Parse "redis://host[:port]" (IPv6 as [addr]), "unix:/path" or
 * "/path". 0, or -1 with err. */
int mts_store_addr_parse(const char *s, struct mts_store_addr *a,
    char *err, size_t errsz);

void mts_config_defaults(struct mts_config *c);
/* The same on a config already all zero (a calloc'ed context): 12 KiB
 * not zeroed twice in every fresh Exim process. */
void mts_config_defaults_zeroed(struct mts_config *c);

/*
 * Apply one setting. Returns 0, or -1 with err "key: reason" (unknown
 * key, bad value). Values are the text after '=' with surrounding
 * whitespace removed.
 */
int mts_config_set(struct mts_config *c, const char *key, const char *value,
    char *err, size_t errsz);

/*
 * Read a file of "key = value" lines; '#' starts a comment line; blank
 * lines ignored; lines up to 1023 bytes. Returns 0, or -1 with err
 * "path:line: reason" (also for an unreadable file).
 */
int mts_config_load(struct mts_config *c, const char *path, char *err,
    size_t errsz);

#endif
