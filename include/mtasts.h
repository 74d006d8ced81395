/* SPDX-License-Identifier: ISC */
/*
 * mtasts.h - the public API of libmtasts: sending-side MTA-STS (RFC 8461)
 * policy resolution and verdicts, for MTA adapters and integrators.
 *
 * The one header adapters include. Everything else in core/ is private.
 *
 * Conventions, stated once for every function below:
 *  - Every function that can fail returns an mtasts_status. MTASTS_OK is 0.
 *    On failure a human message is kept on the context (mtasts_error()).
 *  - Outputs are written only on MTASTS_OK unless a function says otherwise.
 *  - Objects returned through an out-pointer are owned by the caller and
 *    freed with their _free() function; every _free(NULL) is a no-op.
 *  - Strings returned by accessors (const char *) live as long as the
 *    object they came from; the caller must not free them.
 *  - The library never exits, aborts, prints or starts threads. Logging
 *    goes through the callback set with mtasts_set_log().
 *  - Domains and host names are accepted in any case, with or without one
 *    trailing dot, as U-labels or A-labels; the library normalises them
 *    (RFC 8461 STS-05) and reports them lowercased, in A-label form.
 *
 * Threads: a context is not thread-safe; use one context per thread.
 * Distinct contexts share nothing but the cache file, which is safe for
 * any number of processes and threads (tdb locking).
 *
 * Fork: a context may be created before fork() and used in the child.
 * The first call in the child notices the new pid and reopens the cache
 * file and drops DNS/HTTPS state inherited from the parent (Exim forks
 * per delivery). Network machinery (libunbound, libcurl) is set up lazily,
 * on the first cache miss, so a cached answer costs one cache read.
 */
#ifndef MTASTS_H
#define MTASTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MTASTS_VERSION_MAJOR 0
#define MTASTS_VERSION_MINOR 1
#define MTASTS_VERSION_PATCH 0
#define MTASTS_VERSION_STRING "0.1.0"

/* The library's version string, e.g. "0.1.0". Static storage. */
const char *mtasts_version(void);

/*
 * Status codes. Append-only: values never change meaning or number.
 * "No policy" is not an error: it is MTASTS_OK with mode MTASTS_MODE_NOPOLICY.
 */
typedef enum mtasts_status {
	MTASTS_OK = 0,
	MTASTS_ERR_NOMEM = 1,        /* out of memory */
	MTASTS_ERR_INVALID = 2,      /* API misuse: NULL or malformed argument */
	MTASTS_ERR_CONFIG = 3,       /* config file: unknown key, bad value, unreadable */
	MTASTS_ERR_SYNTAX = 4,       /* input does not follow its grammar */
	MTASTS_ERR_NOT_FOUND = 5,    /* no such entry (cache) */
	MTASTS_ERR_DNS = 6,          /* DNS failure the caller must treat as temporary */
	MTASTS_ERR_FETCH = 7,        /* HTTPS policy fetch failed */
	MTASTS_ERR_CACHE = 8,        /* cache file cannot be opened, read or written */
	MTASTS_ERR_CERT = 9,         /* certificate data cannot be decoded */
	MTASTS_ERR_IO = 10,          /* other I/O failure */
	MTASTS_ERR_INTERNAL = 11,    /* a library bug or an unexpected library state */
	MTASTS_ERR_TEMPFAIL = 12     /* a decision cannot be made now; defer */
} mtasts_status;

/* A fixed English description of a status. Static storage; never NULL. */
const char *mtasts_strerror(mtasts_status status);

/* Policy mode of a domain. NOPOLICY: no usable policy (no TXT, no cache). */
typedef enum mtasts_mode {
	MTASTS_MODE_NOPOLICY = 0,
	MTASTS_MODE_NONE = 1,
	MTASTS_MODE_TESTING = 2,
	MTASTS_MODE_ENFORCE = 3
} mtasts_mode;

/* "no-policy", "none", "testing", "enforce". Static storage. */
const char *mtasts_mode_str(mtasts_mode mode);

/*
 * RFC 8460 §4.3 result types (IANA "STARTTLS Validation Result Types").
 * SUCCESS means no failure. Append-only.
 */
typedef enum mtasts_result {
	MTASTS_RESULT_SUCCESS = 0,
	MTASTS_RESULT_STARTTLS_NOT_SUPPORTED = 1,
	MTASTS_RESULT_CERT_HOST_MISMATCH = 2,
	MTASTS_RESULT_CERT_EXPIRED = 3,
	MTASTS_RESULT_CERT_NOT_TRUSTED = 4,
	MTASTS_RESULT_VALIDATION_FAILURE = 5,
	MTASTS_RESULT_TLSA_INVALID = 6,
	MTASTS_RESULT_DNSSEC_INVALID = 7,
	MTASTS_RESULT_DANE_REQUIRED = 8,
	MTASTS_RESULT_STS_POLICY_FETCH_ERROR = 9,
	MTASTS_RESULT_STS_POLICY_INVALID = 10,
	MTASTS_RESULT_STS_WEBPKI_INVALID = 11
} mtasts_result;

/* The RFC 8460 token, e.g. "certificate-expired"; "success" for SUCCESS. */
const char *mtasts_result_str(mtasts_result result);
/* Inverse of mtasts_result_str(); MTASTS_ERR_SYNTAX if unknown. */
mtasts_status mtasts_result_parse(const char *token, mtasts_result *out);

/* ------------------------------------------------------------------ */
/* Context                                                              */

typedef struct mtasts_ctx mtasts_ctx;

/*
 * Create a context with every setting at its documented default
 * (mtasts.conf(5)). Returns NULL only when out of memory.
 */
mtasts_ctx *mtasts_new(void);

/* Free a context and everything it holds. NULL is a no-op. */
void mtasts_free(mtasts_ctx *ctx);

/*
 * Optional: parse the CA store policy fetches trust (ca_file, ca_path or
 * the system store) now rather than on the first fetch, e.g. before
 * forking workers, which then share it. Changing a setting drops it.
 * MTASTS_ERR_CERT if it cannot be loaded (message on the context).
 */
mtasts_status mtasts_prepare(mtasts_ctx *ctx);

/*
 * Read settings from a config file (key = value lines). An unknown key,
 * a bad value or an unreadable file is MTASTS_ERR_CONFIG, with
 * "file:line: reason" in mtasts_error(). Settings read before the error
 * stay applied; callers should treat the context as unusable.
 */
mtasts_status mtasts_load_config(mtasts_ctx *ctx, const char *path);

/* Set one setting, as if read from a config file line. */
mtasts_status mtasts_set(mtasts_ctx *ctx, const char *key, const char *value);

/*
 * Check the loaded settings (`mtasts check-config`): the directories of
 * cache_file and results_file exist, sendmail and dns_trust_anchor are
 * there, both CA stores load. fn is called once per check with what was
 * checked and the problem, or NULL when it passed. Returns the number of
 * problems (0: all passed). Touches no store file.
 */
typedef void mtasts_check_fn(void *arg, const char *what, const char *problem);
int mtasts_config_check(mtasts_ctx *ctx, mtasts_check_fn *fn, void *arg);

/*
 * The loaded value of a path setting (cache_file, results_file, sendmail,
 * tlsrpt_socket; "" when unset), or NULL for any other key. Valid while
 * ctx lives and its settings do not change.
 */
const char *mtasts_config_path(const mtasts_ctx *ctx, const char *key);

/*
 * The message of the last failed call on ctx, or "" if none.
 * Valid until the next call on ctx.
 */
const char *mtasts_error(const mtasts_ctx *ctx);

/* Log levels, as syslog's. */
enum { MTASTS_LOG_ERR = 3, MTASTS_LOG_WARNING = 4, MTASTS_LOG_NOTICE = 5,
       MTASTS_LOG_INFO = 6, MTASTS_LOG_DEBUG = 7 };

/*
 * The log callback. msg is one line of key=value words, domain first,
 * without a trailing newline; valid only during the call.
 */
typedef void mtasts_log_fn(void *arg, int level, const char *msg);

/* Set the log callback (NULL: no logging, the default). */
void mtasts_set_log(mtasts_ctx *ctx, mtasts_log_fn *fn, void *arg);

/* The configured log_level (3 err .. 7 debug): lines above it are not
 * sent to the callback; adapters apply it to their own lines too. */
int mtasts_log_level(const mtasts_ctx *ctx);

/*
 * Replace the clock (seconds since the epoch). NULL restores time(NULL).
 * For tests and for replaying decisions.
 */
typedef int64_t mtasts_clock_fn(void *arg);
void mtasts_set_clock(mtasts_ctx *ctx, mtasts_clock_fn *fn, void *arg);

/* ------------------------------------------------------------------ */
/* Policy lookup (RFC 8461 §3, §5.1)                                   */

typedef struct mtasts_policy mtasts_policy;

/* Where the policy handed out came from. */
typedef enum mtasts_source {
	MTASTS_SOURCE_NONE = 0,      /* no policy */
	MTASTS_SOURCE_CACHE = 1,     /* cached, TXT id unchanged or TXT still fresh */
	MTASTS_SOURCE_FETCHED = 2,   /* fetched over HTTPS during this call */
	MTASTS_SOURCE_STALE = 3      /* cached; refresh failed; still within max_age */
} mtasts_source;

/* "none", "cache", "fetched", "stale". Static storage. */
const char *mtasts_source_str(mtasts_source source);

/*
 * Find the policy that applies to mail for domain (the Policy Domain,
 * RFC 8461 §1.1). Follows the §5.1 state machine: cache, TXT record,
 * HTTPS fetch, back-off, stale cached policy kept until its max_age.
 *
 * MTASTS_OK: *out is a new policy object; its mode may be NOPOLICY.
 *   Discovery problems that still allow a decision (a fetch error with no
 *   cached policy, a fetch error with a stale policy applied) are OK, with
 *   mtasts_policy_result() telling the TLS-RPT result type.
 * MTASTS_ERR_TEMPFAIL: no decision now (DNS temporary failure with nothing
 *   cached and dns_tempfail = defer); the caller defers.
 * MTASTS_ERR_INVALID: domain is not a valid domain name (an address
 *   literal, an empty label, over-long).
 * Other errors (cache, memory): the caller must defer, never deliver
 *   without MTA-STS, since an enforce policy may be cached.
 */
mtasts_status mtasts_lookup(mtasts_ctx *ctx, const char *domain,
    mtasts_policy **out);

/*
 * Like mtasts_lookup(), but from the cache only: no DNS, no HTTPS.
 * A domain that is not cached, or whose cached TXT answer and policy are
 * both expired, is MTASTS_OK with mode NOPOLICY and source NONE, and
 * mtasts_policy_needs_refresh() true. For callers that must not block.
 */
mtasts_status mtasts_lookup_cached(mtasts_ctx *ctx, const char *domain,
    mtasts_policy **out);

/*
 * A policy object is immutable: the same object may be handed out again
 * by later lookups of the domain (the context's cache keeps the one it
 * answers with, so a repeated lookup copies nothing). Each *out is one
 * reference owned by the caller; mtasts_policy_free() drops it, in any
 * thread. The object and its strings live until the caller's last
 * reference is dropped, mtasts_free() of the context notwithstanding.
 */
void mtasts_policy_free(mtasts_policy *policy);

const char *mtasts_policy_domain(const mtasts_policy *p);  /* normalised */
mtasts_mode mtasts_policy_mode(const mtasts_policy *p);
mtasts_source mtasts_policy_source(const mtasts_policy *p);
/* The TXT id the policy was fetched under; "" when there is no policy. */
const char *mtasts_policy_id(const mtasts_policy *p);
/* max_age in seconds; fetch time and expiry (epoch seconds); 0 if none. */
int64_t mtasts_policy_max_age(const mtasts_policy *p);
int64_t mtasts_policy_fetched_at(const mtasts_policy *p);
int64_t mtasts_policy_expires_at(const mtasts_policy *p);
/* The mx patterns in policy order (RFC 8461 §3.2). i < count. */
size_t mtasts_policy_mx_count(const mtasts_policy *p);
const char *mtasts_policy_mx(const mtasts_policy *p, size_t i);
/* The policy body as served ("" when none), for TLS-RPT policy-string. */
const char *mtasts_policy_text(const mtasts_policy *p);
/*
 * A discovery failure seen while finding this policy (fetch error,
 * invalid policy, untrusted policy host), or SUCCESS. With a policy
 * applied from a stale cache, this is why the refresh failed.
 */
mtasts_result mtasts_policy_result(const mtasts_policy *p);
/* One line explaining how the policy was found or why there is none. */
const char *mtasts_policy_reason(const mtasts_policy *p);
/* Non-zero when the cache entry is due for a refresh (cold, expiring). */
int mtasts_policy_needs_refresh(const mtasts_policy *p);

/* ------------------------------------------------------------------ */
/* Verdicts (RFC 8461 §4, §5)                                          */

typedef enum mtasts_action {
	MTASTS_ACTION_DELIVER = 0,   /* deliver as the MTA normally would */
	MTASTS_ACTION_DEFER = 1      /* do not use this MX (try the next; defer) */
} mtasts_action;

const char *mtasts_action_str(mtasts_action action); /* "deliver", "defer" */

/* What the MTA knows of the TLS session with an MX host. */
typedef enum mtasts_tls {
	MTASTS_TLS_NOT_YET = 0,      /* before connecting: judge the MX name only */
	MTASTS_TLS_VALID = 1,        /* STARTTLS done, chain and name verified */
	MTASTS_TLS_FAILED = 2        /* failed; the result type says how */
} mtasts_tls;

/* Reasons (policy, verdict) are cut to MTASTS_REASON_MAX - 1 bytes: a
 * buffer of this size always holds one whole. */
#define MTASTS_REASON_MAX 256

/*
 * A verdict. Plain data, filled in by the functions below; the caller
 * owns it (usually on its stack) and may copy it. Its reason is text
 * built on demand by mtasts_verdict_reason(), from the verdict alone.
 */
typedef struct mtasts_verdict {
	mtasts_action action;
	mtasts_mode mode;
	mtasts_result result;        /* SUCCESS, or the failure to report */
	/* TLS-RPT failure-reason-code of a certificate failure: OpenSSL's
	 * name of the verification error ("certificate has expired",
	 * "hostname mismatch", ...), as Postfix reports it; "" otherwise. */
	char reason_code[64];
	/* Private: what mtasts_verdict_reason() builds the text from (not
	 * a string to print). Their meaning may change in any release. */
	int why_kind_;
	char why_[MTASTS_REASON_MAX];
} mtasts_verdict;

/*
 * The verdict's reason: one line saying why, e.g. "mx1.example.com
 * matches mx pattern *.example.com; requires STARTTLS with a valid
 * certificate", for logs and `mtasts check`. A decision needs only
 * action, mode and result, so the text is not made until asked for.
 * Written into the caller's buf as snprintf does (at most bufsz - 1
 * bytes and a NUL; MTASTS_REASON_MAX bytes always hold it whole);
 * returns buf, or "" (static) when buf is NULL or bufsz is 0. Pure:
 * any thread, any number of times, the same text each time. v must
 * have been filled by mtasts_verdict_mx(), mtasts_verdict_cert() or
 * come from mtasts_route_mx_verdict(); the text depends on v alone (a
 * copy of v gives the same), so the policy may be freed before.
 */
const char *mtasts_verdict_reason(const mtasts_verdict *v, char *buf,
    size_t bufsz);

/*
 * Whether mx_host (the MX record's name, RFC 8461 §4.1, not a CNAME
 * target) may be used under policy p, and with what TLS outcome.
 *  - tls NOT_YET: the MX name against the mx patterns.
 *  - tls VALID: as NOT_YET, then success.
 *  - tls FAILED: tls_result says why (STARTTLS_NOT_SUPPORTED,
 *    CERT_EXPIRED, ...); enforce defers, testing delivers and reports.
 * p may be NULL (no policy: deliver). MTASTS_ERR_INVALID for a bad
 * mx_host or a tls_result that is not a session failure.
 */
mtasts_status mtasts_verdict_mx(const mtasts_policy *p, const char *mx_host,
    mtasts_tls tls, mtasts_result tls_result, mtasts_verdict *v);

/*
 * The verdict for mx_host after a handshake, from the peer certificate
 * chain (leaf first; PEM, several certificates concatenated, or a single
 * DER certificate). The chain is verified against the context's CA
 * bundle (mx_ca_file) and the SAN dNSNames against mx_host (RFC 6125 as
 * restricted by RFC 8461 §4.2: no CN fallback, wildcard only as the whole
 * leftmost label). MTASTS_ERR_CERT if the data cannot be decoded (the
 * verdict is then filled in as a failed validation, never as success).
 */
mtasts_status mtasts_verdict_cert(mtasts_ctx *ctx, const mtasts_policy *p,
    const char *mx_host, const unsigned char *chain, size_t chain_len,
    mtasts_verdict *v);

/* ------------------------------------------------------------------ */
/* Routing: the MX hosts a policy allows, in preference order          */

typedef struct mtasts_route mtasts_route;

/*
 * Look up the policy for domain and its MX records (RFC 5321 §5.1; the
 * domain itself when it has none, DESIGN decision 11), and keep the MX
 * hosts the policy allows, in MX preference order (RFC 8461 §5.1 step 2).
 * Errors as mtasts_lookup(); an MX DNS temporary failure under an enforce
 * policy is MTASTS_ERR_TEMPFAIL.
 */
mtasts_status mtasts_route_lookup(mtasts_ctx *ctx, const char *domain,
    mtasts_route **out);
/*
 * The same from the cache alone (policy and MX answer, which
 * mtasts_route_lookup() caches for its DNS TTL): never DNS, never HTTPS,
 * for callers that must answer at once. MTASTS_ERR_NOT_FOUND when the
 * domain or its MX hosts are not cached (refresh it elsewhere, e.g. with
 * mtasts_route_lookup() in a background process).
 */
mtasts_status mtasts_route_lookup_cached(mtasts_ctx *ctx, const char *domain,
    mtasts_route **out);
void mtasts_route_free(mtasts_route *r);

/*
 * mtasts_route_lookup() or _cached() with options, for callers that
 * route every domain through mtasts (the OpenSMTPD table):
 *   MTASTS_ROUTE_CACHED    from the cache only, as _cached().
 *   MTASTS_ROUTE_ANY_MODE  the MX hosts also when the mode is none or
 *                          there is no policy (all of them allowed), so
 *                          that mail queued under an enforce policy that
 *                          was since relaxed can be routed normally.
 *   MTASTS_ROUTE_STALE_MX  with CACHED: when the cached MX answer, or
 *                          the cached "no policy" answer (no TXT record,
 *                          or a policy past its max_age), is past its
 *                          TTL, use it anyway (RFC 8767 §4, serve stale)
 *                          rather than MTASTS_ERR_NOT_FOUND;
 *                          mtasts_route_stale() then says so and the
 *                          caller refreshes it elsewhere. Under enforce
 *                          the policy still filters those hosts. A
 *                          domain the cache never held stays NOT_FOUND.
 */
#define MTASTS_ROUTE_CACHED	0x1u
#define MTASTS_ROUTE_ANY_MODE	0x2u
#define MTASTS_ROUTE_STALE_MX	0x4u
mtasts_status mtasts_route_lookup_flags(mtasts_ctx *ctx, const char *domain,
    unsigned flags, mtasts_route **out);
/* 1 when the route's MX answer came from the cache past its TTL. */
int mtasts_route_stale(const mtasts_route *r);

/* The policy the route was computed under (owned by the route). */
const mtasts_policy *mtasts_route_policy(const mtasts_route *r);
/* All MX hosts in preference order, with each one's verdict. */
size_t mtasts_route_mx_count(const mtasts_route *r);
const char *mtasts_route_mx(const mtasts_route *r, size_t i);
unsigned mtasts_route_mx_pref(const mtasts_route *r, size_t i);
const mtasts_verdict *mtasts_route_mx_verdict(const mtasts_route *r, size_t i);
/* How many of them the policy allows (action DELIVER). */
size_t mtasts_route_allowed_count(const mtasts_route *r);
/* 1 if the domain published a null MX (RFC 7505, "MX 0 ."): it accepts
 * no mail, so there is no MX host at all (DESIGN 19), cached or not. */
int mtasts_route_null_mx(const mtasts_route *r);
/*
 * The allowed MX name of r that an MTA's host stands for: host itself
 * when it is one, else (an MTA that renamed the MX to its CNAME target,
 * as Exim does) the first allowed MX whose addresses hold ip. *name
 * points into r. MTASTS_ERR_NOT_FOUND: none (then the session is not one
 * to an allowed MX).
 */
mtasts_status mtasts_route_mx_name(mtasts_ctx *ctx, const mtasts_route *r,
    const char *host, const char *ip, const char **name);

/* ------------------------------------------------------------------ */
/* Pure helpers: the parsers and the matcher, for tools and tests      */

/*
 * Parse a policy body (RFC 8461 §3.2, strict ABNF). On MTASTS_ERR_SYNTAX
 * and ctx != NULL, mtasts_error(ctx) names the line and the rule broken.
 * *out has source NONE, no domain and no id.
 */
mtasts_status mtasts_policy_parse(mtasts_ctx *ctx, const char *body,
    size_t len, mtasts_policy **out);

/*
 * Parse one _mta-sts TXT record string (RFC 8461 §3.1). On MTASTS_OK,
 * the id is copied to id_out (at most 32 characters and a NUL; size
 * id_size >= 33).
 */
mtasts_status mtasts_txt_parse(mtasts_ctx *ctx, const char *record,
    size_t len, char *id_out, size_t id_size);

/*
 * 1 if host matches the mx pattern (RFC 8461 §4.1: exact, or "*." over
 * exactly one leftmost label; case-insensitive; U-labels converted),
 * 0 if not or if either is malformed.
 */
int mtasts_mx_match(const char *pattern, const char *host);

/* ------------------------------------------------------------------ */
/* Cache management                                                     */

/*
 * Call fn once for each cached domain (in no particular order), with a
 * policy object valid only during the call. Stop early if fn returns
 * non-zero. Entries that cannot be decoded are dropped and skipped.
 */
typedef int mtasts_cache_fn(void *arg, const mtasts_policy *p);
mtasts_status mtasts_cache_walk(mtasts_ctx *ctx, mtasts_cache_fn *fn,
    void *arg);
/* Drop one domain (MTASTS_ERR_NOT_FOUND if absent), or every domain. */
mtasts_status mtasts_cache_drop(mtasts_ctx *ctx, const char *domain);
mtasts_status mtasts_cache_flush(mtasts_ctx *ctx);

/*
 * Refresh one domain now: TXT lookup and, where the id changed or the
 * policy is due (RFC 8461 §3.3, §10.2: refresh before expiry), a fetch,
 * ignoring the cached TXT answer's TTL. *out as mtasts_lookup().
 */
mtasts_status mtasts_refresh(mtasts_ctx *ctx, const char *domain,
    mtasts_policy **out);

/* ------------------------------------------------------------------ */
/* TLS-RPT (RFC 8460): session outcomes and daily reports              */

/* One TLS session (or attempt) with an MX host, as the MTA saw it. */
typedef struct mtasts_session {
	const char *domain;          /* policy domain (recipient domain); required */
	const char *mx_host;         /* receiving-mx-hostname (the MX name); NULL: none */
	const char *mx_helo;         /* receiving-mx-helo; NULL: unknown */
	const char *sending_ip;      /* sending-mta-ip; NULL: unknown */
	const char *receiving_ip;    /* receiving-ip; NULL: no connection made */
	mtasts_result result;        /* SUCCESS, or the failure seen */
	const char *reason_code;     /* failure-reason-code; NULL: none */
} mtasts_session;

/*
 * Count one session for the TLS-RPT report of its policy domain and UTC
 * day (results_file, or the tlsrpt_socket collector). p is the policy
 * the session ran under; NULL: taken from the cache (never the network).
 * The policy type is "sts" for testing and enforce, and for a domain
 * whose policy could not be fetched; "no-policy-found" otherwise
 * (DESIGN 13). A policy fetch failure that p carries is added as a
 * failure detail of its own (RFC 8460 §4.3.2.2). A failing store is
 * reported (MTASTS_ERR_IO) and logged once per process; it must never
 * stop a delivery.
 */
mtasts_status mtasts_record(mtasts_ctx *ctx, const mtasts_policy *p,
    const mtasts_session *s);

/* What mtasts_report_run() did with one report (valid during the call). */
typedef struct mtasts_report_info {
	const char *day;             /* "YYYY-MM-DD" (UTC) */
	const char *domain;          /* policy domain */
	const char *rua;             /* destination URI; NULL when there is none */
	const char *outcome;         /* "sent", "already-sent", "retry-later",
	                                "failed", "gave-up", "no-rua",
	                                "dry-run" */
	const char *detail;          /* why, or "" */
	const char *filename;        /* RFC 8460 §5.1 file name */
	const char *json;            /* the report; set for dry runs only */
	size_t json_len;
} mtasts_report_info;
typedef void mtasts_report_fn(void *arg, const mtasts_report_info *info);

#define MTASTS_REPORT_DRY_RUN   0x1u  /* build and hand over; send and store nothing */
#define MTASTS_REPORT_ALLOW_OPEN 0x2u /* allow a day that has not ended yet */

/*
 * Build the RFC 8460 reports of one UTC day ("YYYY-MM-DD"; NULL:
 * yesterday) for every policy domain with sessions that day (or only
 * domain, if not NULL), look up each domain's _smtp._tls record and send
 * each report, gzipped, to every mailto: (through the configured
 * sendmail) and https: (POST) rua, once: a (day, domain, rua) sent before
 * is never sent again; a failed one is retried with back-off for 24
 * hours after its first attempt, also by later runs for other days. One
 * run at a time per results file (MTASTS_ERR_TEMPFAIL if another holds
 * it). fn, if set, hears about every report.
 */
mtasts_status mtasts_report_run(mtasts_ctx *ctx, const char *day,
    const char *domain, unsigned flags, mtasts_report_fn *fn, void *arg);

/* ------------------------------------------------------------------ */
/* Discovery records as a sender reads them: a whole TXT RRset          */

typedef enum {
	MTASTS_RECORD_STS = 1,       /* _mta-sts.DOMAIN, v=STSv1 (RFC 8461 §3.1) */
	MTASTS_RECORD_TLSRPT = 2     /* _smtp._tls.DOMAIN, v=TLSRPTv1 (RFC 8460 §3) */
} mtasts_record_kind;

typedef enum {
	MTASTS_RRSET_FOUND = 0,      /* exactly one record counted, and it is valid */
	MTASTS_RRSET_NONE = 1,       /* no record begins with the version and ';' */
	MTASTS_RRSET_MULTIPLE = 2,   /* several do: no record (RFC 8461 §3.1, RFC 8460 §3) */
	MTASTS_RRSET_INVALID = 3     /* one does, and it breaks the grammar */
} mtasts_rrset_result;

typedef struct mtasts_rrset mtasts_rrset;

/*
 * Apply the RRset rule to the n TXT records of one answer (each with its
 * strings already joined; recs[i] holds lens[i] bytes, NULs included)
 * exactly as the resolver and the report sender do, and parse the record
 * chosen. Pure: no DNS, no cache; ctx may be NULL. MTASTS_OK with *out
 * set whatever the outcome (free it with mtasts_rrset_free());
 * MTASTS_ERR_INVALID for a bad kind or NULL pointers; MTASTS_ERR_NOMEM.
 */
mtasts_status mtasts_rrset_check(mtasts_ctx *ctx, mtasts_record_kind kind,
    const char *const *recs, const size_t *lens, size_t n,
    mtasts_rrset **out);
void mtasts_rrset_free(mtasts_rrset *set);

/* The outcome, its name ("found", "none", "multiple", "invalid"), and
 * why there is no record ("" when found). Strings live as long as set. */
mtasts_rrset_result mtasts_rrset_outcome(const mtasts_rrset *set);
const char *mtasts_rrset_result_str(mtasts_rrset_result r);
const char *mtasts_rrset_reason(const mtasts_rrset *set);
/* Record i (0-based, < n): NULL if it counted, else why it was discarded. */
const char *mtasts_rrset_discarded(const mtasts_rrset *set, size_t i);
/* The record that counted (FOUND, INVALID), else (size_t)-1. */
size_t mtasts_rrset_chosen(const mtasts_rrset *set);

/* FOUND: the chosen record's first 32 fields, in record order: name,
 * value, and what the parser did with it ("id", "rua", "ignored: ..."). */
size_t mtasts_rrset_field_count(const mtasts_rrset *set);
const char *mtasts_rrset_field_name(const mtasts_rrset *set, size_t i);
const char *mtasts_rrset_field_value(const mtasts_rrset *set, size_t i);
const char *mtasts_rrset_field_use(const mtasts_rrset *set, size_t i);

/* MTASTS_RECORD_STS, FOUND: the id; else "". */
const char *mtasts_rrset_id(const mtasts_rrset *set);
/* MTASTS_RECORD_TLSRPT, FOUND: the rua URIs a report goes to, in record
 * order, and for mailto: the address (for https: the URI again). */
size_t mtasts_rrset_rua_count(const mtasts_rrset *set);
const char *mtasts_rrset_rua(const mtasts_rrset *set, size_t i);
const char *mtasts_rrset_rua_addr(const mtasts_rrset *set, size_t i);
/* Valid URIs not used (other schemes, too long, too many): how many,
 * and for the first 8 the URI and why (NULL beyond). */
size_t mtasts_rrset_skipped_count(const mtasts_rrset *set);
const char *mtasts_rrset_skipped(const mtasts_rrset *set, size_t i);
const char *mtasts_rrset_skipped_why(const mtasts_rrset *set, size_t i);
/* Audit: a domain owner's checklist, seen from the sender's side      */

typedef enum mtasts_check_status {
	MTASTS_CHECK_OK = 0,
	MTASTS_CHECK_INFO = 1,       /* a fact worth showing, nothing to fix */
	MTASTS_CHECK_WARN = 2,
	MTASTS_CHECK_FAIL = 3
} mtasts_check_status;

const char *mtasts_check_status_str(mtasts_check_status s); /* "ok", "info", "warn", "fail" */

typedef struct mtasts_audit mtasts_audit;

#define MTASTS_AUDIT_NO_SMTP      0x1u  /* no port-25 probes of the MX hosts */
#define MTASTS_AUDIT_UPDATE_CACHE 0x2u  /* store what was found in the cache */

/*
 * Run every check a sender's discovery makes (RFC 8461 §3, §4, §5; RFC
 * 8460 §3) against domain, plus the traps a domain owner falls into:
 * MX drift, stale mx lines, a policy changed under the same id (against
 * this host's cached copy), certificates close to expiry, readiness for
 * enforce. The cache is only read unless MTASTS_AUDIT_UPDATE_CACHE.
 * MTASTS_OK with *out set (the checks say what was found, failures
 * included); errors only for a bad domain or memory. The caller frees
 * *out with mtasts_audit_free().
 */
mtasts_status mtasts_audit_run(mtasts_ctx *ctx, const char *domain,
    unsigned flags, mtasts_audit **out);
void mtasts_audit_free(mtasts_audit *a);

/* The checks in order; i < mtasts_audit_count(). The strings live as
 * long as a. group: "txt", "policy-host", "policy", "mx", "smtp",
 * "tlsrpt", "readiness"; name: a stable key such as "txt.select" or
 * "smtp.mx1.example.com"; seen: the evidence; advice: how to fix ("" if
 * nothing to do). */
size_t mtasts_audit_count(const mtasts_audit *a);
const char *mtasts_audit_group(const mtasts_audit *a, size_t i);
const char *mtasts_audit_name(const mtasts_audit *a, size_t i);
mtasts_check_status mtasts_audit_status(const mtasts_audit *a, size_t i);
const char *mtasts_audit_seen(const mtasts_audit *a, size_t i);
const char *mtasts_audit_advice(const mtasts_audit *a, size_t i);
/* The worst status of all checks. */
mtasts_check_status mtasts_audit_worst(const mtasts_audit *a);

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

/*
 * s as a JSON string, quotes included (RFC 8259 §7 escapes; bytes that
 * are not valid UTF-8 become U+FFFD, DEL and controls are escaped, so the
 * result is I-JSON, RFC 7493, whatever the input). The library's own
 * escaper, the one its reports use, for tools that print what a policy
 * host or a DNS record sent. Like snprintf: writes at most dstsz - 1
 * bytes and a NUL (whole escapes only; dst may be NULL when dstsz is 0)
 * and returns the full length, so a result >= dstsz was cut short.
 * NULL s is "".
 */
size_t mtasts_json_quote(char *dst, size_t dstsz, const char *s);

/* ------------------------------------------------------------------ */
/* One answer for every adapter: the route action, the session's type  */

/*
 * What the MTA does with a domain's mail, from its route (the verdict
 * table of RFC 8461 §5: enforce uses only the MX hosts the policy
 * allows; §5.1: with none allowed, the message stays queued). Every
 * adapter (Exim's router, OpenSMTPD's table and filter, the CLI's route
 * --exim) takes this one answer.
 */
typedef enum mtasts_route_action {
	MTASTS_ROUTE_NORMAL = 0,     /* no enforce policy: route as the MTA would */
	MTASTS_ROUTE_POLICY = 1,     /* enforce: only mtasts_route_allowed_mx(),
	                                over TLS verified for each host's name */
	MTASTS_ROUTE_DEFER = 2       /* enforce, no MX allowed: keep the mail
	                                queued; never bounce, never route it
	                                normally */
} mtasts_route_action;

mtasts_route_action mtasts_route_decide(const mtasts_route *r);
/* "normal", "policy", "defer". Static storage. */
const char *mtasts_route_action_str(mtasts_route_action a);
/* The k-th MX host the policy allows, in preference order; NULL when
 * k >= mtasts_route_allowed_count(r). Lives as long as r. */
const char *mtasts_route_allowed_mx(const mtasts_route *r, size_t k);

/* What an MTA saw of one session with an MX host: facts, not a result. */
typedef enum mtasts_seen {
	MTASTS_SEEN_NO_SESSION = 0,  /* not connected: the route ruled the MX out */
	MTASTS_SEEN_CLEAR = 1,       /* no TLS: STARTTLS not offered, or the
	                                session went on in clear */
	MTASTS_SEEN_TLS_FAILED = 2,  /* STARTTLS tried, and no verified session
	                                came of it: the handshake or the
	                                certificate check failed, or the MTA
	                                did not verify it */
	MTASTS_SEEN_TLS = 3          /* TLS set up and used */
} mtasts_seen;

typedef struct mtasts_session_facts {
	mtasts_seen seen;
	/* The core's certificate verdict for the session (the result of
	 * mtasts_verdict_cert on its chain) where the adapter had one;
	 * SUCCESS when it passed or was not judged. */
	mtasts_result cert_result;
	const char *mx_host;         /* the MX name; NULL: not known */
	/* With a failed cert_result: the verdict's reason_code (OpenSSL's
	 * name of the verification error); NULL or "": none. */
	const char *cert_reason_code;
} mtasts_session_facts;

/*
 * The TLS-RPT result type and failure-reason-code (RFC 8460 §4.3) of one
 * session under policy p (NULL: no policy), the one classifier every
 * adapter reports through, first rule first:
 *  1. mx_host known and not an mx pattern of p's testing or enforce
 *     policy: validation-failure, "mx-not-in-policy" (DESIGN 9);
 *  2. NO_SESSION otherwise: nothing to report, MTASTS_ERR_INVALID;
 *  3. a failed cert_result: that type (certificate-expired, ...), with
 *     cert_reason_code as its reason code (Postfix reports OpenSSL's
 *     verification error there too);
 *  4. CLEAR: starttls-not-supported (RFC 8460 §4.3.1), no reason code;
 *  5. TLS_FAILED: validation-failure, "certificate-verify-failed"
 *     (RFC 8460 §4.3.3: a general failure names its reason);
 *  6. TLS: success.
 * *reason_code is static storage or NULL. MTASTS_ERR_INVALID for facts
 * out of range (then *result is validation-failure, never success).
 */
mtasts_status mtasts_session_classify(const mtasts_policy *p,
    const mtasts_session_facts *f, mtasts_result *result,
    const char **reason_code);

/*
 * Privilege model (docs/RELIABILITY.md): the store files live in a
 * directory owned by the MTA user. A process running as root that does
 * store work on its own (cron, timers) should first become that user:
 * this reports the owner (uid, gid) of the directories holding
 * cache_file and results_file, without opening any file. Both
 * directories must have one owner (MTASTS_ERR_CONFIG if not); a
 * directory that does not exist yet is skipped, and with none, *uid
 * and *gid are set to those of this process. The library itself never
 * changes its privileges.
 */
mtasts_status mtasts_store_owner(mtasts_ctx *ctx, unsigned long *uid,
    unsigned long *gid);
/*
 * Fleets (shared_store set, mtasts.conf(5)): merge this host's TLS-RPT
 * counts, kept in its results file, into the shared level now (the
 * record path does so at most every few seconds, and a report run does
 * first). MTASTS_OK: nothing left to merge; MTASTS_ERR_TEMPFAIL: the
 * shared level is unavailable, the counts stay here for a later merge.
 * Without shared_store: MTASTS_OK, nothing done.
 */
mtasts_status mtasts_shared_sync(mtasts_ctx *ctx);

/*
 * The cached policies (still within their max_age) as one JSON document,
 * {"version":1,"policies":[{"domain","id","fetched_at","expires_at",
 * "policy"}...]}, for a new or rebuilt host. *json is malloc'ed (free()).
 */
mtasts_status mtasts_cache_export(mtasts_ctx *ctx, char **json,
    size_t *len);
/*
 * Import such a document into the local cache. Every entry is checked
 * (domain, id, the policy by the strict parser, times against its
 * max_age); expired ones, bad ones and ones older than the local policy
 * are skipped and counted in *skipped (each logged). MTASTS_ERR_SYNTAX
 * for a document that is not JSON of this shape (entries before the
 * error stay imported).
 */
mtasts_status mtasts_cache_import(mtasts_ctx *ctx, const char *json,
    size_t len, size_t *imported, size_t *skipped);

/*
 * The host's counters and cache figures in the Prometheus text format
 * (for node_exporter's textfile collector): decisions by mode and
 * action, enforce deferrals by reason, policy fetches by result, TLS-RPT
 * sessions by result type, reports sent/failed, cache entries and policy
 * ages. *text is malloc'ed (free()).
 */
mtasts_status mtasts_stats(mtasts_ctx *ctx, char **text, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* MTASTS_H */
