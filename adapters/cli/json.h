/* SPDX-License-Identifier: ISC */
/* json.h - a tiny JSON writer for the CLI's --json output: objects,
 * arrays, strings (escaped), integers, booleans; commas kept for you. */
#ifndef MTASTS_CLI_JSON_H
#define MTASTS_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH 8

struct json {
	FILE *f;
	int depth;
	int after_key;                  /* the next value follows "key": */
	unsigned char first[JSON_DEPTH + 1];
};

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_int(struct json *j, int64_t n);
void json_bool(struct json *j, int b);
/* Shorthands for "key": value inside an object. */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, int64_t n);
void json_kbool(struct json *j, const char *key, int b);

#endif
