/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/tlsrpt_txt.c - the _smtp._tls TLSRPT TXT record (RFC 8460 §3), parsed
 * strictly by its ABNF:
 *   tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field)
 *                      [field-delim]
 *   field-delim      = *WSP ";" *WSP
 *   tlsrpt-field     = tlsrpt-rua / tlsrpt-extension
 *   tlsrpt-version   = %s"v=TLSRPTv1"
 *   tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
 *   tlsrpt-uri       = URI   ; RFC 3986; ",", "!" and ";" percent-encoded
 *   tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
 *
 * How deep the URIs are checked (a report goes wherever they point, so
 * they are checked more than the rest of the record):
 * - scheme ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":", matched without
 *   regard to case (RFC 3986 §3.1);
 * - after "//", an RFC 3986 authority: [userinfo "@"] host [":" *DIGIT],
 *   host a reg-name or "[" IP-literal "]" (the literal's characters are
 *   checked, not its IPv6 grammar);
 * - then path, query and at most one "#" fragment, from the RFC 3986
 *   characters less the '!' ',' ';' RFC 8460 wants encoded, every '%'
 *   followed by two hex digits;
 * - mailto: the part before any '?' (RFC 6068 hfields) is percent-decoded
 *   and must be one addr-spec, as it goes into an SMTP RCPT TO: non-empty
 *   local-part "@" non-empty domain, no control character, SP or ','
 *   (a %2C list of several addresses is refused: one rua URI, one
 *   address), an '@' in the local-part only inside quotes, the domain
 *   letters, digits, '-', '.' and UTF-8, or an [address-literal];
 * - https: "//" and a non-empty host (an RFC 3986 reg-name or IP literal,
 *   not checked as a DNS name) are required.
 * A mailto: or https: URI failing these is a valid URI all the same: it
 * is skipped (never used) and the record stays valid. So are URIs of
 * other schemes (http: included: RFC 8460 names only mailto and https)
 * and URIs too long for MTS_RUA_URI_MAX, which get the RFC 3986 checks
 * only. A rua= value that is no RFC 3986 URI list is an extension by
 * the ABNF when it is an ext-value, and ignored; a record left with no
 * valid rua= is invalid (docs/RULES.md, TXT choices 10 and 11).
 */
#include <string.h>

#include "tlsrpt/tlsrpt_txt.h"
#include "base/util.h"

/* What uri_check() learned, for the per-scheme rules. */
struct uri_parts {
	size_t scheme_len;
	size_t host_len;
	int has_auth;
};

int
mts_rptrec_is_candidate(const char *rec, size_t len)
{
	return mts_tagrec_counts(rec, len, MTS_RPTREC_VERSION);
}

const char *
mts_rua_skip_str(enum mts_rua_skip_why why)
{
	switch (why) {
	case MTS_RUA_SKIP_SCHEME:
		return "scheme not supported (RFC 8460 names mailto: and https:)";
	case MTS_RUA_SKIP_LONG:
		return "URI too long to keep";
	case MTS_RUA_SKIP_MANY:
		return "more URIs than are kept";
	case MTS_RUA_SKIP_MAILTO:
		return "mailto: is not exactly one address (local-part@domain, "
		    "no control character, space or ',')";
	case MTS_RUA_SKIP_HOST:
		return "https: URI without a host";
	}
	return "skipped";
}

/* Count a valid URI that is not used, and remember the first ones. */
static int
skip(struct mts_rptrec *out, size_t s, size_t e, enum mts_rua_skip_why why)
{
	if (out->skipped < MTS_RUA_MAX) {
		out->skip[out->skipped].uri = s;
		out->skip[out->skipped].len = e - s;
		out->skip[out->skipped].why = why;
	}
	out->skipped++;
	return 0;
}

static int
hex_val(int c)
{
	if (mts_is_digit(c))
		return c - '0';
	c = mts_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 3986 unreserved and sub-delims, less the '!' ',' ';' that RFC 8460
 * wants percent-encoded (',' and ';' delimit the record's own syntax). */
static int
uri_plain(int c)
{
	return mts_is_alnum(c) ||
	    (c != 0 && strchr("-._~$&'()*+=", c) != NULL);
}

/* The first index in [i, e) that is neither uri_plain(), nor in extra,
 * nor the start of a well-formed %HH. */
static size_t
span(const char *rec, size_t i, size_t e, const char *extra)
{
	while (i < e) {
		int c = (unsigned char)rec[i];

		if (c == '%') {
			if (i + 2 >= e ||
			    hex_val((unsigned char)rec[i + 1]) < 0 ||
			    hex_val((unsigned char)rec[i + 2]) < 0)
				break;
			i += 3;
		} else if (uri_plain(c) || (c != 0 && strchr(extra, c) != NULL))
			i++;
		else
			break;
	}
	return i;
}

/* The error for the byte at rec[at] that span() stopped on. */
static int
uri_bad(const char *rec, size_t at, char *err, size_t errsz)
{
	int c = (unsigned char)rec[at];

	if (c == '%')
		mts_fmt(err, errsz, "bad percent-encoding in URI at offset %zu",
		    at);
	else if (c == '!')
		mts_fmt(err, errsz, "'!' must be percent-encoded in a URI "
		    "(offset %zu)", at);
	else if (c > 0x20 && c < 0x7f)
		mts_fmt(err, errsz, "invalid character '%c' in URI at "
		    "offset %zu", c, at);
	else
		mts_fmt(err, errsz, "invalid byte 0x%02x in URI at offset %zu",
		    (unsigned)c, at);
	return -1;
}

/* RFC 3986 authority in rec[a..], which ends at the first '/', '?', '#'
 * or e; *next is set past it. */
static int
authority(const char *rec, size_t a, size_t e, size_t *next,
    struct uri_parts *p, char *err, size_t errsz)
{
	size_t ae = a, h = a, k;
	const char *at, *cl;

	while (ae < e && rec[ae] != '/' && rec[ae] != '?' && rec[ae] != '#')
		ae++;
	/* userinfo cannot hold '@', so the first one ends it. */
	if ((at = memchr(rec + a, '@', ae - a)) != NULL) {
		h = (size_t)(at - rec);
		if ((k = span(rec, a, h, ":")) != h)
			return uri_bad(rec, k, err, errsz);
		h++;
	}
	if (h < ae && rec[h] == '[') {
		if ((cl = memchr(rec + h, ']', ae - h)) == NULL) {
			mts_fmt(err, errsz, "unterminated IP literal in URI "
			    "at offset %zu", h);
			return -1;
		}
		k = span(rec, h + 1, (size_t)(cl - rec), ":");
		if (k != (size_t)(cl - rec))
			return uri_bad(rec, k, err, errsz);
		k++;
	} else
		k = span(rec, h, ae, "");
	p->host_len = k - h;
	if (k < ae && rec[k] == ':')
		for (k++; k < ae && mts_is_digit(rec[k]); k++)
			;
	if (k != ae)
		return uri_bad(rec, k, err, errsz);
	p->has_auth = 1;
	*next = ae;
	return 0;
}

/* rec[s..e) must be an RFC 3986 URI (depth: see the top of the file). */
static int
uri_check(const char *rec, size_t s, size_t e, struct uri_parts *p,
    char *err, size_t errsz)
{
	size_t i = s;

	memset(p, 0, sizeof(*p));
	if (mts_is_alpha((unsigned char)rec[i]))
		while (i < e && (mts_is_alnum((unsigned char)rec[i]) ||
		    rec[i] == '+' || rec[i] == '-' || rec[i] == '.'))
			i++;
	if (i == s || i >= e || rec[i] != ':') {
		mts_fmt(err, errsz, "URI without a scheme at offset %zu", s);
		return -1;
	}
	p->scheme_len = i - s;
	i++;
	if (e - i >= 2 && rec[i] == '/' && rec[i + 1] == '/' &&
	    authority(rec, i + 2, e, &i, p, err, errsz) != 0)
		return -1;
	i = span(rec, i, e, ":@/?");
	if (i < e && rec[i] == '#')
		i = span(rec, i + 1, e, ":@/?");
	if (i < e)
		return uri_bad(rec, i, err, errsz);
	return 0;
}

/* Case-insensitive match of the scheme rec[s..s+n) against lowercase name. */
static int
scheme_is(const char *rec, size_t s, size_t n, const char *name)
{
	size_t k;

	if (strlen(name) != n)
		return 0;
	for (k = 0; k < n; k++)
		if (mts_lower((unsigned char)rec[s + k]) != name[k])
			return 0;
	return 1;
}

/* The decoded addr-spec a[0..k), its last '@' at a[at - 1], is one
 * address an SMTP server would take (see the top of the file). */
static int
addr_spec_ok(const char *a, size_t k, size_t at)
{
	size_t i;
	int c;

	if (at <= 1 || at == k)
		return 0;
	if (memchr(a, '@', at - 1) != NULL &&
	    (at < 4 || a[0] != '"' || a[at - 2] != '"'))
		return 0;
	if (a[at] == '[')
		return k - at > 2 && a[k - 1] == ']';
	for (i = at; i < k; i++) {
		c = (unsigned char)a[i];
		if (!mts_is_alnum(c) && c != '-' && c != '.' && c < 0x80)
			return 0;
	}
	return 1;
}

/*
 * The addr-spec of the mailto: URI rec[s..e) (the "to" before any '?'
 * or '#'), percent-decoded into addr (size addrsz, which the caller
 * makes larger than e - s). The escapes were checked by uri_check().
 */
static int
mailto_addr(const char *rec, size_t s, size_t e, char *addr, size_t addrsz,
    char *err, size_t errsz)
{
	size_t i, k = 0, at = 0, here;
	int c;

	for (i = s; i < e && rec[i] != '?' && rec[i] != '#'; i++) {
		here = i;
		c = (unsigned char)rec[i];
		if (c == '%') {
			c = hex_val((unsigned char)rec[i + 1]) * 16 +
			    hex_val((unsigned char)rec[i + 2]);
			i += 2;
		}
		/* CR, LF or NUL would reach an SMTP command; ',' would be a
		 * second address. */
		if (c <= 0x20 || c == 0x7f || c == ',') {
			mts_fmt(err, errsz, "mailto: address with a control "
			    "character, space or ',' at offset %zu", here);
			return -1;
		}
		if (c == '@')
			at = k + 1;
		if (k + 1 >= addrsz)
			break;          /* cannot happen: decoding shrinks */
		addr[k++] = (char)c;
	}
	addr[k] = '\0';
	if (!addr_spec_ok(addr, k, at)) {
		mts_fmt(err, errsz, "mailto: URI at offset %zu is not "
		    "local-part@domain", s);
		return -1;
	}
	return 0;
}

/* One tlsrpt-uri rec[s..e): checked, then kept, counted or refused. */
static int
add_uri(const char *rec, size_t s, size_t e, struct mts_rptrec *out,
    char *err, size_t errsz)
{
	struct uri_parts p;
	enum mts_rua_scheme scheme;
	char addr[MTS_RUA_URI_MAX];
	struct mts_rua *r;

	if (uri_check(rec, s, e, &p, err, errsz) != 0)
		return -1;
	if (scheme_is(rec, s, p.scheme_len, "mailto"))
		scheme = MTS_RUA_MAILTO;
	else if (scheme_is(rec, s, p.scheme_len, "https"))
		scheme = MTS_RUA_HTTPS;
	else                            /* RFC 8460 §3: two schemes only */
		return skip(out, s, e, MTS_RUA_SKIP_SCHEME);
	/* Valid but too long to keep: the record stays usable with the
	 * others, as when the URI's scheme is not supported. */
	if (e - s >= MTS_RUA_URI_MAX)
		return skip(out, s, e, MTS_RUA_SKIP_LONG);
	/* A valid URI that is no place to send a report to: never used,
	 * but the record stays valid (RFC 8460 §3: parsers MUST accept
	 * syntactically valid records). */
	if (scheme == MTS_RUA_MAILTO && mailto_addr(rec, s + p.scheme_len + 1,
	    e, addr, sizeof(addr), err, errsz) != 0)
		return skip(out, s, e, MTS_RUA_SKIP_MAILTO);
	if (scheme == MTS_RUA_HTTPS && p.host_len == 0)
		return skip(out, s, e, MTS_RUA_SKIP_HOST);
	if (out->n >= MTS_RUA_MAX)
		return skip(out, s, e, MTS_RUA_SKIP_MANY);
	r = &out->rua[out->n++];
	r->scheme = scheme;
	memcpy(r->uri, rec + s, e - s);
	r->uri[e - s] = '\0';
	mts_strlcpy(r->addr, scheme == MTS_RUA_MAILTO ? addr : r->uri,
	    sizeof(r->addr));
	return 0;
}

/* The URI list of a tlsrpt-rua, from rec[*pos] just past "rua=". */
static int
parse_rua(const char *rec, size_t len, size_t *pos, struct mts_rptrec *out,
    char *err, size_t errsz)
{
	size_t i = *pos, s, j;

	for (;;) {
		s = i;
		while (i < len && !mts_is_wsp(rec[i]) && rec[i] != ',' &&
		    rec[i] != ';')
			i++;
		if (i == s) {
			mts_fmt(err, errsz, "empty URI in rua at offset %zu", s);
			return -1;
		}
		if (add_uri(rec, s, i, out, err, errsz) != 0)
			return -1;
		for (j = i; j < len && mts_is_wsp(rec[j]); j++)
			;
		if (j >= len || rec[j] != ',')
			break;          /* WSP before ';' is field-delim's */
		for (i = j + 1; i < len && mts_is_wsp(rec[i]); i++)
			;
	}
	*pos = i;
	return 0;
}

/*
 * One tlsrpt-field. A "rua" field whose value is no tlsrpt-uri list is,
 * by the ABNF, a tlsrpt-extension if its value is an ext-value: then it
 * is ignored like any extension, and the URIs read before the list
 * broke are dropped (*ruaerr keeps why, for a record left without rua).
 */
static int
parse_field(struct mts_tagrec *t, struct mts_tag *f, struct mts_rptrec *out,
    int *have_rua, char *ruaerr, size_t ruaerrsz, char *err, size_t errsz)
{
	size_t end = f->value, n0 = out->n, s0 = out->skipped;

	if (!mts_tag_is(t, f, "rua")) {
		f->use = MTS_TAG_EXTENSION;     /* ignored (RPT-05, RFC 8460 §3) */
		return mts_tagrec_ext_value(t, f, err, errsz);
	}
	if (parse_rua(t->rec, t->len, &end, out, err, errsz) == 0) {
		*have_rua = 1;
		f->use = MTS_TAG_USED;
		mts_tagrec_took(t, f, end);
		return 0;
	}
	if (ruaerr[0] == '\0')
		mts_strlcpy(ruaerr, err, ruaerrsz);
	memset(out->rua + n0, 0, (MTS_RUA_MAX - n0) * sizeof(out->rua[0]));
	out->n = n0;
	out->skipped = s0;
	f->use = MTS_TAG_BADVALUE;
	return mts_tagrec_ext_value(t, f, err, errsz);
}

static int
parse(const char *rec, size_t len, struct mts_rptrec *out, char *err,
    size_t errsz)
{
	struct mts_tagrec t;
	struct mts_tag f;
	char ruaerr[128] = "";
	int have_rua = 0, rc;

	if (mts_tagrec_open(&t, rec, len, MTS_RPTREC_VERSION, err, errsz) != 0)
		return -1;
	while ((rc = mts_tagrec_next(&t, &f, err, errsz)) == 1) {
		if (parse_field(&t, &f, out, &have_rua, ruaerr,
		    sizeof(ruaerr), err, errsz) != 0)
			return -1;
		mts_tag_keep(&out->fields, &f);
	}
	if (rc < 0)
		return -1;
	if (!have_rua) {
		if (ruaerr[0] != '\0')
			mts_fmt(err, errsz, "no valid rua= field (%s)", ruaerr);
		else
			mts_fmt(err, errsz, "no rua= field");
		return -1;
	}
	return 0;
}

int
mts_rptrec_parse(const char *rec, size_t len, struct mts_rptrec *out,
    char *err, size_t errsz)
{
	memset(out, 0, sizeof(*out));
	if (parse(rec, len, out, err, errsz) == 0)
		return 0;
	memset(out, 0, sizeof(*out));   /* no half-filled URI list */
	return -1;
}

enum mts_rptrec_sel
mts_rptrec_select(char *const *recs, const size_t *lens, size_t n,
    struct mts_rptrec *out, size_t *which, char *err, size_t errsz)
{
	size_t w = 0;

	memset(out, 0, sizeof(*out));
	switch (mts_tagrec_pick(recs, lens, n, MTS_RPTREC_VERSION, &w, err,
	    errsz)) {
	case MTS_PICK_NONE:
		return MTS_RPTREC_NONE;
	case MTS_PICK_MANY:
		return MTS_RPTREC_MULTIPLE;
	case MTS_PICK_ONE:
		break;
	}
	if (which != NULL)
		*which = w;
	if (mts_rptrec_parse(recs[w], lens[w], out, err, errsz) != 0)
		return MTS_RPTREC_INVALID;
	return MTS_RPTREC_FOUND;
}
