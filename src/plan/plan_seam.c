/* Seams: the last clip's rest encoded at the rate that fills what is left
 * (planner.h, design.md "Seams"). */
#include <math.h>

#include "plan/plan_arith.h"
#include "plan/planner.h"

int64_t plan_seam_frame(const struct progress *p, size_t idx, int k)
{
    const struct clip *c = idx < p->nb_clips ? &p->clips[idx] : NULL;
    double rest;
    if (!c || p->mode != MODE_ENCODE || k < 1 || k > PLAN_SEAM_MAX ||
        !(c->duration > 0) || !isfinite(c->duration) || c->video_frames < 2)
        return 0;
    rest = ldexp(c->duration, -k);
    if (!(rest >= PLAN_SEAM_MIN_REST_S))
        return 0;
    return c->video_frames - (c->video_frames >> k);
}

int plan_seam_wanted(const struct progress *p, size_t idx)
{
    if (idx >= p->nb_clips)
        return 0;
    for (size_t i = 0; i < p->nb_clips; i++)
        if (i != idx && p->clips[i].status != CLIP_DONE)
            return 0;
    return 1;
}

/* bytes over nominal when above 1, else 1. */
static double overshoot(int64_t bytes, int64_t nominal)
{
    return nominal > 0 && bytes > nominal ? (double)bytes / (double)nominal : 1.0;
}

int64_t plan_seam_kbps(const struct progress *p, size_t idx, int64_t other_files,
                       const struct plan_seam_so_far *sf, struct plan_seam *s)
{
    const struct clip *c = &p->clips[idx];
    const struct plan_clip pc = { .duration = c->duration, .video_frames = c->video_frames,
                                  .has_audio = c->has_audio };
    int64_t others = plan_disc_total(p, other_files), left;
    struct plan_seam ss = { .rest_seconds = c->duration - sf->seconds };
    double part = overshoot(sf->part_bytes, sf->part_nominal);

    /* The clip's own old output, if any, is what it replaces. */
    if (c->status == CLIP_DONE)
        others = sat_sub(others, plan_sector_round(c->output_size));
    ss.room = sector_floor(sat_sub(plan_usable_bytes(p->disc_bytes, p->safety_bytes), others));
    ss.nonvideo = plan_predict_bytes(&pc, 0, p->audio_kbps);
    /* The clip overshot by ratio so far, or its last part (each encoder
     * overshoots most at its start): the rest likely will as well. */
    ss.ratio = overshoot(sf->bytes, sf->nominal);
    if (part > ss.ratio)
        ss.ratio = part;
    left = sat_sub(sat_sub(ss.room, ss.nonvideo), sf->bytes);
    ss.rc_margin = pct_ceil(left, PLAN_RC_MARGIN_PCT);
    left = sat_sub(left, ss.rc_margin);
    ss.video = left > 0 ? from_double(floor((double)left / ss.ratio)) : 0;
    ss.kbps = plan_band_clamp(ss.rest_seconds > 0 ? kbps_of(ss.video, ss.rest_seconds)
                                                   : sf->start_kbps, sf->start_kbps);
    if (s)
        *s = ss;
    return ss.kbps;
}

int64_t plan_video_bytes(int64_t kbps, double seconds)
{
    return video_bytes_at(kbps, seconds);
}

int64_t plan_mean_kbps(int64_t nominal, double duration)
{
    if (!(duration > 0) || nominal <= 0)
        return 0;
    return from_double(floor((double)nominal / (BYTES_PER_KBPS_S * duration) + 0.5));
}
