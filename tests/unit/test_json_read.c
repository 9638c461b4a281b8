/* state/json_read.c: the one set of rules both progress.json and
 * MANIFEST.json are read with, and how a failing key is named. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "base/errors.h"
#include "state/json_read.h"
#include "check.h"

static const char doc_text[] =
    "{\"i\": 7, \"neg\": -1, \"real\": 7.0, \"t\": true, \"f\": false, \"s\": \"abc\","
    " \"nul\": null, \"abs\": \"/a/b\", \"rel\": \"a/b\", \"d\": 2.5, \"di\": 3,"
    " \"h\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
    " \"H\": \"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\","
    " \"o\": {}, \"a\": []}";

static json_t *doc(void)
{
    json_error_t jerr;
    return json_loads(doc_text, 0, &jerr);
}

/* A refusal returns the reader's code and names the key in its reason. */
static void test_naming(void)
{
    char err[256] = "";
    struct json_reader rd = { .err = err, .errlen = sizeof(err), .code = PBC_E_MANIFEST };
    json_t *o = doc(), *v;
    int64_t n;
    CHECK(o != NULL);
    json_where(&rd, "key ");
    CHECK_INT(json_get(&rd, o, "missing", &v), PBC_E_MANIFEST);
    CHECK_STR(err, "key \"missing\": missing");
    json_where(&rd, "\"files\"[%d].\"output\": key ", 3);
    CHECK_INT(json_get_int(&rd, o, "s", 0, 9, "a digit", &n), PBC_E_MANIFEST);
    CHECK_STR(err, "\"files\"[3].\"output\": key \"s\": expected a digit");
    rd.code = PBC_E_PROGRESS;
    CHECK_INT(json_fail(&rd, "x %d", 1), PBC_E_PROGRESS);
    CHECK_STR(err, "x 1");
    rd.err = NULL; /* no buffer: the code alone */
    CHECK_INT(json_get(&rd, o, "missing", &v), PBC_E_PROGRESS);
    json_decref(o);
}

static void test_int(void)
{
    char err[256] = "";
    struct json_reader rd = { .err = err, .errlen = sizeof(err), .code = PBC_E_PROGRESS,
                              .where = "key " };
    json_t *o = doc();
    int64_t n = 0;
    CHECK_INT(json_get_int(&rd, o, "i", 0, 7, "x", &n), 0);
    CHECK_INT(n, 7);
    /* Out of the caller's bounds, a real (even integral), a boolean, null. */
    CHECK_INT(json_get_int(&rd, o, "i", 0, 6, "at most 6", &n), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"i\": expected at most 6");
    CHECK_INT(json_get_int(&rd, o, "neg", 0, 9, "x", &n), PBC_E_PROGRESS);
    CHECK_INT(json_get_int(&rd, o, "real", 0, 9, "x", &n), PBC_E_PROGRESS);
    CHECK_INT(json_get_int(&rd, o, "t", 0, 9, "x", &n), PBC_E_PROGRESS);
    CHECK_INT(json_get_int(&rd, o, "nul", 0, 9, "x", &n), PBC_E_PROGRESS);
    CHECK_INT(json_get_int_or_null(&rd, o, "nul", 0, 9, "x", -1, &n), 0);
    CHECK_INT(n, -1);
    CHECK_INT(json_get_int_or_null(&rd, o, "i", 0, 9, "x", -1, &n), 0);
    CHECK_INT(n, 7);
    CHECK_INT(json_get_int_or_null(&rd, o, "s", 0, 9, "x", -1, &n), PBC_E_PROGRESS);
    /* Optional: absent is the caller's value; present, the rules above
     * (null included: absent is not null). */
    CHECK_INT(json_get_opt_int(&rd, o, "absent", 0, 9, "x", 3, &n), 0);
    CHECK_INT(n, 3);
    CHECK_INT(json_get_opt_int(&rd, o, "i", 0, 9, "x", 3, &n), 0);
    CHECK_INT(n, 7);
    CHECK_INT(json_get_opt_int(&rd, o, "i", 0, 6, "at most 6", 3, &n), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"i\": expected at most 6");
    CHECK_INT(json_get_opt_int(&rd, o, "nul", 0, 9, "x", 3, &n), PBC_E_PROGRESS);
    CHECK_INT(json_get_opt_int(&rd, o, "real", 0, 9, "x", 3, &n), PBC_E_PROGRESS);
    json_decref(o);
}

static void test_str_bool_number(void)
{
    char err[256] = "";
    struct json_reader rd = { .err = err, .errlen = sizeof(err), .code = PBC_E_PROGRESS,
                              .where = "key " };
    json_t *o = doc(), *nul = json_stringn("a\0b", 3);
    const char *s = NULL;
    double d = -1;
    int b = -1;
    CHECK_INT(json_get_str(&rd, o, "s", &s), 0);
    CHECK_STR(s, "abc");
    CHECK_INT(json_get_str(&rd, o, "i", &s), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"i\": expected a string");
    CHECK_INT(json_object_set_new(o, "z", nul), 0);
    CHECK_INT(json_get_str(&rd, o, "z", &s), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"z\": contains a NUL character");
    CHECK_INT(json_get_abs_path(&rd, o, "abs", &s), 0);
    CHECK_INT(json_get_abs_path(&rd, o, "rel", &s), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"rel\": not an absolute path");
    CHECK_INT(json_get_bool(&rd, o, "t", &b), 0);
    CHECK_INT(b, 1);
    CHECK_INT(json_get_bool(&rd, o, "f", &b), 0);
    CHECK_INT(b, 0);
    CHECK_INT(json_get_bool(&rd, o, "i", &b), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"i\": expected true or false");
    CHECK_INT(json_get_nonneg_number(&rd, o, "d", &d), 0);
    CHECK(d == 2.5);
    CHECK_INT(json_get_nonneg_number(&rd, o, "di", &d), 0);
    CHECK(d == 3);
    CHECK_INT(json_get_nonneg_number(&rd, o, "neg", &d), PBC_E_PROGRESS);
    CHECK_INT(json_get_nonneg_number(&rd, o, "t", &d), PBC_E_PROGRESS);
    /* Optional reals: absent or null read as -1; integers are numbers. */
    CHECK_INT(json_get_opt_real(&rd, o, "absent", 0, 9, &d), 0);
    CHECK(d == -1);
    CHECK_INT(json_get_opt_real(&rd, o, "nul", 0, 9, &d), 0);
    CHECK(d == -1);
    CHECK_INT(json_get_opt_real(&rd, o, "di", 0, 9, &d), 0);
    CHECK(d == 3);
    CHECK_INT(json_get_opt_real(&rd, o, "d", 0, 1, &d), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"d\": expected a number from 0 to 1 or null");
    CHECK_INT(json_get_opt_real(&rd, o, "s", 0, 9, &d), PBC_E_PROGRESS);
    json_decref(o);
}

static void test_utc_time(void)
{
    char err[256] = "", t[JSON_UTC_TIME_LEN + 1] = "";
    struct json_reader rd = { .err = err, .errlen = sizeof(err), .code = PBC_E_PROGRESS,
                              .where = "key " };
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "ok", "2024-03-01T12:34:56Z",
                          "month", "2024-13-01T12:34:56Z", "long", "2024-03-01T12:34:56Z0",
                          "lower", "2024-03-01t12:34:56z", "num", 5);
    CHECK(o != NULL);
    CHECK_INT(json_get_utc_time(&rd, o, "ok", t), 0);
    CHECK_STR(t, "2024-03-01T12:34:56Z");
    CHECK_INT(json_get_utc_time(&rd, o, "month", t), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"month\": expected a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"");
    CHECK_INT(json_get_utc_time(&rd, o, "long", t), PBC_E_PROGRESS);
    CHECK_INT(json_get_utc_time(&rd, o, "lower", t), PBC_E_PROGRESS);
    CHECK_INT(json_get_utc_time(&rd, o, "num", t), PBC_E_PROGRESS);
    CHECK_STR(err, "key \"num\": expected a string");
    json_decref(o);
}

static void test_hash_typed(void)
{
    char err[256] = "", h[SHA256_HEX_LEN + 1] = "x";
    struct json_reader rd = { .err = err, .errlen = sizeof(err), .code = PBC_E_MANIFEST,
                              .where = "key " };
    json_t *o = doc(), *v;
    CHECK_INT(json_get_hash(&rd, o, "h", 0, h), 0);
    CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_INT(json_get_hash(&rd, o, "H", 1, h), PBC_E_MANIFEST);
    CHECK_STR(err, "key \"H\": expected 64 lower-case hex digits or null");
    CHECK_INT(json_get_hash(&rd, o, "nul", 0, h), PBC_E_MANIFEST);
    CHECK_STR(err, "key \"nul\": expected 64 lower-case hex digits");
    CHECK_INT(json_get_hash(&rd, o, "nul", 1, h), 0);
    CHECK_STR(h, "");
    CHECK_INT(json_get_hash(&rd, o, "i", 1, h), PBC_E_MANIFEST);
    CHECK_INT(json_get_typed(&rd, o, "o", JSON_OBJECT, &v), 0);
    CHECK_INT(json_get_typed(&rd, o, "a", JSON_ARRAY, &v), 0);
    CHECK_INT(json_get_typed(&rd, o, "a", JSON_OBJECT, &v), PBC_E_MANIFEST);
    CHECK_STR(err, "key \"a\": expected an object");
    CHECK_INT(json_get_typed(&rd, o, "o", JSON_ARRAY, &v), PBC_E_MANIFEST);
    CHECK_STR(err, "key \"o\": expected an array");
    json_decref(o);
}

int main(void)
{
    RUN(test_naming);
    RUN(test_int);
    RUN(test_str_bool_number);
    RUN(test_hash_typed);
    RUN(test_utc_time);
    return check_done();
}
