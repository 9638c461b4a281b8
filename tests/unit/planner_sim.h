/* Helpers of the planner's tests (test_planner.c, test_planner_jobs.c,
 * test_plan_seam.c): progress structs built by hand, and a deterministic
 * stand-in for the encoder to drive the feedback law and the final guard
 * through whole batches. Static functions: each test includes it once. */
#ifndef PBC_PLANNER_SIM_H
#define PBC_PLANNER_SIM_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "plan/planner.h"

/* A progress as the job holds it after planning (names are not needed). */
static struct progress *mk_progress(const struct plan_clip *pcs, size_t n,
                                    int64_t disc, int64_t safety, int64_t kbps)
{
    struct progress *p = calloc(1, sizeof(*p));
    if (!p || !(p->clips = calloc(n ? n : 1, sizeof(*p->clips)))) {
        free(p);
        return NULL;
    }
    p->disc_bytes = disc;
    p->safety_bytes = safety;
    p->mode = MODE_ENCODE;
    p->kbps = kbps;
    p->audio_kbps = ENC_AUDIO_KBPS;
    p->preset = 10;
    p->nb_clips = n;
    for (size_t i = 0; i < n; i++) {
        p->clips[i].status = CLIP_PENDING;
        p->clips[i].source_size = pcs[i].size;
        p->clips[i].duration = pcs[i].duration;
        p->clips[i].video_frames = pcs[i].video_frames;
        p->clips[i].has_audio = pcs[i].has_audio;
        p->clips[i].output_size = -1;
    }
    return p;
}

static void free_progress(struct progress **p)
{
    if (*p)
        free((*p)->clips);
    free(*p);
    *p = NULL;
}

static int64_t disc_total(const struct progress *p, int64_t other)
{
    int64_t total = other;
    for (size_t i = 0; i < p->nb_clips; i++)
        if (p->clips[i].status == CLIP_DONE)
            total += plan_sector_round(p->clips[i].output_size);
    return total;
}

/* How the simulated encoder misses: clip i's video is off by an error in
 * [lo, hi] (spread deterministically by seed, or rising from lo to hi
 * along the batch when trend is set); its Opus packets are 160 bytes
 * (speech and noise measured 142-165) or, from clip tonal_from on, 236
 * (a pure tone, the worst measured). */
struct sim {
    unsigned seed;
    double lo, hi;
    int trend;
    size_t tonal_from;
    /* Up to two clips (index + 1; 0: none) of content VBR does not spend
     * its target on: their first encode takes share[0] of it, every later
     * one share[1] of its own. Measured on BENCHMARKS.md "Quality"'s 60 s
     * corpus at 30 %: the walk 0.41, then 0.94 of a fill-pass target 3.5
     * times higher; the text page 0.35, then 0.14 at 4.4 times. */
    struct sim_easy {
        size_t clip;
        double share[2];
    } easy[2];
};

static double sim_err(const struct sim *m, size_t i, size_t n)
{
    uint32_t x = (uint32_t)(i * 2654435761u) ^ (m->seed * 40503u);
    if (m->trend)
        return m->lo + (m->hi - m->lo) * (double)i / (double)(n > 1 ? n - 1 : 1);
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    return m->lo + (m->hi - m->lo) * (x % 10001) / 10000.0;
}

/* The MP4 bytes are those measured typical (14 per frame, 11 per packet,
 * 1200 per file). */
static int64_t fake_encode(const struct sim *m, const struct progress *p, size_t i, int64_t kbps)
{
    const struct clip *c = &p->clips[i];
    int64_t packets = c->has_audio ? (int64_t)ceil(c->duration * 50) + 2 : 0;
    int64_t packet_bytes = i >= m->tonal_from ? 236 : 160;
    double video = kbps * 125.0 * c->duration * (1 + sim_err(m, i, p->nb_clips));
    for (size_t e = 0; e < 2; e++)
        if (m->easy[e].clip == i + 1)
            video = kbps * 125.0 * c->duration * m->easy[e].share[c->encodes > 0];
    return (int64_t)video + packets * (packet_bytes + 11) + c->video_frames * 14 + 1200;
}

/* Eleven clips, 5 to 60 minutes at 30 fps, largest first, one silent. */
static const double batch_minutes[11] = { 60, 48, 41, 33, 30, 22, 17, 12, 9, 7, 5 };

static struct progress *mk_batch(double budget_fraction, int64_t *other, int64_t *kbps_out)
{
    struct plan_clip pcs[11];
    struct plan_budget b;
    struct progress *p;
    int64_t input = 0;
    for (size_t i = 0; i < 11; i++) {
        pcs[i].duration = batch_minutes[i] * 60 + 0.4;
        pcs[i].video_frames = (int64_t)(pcs[i].duration * 30);
        pcs[i].has_audio = i != 6;
        pcs[i].size = (int64_t)(pcs[i].duration * 8128 * 125); /* 8 Mbit/s + AAC */
        input += pcs[i].size;
    }
    *other = plan_other_files_bytes(11, 60, 11 * 30, 11 * 50);
    int64_t disc = (int64_t)(input * budget_fraction);
    if (plan_budget(pcs, 11, disc, *other, 64, &b) < 0)
        return NULL;
    p = mk_progress(pcs, 11, disc, 0, b.kbps);
    *kbps_out = b.kbps;
    return p;
}

/* The simulated encoder as the final guard's re-encode (plan_reencode_fn). */
struct sim_run {
    struct progress *p;
    const struct sim *m;
};

static int sim_reencode(void *opaque, size_t idx, int64_t kbps, int64_t total)
{
    struct sim_run *r = opaque;
    struct clip *c = &r->p->clips[idx];
    (void)total;
    c->output_size = fake_encode(r->m, r->p, idx, kbps);
    c->target_kbps = kbps;
    c->encodes++;
    return 0;
}

/* The clip loop over the first n clips, each at the feedback law's
 * target with the simulated encoder; targets[i] (may be NULL) gets clip
 * i's target. */
static void encode_clips(struct progress *p, int64_t other, const struct sim *m, size_t n,
                         int64_t *targets)
{
    for (size_t i = 0; i < n; i++) {
        struct clip *c = &p->clips[i];
        int64_t k = plan_clip_target(p, i, other);
        if (targets)
            targets[i] = k;
        c->output_size = fake_encode(m, p, i, k);
        c->target_kbps = k;
        c->encodes = 1;
        c->status = CLIP_DONE;
    }
}

/* The product's final guard loop (plan_guard_loop) with the simulated
 * encoder: its re-encodes, or -1 when it gave up. */
static int guard_batch(struct progress *p, int64_t other, const struct sim *m)
{
    struct sim_run r = { .p = p, .m = m };
    struct plan_guard_result res;
    if (plan_guard_loop(p, other, sim_reencode, &r, &res) < 0 || res.gave_up)
        return -1;
    return res.reencodes;
}

/* The simulated encoder as the fill pass's re-encode (plan_reencode_fn),
 * as job_clips.c's job_clip_try_upgrade: the new output kept only if the
 * batch still fits, the attempt recorded otherwise, counted either way. */
static inline int sim_fill(void *opaque, size_t idx, int64_t kbps, int64_t total)
{
    struct sim_run *r = opaque;
    struct clip *c = &r->p->clips[idx];
    int64_t size = fake_encode(r->m, r->p, idx, kbps);
    c->encodes++;
    if (total - plan_sector_round(c->output_size) + plan_sector_round(size) >
        plan_usable_bytes(r->p->disc_bytes, r->p->safety_bytes)) {
        c->fill_overflow_kbps = kbps;
        c->fill_overflow_bytes = size;
        return 0;
    }
    c->output_size = size;
    c->target_kbps = kbps;
    c->fill_overflow_kbps = c->fill_overflow_bytes = 0;
    return 0;
}

/* The product's fill pass loop (plan_fill_loop) with the simulated
 * encoder: its attempts. */
static inline int fill_batch(struct progress *p, int64_t other, const struct sim *m)
{
    struct sim_run r = { .p = p, .m = m };
    struct plan_fill_result res;
    if (plan_fill_loop(p, other, sim_fill, &r, &res) < 0)
        return -1;
    return res.attempts;
}

/* Runs the clip loop, then the final guard; returns the number of guard
 * re-encodes, or -1 when the guard gave up. targets[i] gets clip i's
 * first target. */
static int run_batch(struct progress *p, int64_t other, const struct sim *m, int64_t *targets)
{
    encode_clips(p, other, m, p->nb_clips, targets);
    return guard_batch(p, other, m);
}

static double fill_of(const struct progress *p)
{
    int64_t sum = 0;
    for (size_t i = 0; i < p->nb_clips; i++)
        sum += p->clips[i].output_size;
    return (double)sum / (double)plan_usable_bytes(p->disc_bytes, p->safety_bytes);
}

#endif
