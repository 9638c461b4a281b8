/* Unit tests of the seams (plan_seam_*): where they go, when, the rate of
 * the rest by hand, its band, that a rest on target fits the disc, and
 * the simulated batches of test_planner.c with their last clip seamed. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "planner_sim.h"

/* Three 20 s clips at 30 fps with audio; the first two done, the third
 * (index 2) being encoded, started at 1000 kbit/s, on a disc of
 * disc_bytes with no safety. */
static struct progress *mk_three(int64_t disc_bytes)
{
    static const struct plan_clip pc = { .duration = 20.0, .video_frames = 600, .has_audio = 1 };
    const struct plan_clip pcs[3] = { pc, pc, pc };
    struct progress *p = mk_progress(pcs, 3, disc_bytes, 0, 1000);
    if (!p)
        return NULL;
    for (size_t i = 0; i < 2; i++) {
        p->clips[i].status = CLIP_DONE;
        p->clips[i].target_kbps = 1000;
        p->clips[i].output_size = 2500001;
        p->clips[i].encodes = 1;
    }
    p->clips[2].start_kbps = 1000;
    return p;
}

/* Where half of what is left remains, while that half is 5 s or more, at
 * most PLAN_SEAM_MAX times; never in COPY mode or without frames. */
static void test_seam_frames(void)
{
    struct progress *p = mk_three(10 * 1000 * 1000);
    if (!p)
        return;
    CHECK_INT(plan_seam_frame(p, 2, 1), 300);
    CHECK_INT(plan_seam_frame(p, 2, 2), 450);
    CHECK_INT(plan_seam_frame(p, 2, 3), 0);
    CHECK_INT(plan_seam_frame(p, 2, 0), 0);
    p->clips[2].duration = 10.0;
    p->clips[2].video_frames = 300;
    CHECK_INT(plan_seam_frame(p, 2, 1), 150);
    CHECK_INT(plan_seam_frame(p, 2, 2), 0);
    p->clips[2].duration = 9.99;
    CHECK_INT(plan_seam_frame(p, 2, 1), 0);
    p->clips[2].duration = 3600.0;
    p->clips[2].video_frames = 108000;
    CHECK_INT(plan_seam_frame(p, 2, PLAN_SEAM_MAX), 108000 - (108000 >> PLAN_SEAM_MAX));
    CHECK_INT(plan_seam_frame(p, 2, PLAN_SEAM_MAX + 1), 0);
    p->clips[2].video_frames = 0;
    CHECK_INT(plan_seam_frame(p, 2, 1), 0);
    p->clips[2].video_frames = 108000;
    p->clips[2].duration = NAN;
    CHECK_INT(plan_seam_frame(p, 2, 1), 0);
    p->clips[2].duration = 3600.0;
    p->mode = MODE_COPY;
    CHECK_INT(plan_seam_frame(p, 2, 1), 0);
    free_progress(&p);
}

/* Only when every other clip is done: a pending clip, or one in flight,
 * would take bytes the seam cannot know. */
static void test_seam_wanted(void)
{
    struct progress *p = mk_three(10 * 1000 * 1000);
    if (!p)
        return;
    CHECK_INT(plan_seam_wanted(p, 2), 1);
    p->clips[1].status = CLIP_PENDING;
    CHECK_INT(plan_seam_wanted(p, 2), 0);
    p->clips[1].start_kbps = 1000;
    CHECK_INT(plan_seam_wanted(p, 2), 0);
    CHECK_INT(plan_seam_wanted(p, 3), 0);
    free_progress(&p);
}

/* A clip started at 1000 kbit/s whose first part, 10 s, took bytes. */
static struct plan_seam_so_far first_part(int64_t start_kbps, int64_t bytes)
{
    int64_t nominal = plan_video_bytes(start_kbps, 10.0);
    return (struct plan_seam_so_far){ .start_kbps = start_kbps, .seconds = 10.0,
                                      .bytes = bytes, .nominal = nominal,
                                      .part_bytes = bytes, .part_nominal = nominal };
}

/* The rest's rate by hand: the room the others leave, whole sectors, less
 * the clip's audio and MP4 bounds and its video so far, less 5 %, over the
 * ratio the clip overshot by, over the seconds left. */
static void test_seam_kbps_by_hand(void)
{
    struct progress *p = mk_three(8 * 1000 * 1000);
    struct plan_clip pc = { .duration = 20.0, .video_frames = 600, .has_audio = 1 };
    struct plan_seam_so_far sf = first_part(1000, 1000 * 125 * 10 * 102 / 100);
    struct plan_seam d;
    int64_t room, nv, left, video, kbps;
    if (!p)
        return;
    room = (8000000 - 4096 - 2 * plan_sector_round(2500001)) / 2048 * 2048;
    nv = plan_predict_bytes(&pc, 0, 64);
    left = room - nv - sf.bytes;
    left -= (left * 5 + 99) / 100;
    video = (int64_t)floor((double)left / 1.02);
    kbps = (int64_t)floor((double)video / (125.0 * 10.0));
    CHECK_INT(plan_seam_kbps(p, 2, 4096, &sf, &d), kbps);
    CHECK_INT(d.room, room);
    CHECK_INT(d.nonvideo, nv);
    CHECK(fabs(d.ratio - 1.02) < 1e-12);
    CHECK_INT(d.video, video);
    CHECK(d.rest_seconds == 10.0);
    CHECK(kbps > 1000 && kbps < 1500);
    /* On target at that ratio, the clip fits what the others leave. */
    CHECK(sf.bytes + (int64_t)ceil(1.02 * (double)plan_video_bytes(kbps, 10.0)) + nv <= room);
    /* An undershoot is not assumed to go on: ratio 1. */
    sf = first_part(1000, 1000 * 125 * 5);
    plan_seam_kbps(p, 2, 4096, &sf, &d);
    CHECK(d.ratio == 1.0);
    free_progress(&p);
}

/* At a later seam the larger of the whole's ratio and the last part's
 * counts: a new encoder overshoots most at its start. */
static void test_seam_part_ratio(void)
{
    struct progress *p = mk_three(8 * 1000 * 1000);
    struct plan_seam_so_far sf = first_part(1000, 1250000);
    struct plan_seam d;
    if (!p)
        return;
    /* 10 s on target at 1000, then 5 s at 1100 that took 9 % more. */
    sf.seconds = 15.0;
    sf.part_nominal = plan_video_bytes(1100, 5.0);
    sf.part_bytes = sf.part_nominal * 109 / 100;
    sf.nominal += sf.part_nominal;
    sf.bytes += sf.part_bytes;
    plan_seam_kbps(p, 2, 4096, &sf, &d);
    CHECK(fabs(d.ratio - 1.09) < 1e-12);
    CHECK(d.rest_seconds == 5.0);
    /* The whole's, when it is the larger. */
    sf.part_bytes = sf.part_nominal;
    sf.bytes = sf.nominal * 103 / 100;
    plan_seam_kbps(p, 2, 4096, &sf, &d);
    CHECK(fabs(d.ratio - 1.03) < 1e-9);
    free_progress(&p);
}

/* Within half and one and a half times the start rate, never under the
 * floor: the rest is neither starved nor flooded to rescue the total. */
static void test_seam_band(void)
{
    struct progress *p = mk_three(100 * 1000 * 1000);
    struct plan_seam_so_far sf = first_part(1000, 1250000);
    if (!p)
        return;
    CHECK_INT(plan_seam_kbps(p, 2, 4096, &sf, NULL), 1500);
    p->disc_bytes = 6 * 1000 * 1000;
    CHECK_INT(plan_seam_kbps(p, 2, 4096, &sf, NULL), 500);
    sf.start_kbps = 60;
    CHECK_INT(plan_seam_kbps(p, 2, 4096, &sf, NULL), PLAN_MIN_KBPS);
    free_progress(&p);
}

/* The simulated encoder on the last clip, part by part: each part's video
 * off by the clip's error, plus extra for every encoder after the first
 * (an encoder overshoots most at its start); its seams as the job makes
 * them. Returns the number of seams. */
static int sim_last_seamed(struct progress *p, int64_t other, const struct sim *m, double extra)
{
    size_t i = p->nb_clips - 1;
    struct clip *c = &p->clips[i];
    struct plan_seam_so_far sf = { .start_kbps = plan_clip_target(p, i, other) };
    int64_t kbps = sf.start_kbps, frame;
    double err = sim_err(m, i, p->nb_clips);
    int k = 0;

    do {
        frame = plan_seam_frame(p, i, k + 1);
        double end = frame ? c->duration * (double)frame / (double)c->video_frames : c->duration;
        sf.part_nominal = plan_video_bytes(kbps, end - sf.seconds);
        sf.part_bytes = (int64_t)((double)sf.part_nominal * (1 + err + (k ? extra : 0)));
        sf.nominal += sf.part_nominal;
        sf.bytes += sf.part_bytes;
        sf.seconds = end;
        if (frame && plan_seam_wanted(p, i)) {
            kbps = plan_seam_kbps(p, i, other, &sf, NULL);
            k++;
        }
    } while (frame);
    /* What fake_encode adds to the video: Opus at 160 bytes, MP4. */
    c->output_size = sf.bytes + ((int64_t)ceil(c->duration * 50) + 2) * (160 + 11) * c->has_audio +
                     c->video_frames * 14 + 1200;
    c->target_kbps = plan_mean_kbps(sf.nominal, c->duration);
    c->encodes = 1;
    c->status = CLIP_DONE;
    return k;
}

/* run_batch with the last clip seamed; returns the guard's re-encodes or
 * -1 when it gave up. */
static int run_batch_seamed(struct progress *p, int64_t other, const struct sim *m, double extra,
                            int *seams)
{
    encode_clips(p, other, m, p->nb_clips - 1, NULL);
    *seams = sim_last_seamed(p, other, m, extra);
    return guard_batch(p, other, m);
}

/* The clips of p in the opposite order: the largest last, as --balance
 * quality orders a batch whose hardest clip is also its longest. */
static void reverse_clips(struct progress *p)
{
    for (size_t i = 0; i < p->nb_clips / 2; i++) {
        struct clip t = p->clips[i];
        p->clips[i] = p->clips[p->nb_clips - 1 - i];
        p->clips[p->nb_clips - 1 - i] = t;
    }
}

/* test_fill_simulated's batches (11 clips of 5 to 60 min), in its order
 * (the last 5 min: 4 seams) and reversed (the last 60 min: 4 seams), at
 * its budgets and errors and a rising -20..+10 %, each new encoder +0 or
 * +9 % more: never over the disc, never more guard re-encodes than
 * without the seams, and, where neither needs the guard, at least as full;
 * over 0.99 with an error the margin covers. */
static void test_seams_simulated(void)
{
    static const double fractions[] = { 0.30, 0.10, 0.05, 0.03 };
    static const struct sim sims[] = {
        { .seed = 1, .lo = -0.05, .hi = 0.04, .tonal_from = SIZE_MAX },
        { .seed = 2, .lo = 0.04, .hi = 0.04, .tonal_from = SIZE_MAX },
        { .seed = 3, .lo = -0.05, .hi = -0.05, .tonal_from = SIZE_MAX },
        { .seed = 4, .lo = -0.20, .hi = 0.04, .tonal_from = SIZE_MAX },
        { .lo = -0.20, .hi = 0.10, .trend = 1, .tonal_from = SIZE_MAX },
    };
    static const double extras[] = { 0.0, 0.09 };
    for (size_t n = 0; n < 2 * sizeof(fractions) / sizeof(*fractions); n++) {
        const double fraction = fractions[n / 2];
        for (size_t k = 0; k < sizeof(sims) / sizeof(*sims); k++) {
            for (size_t x = 0; x < 2; x++) {
                int64_t other, kbps;
                struct progress *a = mk_batch(fraction, &other, &kbps);
                struct progress *b = mk_batch(fraction, &other, &kbps);
                int seams = 0, plain, seamed;
                CHECK(a && b);
                if (!a || !b)
                    return;
                if (n % 2) {
                    reverse_clips(a);
                    reverse_clips(b);
                }
                plain = run_batch(a, other, &sims[k], NULL);
                seamed = run_batch_seamed(b, other, &sims[k], extras[x], &seams);
                printf("# budget %.0f%%, %s, errors %+.0f..%+.0f%%%s, new encoders %+.0f%%: "
                       "fill %.4f without seams (%d guard), %.4f with %d (%d guard)\n",
                       fraction * 100, n % 2 ? "largest last" : "largest first",
                       sims[k].lo * 100, sims[k].hi * 100, sims[k].trend ? " rising" : "",
                       extras[x] * 100, fill_of(a), plain, fill_of(b), seams, seamed);
                CHECK_INT(seams, 4);
                CHECK(seamed >= 0 && seamed <= plain);
                CHECK(disc_total(b, other) <= plan_usable_bytes(b->disc_bytes, b->safety_bytes));
                if (plain == 0 && seamed == 0)
                    CHECK(fill_of(b) >= fill_of(a));
                if (extras[x] == 0 && sims[k].hi <= 0.04 && sims[k].lo >= -0.05)
                    CHECK(fill_of(b) >= 0.99);
                free_progress(&a);
                free_progress(&b);
            }
        }
    }
}

/* The recorded target: the mean rate of what the parts stood for. */
static void test_mean_kbps(void)
{
    int64_t nominal = plan_video_bytes(1000, 10.0) + plan_video_bytes(1200, 5.0) +
                      plan_video_bytes(1300, 5.0);
    CHECK_INT(plan_mean_kbps(nominal, 20.0), 1125);
    CHECK_INT(plan_mean_kbps(plan_video_bytes(777, 20.0), 20.0), 777);
    CHECK_INT(plan_mean_kbps(nominal, 0.0), 0);
}

int main(void)
{
    RUN(test_seam_frames);
    RUN(test_seam_wanted);
    RUN(test_seam_kbps_by_hand);
    RUN(test_seam_part_ratio);
    RUN(test_seam_band);
    RUN(test_mean_kbps);
    RUN(test_seams_simulated);
    return check_done();
}
