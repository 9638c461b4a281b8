/* --balance quality, the pure part: see plan_quality.h. */
#include <errno.h>
#include <math.h>

#include "base/errors.h"
#include "plan/plan_quality.h"
#include "plan/planner.h"
#include "state/progress.h"

#define BYTES_PER_KBPS_S 125.0
/* Bisection steps on the level: far below 1e-6 dB over any sane range. */
#define BISECT_STEPS 100

int plan_rq_curve(const double *kbps, const double *psnr, size_t n, struct plan_rq_clip *c)
{
    size_t order[PLAN_RQ_MAX_POINTS], m = 0;
    if (n > PLAN_RQ_MAX_POINTS)
        return AVERROR(EINVAL);
    for (size_t i = 0; i < n; i++) {
        size_t k;
        if (!(kbps[i] > 0) || !isfinite(kbps[i]) || !isfinite(psnr[i]))
            continue;
        /* Insertion sort by rate; deterministic for ties in input order. */
        for (k = m; k > 0 && kbps[order[k - 1]] > kbps[i]; k--)
            order[k] = order[k - 1];
        order[k] = i;
        m++;
    }
    c->n = 0;
    for (size_t k = 0; k < m; k++) {
        double x = log(kbps[order[k]]), y = psnr[order[k]];
        if (c->n && x - c->ln_kbps[c->n - 1] < 1e-9) {
            c->psnr[c->n - 1] = fmax(c->psnr[c->n - 1], y);
            continue;
        }
        c->ln_kbps[c->n] = x;
        c->psnr[c->n++] = y;
    }
    if (c->n < 2)
        return AVERROR(EINVAL);
    for (size_t k = 1; k < c->n; k++)
        c->psnr[k] = fmax(c->psnr[k], c->psnr[k - 1] +
                          PLAN_RQ_MIN_SLOPE * (c->ln_kbps[k] - c->ln_kbps[k - 1]));
    return 0;
}

/* The segment used at x: the first whose right end is at or past x, the
 * last one past the top point, the first one below the bottom point. */
static size_t segment_x(const struct plan_rq_clip *c, double x)
{
    size_t k = 0;
    while (k + 2 < c->n && x > c->ln_kbps[k + 1])
        k++;
    return k;
}

static size_t segment_y(const struct plan_rq_clip *c, double y)
{
    size_t k = 0;
    while (k + 2 < c->n && y > c->psnr[k + 1])
        k++;
    return k;
}

static double segment_slope(const struct plan_rq_clip *c, size_t k)
{
    return (c->psnr[k + 1] - c->psnr[k]) / (c->ln_kbps[k + 1] - c->ln_kbps[k]);
}

/* Past the top point: the top segment's slope, times
 * PLAN_RQ_TOP_SLOPE_SHARE, never below the minimum slope. */
static double top_slope(const struct plan_rq_clip *c)
{
    return fmax(segment_slope(c, c->n - 2) * PLAN_RQ_TOP_SLOPE_SHARE, PLAN_RQ_MIN_SLOPE);
}

double plan_rq_psnr(const struct plan_rq_clip *c, int64_t kbps)
{
    double x = log((double)(kbps > 0 ? kbps : 1));
    size_t k = segment_x(c, x), top = c->n - 1;
    if (x > c->ln_kbps[top])
        return c->psnr[top] + top_slope(c) * (x - c->ln_kbps[top]);
    return c->psnr[k] + segment_slope(c, k) * (x - c->ln_kbps[k]);
}

int64_t plan_rq_rate(const struct plan_rq_clip *c, double level)
{
    size_t k = segment_y(c, level), top = c->n - 1;
    double r = level > c->psnr[top] ?
               exp(c->ln_kbps[top] + (level - c->psnr[top]) / top_slope(c)) :
               exp(c->ln_kbps[k] + (level - c->psnr[k]) / segment_slope(c, k));
    if (!(r >= (double)c->lo))
        return c->lo;
    if (r >= (double)c->hi)
        return c->hi;
    return (int64_t)floor(r);
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
    for (size_t i = 0; i < n; i++) {
        if (!(c[i].duration > 0) || !isfinite(c[i].duration) || c[i].n < 2 ||
            c[i].n > PLAN_RQ_MAX_POINTS || c[i].lo <= 0 || c[i].hi < c[i].lo)
            return 0;
        /* Strictly rising, by the minimum slope (less a rounding error). */
        for (size_t k = 1; k < c[i].n; k++) {
            double dx = c[i].ln_kbps[k] - c[i].ln_kbps[k - 1];
            if (!(dx > 0) || !isfinite(c[i].psnr[k]) ||
                !(c[i].psnr[k] - c[i].psnr[k - 1] >= PLAN_RQ_MIN_SLOPE * dx * 0.999))
                return 0;
        }
    }
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

int plan_runs_before(const struct progress *p, size_t a, size_t b)
{
    int64_t ra = progress_planned_kbps(p, &p->clips[a]);
    int64_t rb = progress_planned_kbps(p, &p->clips[b]);
    return ra != rb ? ra < rb : a < b;
}

/* Measured, and planned above the floor: a clip that competed for the
 * bits (one at the floor is above the common level even there). */
static int competed(const struct progress *p, const struct clip *c)
{
    return c->psnr_y >= 0 && progress_planned_kbps(p, c) > PLAN_MIN_KBPS;
}

double plan_quality_fill_ceiling(const struct progress *p)
{
    double top = -1;
    for (size_t k = 0; k < p->nb_clips; k++)
        if (competed(p, &p->clips[k]) && p->clips[k].psnr_y > top)
            top = p->clips[k].psnr_y;
    return top;
}

int plan_quality_fill_candidate(const struct progress *p, size_t i, double ceiling)
{
    return competed(p, &p->clips[i]) && p->clips[i].psnr_y < ceiling;
}
