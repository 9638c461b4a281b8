/* The planner's integer arithmetic, shared by its files (planner.c,
 * plan_files.c, plan_guard.c): int64 that saturates instead of wrapping,
 * and the checked way back from double. Not part of the plan API. */
#ifndef PBC_PLAN_ARITH_H
#define PBC_PLAN_ARITH_H

#include <stdint.h>

static inline int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static inline int64_t sat_sub(int64_t a, int64_t b)
{
    if (b == INT64_MIN)
        return a >= 0 ? INT64_MAX : a + INT64_MAX + 1;
    return sat_add(a, -b);
}

/* a x b for a, b >= 0. */
static inline int64_t sat_mul(int64_t a, int64_t b)
{
    if (a <= 0 || b <= 0)
        return 0;
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

static inline int64_t from_double(double x)
{
    if (x != x)
        return 0;
    if (x >= 9.2e18)
        return INT64_MAX;
    if (x <= -9.2e18)
        return INT64_MIN;
    return (int64_t)x;
}

#endif
