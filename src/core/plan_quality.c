/* --balance quality, the pure part: see plan_quality.h. */
#include <errno.h>
#include <math.h>

#include "errors.h"
#include "plan_quality.h"

#define BYTES_PER_KBPS_S 125.0
/* Bisection steps on the level: far below 1e-6 dB over any sane range. */
#define BISECT_STEPS 100

int plan_rq_fit(const double *kbps, const double *psnr, size_t n, double *a, double *b)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, den;
    if (n < 2)
        return AVERROR(EINVAL);
    for (size_t i = 0; i < n; i++) {
        double x;
        if (!(kbps[i] > 0) || !isfinite(psnr[i]))
            return AVERROR(EINVAL);
        x = log(kbps[i]);
        sx += x;
        sy += psnr[i];
        sxx += x * x;
        sxy += x * psnr[i];
    }
    den = (double)n * sxx - sx * sx;
    if (!(fabs(den) > 1e-12))
        return AVERROR(EINVAL);
    *b = ((double)n * sxy - sx * sy) / den;
    if (!(*b >= PLAN_RQ_MIN_SLOPE))
        *b = PLAN_RQ_MIN_SLOPE;
    /* Through the centroid, with the slope as bounded. */
    *a = (sy - *b * sx) / (double)n;
    return 0;
}

int64_t plan_rq_rate(const struct plan_rq_clip *c, double level)
{
    double r = exp((level - c->a) / c->b);
    if (!(r >= (double)c->lo))
        return c->lo;
    if (r >= (double)c->hi)
        return c->hi;
    return (int64_t)floor(r);
}

double plan_rq_psnr(const struct plan_rq_clip *c, int64_t kbps)
{
    return c->a + c->b * log((double)(kbps > 0 ? kbps : 1));
}

static double bytes_at(const struct plan_rq_clip *c, size_t n, double level, int64_t *kbps)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t r = plan_rq_rate(&c[i], level);
        if (kbps)
            kbps[i] = r;
        total += floor((double)r * BYTES_PER_KBPS_S * c[i].duration);
    }
    return total;
}

static int valid(const struct plan_rq_clip *c, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(c[i].duration > 0) || !isfinite(c[i].duration) || !isfinite(c[i].a) ||
            !(c[i].b >= PLAN_RQ_MIN_SLOPE) || !isfinite(c[i].b) || c[i].lo <= 0 ||
            c[i].hi < c[i].lo)
            return 0;
    return 1;
}

int plan_rq_allocate(const struct plan_rq_clip *c, size_t n, int64_t video_bytes,
                     int64_t *kbps, struct plan_rq_result *r)
{
    double lo_level, hi_level, budget = (double)video_bytes;
    *r = (struct plan_rq_result){ 0 };
    if (!valid(c, n))
        return AVERROR(EINVAL);
    /* Every rate is at lo below lo_level and at hi above hi_level. */
    lo_level = hi_level = plan_rq_psnr(&c[0], c[0].lo);
    for (size_t i = 0; i < n; i++) {
        lo_level = fmin(lo_level, plan_rq_psnr(&c[i], c[i].lo));
        hi_level = fmax(hi_level, plan_rq_psnr(&c[i], c[i].hi));
    }
    lo_level -= 1;
    hi_level += 1;
    if (bytes_at(c, n, lo_level, NULL) > budget) {
        r->level = lo_level;
        r->video_bytes = (int64_t)bytes_at(c, n, lo_level, kbps);
        return 0;
    }
    r->feasible = 1;
    if (bytes_at(c, n, hi_level, NULL) <= budget)
        lo_level = hi_level;
    /* The total is non-decreasing in the level: keep lo_level fitting. */
    for (int s = 0; s < BISECT_STEPS && hi_level > lo_level; s++) {
        double mid = lo_level + (hi_level - lo_level) / 2;
        if (mid <= lo_level || mid >= hi_level)
            break;
        if (bytes_at(c, n, mid, NULL) <= budget)
            lo_level = mid;
        else
            hi_level = mid;
    }
    r->level = lo_level;
    r->video_bytes = (int64_t)bytes_at(c, n, lo_level, kbps);
    return 0;
}
