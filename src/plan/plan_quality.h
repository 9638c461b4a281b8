/* --balance quality: the pure part. Each clip's rate-quality curve, fitted
 * from the analysis's sample encodes, and one common quality level whose
 * rates fill the video budget (max-min fairness). No I/O; see
 * docs/design.md "Quality balance". */
#ifndef PBC_PLAN_QUALITY_H
#define PBC_PLAN_QUALITY_H

#include <stddef.h>
#include <stdint.h>

struct progress;

/* Fewer dB per e-fold of rate than this is treated as this: a curve that
 * does not rise (a saturated test pattern, noise in the samples) must
 * still give one finite rate for every level. */
#define PLAN_RQ_MIN_SLOPE 0.25
/* Past the top point the curve rises at this share of its top segment's
 * slope: PSNR-Y is concave in ln(rate) (each doubling buys less), and a
 * straight extension promised a walk 47.6 dB at 2.9 times its CRF 40
 * rate where its encode measured 41.5 (design.md "Quality balance"). */
#define PLAN_RQ_TOP_SLOPE_SHARE 0.5
#define PLAN_RQ_MAX_POINTS 4

/* One clip's curve: predicted PSNR-Y (dB) piecewise linear in ln(kbps)
 * through the measured points, rising by at least PLAN_RQ_MIN_SLOPE per
 * e-fold, extended below the bottom point with the bottom segment's
 * slope and above the top point with PLAN_RQ_TOP_SLOPE_SHARE of the top
 * segment's; rates within [lo, hi] kbps. */
struct plan_rq_clip {
    double duration;   /* seconds, > 0 */
    size_t n;          /* points, 2..PLAN_RQ_MAX_POINTS */
    double ln_kbps[PLAN_RQ_MAX_POINTS]; /* strictly ascending */
    double psnr[PLAN_RQ_MAX_POINTS];    /* ascending, by the minimum slope at least */
    int64_t lo, hi;    /* 0 < lo <= hi */
};

struct plan_rq_result {
    double level;       /* the common predicted PSNR-Y (dB) */
    int feasible;       /* 0: even every clip at lo exceeds the budget */
    int64_t video_bytes; /* sum of the rates x durations, <= the budget when feasible */
};

/* The curve through n measured (kbps, psnr) points, in any order: sorted,
 * points at the same rate merged (the better PSNR kept), each PSNR raised
 * to the minimum slope above the one before. Sets c->n, ln_kbps, psnr;
 * leaves the other fields. Returns 0, or AVERROR(EINVAL) when fewer than
 * two distinct rates > 0 with finite PSNR remain or n > PLAN_RQ_MAX_POINTS. */
int plan_rq_curve(const double *kbps, const double *psnr, size_t n, struct plan_rq_clip *c);

/* kbps at which c is predicted to reach level, floored, within [lo, hi]. */
int64_t plan_rq_rate(const struct plan_rq_clip *c, double level);

/* Predicted PSNR-Y of c at kbps. */
double plan_rq_psnr(const struct plan_rq_clip *c, int64_t kbps);

/* The highest common level L whose rates plan_rq_rate(c_i, L) fit in
 * video_bytes (sum of kbps x 125 x duration, each floored): every clip
 * below its hi bound is predicted at L (the worst clip as good as the
 * budget allows), clips at hi or lo above or below it. Writes the rates to
 * kbps[n]. Infeasible (every clip at lo is too much): kbps = lo,
 * r->feasible = 0. A pure function of its inputs. Returns 0 or
 * AVERROR(EINVAL) on nonsense input. */
int plan_rq_allocate(const struct plan_rq_clip *c, size_t n, int64_t video_bytes,
                     int64_t *kbps, struct plan_rq_result *r);

/* The processing order of an ENCODE's clips: 1 when clip a runs before
 * clip b. By planned rate, lowest first, then by index: with one bitrate
 * the input order, with --balance quality the hardest clips last, where
 * the feedback law hands them what the easier ones left (design.md
 * "Quality balance"). A function of the progress file: a resumed run
 * keeps the order. */
int plan_runs_before(const struct progress *p, size_t a, size_t b);

/* --balance quality, the fill pass: the best measured PSNR-Y among the
 * clips planned above the floor (-1 when none is measured). */
double plan_quality_fill_ceiling(const struct progress *p);

/* 1 when clip i may be raised: it was planned above the floor (a clip at
 * the floor is above the common level even there) and measured below
 * ceiling, plan_quality_fill_ceiling(p) (raising a clip past every clip
 * that competed for the bits buys no fairness, and costs a pass). */
int plan_quality_fill_candidate(const struct progress *p, size_t i, double ceiling);

#endif
