/* The disc budget: see planner.h and docs/design.md "Budget model".
 *
 * All byte arithmetic is int64 and saturates instead of wrapping; the few
 * products with a duration go through double (exact below 2^53 bytes,
 * i.e. far beyond any disc) and are converted back with a range check. */
#include <errno.h>
#include <math.h>

#include "base/errors.h"
#include "plan/plan_arith.h"
#include "plan/planner.h"
#include "plan/plan_quality.h"

int64_t plan_usable_bytes(int64_t disc_bytes, int64_t safety_bytes)
{
    return disc_usable_bytes(disc_bytes, safety_bytes);
}

int64_t plan_sector_round(int64_t bytes)
{
    return disc_sector_round(bytes);
}

enum job_mode plan_decide_mode(const struct plan_clip *clips, size_t n,
                               int64_t usable, int64_t other_files)
{
    int64_t total = other_files > 0 ? other_files : 0;
    for (size_t i = 0; i < n; i++)
        total = sat_add(total, plan_sector_round(clips[i].size));
    return total <= usable ? MODE_COPY : MODE_ENCODE;
}

/* What a clip writes besides its video, as bounded by the model. */
struct nonvideo {
    int64_t packets;   /* Opus packets */
    int64_t audio;     /* their bytes */
    int64_t mux;       /* MP4 overhead */
};

static int64_t opus_packet_bytes(int audio_kbps)
{
    /* audio_kbps x 1000 / 8 / 50 x (100 + vbr) / 100, rounded up. */
    int64_t num = sat_mul(audio_kbps, 100 + PLAN_OPUS_VBR_PCT);
    return (num + 39) / 40;
}

static struct nonvideo nonvideo_of(double duration, int64_t frames, int has_audio,
                                   int audio_kbps)
{
    struct nonvideo nv = { 0 };
    if (has_audio && duration > 0) {
        double s = ceil((duration + PLAN_AUDIO_SLACK_S) * ENC_AUDIO_PACKETS_PER_S);
        nv.packets = sat_add(from_double(s), PLAN_OPUS_EXTRA_PACKETS);
        nv.audio = sat_mul(nv.packets, opus_packet_bytes(audio_kbps));
    }
    nv.mux = sat_add(sat_add(PLAN_MP4_FILE_BYTES,
                             sat_mul(frames, PLAN_MP4_VIDEO_FRAME_BYTES)),
                     sat_mul(nv.packets, PLAN_MP4_AUDIO_PACKET_BYTES));
    return nv;
}

/* Audio, MP4 and whole-sector bounds of one clip. */
static int64_t nonvideo_total(const struct nonvideo *nv)
{
    return sat_add(sat_add(nv->audio, nv->mux), PLAN_SECTOR_BYTES);
}

static int valid_duration(double d)
{
    return d > 0 && isfinite(d);
}

/* The floor lines of b (planner.h), from its other lines: the video at
 * PLAN_MIN_KBPS over the whole duration, then the smallest rest whose
 * margin leaves that much. */
static void floor_needs(struct plan_budget *b)
{
    int64_t fixed = sat_add(sat_add(sat_add(b->other_files, b->audio), b->mux_overhead),
                            b->sector_slack);
    int64_t video = from_double(ceil(PLAN_MIN_KBPS * BYTES_PER_KBPS_S * b->video_seconds));
    int64_t rest;
    /* The same kbps_of as the plan, so feasible_need is exact to the byte. */
    while (video < INT64_MAX && kbps_of(video, b->video_seconds) < PLAN_MIN_KBPS)
        video++;
    rest = from_double(ceil((double)video * 100.0 / (100 - PLAN_RC_MARGIN_PCT)));
    while (rest < INT64_MAX && sat_sub(rest, pct_ceil(rest, PLAN_RC_MARGIN_PCT)) < video)
        rest++;
    b->floor_need = sat_add(fixed, video);
    b->feasible_need = sat_add(fixed, rest);
    b->floor_min = sat_add(sat_add(b->floor_min, PLAN_OTHER_FILES_MIN_BYTES), video);
    b->fits_floor = b->feasible || b->floor_min <= b->usable;
}

/* The least a clip writes besides its video: its audio as long as the
 * clip, exact in CBR, and the MP4 boxes at their measured minimum; no
 * sector rounding. */
static int64_t nonvideo_min(const struct plan_clip *c, int audio_kbps)
{
    int64_t packets = c->has_audio ? from_double(floor(c->duration * ENC_AUDIO_PACKETS_PER_S)) : 0;
    int64_t frames = c->video_frames > 0 ? c->video_frames : 0;
    /* Only CBR has a known least packet size. */
    int64_t packet = PLAN_OPUS_VBR_PCT == 0 ? opus_packet_bytes(audio_kbps) : 0;
    return sat_add(sat_add(sat_mul(packets, packet),
                           sat_mul(packets, PLAN_MP4_AUDIO_PACKET_MIN_BYTES)),
                   sat_add(PLAN_MP4_FILE_MIN_BYTES,
                           sat_mul(frames, PLAN_MP4_VIDEO_FRAME_MIN_BYTES)));
}

int plan_budget(const struct plan_clip *clips, size_t n, int64_t usable,
                int64_t other_files, int audio_kbps, struct plan_budget *b)
{
    int64_t rest;
    *b = (struct plan_budget){ .usable = usable, .other_files = other_files, .files = n };
    if (n == 0 || audio_kbps <= 0)
        return AVERROR(EINVAL);
    b->audio_packet_bytes = opus_packet_bytes(audio_kbps);
    for (size_t i = 0; i < n; i++) {
        const struct plan_clip *c = &clips[i];
        struct nonvideo nv;
        if (!valid_duration(c->duration))
            return AVERROR(EINVAL);
        nv = nonvideo_of(c->duration, c->video_frames, c->has_audio, audio_kbps);
        b->audio = sat_add(b->audio, nv.audio);
        b->audio_packets = sat_add(b->audio_packets, nv.packets);
        b->mux_overhead = sat_add(b->mux_overhead, nv.mux);
        b->sector_slack = sat_add(b->sector_slack, PLAN_SECTOR_BYTES);
        b->video_frames = sat_add(b->video_frames, c->video_frames > 0 ? c->video_frames : 0);
        b->video_seconds += c->duration;
        b->floor_min = sat_add(b->floor_min, nonvideo_min(c, audio_kbps));
    }
    rest = sat_sub(sat_sub(sat_sub(sat_sub(usable, other_files), b->audio),
                           b->mux_overhead), b->sector_slack);
    b->rc_margin = pct_ceil(rest, PLAN_RC_MARGIN_PCT);
    b->video = sat_sub(rest, b->rc_margin);
    b->raw_kbps = b->video > 0 ? kbps_of(b->video, b->video_seconds) : 0;
    b->feasible = b->video > 0 && b->raw_kbps >= PLAN_MIN_KBPS;
    b->kbps = b->feasible ? b->raw_kbps : PLAN_MIN_KBPS;
    floor_needs(b);
    return 0;
}

int64_t plan_predict_bytes(const struct plan_clip *c, int64_t video_kbps, int audio_kbps)
{
    struct nonvideo nv = nonvideo_of(c->duration, c->video_frames, c->has_audio, audio_kbps);
    return sat_add(sat_add(video_bytes_at(video_kbps, c->duration), nv.audio), nv.mux);
}

static int64_t predict_clip(const struct progress *p, const struct clip *c, int64_t kbps);

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static int in_flight(const struct clip *c, size_t i, size_t idx)
{
    return c->status == CLIP_PENDING && c->start_kbps > 0 && i != idx;
}

/* The clips other jobs are encoding, charged at what the done clips say
 * the model costs: sector_round(ceil(q x predict(start_kbps))) each. */
static int64_t inflight_charge(const struct progress *p, size_t idx, double q, size_t *count)
{
    int64_t sum = 0;
    *count = 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        int64_t predicted;
        if (!in_flight(c, i, idx) || !valid_duration(c->duration))
            continue;
        predicted = predict_clip(p, c, c->start_kbps);
        if (q != 1.0)
            predicted = from_double(ceil(q * (double)predicted));
        sum = sat_add(sum, plan_sector_round(predicted));
        (*count)++;
    }
    return sum;
}

/* The band of the feedback law around base: [lo, hi], never below
 * PLAN_MIN_KBPS. */
static void target_band(int64_t base, int64_t *lo, int64_t *hi)
{
    *lo = pct_floor(base, PLAN_BAND_LO_PCT);
    *hi = pct_floor(base, PLAN_BAND_HI_PCT);
    if (*lo < PLAN_MIN_KBPS)
        *lo = PLAN_MIN_KBPS;
    if (*hi < *lo)
        *hi = *lo;
}

int64_t plan_band_clamp(int64_t kbps, int64_t base)
{
    int64_t lo, hi;
    target_band(base, &lo, &hi);
    return clamp64(kbps, lo, hi);
}

/* The done clips' bytes over their predictions, within
 * [PLAN_RATIO_MIN_PCT, PLAN_RATIO_MAX_PCT] % (the floor
 * PLAN_RATIO_MIN_QUALITY_PCT with --balance quality). */
static double bounded_ratio(const struct progress *p, double ratio)
{
    double lo = (p->balance == BALANCE_QUALITY ? PLAN_RATIO_MIN_QUALITY_PCT
                                               : PLAN_RATIO_MIN_PCT) / 100.0;
    if (ratio < lo)
        ratio = lo;
    if (ratio > PLAN_RATIO_MAX_PCT / 100.0)
        ratio = PLAN_RATIO_MAX_PCT / 100.0;
    return ratio;
}

int64_t plan_clip_planned(const struct progress *p, const struct clip *c)
{
    return progress_planned_kbps(p, c);
}

/* A clip still to encode: its audio and MP4 bounds, its seconds, and its
 * seconds weighted by its planned rate over base (--balance quality). */
static void add_pending(const struct progress *p, const struct clip *c,
                        const struct nonvideo *nv, int64_t base, struct plan_target *tt)
{
    int64_t planned_i = plan_clip_planned(p, c);
    tt->pending_nonvideo = sat_add(tt->pending_nonvideo, nonvideo_total(nv));
    tt->pending_seconds += c->duration;
    /* planned_i / planned is exactly 1 when the two are equal, so
     * with one bitrate for all this sum is pending_seconds, bit
     * for bit, and the target the one-bitrate law's. */
    if (planned_i < PLAN_MIN_KBPS)
        planned_i = PLAN_MIN_KBPS;
    tt->weighted_seconds += c->duration * ((double)planned_i / (double)base);
}

int64_t plan_clip_target_derive(const struct progress *p, size_t idx, int64_t other_files,
                                struct plan_target *t)
{
    struct plan_target tt = { .model_ratio = 1.0 };
    int64_t planned = idx < p->nb_clips ? plan_clip_planned(p, &p->clips[idx]) : p->kbps;
    int64_t base = planned > PLAN_MIN_KBPS ? planned : PLAN_MIN_KBPS;
    int64_t sectors = 0;
    double done_actual = 0, done_predicted = 0;

    tt.usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    tt.other_files = other_files;
    target_band(base, &tt.lo, &tt.hi);
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        int done = c->status == CLIP_DONE && i != idx;
        struct nonvideo nv;
        /* In flight (another job encodes it): charged below, not pending. */
        if (in_flight(c, i, idx))
            continue;
        /* idx is about to be (re-)encoded: its old output does not count. */
        if (done)
            tt.done_bytes = sat_add(tt.done_bytes, plan_sector_round(c->output_size));
        if (!valid_duration(c->duration))
            continue;
        nv = nonvideo_of(c->duration, c->video_frames, c->has_audio, p->audio_kbps);
        if (done) {
            if (c->target_kbps > 0 && c->output_size > 0) {
                done_actual += (double)c->output_size;
                done_predicted += (double)video_bytes_at(c->target_kbps, c->duration) +
                                  (double)sat_add(nv.audio, nv.mux);
            }
        } else {
            add_pending(p, c, &nv, base, &tt);
            sectors = sat_add(sectors, PLAN_SECTOR_BYTES);
        }
    }
    /* The model's error on the done clips (audio and MP4 bounds, the
     * encoder's bias), assumed for the pending ones. */
    if (done_predicted > 0)
        tt.model_ratio = bounded_ratio(p, done_actual / done_predicted);
    tt.inflight_bytes = inflight_charge(p, idx, tt.model_ratio, &tt.inflight);
    tt.video = sat_sub(sat_sub(tt.usable, other_files), tt.done_bytes);
    tt.video = sat_sub(sat_sub(tt.video, tt.inflight_bytes), sectors);
    if (tt.model_ratio != 1.0 && tt.video > 0)
        tt.video = from_double(floor((double)tt.video / tt.model_ratio));
    tt.video = sat_sub(tt.video, sat_sub(tt.pending_nonvideo, sectors));
    tt.rc_margin = pct_ceil(tt.video, PLAN_RC_MARGIN_PCT);
    tt.video = sat_sub(tt.video, tt.rc_margin);
    tt.planned = base;
    tt.raw_kbps = tt.video > 0 ? kbps_of(tt.video, tt.weighted_seconds) : 0;
    tt.scale = (double)tt.raw_kbps / (double)base;
    tt.kbps = tt.weighted_seconds > 0 ? clamp64(tt.raw_kbps, tt.lo, tt.hi)
                                     : clamp64(base, tt.lo, tt.hi);
    if (t)
        *t = tt;
    return tt.kbps;
}

int64_t plan_clip_target(const struct progress *p, size_t idx, int64_t other_files)
{
    return plan_clip_target_derive(p, idx, other_files, NULL);
}

/* The kbps at which clip c, re-encoded, leaves the outputs within usable
 * when the other outputs take others bytes; 0 when no kbps can. */
static int64_t guard_kbps(const struct progress *p, const struct clip *c,
                          int64_t usable, int64_t others)
{
    struct nonvideo nv = nonvideo_of(c->duration, c->video_frames, c->has_audio, p->audio_kbps);
    int64_t nv_bytes = sat_add(nv.audio, nv.mux);
    int64_t room = sector_floor(sat_sub(usable, others));
    int64_t video = sat_sub(room, nv_bytes);
    int64_t nominal = video_bytes_at(c->target_kbps, c->duration);
    int64_t actual = sat_sub(c->output_size, nv_bytes);
    double ratio = 1.0;
    int64_t kbps;

    if (video <= 0 || nominal <= 0)
        return 0;
    video = sat_sub(video, pct_ceil(video, PLAN_RC_MARGIN_PCT));
    /* The encoder overshot this clip by ratio: it will likely again. */
    if (actual > nominal)
        ratio = (double)actual / (double)nominal;
    kbps = from_double(floor((double)video / (BYTES_PER_KBPS_S * c->duration) / ratio));
    if (kbps < PLAN_MIN_KBPS || kbps >= c->target_kbps)
        return 0;
    return kbps;
}

int plan_guard_pick(const struct progress *p, int64_t other_files,
                    size_t *idx, int64_t *kbps)
{
    int64_t usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    int64_t total = other_files, best_over = 0;
    int found = 0;

    for (size_t i = 0; i < p->nb_clips; i++) {
        if (p->clips[i].status != CLIP_DONE)
            return 0;
        total = sat_add(total, plan_sector_round(p->clips[i].output_size));
    }
    if (total <= usable)
        return 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        struct plan_clip pc = { .duration = c->duration, .video_frames = c->video_frames,
                                .has_audio = c->has_audio };
        int64_t over, k;
        if (!valid_duration(c->duration) || c->target_kbps <= 0 ||
            c->encodes >= PLAN_GUARD_MAX_ENCODES)
            continue;
        over = sat_sub(c->output_size, plan_predict_bytes(&pc, c->target_kbps, p->audio_kbps));
        if (found && over <= best_over)
            continue;
        k = guard_kbps(p, c, usable, sat_sub(total, plan_sector_round(c->output_size)));
        if (!k)
            continue;
        found = 1;
        best_over = over;
        *idx = i;
        *kbps = k;
    }
    return found;
}

static int64_t predict_clip(const struct progress *p, const struct clip *c, int64_t kbps)
{
    struct plan_clip pc = { .duration = c->duration, .video_frames = c->video_frames,
                            .has_audio = c->has_audio };
    return plan_predict_bytes(&pc, kbps, p->audio_kbps);
}

int64_t plan_clip_predicted(const struct progress *p, const struct clip *c)
{
    if (!valid_duration(c->duration) || c->target_kbps <= 0)
        return 0;
    return predict_clip(p, c, c->target_kbps);
}

double plan_clip_ratio(const struct progress *p, size_t idx)
{
    const struct clip *c = &p->clips[idx];
    int64_t pred;
    if (idx >= p->nb_clips || c->status != CLIP_DONE || !valid_duration(c->duration) ||
        c->target_kbps <= 0 || c->output_size <= 0)
        return 1.0;
    pred = predict_clip(p, c, c->target_kbps);
    return pred > 0 ? (double)c->output_size / (double)pred : 1.0;
}

double plan_fill_ratio(const struct progress *p, size_t idx)
{
    const struct clip *c = &p->clips[idx];
    double first, attempt;
    int64_t pred;
    if (idx >= p->nb_clips || c->status != CLIP_DONE || !valid_duration(c->duration) ||
        c->target_kbps <= 0 || c->output_size <= 0)
        return 0;
    if (c->encodes == 1 && !c->fill_overflow_kbps)
        return plan_clip_ratio(p, idx);
    if (c->encodes != 2 || c->fill_overflow_kbps <= 0 || c->fill_overflow_bytes <= 0)
        return 0;
    /* Once more after an attempt that did not fit. The rate asked now
     * lies between the two measured, the clip's own target and the
     * attempt's: the larger of the two ratios, the one the attempt
     * proved is not too low. */
    pred = predict_clip(p, c, c->fill_overflow_kbps); /* > 0: it counts the MP4's bytes */
    first = plan_clip_ratio(p, idx);
    attempt = (double)c->fill_overflow_bytes / (double)pred;
    return attempt > first ? attempt : first;
}

/* The kbps at which clip c, taking ratio x its prediction, fills what the
 * other outputs leave of usable, less the rate-control margin; 0 when that
 * is not a gain of PLAN_FILL_MIN_GAIN_PCT % over its target. */
static int64_t fill_kbps(const struct progress *p, const struct clip *c, double ratio,
                         int64_t usable, int64_t others)
{
    struct nonvideo nv = nonvideo_of(c->duration, c->video_frames, c->has_audio, p->audio_kbps);
    int64_t room = sector_floor(sat_sub(usable, others));
    int64_t allowed, video, kbps;
    if (room <= 0 || !(ratio > 0))
        return 0;
    allowed = sat_sub(room, pct_ceil(room, PLAN_RC_MARGIN_PCT));
    video = sat_sub(from_double(floor((double)allowed / ratio)), sat_add(nv.audio, nv.mux));
    if (video <= 0)
        return 0;
    kbps = kbps_of(video, c->duration);
    if (kbps < PLAN_MIN_KBPS || kbps < pct_ceil(c->target_kbps, 100 + PLAN_FILL_MIN_GAIN_PCT))
        return 0;
    return kbps;
}

/* The fill pass's preference among candidates, highest first: the bytes
 * under the prediction, or with --balance quality the lowest measured
 * PSNR-Y (clips without a measurement after those with one). */
static double fill_key(const struct progress *p, const struct clip *c, int64_t under)
{
    if (p->balance == BALANCE_QUALITY)
        return c->psnr_y >= 0 ? -c->psnr_y : -1e9;
    return (double)under;
}

int plan_fill_pick(const struct progress *p, int64_t other_files,
                   size_t *idx, int64_t *kbps)
{
    int64_t usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    int64_t total = other_files;
    double best = 0, ceiling;
    int found = 0, quality;

    if (p->mode != MODE_ENCODE || usable <= 0)
        return 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        if (p->clips[i].status != CLIP_DONE)
            return 0;
        total = sat_add(total, plan_sector_round(p->clips[i].output_size));
    }
    if (total > usable || sat_sub(usable, total) <= pct_floor(usable, PLAN_FILL_FREE_PCT))
        return 0;
    /* --balance quality: the candidates are measured below this PSNR-Y. */
    quality = p->balance == BALANCE_QUALITY;
    ceiling = quality ? plan_quality_fill_ceiling(p) : 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        int64_t under, k;
        double ratio = plan_fill_ratio(p, i);
        if (!(ratio > 0) || (quality && !plan_quality_fill_candidate(p, i, ceiling)))
            continue;
        under = sat_sub(predict_clip(p, c, c->target_kbps), c->output_size);
        /* --balance quality: the free bytes go to the clip measured worst,
         * the one max-min fairness raises first. */
        double key = fill_key(p, c, under);
        if ((!quality && under <= 0) || (found && key <= best))
            continue;
        k = fill_kbps(p, c, ratio, usable,
                      sat_sub(total, plan_sector_round(c->output_size)));
        if (!k)
            continue;
        found = 1;
        best = key;
        *idx = i;
        *kbps = k;
    }
    return found;
}
