/* Typed reading of a parsed JSON document (progress.json, MANIFEST.json):
 * one set of rules for each field type and one way of naming the failing
 * key, so that both files refuse the same bad values with the same words.
 * A reason reads "<where>\"<key>\": <what>", where names the object being
 * read ("key " at the top level, "\"clips\"[3] (\"a.mp4\"): key " inside
 * one). Rules: an integer is a JSON integer (not 1.0, not true) within the
 * caller's bounds; a string holds no NUL; a boolean is true or false; a
 * hash is 64 lower-case hex digits. */
#ifndef PBC_JSON_READ_H
#define PBC_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "io/sha256.h"

/* Where a reason is written (err may be NULL), the code a refusal returns
 * (PBC_E_PROGRESS, PBC_E_MANIFEST) and the prefix naming the object. */
struct json_reader {
    char *err;
    size_t errlen;
    int code;
    char where[192];
};

/* Writes the reason to rd->err (when there is one) and returns rd->code. */
int json_fail(struct json_reader *rd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets rd->where from a format ("" for none). */
void json_where(struct json_reader *rd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Each returns 0 with *out set, or rd->code with the reason in rd->err. */

/* Any value; refused when missing. */
int json_get(struct json_reader *rd, const json_t *o, const char *key, json_t **out);
/* An object (type JSON_OBJECT) or an array (JSON_ARRAY). */
int json_get_typed(struct json_reader *rd, const json_t *o, const char *key, json_type type,
                   json_t **out);
/* An integer in [min, max]; what describes that range ("a positive
 * integer"), for the reason. */
int json_get_int(struct json_reader *rd, const json_t *o, const char *key, int64_t min,
                 int64_t max, const char *what, int64_t *out);
/* Optional: the same, or absent, read as absent_value (files written
 * before the key existed). */
int json_get_opt_int(struct json_reader *rd, const json_t *o, const char *key, int64_t min,
                     int64_t max, const char *what, int64_t absent_value, int64_t *out);
/* The same, or null, read as null_value (outside [min, max]). */
int json_get_int_or_null(struct json_reader *rd, const json_t *o, const char *key, int64_t min,
                         int64_t max, const char *what, int64_t null_value, int64_t *out);
/* A string without NUL; *out points into the document. */
int json_get_str(struct json_reader *rd, const json_t *o, const char *key, const char **out);
/* A string that starts with '/'. */
int json_get_abs_path(struct json_reader *rd, const json_t *o, const char *key,
                      const char **out);
/* true or false, as 1 or 0. */
int json_get_bool(struct json_reader *rd, const json_t *o, const char *key, int *out);
/* A number >= 0, integer or real. */
int json_get_nonneg_number(struct json_reader *rd, const json_t *o, const char *key,
                           double *out);
/* Optional: a number in [min, max], or null or absent, read as -1. */
int json_get_opt_real(struct json_reader *rd, const json_t *o, const char *key, double min,
                      double max, double *out);
/* A UTC time "YYYY-MM-DDTHH:MM:SSZ" with fields in range (no calendar
 * check: the value is recorded, never computed with), copied to out. */
#define JSON_UTC_TIME_LEN 20
int json_get_utc_time(struct json_reader *rd, const json_t *o, const char *key,
                      char out[JSON_UTC_TIME_LEN + 1]);
/* A SHA-256 in hex; with nullable, null too, read as "". */
int json_get_hash(struct json_reader *rd, const json_t *o, const char *key, int nullable,
                  char out[SHA256_HEX_LEN + 1]);

#endif
