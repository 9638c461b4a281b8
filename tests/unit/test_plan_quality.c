/* Unit tests of --balance quality's pure parts: the curve fit, the
 * common-level allocation, and the feedback law with per-clip planned
 * rates (including through a progress file saved and loaded back). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "errors.h"
#include "plan_quality.h"
#include "planner.h"
#include "progress.h"

static void test_fit(void)
{
    double k[3] = { 100, 400, 1600 }, q[3], a, b;
    for (int i = 0; i < 3; i++)
        q[i] = 20 + 3 * log(k[i]);
    CHECK_INT(plan_rq_fit(k, q, 3, &a, &b), 0);
    CHECK(fabs(a - 20) < 1e-9 && fabs(b - 3) < 1e-9);
    /* A curve that falls or stays flat gets the minimum slope. */
    q[0] = 50, q[1] = 49, q[2] = 48;
    CHECK_INT(plan_rq_fit(k, q, 3, &a, &b), 0);
    CHECK(b == PLAN_RQ_MIN_SLOPE);
    CHECK_INT(plan_rq_fit(k, q, 1, &a, &b), AVERROR(EINVAL));
    k[1] = k[0], k[2] = k[0];
    CHECK_INT(plan_rq_fit(k, q, 3, &a, &b), AVERROR(EINVAL));
}

/* An easy clip (high PSNR at any rate) and a hard one: the hard one gets
 * the bits, both land on the common level, and the budget is used. */
static void test_common_level(void)
{
    struct plan_rq_clip c[3] = {
        { .duration = 60, .a = 30, .b = 3, .lo = 50, .hi = 100000 },  /* easy */
        { .duration = 60, .a = 5, .b = 5, .lo = 50, .hi = 100000 },   /* hard */
        { .duration = 30, .a = 15, .b = 4, .lo = 50, .hi = 100000 },
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
        CHECK(plan_rq_psnr(&c[i], kbps[i] + 1) > r.level);
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
        { .duration = 10, .a = 30, .b = 3, .lo = 50, .hi = 200 },  /* capped easy clip */
        { .duration = 10, .a = 5, .b = 5, .lo = 50, .hi = 100000 },
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
    c[1].b = 0;
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

int main(void)
{
    RUN(test_fit);
    RUN(test_common_level);
    RUN(test_bounds_and_infeasible);
    RUN(test_law_scale);
    RUN(test_law_from_file);
    return check_done();
}
