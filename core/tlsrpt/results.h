/* SPDX-License-Identifier: ISC */
/* tlsrpt/results.h - the TLS-RPT results store (RFC 8460 §4): session outcomes
 * aggregated per UTC day, policy domain and policy, in one tdb file that
 * every MTA process writes to, and the per-(day, domain, rua) send state. */
#ifndef MTS_TLSRPT_RESULTS_H
#define MTS_TLSRPT_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#define MTS_FIELD_MAX 256          /* any one stored string field */
#define MTS_DAY_LEN 10             /* "YYYY-MM-DD" */

struct mts_results;
struct tdb_context;

/* The tdb handle, for the readers in results_read.c and send_state.c. */
struct tdb_context *mts_results_tdb(struct mts_results *r);
/* A store on a tdb opened elsewhere (in memory, for the fuzz target and
 * tests); mts_results_close leaves that tdb open. 0 or -1. */
int mts_results_wrap(struct mts_results **out, struct tdb_context *tdb);

/* What one session adds: the policy it ran under and its outcome. */
struct mts_results_outcome {
	const char *day;               /* "YYYY-MM-DD" (UTC) */
	const char *domain;            /* policy domain, normalised */
	int sts;                       /* policy-type sts (1) or no-policy-found (0) */
	const char *policy_text;       /* the policy as served ("" if none) */
	const char *const *mx;         /* the policy's mx patterns */
	size_t nmx;
	int success;                   /* counted in total-successful-session-count */
	int detail_only;               /* add the failure detail, not a session */
	/* A failure detail (result != NULL), RFC 8460 §4.4 names. */
	const char *result, *sending_ip, *mx_host, *mx_helo, *receiving_ip,
	    *reason_code;
};

int mts_results_open(struct mts_results **out, const char *path,
    unsigned mode, int mmap, char *err, size_t errsz);
void mts_results_close(struct mts_results *r);

/* Count one session (and its failure detail, if any). 0 or -1 + err. */
int mts_results_add(struct mts_results *r, const struct mts_results_outcome *o,
    char *err, size_t errsz);

/* One stored policy of a day and domain, with its counts. */
struct mts_rpolicy {
	char fp[17];                   /* fingerprint of type + text */
	int sts;
	char *text;                    /* malloc'ed; the policy as served */
	char **mx;                     /* malloc'ed array of malloc'ed patterns */
	size_t nmx;
	uint64_t ok, fail;
	struct mts_rdetail *details;   /* malloc'ed array */
	size_t ndetails;
};

struct mts_rdetail {
	char result[64], sending_ip[64], mx_host[MTS_FIELD_MAX],
	    mx_helo[MTS_FIELD_MAX], receiving_ip[64], reason_code[MTS_FIELD_MAX];
	uint64_t count;
};

/* Everything one day holds for one domain, policies sorted by fp. */
struct mts_rday {
	char domain[MTS_FIELD_MAX];
	struct mts_rpolicy *policies;
	size_t npolicies;
};

/* The domains with data on day, sorted: *out is a malloc'ed array of
 * *n filled mts_rday; free with mts_rdays_free. 0 or -1 + err. */
int mts_results_day(struct mts_results *r, const char *day,
    struct mts_rday **out, size_t *n, char *err, size_t errsz);
void mts_rdays_free(struct mts_rday *d, size_t n);

/* The same from (key, value) pairs of the store's record format held
 * elsewhere (the fleet's shared level): counters as 8-byte values. */
struct mts_kv {
	const void *k, *v;
	size_t klen, vlen;
};
int mts_results_day_pairs(const char *day, const struct mts_kv *kv,
    size_t nkv, struct mts_rday **out, size_t *n, char *err, size_t errsz);

/* Drop every record of days before day. */
int mts_results_purge(struct mts_results *r, const char *before_day,
    char *err, size_t errsz);

/* Send state of one (day, domain, rua). */
enum mts_send_state { MTS_SEND_NEW = 0, MTS_SEND_SENDING, MTS_SEND_SENT,
	MTS_SEND_RETRY, MTS_SEND_GAVEUP };
struct mts_send {
	enum mts_send_state state;
	int attempts;
	int64_t first, next, last;     /* first attempt, next due, last change */
	char error[MTS_FIELD_MAX];
};
int mts_results_send_get(struct mts_results *r, const char *day,
    const char *domain, const char *rua, struct mts_send *s);
int mts_results_send_put(struct mts_results *r, const char *day,
    const char *domain, const char *rua, const struct mts_send *s,
    char *err, size_t errsz);
/* The send state's text form ("<state> <attempts> <first> <next> <last>
 * <error>"), shared with the fleet store: length written, or parse 0/-1. */
size_t mts_send_fmt(char *buf, size_t bufsz, const struct mts_send *s);
int mts_send_parse(const unsigned char *p, size_t len, struct mts_send *s);
/* Call fn for each stored send state; stop when fn returns non-zero. */
typedef int mts_send_walk_fn(void *arg, const char *day, const char *domain,
    const char *rua, const struct mts_send *s);
int mts_results_send_walk(struct mts_results *r, mts_send_walk_fn *fn,
    void *arg);

/* An exclusive lock for one report run (a lock file beside the store):
 * 0 taken, 1 held by another process, -1 error. Released by close. */
int mts_results_run_lock(struct mts_results *r, char *err, size_t errsz);

/* The fleet journal's push lock (results_shared.c): 0 taken, 1 busy
 * (wait 0), -1 error. */
int mts_results_push_lock(struct mts_results *r, int wait);
void mts_results_push_unlock(struct mts_results *r);

/* "YYYY-MM-DD" of the UTC day holding t. */
void mts_day_of(int64_t t, char day[MTS_DAY_LEN + 1]);
/* Start of a UTC day (Unix seconds), or -1 if day is not YYYY-MM-DD. */
int64_t mts_day_start(const char *day);

#endif
