/* SPDX-License-Identifier: ISC */
/* json.c - the CLI's JSON writer: objects, arrays and commas here; strings
 * escaped by the library's mtasts_json_quote (RFC 8259; bytes that are
 * not valid UTF-8 become U+FFFD), so the output is always valid JSON
 * whatever a policy host or a TXT record sent. */
#include <inttypes.h>
#include <stdlib.h>

#include "mtasts.h"
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

/* The escaping is the library's (mtasts_json_quote), the one its TLS-RPT
 * reports use: one set of RFC 8259 and UTF-8 rules, tested once. */
static void
write_string(FILE *f, const char *s)
{
	char buf[512], *p = buf;
	size_t n = mtasts_json_quote(buf, sizeof(buf), s);

	if (n >= sizeof(buf)) {
		if ((p = malloc(n + 1)) == NULL) {
			fputs("\"\"", f);     /* out of memory: still JSON */
			return;
		}
		(void)mtasts_json_quote(p, n + 1, s);
	}
	fwrite(p, 1, n, f);
	if (p != buf)
		free(p);
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
