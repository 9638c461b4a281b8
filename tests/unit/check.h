/* A minimal TAP harness for the unit suite: each RUN(fn) is one TAP test
 * point, so `meson test` shows per-case results. CHECK* record a failure
 * with its location and let the case go on. */
#ifndef PBC_CHECK_H
#define PBC_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_case_failed __attribute__((unused));
static int check_cases;
static int check_cases_failed;

#define CHECK(cond) do { \
    if (!(cond)) { \
        printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        check_case_failed = 1; \
    } \
} while (0)

#define CHECK_INT(a, b) do { \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
    if (check_a_ != check_b_) { \
        printf("# %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
               #a, check_a_, #b, check_b_); \
        check_case_failed = 1; \
    } \
} while (0)

#define CHECK_STR(a, b) do { \
    const char *check_a_ = (a), *check_b_ = (b); \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) { \
        printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
               #a, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
        check_case_failed = 1; \
    } \
} while (0)

#define RUN(fn) do { \
    check_case_failed = 0; \
    fn(); \
    check_cases++; \
    if (check_case_failed) \
        check_cases_failed++; \
    printf("%sok %d - %s\n", check_case_failed ? "not " : "", check_cases, #fn); \
    fflush(stdout); \
} while (0)

/* Prints the TAP plan; use as `return check_done();` at the end of main. */
static inline int check_done(void)
{
    printf("1..%d\n", check_cases);
    return check_cases_failed ? 1 : 0;
}

#endif
