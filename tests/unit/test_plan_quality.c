/* Unit tests of --balance quality's pure parts: the curve fit, the
 * common-level allocation, and the feedback law with per-clip planned
 * rates (including through a progress file saved and loaded back). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/errors.h"
#include "plan/plan_quality.h"
#include "plan/planner.h"
#include "state/progress.h"

/* A curve through its points: sorted, monotone, extended linearly. */
static void test_curve(void)
{
    double k[3] = { 1600, 100, 400 }, q[3] = { 44, 32, 40 };
    struct plan_rq_clip c = { .duration = 10, .lo = 1, .hi = 1000000 };
    CHECK_INT(plan_rq_curve(k, q, 3, &c), 0);
    CHECK_INT(c.n, 3);
    CHECK(fabs(plan_rq_psnr(&c, 400) - 40) < 1e-9);
    /* Between points: linear in ln(kbps); below the bottom point, the
     * bottom slope; above the top point, a share of the top slope (4 dB
     * per ln 4 there: 1 dB per doubling at a share of one half). */
    CHECK(fabs(plan_rq_psnr(&c, 200) - 36) < 1e-9);
    CHECK(fabs(plan_rq_psnr(&c, 50) - 28) < 1e-9);
    CHECK(fabs(plan_rq_psnr(&c, 3200) - (44 + 2 * PLAN_RQ_TOP_SLOPE_SHARE)) < 1e-9);
    /* rate is the inverse (floored), above the top point too. */
    CHECK_INT(plan_rq_rate(&c, 36), 200);
    CHECK(labs((long)plan_rq_rate(&c, 42) - 800) <= 1);
    CHECK(labs((long)plan_rq_rate(&c, 28) - 50) <= 1);
    CHECK(labs((long)plan_rq_rate(&c, 44 + 2 * PLAN_RQ_TOP_SLOPE_SHARE) - 3200) <= 1);
    CHECK(plan_rq_rate(&c, 44.5) > 1600 && plan_rq_rate(&c, 44.5) < 3200);
    /* A top segment at the minimum slope keeps it past the top point. */
    {
        double k2[2] = { 100, 400 }, q2[2] = { 40, 40 };
        CHECK_INT(plan_rq_curve(k2, q2, 2, &c), 0);
        CHECK(fabs(plan_rq_psnr(&c, 1600) - (c.psnr[1] + PLAN_RQ_MIN_SLOPE * log(4.0))) < 1e-9);
    }
    CHECK_INT(plan_rq_curve(k, q, 3, &c), 0);
    /* A curve that falls or stays flat rises by the minimum slope. */
    q[0] = 48, q[1] = 50, q[2] = 49;
    CHECK_INT(plan_rq_curve(k, q, 3, &c), 0);
    CHECK(fabs(c.psnr[1] - (50 + PLAN_RQ_MIN_SLOPE * log(4.0))) < 1e-9);
    CHECK(c.psnr[2] > c.psnr[1]);
    /* Fewer than two distinct rates. */
    CHECK_INT(plan_rq_curve(k, q, 1, &c), AVERROR(EINVAL));
    k[1] = k[0], k[2] = k[0];
    CHECK_INT(plan_rq_curve(k, q, 3, &c), AVERROR(EINVAL));
    k[0] = -1, k[1] = 100, k[2] = NAN;
    CHECK_INT(plan_rq_curve(k, q, 3, &c), AVERROR(EINVAL));
}

/* A clip whose PSNR-Y is a + b ln(kbps), through two points. */
static struct plan_rq_clip line(double duration, double a, double b, int64_t lo, int64_t hi)
{
    struct plan_rq_clip c = { .duration = duration, .lo = lo, .hi = hi };
    double k[2] = { 100, 10000 }, q[2] = { a + b * log(100.0), a + b * log(10000.0) };
    plan_rq_curve(k, q, 2, &c);
    return c;
}

/* An easy clip (high PSNR at any rate) and a hard one: the hard one gets
 * the bits, both land on the common level, and the budget is used. */
static void test_common_level(void)
{
    struct plan_rq_clip c[3] = {
        line(60, 30, 3, 50, 100000),   /* easy */
        line(60, 5, 5, 50, 100000),    /* hard */
        line(30, 15, 4, 50, 100000),
    };
    int64_t kbps[3], budget = INT64_C(30000000), used = 0;
    struct plan_rq_result r;
    CHECK_INT(plan_rq_allocate(c, 3, budget, kbps, &r), 0);
    CHECK(r.feasible);
    CHECK(kbps[1] > 2 * kbps[0]);
    for (int i = 0; i < 3; i++) {
        used += (int64_t)floor((double)kbps[i] * 125.0 * c[i].duration);
        /* Each within one kbit/s (the floor) of the level. */
        CHECK(plan_rq_psnr(&c[i], kbps[i]) <= r.level + 1e-9);
        CHECK(plan_rq_psnr(&c[i], kbps[i] + 1) > r.level - 1e-9);
    }
    CHECK_INT(used, r.video_bytes);
    CHECK(used <= budget);
    /* Flooring at most 1 kbit/s per clip is all that is left over. */
    CHECK(budget - used <= 125 * 150 + 3);
    /* One more kbit/s for any clip would break the budget or the level. */
    int64_t again[3];
    struct plan_rq_result r2;
    plan_rq_allocate(c, 3, budget, again, &r2);
    CHECK(r2.level == r.level);
    for (int i = 0; i < 3; i++)
        CHECK_INT(again[i], kbps[i]);
}

static void test_bounds_and_infeasible(void)
{
    struct plan_rq_clip c[2] = {
        line(10, 30, 3, 50, 200),      /* capped easy clip */
        line(10, 5, 5, 50, 100000),
    };
    int64_t kbps[2];
    struct plan_rq_result r;
    CHECK_INT(plan_rq_allocate(c, 2, 10 * 125 * 5000, kbps, &r), 0);
    CHECK(r.feasible);
    CHECK_INT(kbps[0], 200);
    CHECK(kbps[1] > 4000);
    /* Less than both clips at their floor: infeasible, floors. */
    CHECK_INT(plan_rq_allocate(c, 2, 10 * 125 * 99, kbps, &r), 0);
    CHECK(!r.feasible);
    CHECK_INT(kbps[0], 50);
    CHECK_INT(kbps[1], 50);
    /* Exactly the floors: feasible. */
    CHECK_INT(plan_rq_allocate(c, 2, 10 * 125 * 100, kbps, &r), 0);
    CHECK(r.feasible);
    CHECK_INT(kbps[0] + kbps[1], 100);
    /* Everything at hi fits: every clip at hi. */
    c[1].hi = 300;
    CHECK_INT(plan_rq_allocate(c, 2, INT64_C(1) << 40, kbps, &r), 0);
    CHECK(r.feasible && kbps[0] == 200 && kbps[1] == 300);
    c[1].psnr[1] = c[1].psnr[0];   /* not rising: not a curve plan_rq_curve makes */
    CHECK_INT(plan_rq_allocate(c, 2, 1000000, kbps, &r), AVERROR(EINVAL));
    CHECK_INT(plan_rq_allocate(c, 0, 1000000, kbps, &r), AVERROR(EINVAL));
}

/* A batch of three clips planned at different rates, as the job saves it. */
static struct progress *mk_planned(const char *dir)
{
    static const int64_t planned[3] = { 300, 1200, 600 };
    struct progress *p = progress_alloc();
    char name[16], src[64];
    if (!p || !(p->build_dir = strdup(dir)))
        goto fail;
    p->disc_bytes = 40 * 1000 * 1000;
    p->safety_bytes = 0;
    p->mode = MODE_ENCODE;
    p->balance = BALANCE_QUALITY;
    p->kbps = 700;
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "c%d.mp4", i);
        snprintf(src, sizeof(src), "/nonexistent/c%d.mov", i);
        if (progress_add_clip(p, name, src) < 0)
            goto fail;
        p->clips[i].duration = 100;
        p->clips[i].video_frames = 3000;
        p->clips[i].has_audio = 1;
        p->clips[i].source_size = 100 * 1000 * 1000;
        p->clips[i].planned_kbps = planned[i];
    }
    return p;
fail:
    progress_free(&p);
    return NULL;
}

static void test_law_scale(void)
{
    struct progress *p = mk_planned("/tmp");
    struct plan_target t[3];
    int64_t k[3];
    if (!p)
        return;
    for (int i = 0; i < 3; i++)
        k[i] = plan_clip_target_derive(p, i, 0, &t[i]);
    /* Nothing done: one common scale, each target planned x scale. */
    for (int i = 0; i < 3; i++) {
        CHECK(fabs(t[i].scale - t[0].scale) < 0.01);
        CHECK_INT(k[i], (int64_t)floor(p->clips[i].planned_kbps * (double)t[i].video /
                                       (125.0 * 100 * (300 + 1200 + 600))));
    }
    CHECK(k[1] > 3 * k[0]);
    /* The same planned rate for all is the one-bitrate law, bit for bit. */
    for (int i = 0; i < 3; i++)
        p->clips[i].planned_kbps = p->kbps;
    int64_t same = plan_clip_target(p, 1, 0);
    for (int i = 0; i < 3; i++)
        p->clips[i].planned_kbps = 0;
    CHECK_INT(plan_clip_target(p, 1, 0), same);
    progress_free(&p);
}

/* --balance quality: the done clips' undershoot is not assumed for the
 * harder clips left (model ratio floor 1); their overshoot is. */
static void test_law_ratio_floor(void)
{
    struct progress *p = mk_planned("/tmp");
    struct plan_target t;
    int64_t first, under, over;
    if (!p)
        return;
    first = plan_clip_target(p, 0, 0);
    p->clips[0].status = CLIP_DONE;
    p->clips[0].target_kbps = first;
    p->clips[0].encodes = 1;
    /* Half the prediction: ratio 1 in quality mode, 0.8 with one bitrate. */
    p->clips[0].output_size = (int64_t)(first * 125.0 * 100) / 2;
    under = plan_clip_target_derive(p, 1, 0, &t);
    CHECK(t.model_ratio == 1.0);
    p->balance = BALANCE_BITRATE;
    plan_clip_target_derive(p, 1, 0, &t);
    CHECK(t.model_ratio == PLAN_RATIO_MIN_PCT / 100.0);
    CHECK(plan_clip_target(p, 1, 0) > under);
    p->balance = BALANCE_QUALITY;
    /* Twice the prediction: learnt in both modes. */
    p->clips[0].output_size = (int64_t)(first * 125.0 * 100) * 2;
    over = plan_clip_target_derive(p, 1, 0, &t);
    CHECK(t.model_ratio > 1.5);
    CHECK(over < under);
    progress_free(&p);
}

/* Resume: the targets come from what the progress file holds. */
static void test_law_from_file(void)
{
    char dir[] = "/tmp/pbc_pq_XXXXXX", path[64];
    struct progress *p, *back = NULL;
    char err[256];
    int64_t first;
    if (!mkdtemp(dir))
        return;
    snprintf(path, sizeof(path), "%s/progress.json", dir);
    p = mk_planned(dir);
    if (!p)
        goto end;
    first = plan_clip_target(p, 0, 0);
    p->clips[0].status = CLIP_DONE;
    p->clips[0].target_kbps = first;
    p->clips[0].encodes = 1;
    p->clips[0].output_size = 4 * 1000 * 1000;
    snprintf(p->clips[0].output_sha256, sizeof(p->clips[0].output_sha256), "%064d", 0);
    p->clips[0].psnr_y = 41.25;
    p->clips[0].ssim = 0.975;
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(progress_load(path, &back, err, sizeof(err)), 0);
    if (!back)
        goto end;
    CHECK(back->balance == BALANCE_QUALITY);
    for (int i = 0; i < 3; i++)
        CHECK_INT(back->clips[i].planned_kbps, p->clips[i].planned_kbps);
    CHECK(back->clips[0].psnr_y == 41.25 && back->clips[0].ssim == 0.975);
    CHECK(back->clips[1].psnr_y < 0);
    for (size_t i = 1; i < 3; i++)
        CHECK_INT(plan_clip_target(back, i, 0), plan_clip_target(p, i, 0));
end:
    progress_free(&p);
    progress_free(&back);
    unlink(path);
    rmdir(dir);
}

/* Saves p, replaces from by to in the file, loads it back: the reason. */
static int load_edited(struct progress *p, const char *path, const char *from, const char *to,
                       char *err, size_t errlen)
{
    struct progress *back = NULL;
    char buf[16384], out[16384], *at;
    size_t n;
    FILE *f;
    int ret;
    if (progress_save(p, path) < 0 || !(f = fopen(path, "r")))
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    if (!(at = strstr(buf, from)))
        return -2;
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
    if (!(f = fopen(path, "w")))
        return -1;
    fputs(out, f);
    fclose(f);
    ret = progress_load(path, &back, err, errlen);
    progress_free(&back);
    return ret;
}

/* The keys of --balance are validated on load. */
static void test_keys_validated(void)
{
    char dir[] = "/tmp/pbc_pq_XXXXXX", path[64], err[256];
    struct progress *p;
    if (!mkdtemp(dir))
        return;
    snprintf(path, sizeof(path), "%s/progress.json", dir);
    p = mk_planned(dir);
    if (!p)
        goto end;
    p->clips[0].psnr_y = 40;
    p->clips[0].ssim = 0.9;
    CHECK_INT(load_edited(p, path, "\"quality\"", "\"size\"", err, sizeof(err)), PBC_E_PROGRESS);
    CHECK(strstr(err, "\"balance\"") != NULL);
    CHECK_INT(load_edited(p, path, "\"planned_kbps\": 300", "\"planned_kbps\": 0", err,
                          sizeof(err)), PBC_E_PROGRESS);
    CHECK(strstr(err, "planned_kbps") != NULL);
    CHECK_INT(load_edited(p, path, "\"ssim\": 0.9", "\"ssim\": 1.5", err, sizeof(err)),
              PBC_E_PROGRESS);
    CHECK(strstr(err, "ssim") != NULL);
    CHECK_INT(load_edited(p, path, "\"psnr_y\": 40.0", "\"psnr_y\": \"40\"", err, sizeof(err)),
              PBC_E_PROGRESS);
    /* Absent keys: an older file, one bitrate. */
    CHECK_INT(load_edited(p, path, "\"balance\": \"quality\",", "", err, sizeof(err)), 0);
end:
    progress_free(&p);
    unlink(path);
    rmdir(dir);
}

/* Every clip of mk_planned's done once at its planned rate. */
static void mark_done(struct progress *p, const int64_t *out, const double *psnr)
{
    for (int i = 0; i < 3; i++) {
        p->clips[i].status = CLIP_DONE;
        p->clips[i].target_kbps = p->clips[i].planned_kbps;
        p->clips[i].encodes = 1;
        p->clips[i].output_size = out[i];
        p->clips[i].psnr_y = psnr[i];
    }
}

/* The fill pass gives the free bytes to the clip measured worst with
 * --balance quality, to the one furthest under its prediction otherwise. */
static void test_fill_worst_first(void)
{
    static const int64_t out[3] = { 2000000, 14500000, 7000000 };
    static const double psnr[3] = { 40, 30, 35 };
    struct progress *p = mk_planned("/tmp");
    size_t idx = 99;
    int64_t kbps = 0;
    if (!p)
        return;
    mark_done(p, out, psnr);
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 1);
    /* Its attempt did not fit: still the worst, tried once more, lower. */
    int64_t first = kbps, again = 0;
    p->clips[1].encodes = 2;
    p->clips[1].fill_overflow_kbps = first;
    p->clips[1].fill_overflow_bytes = p->disc_bytes;
    CHECK_INT(plan_fill_pick(p, 0, &idx, &again), 1);
    CHECK_INT(idx, 1);
    CHECK(again < first);
    /* Tried twice: the next worst. */
    p->clips[1].encodes = 3;
    CHECK_INT(plan_fill_pick(p, 0, &idx, &again), 1);
    CHECK_INT(idx, 2);
    p->clips[1].encodes = 1;
    p->clips[1].fill_overflow_kbps = p->clips[1].fill_overflow_bytes = 0;
    p->balance = BALANCE_BITRATE;
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 0);
    progress_free(&p);
}

static int candidate(const struct progress *p, size_t i)
{
    return plan_quality_fill_candidate(p, i, plan_quality_fill_ceiling(p));
}

/* One threshold in both modes (design.md "Seams"): at 2 % of the disc
 * free quality mode re-encodes nothing either; at 4 % it raises the worst
 * clip. Then which clips are candidates. */
static void test_fill_quality_threshold(void)
{
    static const double psnr[3] = { 40, 30, 35 };
    struct progress *p = mk_planned("/tmp");
    int64_t usable, out[3], kbps = 0;
    size_t idx = 99;
    if (!p)
        return;
    usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    /* The worst clip small, far under its prediction: room to gain. */
    out[1] = 3 * 1000 * 1000;
    out[0] = out[2] = plan_sector_round((usable * 98 / 100 - out[1]) / 2) - 2048;
    mark_done(p, out, psnr);
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 0);
    p->balance = BALANCE_BITRATE;
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 0);
    out[0] = out[2] = plan_sector_round((usable * 96 / 100 - out[1]) / 2) - 2048;
    mark_done(p, out, psnr);
    p->balance = BALANCE_QUALITY;
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 1);
    CHECK(kbps > p->clips[1].target_kbps);
    CHECK(!candidate(p, 0));   /* the best */
    CHECK(candidate(p, 1));
    CHECK(candidate(p, 2));
    p->clips[0].planned_kbps = PLAN_MIN_KBPS;    /* at the floor: never */
    CHECK(!candidate(p, 0));
    CHECK(!candidate(p, 2));   /* now the best that competed */
    CHECK(candidate(p, 1));
    p->clips[1].psnr_y = -1;                     /* not measured */
    CHECK(!candidate(p, 1));
    progress_free(&p);
}

int main(void)
{
    RUN(test_curve);
    RUN(test_common_level);
    RUN(test_bounds_and_infeasible);
    RUN(test_law_scale);
    RUN(test_law_ratio_floor);
    RUN(test_law_from_file);
    RUN(test_fill_worst_first);
    RUN(test_fill_quality_threshold);
    RUN(test_keys_validated);
    return check_done();
}
