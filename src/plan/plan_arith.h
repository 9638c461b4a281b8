/* The planner's integer arithmetic, shared by its files (planner.c,
 * plan_files.c, plan_guard.c, plan_seam.c): int64 that saturates instead
 * of wrapping, the checked way back from double, percentages, whole
 * sectors and the bytes of a rate over a time. Not part of the plan API. */
#ifndef PBC_PLAN_ARITH_H
#define PBC_PLAN_ARITH_H

#include <math.h>
#include <stdint.h>

#include "base/disc.h"

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

/* bytes rounded down to whole 2048-byte sectors (0 for bytes <= 0): the
 * room a file may take. */
static inline int64_t sector_floor(int64_t bytes)
{
    return bytes <= 0 ? 0 : bytes / DISC_SECTOR_BYTES * DISC_SECTOR_BYTES;
}

/* Bytes per second at 1 kbit/s. */
#define BYTES_PER_KBPS_S 125.0

/* ceil(x x pct / 100) for x >= 0; 0 for x <= 0. */
static inline int64_t pct_ceil(int64_t x, int pct)
{
    if (x <= 0)
        return 0;
    if (x <= INT64_MAX / 100)
        return (x * pct + 99) / 100;
    return sat_mul(x / 100 + 1, pct);
}

/* x x pct / 100, floored, for x >= 0. */
static inline int64_t pct_floor(int64_t x, int pct)
{
    if (x <= 0)
        return 0;
    if (x <= INT64_MAX / 1000)
        return x * pct / 100;
    return sat_mul(x / 100, pct);
}

/* The video bytes of seconds at kbps, floored (0 when either is not positive). */
static inline int64_t video_bytes_at(int64_t kbps, double seconds)
{
    if (kbps <= 0 || !(seconds > 0))
        return 0;
    return from_double(floor((double)kbps * BYTES_PER_KBPS_S * seconds));
}

/* The kbps at which video bytes last seconds, floored. */
static inline int64_t kbps_of(int64_t video, double seconds)
{
    if (!(seconds > 0))
        return 0;
    return from_double(floor((double)video / (BYTES_PER_KBPS_S * seconds)));
}

#endif
