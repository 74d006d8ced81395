/* SPDX-License-Identifier: ISC */
/* json.c - the CLI's JSON writer. Strings are escaped per RFC 8259: quote,
 * backslash and control characters; valid UTF-8 passes through as is;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always
 * valid JSON whatever a policy host or a TXT record sent. */
#include <inttypes.h>

#include "json.h"

void
json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->after_key = 0;
	j->first[0] = 1;
}

/* The comma (or nothing) before a value or a key. */
static void
sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = 0;
}

static void
open_(struct json *j, int ch)
{
	sep(j);
	fputc(ch, j->f);
	if (j->depth < JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

static void
close_(struct json *j, int ch)
{
	fputc(ch, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j) { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static int
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void
escape_byte(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':  fputs("\\\"", f); break;
	case '\\': fputs("\\\\", f); break;
	case '\b': fputs("\\b", f); break;
	case '\f': fputs("\\f", f); break;
	case '\n': fputs("\\n", f); break;
	case '\r': fputs("\\r", f); break;
	case '\t': fputs("\\t", f); break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void
write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	int n;

	fputc('"', f);
	while (*s) {
		if (*s < 0x80) {
			escape_byte(f, *s++);
		} else if ((n = utf8_len(s)) > 0) {
			fwrite(s, 1, (size_t)n, f);
			s += n;
		} else {
			fputs("\\ufffd", f);
			s++;
		}
	}
	fputc('"', f);
}

void
json_key(struct json *j, const char *key)
{
	sep(j);
	write_string(j->f, key);
	fputc(':', j->f);
	j->after_key = 1;
}

void
json_str(struct json *j, const char *s)
{
	sep(j);
	write_string(j->f, s);
}

void
json_int(struct json *j, int64_t n)
{
	sep(j);
	fprintf(j->f, "%" PRId64, n);
}

void
json_bool(struct json *j, int b)
{
	sep(j);
	fputs(b ? "true" : "false", j->f);
}

void
json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void
json_kint(struct json *j, const char *key, int64_t n)
{
	json_key(j, key);
	json_int(j, n);
}

void
json_kbool(struct json *j, const char *key, int b)
{
	json_key(j, key);
	json_bool(j, b);
}
