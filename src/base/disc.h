/* The disc's unit of storage, shared by the planner and every writer that
 * must say how much of the disc a file takes. */
#ifndef PBC_DISC_H
#define PBC_DISC_H

#include <stdint.h>

/* ISO 9660 / UDF logical sector: every file takes whole sectors. */
#define DISC_SECTOR_BYTES 2048

/* bytes rounded up to whole sectors; 0 for bytes <= 0; saturates below
 * INT64_MAX instead of wrapping. */
static inline int64_t disc_sector_round(int64_t bytes)
{
    if (bytes <= 0)
        return 0;
    if (bytes > INT64_MAX - (DISC_SECTOR_BYTES - 1))
        return INT64_MAX / DISC_SECTOR_BYTES * DISC_SECTOR_BYTES;
    return (bytes + DISC_SECTOR_BYTES - 1) / DISC_SECTOR_BYTES * DISC_SECTOR_BYTES;
}

/* What the build directory may hold: the capacity less the safety margin,
 * saturating instead of wrapping (negative when the margin is the larger).
 * One definition for the planner (plan_usable_bytes) and the evidence
 * page's thumbnail budget, which state/ computes without the planner. */
static inline int64_t disc_usable_bytes(int64_t disc_bytes, int64_t safety_bytes)
{
    int64_t usable;
    if (__builtin_sub_overflow(disc_bytes, safety_bytes, &usable))
        return safety_bytes < 0 ? INT64_MAX : INT64_MIN;
    return usable;
}

#endif
