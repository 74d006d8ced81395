/* SPDX-License-Identifier: ISC */
/*
 * base/tagrec.h - the "v=VERSION; name=value" tag records that a sender
 * reads from DNS. The _mta-sts record (RFC 8461 §3.1) and the _smtp._tls
 * record (RFC 8460 §3) share one grammar and one RRset rule, scanned here
 * once; each parser only says what its own fields mean. Pure, no I/O.
 *
 *   record      = version 1*(field-delim field) [field-delim]
 *   field-delim = *WSP ";" *WSP
 *   field       = ext-name "=" value     ; the value grammar is the field's
 *   ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 */
#ifndef MTS_BASE_TAGREC_H
#define MTS_BASE_TAGREC_H

#include <stddef.h>

#define MTS_TAG_NAME_MAX 32
#define MTS_TAG_KEEP 32         /* fields remembered per record (for tools) */

/* What a parser made of a field. */
enum mts_tag_use {
	MTS_TAG_EXTENSION = 0,  /* unknown field: ignored (STS-18 (RFC 8461 §3.2), RPT-05 (RFC 8460 §3)) */
	MTS_TAG_USED = 1,       /* a field the parser took (id, rua) */
	MTS_TAG_REPEAT = 2,     /* a repeat of a field taken once: ignored (STS-19, RFC 8461 §3.2) */
	MTS_TAG_BADVALUE = 3    /* a known name (id, rua) whose value is not its
	                         * grammar: an extension by the ABNF, ignored */
};

/* One field, as offsets into the record. */
struct mts_tag {
	size_t name, name_len;
	size_t value, value_len;
	enum mts_tag_use use;
};

/* The first MTS_TAG_KEEP fields of a record; total counts all of them. */
struct mts_tag_list {
	size_t n, total;
	struct mts_tag t[MTS_TAG_KEEP];
};

/* A cursor over one record (its TXT strings already joined, STS-16 (RFC 8461 §3.1)). */
struct mts_tagrec {
	const char *rec;
	size_t len, pos;
};

/*
 * Start scanning rec: printable US-ASCII or HTAB only (STS-11, RFC 8461 §3.1), and the
 * version token first (STS-12, RFC 8461 §3.1), followed by the end, WSP or ';'.
 * Returns 0, or -1 with err saying why ("unsupported version" for a
 * v=STSv2, v=TLSRPTv10 ...).
 */
int mts_tagrec_open(struct mts_tagrec *t, const char *rec, size_t len,
    const char *version, char *err, size_t errsz);

/*
 * The next field-delim and field name, up to and past its '='. Returns 1
 * with f->name, f->name_len and f->value set (the caller then reads the
 * value with mts_tagrec_ext_value() or its own grammar and
 * mts_tagrec_took()); 0 at the end of the record (after an optional
 * final field-delim, whose trailing WSP is part of it); -1 with err.
 */
int mts_tagrec_next(struct mts_tagrec *t, struct mts_tag *f, char *err,
    size_t errsz);

/* Read f's value as an ext-value. 0, or -1 with err. */
int mts_tagrec_ext_value(struct mts_tagrec *t, struct mts_tag *f, char *err,
    size_t errsz);

/* The caller read f's value itself, up to offset end. */
void mts_tagrec_took(struct mts_tagrec *t, struct mts_tag *f, size_t end);

/* 1 if f's name is exactly name (case-sensitive: the ABNF's %s). */
int mts_tag_is(const struct mts_tagrec *t, const struct mts_tag *f,
    const char *name);

/* Remember f in l (the first MTS_TAG_KEEP; all are counted). */
void mts_tag_keep(struct mts_tag_list *l, const struct mts_tag *f);

/*
 * The RRset rule (STS-13 (RFC 8461 §3.1), RPT-03 (RFC 8460 §3)): "records that do not begin with
 * v=STSv1; [v=TLSRPTv1;] are discarded". A record counts if it begins
 * with the version, then *WSP, then ';' (the WSP because the ABNF's
 * field-delim allows it, erratum 6285, DESIGN 1 and 6). 1 or 0.
 */
int mts_tagrec_counts(const char *rec, size_t len, const char *version);

/* Why rec does not count, as a phrase for logs and tools. */
const char *mts_tagrec_discard_why(const char *rec, size_t len,
    const char *version);

enum mts_pick {
	MTS_PICK_NONE = 0,      /* no record counts */
	MTS_PICK_ONE = 1,       /* exactly one: *which */
	MTS_PICK_MANY = 2       /* more than one: no record (STS-14 (RFC 8461 §3.1), RPT-03 (RFC 8460 §3)) */
};

/* Apply the RRset rule to the n records of one answer. err says why for
 * NONE and MANY. */
enum mts_pick mts_tagrec_pick(char *const *recs, const size_t *lens, size_t n,
    const char *version, size_t *which, char *err, size_t errsz);

#endif
