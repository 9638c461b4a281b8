/* Unit tests of the planner: the budget model, the feedback law and the
 * final guard, on hand-computed examples and on a simulated encoder. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/errors.h"
#include "plan/planner.h"
#include "planner_sim.h"

#define GB INT64_C(1000000000)

/* The worked example of docs/design.md: 100 s, 30 fps, with audio. */
static const struct plan_clip clip100 = { .size = 100 * 1000 * 1000, .duration = 100.0,
                                          .video_frames = 3000, .has_audio = 1 };

static void test_usable_bytes(void)
{
    CHECK_INT(plan_usable_bytes(25 * GB, 500 * 1000 * 1000), INT64_C(24500000000));
    CHECK_INT(plan_usable_bytes(25 * GB, 0), 25 * GB);
    CHECK_INT(plan_usable_bytes(50 * GB, 200 * 1000 * 1000), INT64_C(49800000000));
    CHECK_INT(plan_usable_bytes(INT64_MAX, 0), INT64_MAX);
    CHECK_INT(plan_usable_bytes(INT64_MIN + 1, INT64_MAX), INT64_MIN);
    CHECK_INT(plan_usable_bytes(0, INT64_MIN), INT64_MAX);
    CHECK_INT(plan_usable_bytes(-1, INT64_MIN), INT64_MAX);
    CHECK_INT(plan_usable_bytes(1000, 3000), -2000);
}

static void test_sector_round(void)
{
    CHECK_INT(plan_sector_round(0), 0);
    CHECK_INT(plan_sector_round(-5), 0);
    CHECK_INT(plan_sector_round(1), 2048);
    CHECK_INT(plan_sector_round(2047), 2048);
    CHECK_INT(plan_sector_round(2048), 2048);
    CHECK_INT(plan_sector_round(2049), 4096);
    CHECK_INT(plan_sector_round(INT64_C(100000000000000)), INT64_C(100000000000000));
    CHECK_INT(plan_sector_round(INT64_C(100000000000001)), INT64_C(100000000002048));
    CHECK(plan_sector_round(INT64_MAX) <= INT64_MAX);
    CHECK_INT(plan_sector_round(INT64_MAX) % 2048, 0);
}

static void test_other_files(void)
{
    /* dir 40, names 60, sources 90:
     * progress 512 + 3 x 640 + 40 + 2 x 60 + 90 = 2682 -> 4096
     * manifest 2560 + 3 x 832 + 2 x 40 + 60 + 2 x 90 + 1024 = 6400 -> 8192
     * SHA256SUMS 81 + 3 x 68 + 60 = 345 -> 2048 */
    CHECK_INT(plan_other_files_bytes(3, 40, 60, 90), 4096 + 8192 + 2048);
    CHECK_INT(plan_other_files_bytes(0, 0, 0, 0), 2048 + 4096 + 2048);
    CHECK(plan_other_files_bytes(11, 40, 2000, 2000) > plan_other_files_bytes(10, 40, 2000, 2000));
    CHECK_INT(plan_other_files_bytes(11, 40, 2000, 2000) % 2048, 0);
    /* A byte of the build dir's path costs 3 (progress once, the manifest
     * twice), not 8 as it did. */
    CHECK_INT(plan_other_files_bytes(3, 40 + 2048, 60, 90) - plan_other_files_bytes(3, 40, 60, 90),
              3 * 2048);
    CHECK(plan_other_files_bytes(SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX) > 0);
}

/* --iso adds the image's file system to the bound, as a function of the
 * progress file alone: the clip count, the disc and whether it records an
 * image; nothing without it. */
static void test_iso_overhead(void)
{
    struct progress *p = progress_alloc();
    int64_t without;
    CHECK(p != NULL);
    if (!p)
        return;
    p->disc_bytes = 25 * GB;
    p->safety_bytes = 500 * 1000 * 1000;
    p->build_dir = strdup("/w");
    CHECK_INT(progress_add_clip(p, "a.mp4", "/in/a.mp4"), 0);
    CHECK_INT(progress_add_clip(p, "b.mp4", "/in/b.mp4"), 0);
    CHECK_INT(plan_iso_overhead(p), 0);
    without = plan_other_files_of(p);
    p->iso_file = strdup("/d.iso");
    p->iso_label = strdup("L");
    /* 2 clips + 8 own files, 4 directories, 5 extents of 4 GiB - 2 KiB in
     * 24.5 GB: 64 x 2048 + 4 x 8192 + (10 + 5) x 1152 = 181,248 -> 182,272. */
    CHECK_INT(plan_iso_overhead(p), 182272);
    CHECK_INT(plan_other_files_of(p), without + 182272);
    progress_free(&p);
}

static void test_mode_scenarios(void)
{
    /* Scenario 2: --safety-bytes 0, 24.9 GB of input on a 25 GB disc. */
    struct plan_clip s2[3] = { { .size = INT64_C(8300000001) }, { .size = INT64_C(8300000000) },
                               { .size = INT64_C(8299999999) } };
    /* Scenario 10: defaults, 24.4 GB of input. Scenario 1: 50 GB disc. */
    struct plan_clip s10[2] = { { .size = INT64_C(12200000000) }, { .size = INT64_C(12200000000) } };
    struct plan_clip s1[1] = { { .size = INT64_C(49400000000) } };
    struct plan_clip s11[2] = { { .size = INT64_C(12300000000) }, { .size = INT64_C(12300000000) } };
    int64_t other = plan_other_files_bytes(3, 100, 100, 100);
    CHECK_INT(plan_decide_mode(s2, 3, plan_usable_bytes(25 * GB, 0), other), MODE_COPY);
    CHECK_INT(plan_decide_mode(s10, 2, plan_usable_bytes(25 * GB, 500 * 1000 * 1000), other),
              MODE_COPY);
    CHECK_INT(plan_decide_mode(s1, 1, plan_usable_bytes(50 * GB, 500 * 1000 * 1000), other),
              MODE_COPY);
    /* Scenario 11: 24.6 GB with defaults. */
    CHECK_INT(plan_decide_mode(s11, 2, plan_usable_bytes(25 * GB, 500 * 1000 * 1000), other),
              MODE_ENCODE);
    CHECK_INT(plan_decide_mode(NULL, 0, 0, 0), MODE_COPY);
}

static void test_mode_boundary(void)
{
    struct plan_clip c[2] = { { .size = 10 * 2048 }, { .size = 5 * 2048 } };
    int64_t other = 4096;
    /* Whole sectors: exactly usable fits, one byte less does not. */
    CHECK_INT(plan_decide_mode(c, 2, 15 * 2048 + other, other), MODE_COPY);
    CHECK_INT(plan_decide_mode(c, 2, 15 * 2048 + other - 1, other), MODE_ENCODE);
    /* One byte more in a clip costs a whole sector. */
    c[1].size++;
    CHECK_INT(plan_decide_mode(c, 2, 15 * 2048 + other, other), MODE_ENCODE);
    CHECK_INT(plan_decide_mode(c, 2, 16 * 2048 + other, other), MODE_COPY);
    /* The spec's sum (15 x 2048 + 1 <= usable) alone is not enough. */
    CHECK_INT(plan_decide_mode(c, 2, 15 * 2048 + 1, 0), MODE_ENCODE);
}

static void test_budget_worked_example(void)
{
    struct plan_budget b;
    /* packets = ceil(101 s x 50) + 2 = 5052; 160 bytes each (hard CBR)
     * = 808320; MP4 = 4096 + 3000 x 28 + 5052 x 18 = 179032; sector 2048
     * rest = 10000000 - 45056 - 808320 - 179032 - 2048 = 8965544
     * margin = ceil(5% x rest) = 448278; video = 8517266
     * kbps = floor(8517266 x 8 / 100 / 1000) = 681 */
    CHECK_INT(plan_budget(&clip100, 1, 10 * 1000 * 1000, 45056, 64, &b), 0);
    CHECK_INT(b.audio_packets, 5052);
    CHECK_INT(b.audio_packet_bytes, 160);
    CHECK_INT(b.audio, 808320);
    CHECK_INT(b.mux_overhead, 179032);
    CHECK_INT(b.sector_slack, 2048);
    CHECK_INT(b.rc_margin, 448278);
    CHECK_INT(b.video, 8517266);
    CHECK_INT(b.video_frames, 3000);
    CHECK_INT(b.kbps, 681);
    CHECK_INT(b.raw_kbps, 681);
    CHECK(b.feasible);
    CHECK(fabs(b.video_seconds - 100.0) < 1e-9);
    CHECK_INT(b.usable - b.other_files - b.audio - b.mux_overhead - b.sector_slack
              - b.rc_margin, b.video);
    /* The prediction at 681 kbps: 8512500 of video + audio + MP4. */
    CHECK_INT(plan_predict_bytes(&clip100, 681, 64), 8512500 + 808320 + 179032);
}

static void test_budget_two_clips(void)
{
    /* Clip 2: 10.5 s, 315 frames, no audio: MP4 4096 + 315 x 28 = 12916.
     * rest = 20000000 - 0 - 808320 - (179032 + 12916) - 4096 = 18995636
     * margin 949782, video 18045854, kbps = floor(18045854 / 12500 / 110.5 x 100)
     *       = floor(1306.49) = 1306 */
    struct plan_clip c[2] = { clip100, { .size = 1, .duration = 10.5, .video_frames = 315 } };
    struct plan_budget b;
    CHECK_INT(plan_budget(c, 2, 20 * 1000 * 1000, 0, 64, &b), 0);
    CHECK_INT(b.audio, 808320);
    CHECK_INT(b.mux_overhead, 179032 + 12916);
    CHECK_INT(b.sector_slack, 4096);
    CHECK_INT(b.rc_margin, 949782);
    CHECK_INT(b.video, 18045854);
    CHECK_INT(b.kbps, 1306);
    CHECK_INT(b.files, 2);
    CHECK_INT(plan_predict_bytes(&c[1], 1000, 64), 1312500 + 12916);
}

static void test_budget_invalid(void)
{
    struct plan_clip bad = clip100;
    struct plan_budget b;
    CHECK_INT(plan_budget(&clip100, 0, GB, 0, 64, &b), AVERROR(EINVAL));
    CHECK_INT(plan_budget(&clip100, 1, GB, 0, 0, &b), AVERROR(EINVAL));
    bad.duration = 0;
    CHECK_INT(plan_budget(&bad, 1, GB, 0, 64, &b), AVERROR(EINVAL));
    bad.duration = -1;
    CHECK_INT(plan_budget(&bad, 1, GB, 0, 64, &b), AVERROR(EINVAL));
    bad.duration = NAN;
    CHECK_INT(plan_budget(&bad, 1, GB, 0, 64, &b), AVERROR(EINVAL));
    bad.duration = INFINITY;
    CHECK_INT(plan_budget(&bad, 1, GB, 0, 64, &b), AVERROR(EINVAL));
}

static void test_infeasible_audio(void)
{
    /* The audio alone (808320 bytes) exceeds 800 kB. */
    struct plan_budget b;
    CHECK_INT(plan_budget(&clip100, 1, 800 * 1000, 0, 64, &b), 0);
    CHECK(!b.feasible);
    CHECK(b.video < 0);
    CHECK_INT(b.rc_margin, 0);
    CHECK_INT(b.raw_kbps, 0);
    CHECK_INT(b.kbps, PLAN_MIN_KBPS);
    /* Audio and overhead fit, other files do not. */
    CHECK_INT(plan_budget(&clip100, 1, 2 * 1000 * 1000, 1000 * 1000, 64, &b), 0);
    CHECK(!b.feasible);
}

/* The floor lines (issue 14): feasible_need is the smallest usable at which
 * the plan is feasible, to the byte; floor_need the bytes at exactly the
 * floor without the margin; between them the job still runs (fits_floor),
 * below floor_need it is refused. */
static void test_floor_needs(void)
{
    const struct plan_clip clips[3] = {
        { .duration = 100.0, .video_frames = 3000, .has_audio = 1 },
        { .duration = 37.3, .video_frames = 1119, .has_audio = 0 },
        { .duration = 4.04, .video_frames = 121, .has_audio = 1 },
    };
    struct plan_budget b;
    int64_t other = 10240;
    CHECK_INT(plan_budget(clips, 3, GB, other, 64, &b), 0);
    int64_t need = b.feasible_need, floor_need = b.floor_need;
    /* floor_need: other files, audio, MP4, sectors, and 50 kbit/s exactly. */
    CHECK_INT(floor_need, other + b.audio + b.mux_overhead + b.sector_slack +
              (int64_t)ceil(PLAN_MIN_KBPS * 125.0 * (100.0 + 37.3 + 4.04)));
    CHECK(need > floor_need);
    CHECK_INT(plan_budget(clips, 3, need, other, 64, &b), 0);
    CHECK(b.feasible);
    CHECK_INT(b.kbps, PLAN_MIN_KBPS);
    CHECK(b.fits_floor);
    CHECK_INT(plan_budget(clips, 3, need - 1, other, 64, &b), 0);
    CHECK(!b.feasible);
    CHECK(b.fits_floor);
    CHECK_INT(b.feasible_need, need);
    /* floor_min: the same video; audio as long as each clip (5000 + 202
     * packets of 160 bytes), MP4 at 900 per file, 8 per frame and per
     * packet, 3 sectors of own files. */
    int64_t video = (int64_t)ceil(PLAN_MIN_KBPS * 125.0 * (100.0 + 37.3 + 4.04));
    int64_t floor_min = b.floor_min;
    CHECK_INT(floor_min, video + 5202 * 160 + 3 * 900 + 8 * (3000 + 1119 + 121) + 8 * 5202 +
              3 * PLAN_SECTOR_BYTES);
    CHECK(floor_min < floor_need);
    CHECK_INT(plan_budget(clips, 3, floor_need, other, 64, &b), 0);
    CHECK(!b.feasible);
    CHECK(b.fits_floor);
    CHECK_INT(plan_budget(clips, 3, floor_min, other, 64, &b), 0);
    CHECK(b.fits_floor);
    CHECK_INT(plan_budget(clips, 3, floor_min - 1, other, 64, &b), 0);
    CHECK(!b.fits_floor);
    CHECK_INT(b.floor_need, floor_need);
    /* Audio alone over the disc: refused, and the needs still say how much. */
    CHECK_INT(plan_budget(&clip100, 1, 800 * 1000, 0, 64, &b), 0);
    CHECK(!b.fits_floor);
    CHECK(b.floor_need > b.audio);
}

static void test_floor(void)
{
    /* The smallest usable that is feasible gives exactly the floor; one
     * byte less falls below it. */
    struct plan_budget b;
    int64_t lo = 1, hi = 10 * 1000 * 1000;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        plan_budget(&clip100, 1, mid, 0, 64, &b);
        if (b.feasible)
            hi = mid;
        else
            lo = mid + 1;
    }
    plan_budget(&clip100, 1, lo, 0, 64, &b);
    CHECK(b.feasible);
    CHECK_INT(b.kbps, PLAN_MIN_KBPS);
    plan_budget(&clip100, 1, lo - 1, 0, 64, &b);
    CHECK(!b.feasible);
    CHECK_INT(b.raw_kbps, PLAN_MIN_KBPS - 1);
    CHECK_INT(b.kbps, PLAN_MIN_KBPS);
}

static void test_budget_large(void)
{
    /* 1e14 bytes of usable, 1000 clips of 10 hours: no overflow, and the
     * arithmetic stays exact. */
    enum { N = 1000 };
    struct plan_clip *c = calloc(N, sizeof(*c));
    struct plan_budget b;
    if (!c)
        return;
    for (size_t i = 0; i < N; i++)
        c[i] = (struct plan_clip){ .size = INT64_C(100000000000), .duration = 36000.0,
                                   .video_frames = 36000 * 60, .has_audio = 1 };
    CHECK_INT(plan_budget(c, N, INT64_C(100000000000000), INT64_C(1) << 30, 64, &b), 0);
    CHECK(b.feasible);
    CHECK_INT(b.audio_packets, N * (INT64_C(36001) * 50 + 2));
    CHECK_INT(b.usable - b.other_files - b.audio - b.mux_overhead - b.sector_slack
              - b.rc_margin, b.video);
    CHECK(b.kbps > 1000 && b.kbps < 100000);
    CHECK_INT(plan_budget(c, N, INT64_MAX, INT64_MIN, 64, &b), 0);
    CHECK(b.kbps > 0);
    free(c);
}

static void test_first_target_is_stored_kbps(void)
{
    int64_t other, kbps;
    struct progress *p = mk_batch(0.3, &other, &kbps);
    struct plan_target t;
    CHECK(p != NULL); /* the plan must be feasible */
    if (!p)
        return;
    CHECK_INT(plan_clip_target_derive(p, 0, other, &t), kbps);
    CHECK_INT(t.raw_kbps, kbps);
    CHECK_INT(t.done_bytes, 0);
    CHECK_INT(t.lo, kbps / 2);
    CHECK_INT(t.hi, kbps * 3 / 2);
    free_progress(&p);
}

static void test_feedback_corrects(void)
{
    struct plan_clip c[2] = { clip100, clip100 };
    struct plan_budget b;
    struct plan_target t;
    struct progress *p;
    int64_t base, over, under, pred;
    plan_budget(c, 2, 20 * 1000 * 1000, 0, 64, &b);
    p = mk_progress(c, 2, 20 * 1000 * 1000, 0, b.kbps);
    CHECK(p != NULL); /* the plan must be feasible */
    if (!p)
        return;
    pred = plan_predict_bytes(&c[0], b.kbps, 64);
    p->clips[0].status = CLIP_DONE;
    p->clips[0].target_kbps = b.kbps;
    p->clips[0].encodes = 1;
    p->clips[0].output_size = pred;
    base = plan_clip_target_derive(p, 1, 0, &t);
    CHECK(t.model_ratio == 1.0);
    CHECK_INT(t.done_bytes, plan_sector_round(pred));
    CHECK_INT(t.pending_nonvideo, 808320 + 179032 + 2048);
    CHECK(base >= b.kbps);
    p->clips[0].output_size = pred + 500 * 1000;   /* overshot */
    over = plan_clip_target_derive(p, 1, 0, &t);
    /* The line by line of design.md, by hand. */
    double ratio = (double)(pred + 500 * 1000) / (double)pred;
    int64_t avail = 20 * 1000 * 1000 - plan_sector_round(pred + 500 * 1000) - 2048;
    int64_t video = (int64_t)floor(avail / ratio) - 808320 - 179032;
    int64_t margin = (video * 5 + 99) / 100;
    CHECK(fabs(t.model_ratio - ratio) < 1e-12);
    CHECK_INT(t.rc_margin, margin);
    CHECK_INT(t.video, video - margin);
    CHECK_INT(t.raw_kbps, (video - margin) / 12500);
    CHECK_INT(over, (video - margin) / 12500);
    p->clips[0].output_size = pred - 1000 * 1000;  /* undershot */
    under = plan_clip_target(p, 1, 0);
    CHECK(over < base);
    CHECK(under > base);
    /* The learnt ratio is bounded. */
    p->clips[0].output_size = pred / 2;
    plan_clip_target_derive(p, 1, 0, &t);
    CHECK(t.model_ratio == PLAN_RATIO_MIN_PCT / 100.0);
    free_progress(&p);
}

static void test_feedback_clamp(void)
{
    struct plan_clip c[2] = { clip100, clip100 };
    struct plan_budget b;
    struct progress *p;
    plan_budget(c, 2, 20 * 1000 * 1000, 0, 64, &b);
    p = mk_progress(c, 2, 20 * 1000 * 1000, 0, b.kbps);
    CHECK(p != NULL); /* the plan must be feasible */
    if (!p)
        return;
    p->clips[0].status = CLIP_DONE;
    p->clips[0].output_size = 1;                /* far under */
    CHECK_INT(plan_clip_target(p, 1, 0), b.kbps * 3 / 2);
    p->clips[0].output_size = 19 * 1000 * 1000; /* far over */
    CHECK_INT(plan_clip_target(p, 1, 0), b.kbps / 2);
    p->clips[0].output_size = 30 * 1000 * 1000; /* nothing left at all */
    CHECK_INT(plan_clip_target(p, 1, 0), b.kbps / 2);
    /* Never below the floor, whatever the stored kbps. */
    p->kbps = PLAN_MIN_KBPS + 10;
    CHECK_INT(plan_clip_target(p, 1, 0), PLAN_MIN_KBPS);
    p->kbps = 0;
    CHECK_INT(plan_clip_target(p, 1, 0), PLAN_MIN_KBPS);
    p->clips[0].output_size = 1;
    p->kbps = 0;
    CHECK_INT(plan_clip_target(p, 1, 0), PLAN_MIN_KBPS * 3 / 2);
    free_progress(&p);
}

/* The targets of an uninterrupted run equal those recomputed at each step
 * from a progress holding only what the progress file holds. */
static void test_feedback_determinism(void)
{
    int64_t other, kbps, targets[11];
    struct progress *p = mk_batch(0.3, &other, &kbps);
    CHECK(p != NULL); /* the plan must be feasible */
    if (!p)
        return;
    struct sim m = { .seed = 7, .lo = -0.05, .hi = 0.04, .tonal_from = SIZE_MAX };
    run_batch(p, other, &m, targets);
    for (size_t k = 0; k < 11; k++) {
        struct progress *r = mk_batch(0.3, &other, &kbps);
        if (!r)
            break;
        for (size_t i = 0; i < 11; i++) {
            if (i < k) {
                r->clips[i].status = CLIP_DONE;
                r->clips[i].output_size = p->clips[i].output_size;
                r->clips[i].target_kbps = targets[i];
                r->clips[i].encodes = 1;
            } else {
                /* What a resumed run may find in fields the law must ignore. */
                r->clips[i].target_kbps = 999999;
                r->clips[i].encodes = 2;
                r->clips[i].output_size = 123;
            }
        }
        CHECK_INT(plan_clip_target(r, k, other), targets[k]);
        free_progress(&r);
    }
    free_progress(&p);
}

static void test_fill_simulated(void)
{
    static const double fractions[] = { 0.30, 0.10, 0.05, 0.03 };
    static const double errs[][2] = { { -0.05, 0.04 }, { 0.04, 0.04 }, { -0.05, -0.05 },
                                      { -0.20, 0.04 } };
    for (size_t f = 0; f < sizeof(fractions) / sizeof(*fractions); f++) {
        for (size_t e = 0; e < sizeof(errs) / sizeof(*errs); e++) {
            for (unsigned seed = 1; seed <= 5; seed++) {
                int64_t other, kbps;
                struct progress *p = mk_batch(fractions[f], &other, &kbps);
                struct sim m = { .seed = seed, .lo = errs[e][0], .hi = errs[e][1],
                                 .tonal_from = SIZE_MAX };
                int guard;
                CHECK(p != NULL); /* the plan must be feasible */
                if (!p)
                    return;
                guard = run_batch(p, other, &m, NULL);
                double fill = fill_of(p);
                if (seed == 1)
                    printf("# budget %.0f%% of input, errors %+.0f..%+.0f%%: kbps %lld, "
                           "fill %.4f, %d guard re-encodes\n", fractions[f] * 100,
                           errs[e][0] * 100, errs[e][1] * 100, (long long)kbps, fill, guard);
                CHECK(guard >= 0);
                CHECK(disc_total(p, other) <= plan_usable_bytes(p->disc_bytes, p->safety_bytes));
                if (errs[e][0] >= -0.05)
                    CHECK(fill >= 0.95);
                free_progress(&p);
            }
        }
    }
}

/* Adversarial batches for the feedback law: the encoder's error rises
 * from -20% to +10% along the batch, and the last clips are pure tones.
 * The guard must bring every one within the disc. */
static void test_guard_simulated(void)
{
    static const double fractions[] = { 0.30, 0.05, 0.03 };
    static const struct sim sims[] = {
        { .lo = -0.20, .hi = 0.10, .trend = 1, .tonal_from = SIZE_MAX },
        { .lo = -0.05, .hi = 0.04, .seed = 3, .tonal_from = 8 },
        { .lo = -0.20, .hi = 0.10, .trend = 1, .tonal_from = 8 },
        { .lo = 0.10, .hi = 0.10, .tonal_from = 0 },
    };
    for (size_t f = 0; f < sizeof(fractions) / sizeof(*fractions); f++) {
        for (size_t k = 0; k < sizeof(sims) / sizeof(*sims); k++) {
            int64_t other, kbps;
            struct progress *p = mk_batch(fractions[f], &other, &kbps);
            int guard;
            CHECK(p != NULL); /* the plan must be feasible */
            if (!p)
                return;
            guard = run_batch(p, other, &sims[k], NULL);
            printf("# budget %.0f%% of input, adversarial case %zu: fill %.4f, "
                   "%d guard re-encodes\n", fractions[f] * 100, k, fill_of(p), guard);
            CHECK(guard >= 0 && guard <= 3);
            CHECK(disc_total(p, other) <= plan_usable_bytes(p->disc_bytes, p->safety_bytes));
            CHECK(fill_of(p) >= 0.90);
            free_progress(&p);
        }
    }
}

/* Three done clips over the disc by a little: clip 1 overshot most. */
#define GUARD_DISC (27 * 1000 * 1000 - 3 * (1212480 - 808320))
static struct progress *mk_guard_case(int64_t *over_by)
{
    struct plan_clip c[3] = { clip100, clip100, clip100 };
    struct progress *p = mk_progress(c, 3, GUARD_DISC, 0, 600);
    int64_t pred = plan_predict_bytes(&clip100, 600, 64);
    if (!p)
        return NULL;
    for (size_t i = 0; i < 3; i++) {
        p->clips[i].status = CLIP_DONE;
        p->clips[i].target_kbps = 600;
        p->clips[i].encodes = 1;
    }
    p->clips[0].output_size = pred + 100 * 1000;
    p->clips[1].output_size = pred + 400 * 1000;
    p->clips[2].output_size = pred - 100 * 1000;
    *over_by = disc_total(p, 0) - GUARD_DISC;
    return p;
}

static void test_guard_pick(void)
{
    int64_t over_by, kbps = 0;
    size_t idx = 99;
    struct progress *p = mk_guard_case(&over_by);
    CHECK(p != NULL); /* the plan must be feasible */
    if (!p)
        return;
    CHECK(over_by > 0);
    CHECK_INT(plan_guard_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 1);
    /* By hand: the others take 2 x sector_round(...) bytes; the room left
     * in whole sectors, minus audio and MP4, less 5%, over the measured
     * overshoot ratio of clip 1. */
    int64_t others = plan_sector_round(p->clips[0].output_size) +
                     plan_sector_round(p->clips[2].output_size);
    int64_t room = (GUARD_DISC - others) / 2048 * 2048;
    int64_t video = room - 808320 - 179032;
    video -= (video * 5 + 99) / 100;
    double ratio = (double)(p->clips[1].output_size - 808320 - 179032) / 7500000.0;
    CHECK_INT(kbps, (int64_t)floor(video / 12500.0 / ratio));
    CHECK(kbps < 600 && kbps >= PLAN_MIN_KBPS);
    /* Re-encoded at kbps with the same overshoot ratio, the batch fits. */
    p->clips[1].output_size = (int64_t)(kbps * 12500.0 * ratio) + 808320 + 179032;
    p->clips[1].target_kbps = kbps;
    p->clips[1].encodes = 2;
    CHECK(disc_total(p, 0) <= GUARD_DISC);
    CHECK_INT(plan_guard_pick(p, 0, &idx, &kbps), 0);
    free_progress(&p);
}

static void test_guard_limits(void)
{
    int64_t over_by, kbps;
    size_t idx;
    struct progress *p = mk_guard_case(&over_by);
    CHECK(p != NULL); /* the plan must be feasible */
    if (!p)
        return;
    /* A clip encoded PLAN_GUARD_MAX_ENCODES times is left alone. */
    p->clips[1].encodes = PLAN_GUARD_MAX_ENCODES;
    CHECK_INT(plan_guard_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 0);
    p->clips[1].encodes = 1;
    /* A pending clip: not the guard's time. */
    p->clips[2].status = CLIP_PENDING;
    CHECK_INT(plan_guard_pick(p, 0, &idx, &kbps), 0);
    p->clips[2].status = CLIP_DONE;
    /* The other files take almost everything: even the floor cannot fit. */
    CHECK_INT(plan_guard_pick(p, 20 * 1000 * 1000, &idx, &kbps), 0);
    free_progress(&p);
}

static void test_guard_next_candidate(void)
{
    /* Clip 0 overshot most but is short: even at the floor it cannot
     * absorb the excess; clip 1, long, can. */
    struct plan_clip c[2] = { { .duration = 10, .video_frames = 300, .has_audio = 1 }, clip100 };
    struct progress *p = mk_progress(c, 2, 0, 0, 600);
    size_t idx = 99;
    int64_t kbps = 0;
    CHECK(p != NULL); /* the plan must be feasible */
    if (!p)
        return;
    for (size_t i = 0; i < 2; i++) {
        p->clips[i].status = CLIP_DONE;
        p->clips[i].target_kbps = 600;
        p->clips[i].encodes = 1;
        p->clips[i].output_size = plan_predict_bytes(&c[i], 600, 64);
    }
    p->clips[0].output_size += 300 * 1000;
    p->clips[1].output_size += 250 * 1000;
    /* 1 MB over: more than clip 0 can shed even at the floor. */
    p->disc_bytes = disc_total(p, 0) - 1000 * 1000;
    CHECK_INT(plan_guard_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 1);
    CHECK(kbps >= PLAN_MIN_KBPS && kbps < 600);
    free_progress(&p);
}

/* Fill pass: three clips of 100 s done at 600 kbit/s; clip 1 used 70 % of
 * its prediction, clip 0 a little less than predicted, clip 2 exactly;
 * the disc leaves 8 % of it free. */
static struct progress *mk_fill_case(int free_pct)
{
    struct plan_clip c[3] = { clip100, clip100, clip100 };
    struct progress *p = mk_progress(c, 3, 0, 0, 600);
    int64_t pred = plan_predict_bytes(&clip100, 600, 64), total;
    if (!p)
        return NULL;
    for (size_t i = 0; i < 3; i++) {
        p->clips[i].status = CLIP_DONE;
        p->clips[i].target_kbps = 600;
        p->clips[i].encodes = 1;
        p->clips[i].output_size = pred;
    }
    p->clips[0].output_size = pred - 100 * 1000;
    p->clips[1].output_size = pred * 7 / 10;
    total = disc_total(p, 0);
    /* free = disc - total > free_pct % of disc */
    p->disc_bytes = (int64_t)ceil((double)total / (1.0 - free_pct / 100.0));
    return p;
}

static void test_fill_pick(void)
{
    struct progress *p = mk_fill_case(8), *q = mk_fill_case(8);
    int64_t kbps = 0, kbps2 = 0, pred = plan_predict_bytes(&clip100, 600, 64);
    size_t idx = 99, idx2 = 98;
    if (!p || !q)
        goto end;
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 1);
    /* By hand: the room the others leave, in whole sectors, less 5 %,
     * over the clip's ratio, minus its audio and MP4 bounds. */
    int64_t others = plan_sector_round(p->clips[0].output_size) +
                     plan_sector_round(p->clips[2].output_size);
    int64_t room = (p->disc_bytes - others) / 2048 * 2048;
    int64_t allowed = room - (room * 5 + 99) / 100;
    double ratio = (double)p->clips[1].output_size / (double)pred;
    int64_t video = (int64_t)floor(allowed / ratio) - 808320 - 179032;
    CHECK_INT(kbps, (int64_t)floor(video / 12500.0));
    CHECK(kbps >= 630);
    /* Deterministic: the same fields, the same answer. */
    CHECK_INT(plan_fill_pick(q, 0, &idx2, &kbps2), 1);
    CHECK_INT(idx2, idx);
    CHECK_INT(kbps2, kbps);
    CHECK_INT(plan_fill_pick(p, 0, &idx2, &kbps2), 1);
    CHECK_INT(kbps2, kbps);
    /* Re-encoded with the same ratio, the batch fits and fills. */
    p->clips[1].output_size =
        (int64_t)(ratio * (double)plan_predict_bytes(&clip100, kbps, 64));
    p->clips[1].target_kbps = kbps;
    p->clips[1].encodes = 2;
    CHECK(disc_total(p, 0) <= p->disc_bytes);
    CHECK(disc_total(p, 0) >= p->disc_bytes * 96 / 100);
    /* Now under the threshold: nothing more to do. */
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 0);
end:
    free_progress(&p);
    free_progress(&q);
}

static void test_fill_limits(void)
{
    struct progress *p = mk_fill_case(2), *q = mk_fill_case(8);
    int64_t kbps = 0, other;
    size_t idx = 99;
    if (!p || !q)
        goto end;
    /* 2 % free: below the threshold. */
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 0);
    /* A pending clip: not the fill pass's time. */
    q->clips[2].status = CLIP_PENDING;
    CHECK_INT(plan_fill_pick(q, 0, &idx, &kbps), 0);
    q->clips[2].status = CLIP_DONE;
    /* The other files leave less than 3 % free (over: the guard's case). */
    other = q->disc_bytes - disc_total(q, 0) - q->disc_bytes / 50;
    CHECK_INT(plan_fill_pick(q, other, &idx, &kbps), 0);
    CHECK_INT(plan_fill_pick(q, q->disc_bytes, &idx, &kbps), 0);
    /* Each clip at most once: clip 1 already re-encoded, clip 0 is next. */
    q->clips[1].encodes = 2;
    CHECK_INT(plan_fill_pick(q, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 0);
    CHECK(kbps > 600);
    /* No clip below its prediction: nothing can help. */
    q->clips[0].encodes = 2;
    CHECK_INT(plan_fill_pick(q, 0, &idx, &kbps), 0);
    for (size_t i = 0; i < 3; i++)
        q->clips[i].encodes = 1;
    q->clips[0].output_size = q->clips[2].output_size;
    q->clips[1].output_size = q->clips[2].output_size;
    q->disc_bytes = disc_total(q, 0) * 2;
    CHECK_INT(plan_fill_pick(q, 0, &idx, &kbps), 0);
    /* COPY: never. */
    q->clips[1].output_size /= 2;
    CHECK_INT(plan_fill_pick(q, 0, &idx, &kbps), 1);
    q->mode = MODE_COPY;
    CHECK_INT(plan_fill_pick(q, 0, &idx, &kbps), 0);
end:
    free_progress(&p);
    free_progress(&q);
}

/* A fill attempt that did not fit: the clip is tried once more, aimed
 * with the larger of its own ratio and what that attempt took of its
 * prediction, and never a third time. */
static void test_fill_retry(void)
{
    struct progress *p = mk_fill_case(20);
    int64_t kbps = 0, first = 0, pred, others, room, allowed;
    double own;
    size_t idx = 99;
    if (!p)
        goto end;
    CHECK_INT(plan_fill_pick(p, 0, &idx, &first), 1);
    CHECK_INT(idx, 1);
    own = plan_fill_ratio(p, 1);
    CHECK(fabs(own - 0.7) < 1e-6);
    /* Its attempt at `first` took 94 % of that prediction: too much. */
    pred = plan_predict_bytes(&clip100, first, 64);
    p->clips[1].encodes = 2;
    p->clips[1].fill_overflow_kbps = first;
    p->clips[1].fill_overflow_bytes = pred * 94 / 100;
    CHECK(fabs(plan_fill_ratio(p, 1) - (double)(pred * 94 / 100) / (double)pred) < 1e-12);
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 1);
    /* By hand: the room less 5 %, over 0.94, minus audio and MP4. */
    others = plan_sector_round(p->clips[0].output_size) +
             plan_sector_round(p->clips[2].output_size);
    room = (p->disc_bytes - others) / 2048 * 2048;
    allowed = room - (room * 5 + 99) / 100;
    CHECK_INT(kbps, ((int64_t)floor((double)allowed / plan_fill_ratio(p, 1)) - 808320 - 179032) /
                        12500);
    CHECK(kbps < first);
    /* An attempt that took less than the clip's own ratio: the own one. */
    p->clips[1].fill_overflow_bytes = pred / 2;
    CHECK(fabs(plan_fill_ratio(p, 1) - own) < 1e-12);
    /* Tried twice: no more, and clip 0 (encoded once) is next. */
    p->clips[1].encodes = 3;
    CHECK(plan_fill_ratio(p, 1) == 0);
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(idx, 0);
    /* Raised by the fill pass (no attempt recorded): no candidate either. */
    p->clips[1].encodes = 2;
    p->clips[1].fill_overflow_kbps = p->clips[1].fill_overflow_bytes = 0;
    CHECK(plan_fill_ratio(p, 1) == 0);
end:
    free_progress(&p);
}

static void test_json_escaped_len(void)
{
    CHECK_INT(plan_json_escaped_len(""), 0);
    CHECK_INT(plan_json_escaped_len("/a b.mp4"), 8);
    CHECK_INT(plan_json_escaped_len("\"\\"), 4);
    CHECK_INT(plan_json_escaped_len("\x01\n"), 12);
    CHECK_INT(plan_json_escaped_len("\xc3\xbc"), 2); /* UTF-8 is not escaped */
}

int main(void)
{
    RUN(test_usable_bytes);
    RUN(test_sector_round);
    RUN(test_other_files);
    RUN(test_iso_overhead);
    RUN(test_json_escaped_len);
    RUN(test_fill_pick);
    RUN(test_fill_limits);
    RUN(test_fill_retry);
    RUN(test_mode_scenarios);
    RUN(test_mode_boundary);
    RUN(test_budget_worked_example);
    RUN(test_budget_two_clips);
    RUN(test_budget_invalid);
    RUN(test_infeasible_audio);
    RUN(test_floor);
    RUN(test_floor_needs);
    RUN(test_budget_large);
    RUN(test_first_target_is_stored_kbps);
    RUN(test_feedback_corrects);
    RUN(test_feedback_clamp);
    RUN(test_feedback_determinism);
    RUN(test_fill_simulated);
    RUN(test_guard_simulated);
    RUN(test_guard_pick);
    RUN(test_guard_limits);
    RUN(test_guard_next_candidate);
    return check_done();
}
