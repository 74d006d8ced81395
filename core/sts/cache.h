/* SPDX-License-Identifier: ISC */
/* sts/cache.h - the policy cache: one tdb file shared by every process of
 * every MTA on the host, and per-domain fetch locks across processes. */
#ifndef MTS_STS_CACHE_H
#define MTS_STS_CACHE_H

#include <stddef.h>

#include "sts/entry.h"

struct mts_cache;

/* Open (creating with mode) path and path".lock". mmap 0: read and
 * write the file instead of mapping it, so a long-running process
 * survives the file being truncated under it (a mapping would SIGBUS).
 * Both files are opened and checked by base/storefile.h (no links,
 * one link, owner): 0, -1 + err, or MTS_STORE_REFUSED + err.
 * hash_size: tdb's bucket count when the file is created (kept for its
 * life); 0 for the default. */
int mts_cache_open(struct mts_cache **out, const char *path, unsigned mode,
    int mmap, int hash_size, char *err, size_t errsz);
void mts_cache_close(struct mts_cache *c);
/* Whether libtdb's handle is open yet: reads that peeks answer never
 * open it (cache.c); a miss, a write or an odd record does. */
int mts_cache_tdb_open(const struct mts_cache *c);
/* tdb's bucket count for this file. */
int mts_cache_hash_size(struct mts_cache *c);
/* After fork: reopen the tdb and lock file in the child (tdb_reopen). */
int mts_cache_reopen(struct mts_cache *c, char *err, size_t errsz);

/* The next read looks at the file's sequence number again, whatever
 * SEQ_RECHECK_MS allows: for an answer the trusted one cannot give. */
void mts_cache_recheck(struct mts_cache *c);
/*
 * The hot path: the entry for domain as last read by this process, if no
 * process has written the cache since (tdb sequence number), else NULL.
 * No I/O, no copy; valid until the next call on c. Read only.
 * With hot set and an entry found, *hot is the memo slot's place for a
 * policy object made from that entry (NULL until one is put there):
 * the slot owns that one reference and drops it when the entry changes
 * or c is closed. The caller decides what the object is valid for.
 */
const struct mts_entry *mts_cache_peek(struct mts_cache *c,
    const char *domain, mtasts_policy ***hot);
/* 0 found (e filled), 1 absent or undecodable (dropped), -1 error. */
int mts_cache_get(struct mts_cache *c, const char *domain,
    struct mts_entry *e, char *err, size_t errsz);
/*
 * As mts_cache_get, without the copy: the entry read into this
 * process's memo (from the file unless the memo has it current), so
 * that a lookup that missed the memo decides as a hit does. *out is
 * valid until the next call on c; read only; *hot as mts_cache_peek's.
 * 0, 1, -1 as there.
 */
int mts_cache_load(struct mts_cache *c, const char *domain,
    const struct mts_entry **out, mtasts_policy ***hot, char *err,
    size_t errsz);
int mts_cache_put(struct mts_cache *c, const char *domain,
    const struct mts_entry *e, char *err, size_t errsz);
/* 0 dropped, 1 absent, -1 error. */
int mts_cache_del(struct mts_cache *c, const char *domain, char *err,
    size_t errsz);
/* Auxiliary records of a domain beside its entry (kind "mx": the MX
 * answer). get: 0 found (*buf malloc'ed), 1 absent, -1 error. */
int mts_cache_aux_get(struct mts_cache *c, const char *kind,
    const char *domain, unsigned char **buf, size_t *len);
/* The same, but *buf is the cache's own copy, memoised like the entries
 * (no I/O while no process writes), valid until the next call on c;
 * read only. For the hot path (route). */
int mts_cache_aux_peek(struct mts_cache *c, const char *kind,
    const char *domain, const unsigned char **buf, size_t *len);
/* The same, decoded by dec (0 or -1) into size bytes kept in the memo
 * slot beside the record: a hit neither reads nor decodes. *out is the
 * cache's own, valid until the next call on c; read only. 0, 1 absent,
 * -1 error or undecodable. */
typedef int mts_cache_decode_fn(const unsigned char *buf, size_t len,
    void *out);
int mts_cache_aux_peek_decoded(struct mts_cache *c, const char *kind,
    const char *domain, mts_cache_decode_fn *dec, size_t size,
    const void **out);
int mts_cache_aux_put(struct mts_cache *c, const char *kind,
    const char *domain, const void *buf, size_t len);
int mts_cache_wipe(struct mts_cache *c, char *err, size_t errsz);

/* Call fn for each (domain, entry); stop when fn returns non-zero. */
typedef int mts_cache_walk_fn(void *arg, const char *domain,
    const struct mts_entry *e);
int mts_cache_walk(struct mts_cache *c, mts_cache_walk_fn *fn, void *arg,
    char *err, size_t errsz);

/*
 * Take the fetch lock of one domain, waiting up to wait_s seconds while
 * another process holds it. *waited is set when we had to wait (the
 * holder has probably stored a fresh entry: read it again).
 * 0 locked, 1 timed out, -1 error. Locks die with their process.
 */
int mts_cache_lock(struct mts_cache *c, const char *domain, int wait_s,
    int *waited);
void mts_cache_unlock(struct mts_cache *c, const char *domain);

#endif
