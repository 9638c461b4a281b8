/* Typed reading of a parsed JSON document. See json_read.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "state/json_read.h"

int json_fail(struct json_reader *rd, const char *fmt, ...)
{
    va_list ap;
    if (rd->err && rd->errlen) {
        va_start(ap, fmt);
        vsnprintf(rd->err, rd->errlen, fmt, ap);
        va_end(ap);
    }
    return rd->code;
}

void json_where(struct json_reader *rd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->where, sizeof(rd->where), fmt, ap);
    va_end(ap);
}

static int bad(struct json_reader *rd, const char *key, const char *what)
{
    return json_fail(rd, "%s\"%s\": %s", rd->where, key, what);
}

int json_get(struct json_reader *rd, const json_t *o, const char *key, json_t **out)
{
    *out = json_object_get(o, key);
    return *out ? 0 : bad(rd, key, "missing");
}

int json_get_typed(struct json_reader *rd, const json_t *o, const char *key, json_type type,
                   json_t **out)
{
    int ret = json_get(rd, o, key, out);
    if (ret < 0)
        return ret;
    if (json_typeof(*out) != type)
        return bad(rd, key, type == JSON_OBJECT ? "expected an object" : "expected an array");
    return 0;
}

/* json_is_integer excludes booleans and reals: 1.0 or true is not a size. */
int json_get_int(struct json_reader *rd, const json_t *o, const char *key, int64_t min,
                 int64_t max, const char *what, int64_t *out)
{
    json_t *v;
    int ret = json_get(rd, o, key, &v);
    if (ret < 0)
        return ret;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return json_fail(rd, "%s\"%s\": expected %s", rd->where, key, what);
    *out = json_integer_value(v);
    return 0;
}

int json_get_opt_int(struct json_reader *rd, const json_t *o, const char *key, int64_t min,
                     int64_t max, const char *what, int64_t absent_value, int64_t *out)
{
    if (!json_object_get(o, key)) {
        *out = absent_value;
        return 0;
    }
    return json_get_int(rd, o, key, min, max, what, out);
}

int json_get_int_or_null(struct json_reader *rd, const json_t *o, const char *key, int64_t min,
                         int64_t max, const char *what, int64_t null_value, int64_t *out)
{
    json_t *v;
    int ret = json_get(rd, o, key, &v);
    if (ret < 0)
        return ret;
    if (json_is_null(v)) {
        *out = null_value;
        return 0;
    }
    return json_get_int(rd, o, key, min, max, what, out);
}

int json_get_str(struct json_reader *rd, const json_t *o, const char *key, const char **out)
{
    json_t *v;
    int ret = json_get(rd, o, key, &v);
    if (ret < 0)
        return ret;
    if (!json_is_string(v))
        return bad(rd, key, "expected a string");
    /* Documents are loaded without JSON_ALLOW_NUL; this holds should that
     * ever change. */
    if (strlen(json_string_value(v)) != json_string_length(v))
        return bad(rd, key, "contains a NUL character");
    *out = json_string_value(v);
    return 0;
}

int json_get_abs_path(struct json_reader *rd, const json_t *o, const char *key,
                      const char **out)
{
    int ret = json_get_str(rd, o, key, out);
    if (ret < 0)
        return ret;
    return (*out)[0] == '/' ? 0 : bad(rd, key, "not an absolute path");
}

int json_get_bool(struct json_reader *rd, const json_t *o, const char *key, int *out)
{
    json_t *v;
    int ret = json_get(rd, o, key, &v);
    if (ret < 0)
        return ret;
    if (!json_is_boolean(v))
        return bad(rd, key, "expected true or false");
    *out = json_is_true(v);
    return 0;
}

/* Durations are written as reals, but an integral number of seconds is a
 * duration too, so integers are accepted here (and only here). */
int json_get_nonneg_number(struct json_reader *rd, const json_t *o, const char *key,
                           double *out)
{
    json_t *v;
    int ret = json_get(rd, o, key, &v);
    if (ret < 0)
        return ret;
    if (!json_is_number(v) || !(json_number_value(v) >= 0))
        return bad(rd, key, "expected a non-negative number");
    *out = json_number_value(v);
    return 0;
}

int json_get_opt_real(struct json_reader *rd, const json_t *o, const char *key, double min,
                      double max, double *out)
{
    const json_t *v = json_object_get(o, key);
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v) || !(json_number_value(v) >= min && json_number_value(v) <= max))
        return json_fail(rd, "%s\"%s\": expected a number from %g to %g or null", rd->where,
                         key, min, max);
    *out = json_number_value(v);
    return 0;
}

static int utc_time_valid(const char *s)
{
    static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
    _Static_assert(sizeof(form) == JSON_UTC_TIME_LEN + 1, "the form is the length");
    for (size_t i = 0; i < sizeof(form); i++)
        if (form[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != form[i])
            return 0;
    return memcmp(s + 5, "01", 2) >= 0 && memcmp(s + 5, "12", 2) <= 0 &&
           memcmp(s + 8, "01", 2) >= 0 && memcmp(s + 8, "31", 2) <= 0 &&
           memcmp(s + 11, "23", 2) <= 0 && memcmp(s + 14, "59", 2) <= 0 &&
           memcmp(s + 17, "60", 2) <= 0;
}

int json_get_utc_time(struct json_reader *rd, const json_t *o, const char *key,
                      char out[JSON_UTC_TIME_LEN + 1])
{
    const char *s;
    int ret = json_get_str(rd, o, key, &s);
    if (ret < 0)
        return ret;
    if (!utc_time_valid(s))
        return bad(rd, key, "expected a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"");
    memcpy(out, s, JSON_UTC_TIME_LEN + 1);
    return 0;
}

int json_get_hash(struct json_reader *rd, const json_t *o, const char *key, int nullable,
                  char out[SHA256_HEX_LEN + 1])
{
    json_t *v;
    const char *s;
    int ret = json_get(rd, o, key, &v);
    if (ret < 0)
        return ret;
    if (nullable && json_is_null(v)) {
        out[0] = 0;
        return 0;
    }
    if (!json_is_string(v) || !sha256_hex_valid(s = json_string_value(v)))
        return bad(rd, key, nullable ? "expected 64 lower-case hex digits or null" :
                                       "expected 64 lower-case hex digits");
    memcpy(out, s, SHA256_HEX_LEN + 1);
    return 0;
}
