/* --balance quality at plan time: every clip's rate-quality curve from
 * sample encodes (transcode/analyze.c), then one common predicted quality
 * whose rates fill the video budget (plan_quality.c), stored as each
 * clip's planned_kbps before the first encode. Logged line by line. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "base/errors.h"
#include "job/job_internal.h"
#include "base/log.h"
#include "plan/plan_quality.h"
#include "media/transcode/analyze.h"

/* The clip's curve from its sample points; its rates are bounded below by
 * the planner's floor and above by the original's own rate (more bits than
 * the source had buy nothing). */
static int clip_curve(struct job *j, size_t i, const struct analyze_result *ar,
                      struct plan_rq_clip *rq)
{
    const struct clip *c = &j->prog->clips[i];
    double kbps[ANALYZE_CRFS], psnr[ANALYZE_CRFS];
    int64_t source_kbps = (int64_t)(c->source_size * 8.0 / c->duration / 1000.0);
    int ret;

    for (int k = 0; k < ANALYZE_CRFS; k++) {
        kbps[k] = ar->pt[k].kbps;
        psnr[k] = ar->pt[k].psnr_y;
        log_info(j->log, "analysis: %s: CRF %d: %.0f kbit/s, PSNR-Y %.2f dB, SSIM-Y %.4f",
                 c->name, ar->pt[k].crf, ar->pt[k].kbps, ar->pt[k].psnr_y, ar->pt[k].ssim);
    }
    *rq = (struct plan_rq_clip){ .duration = c->duration, .lo = PLAN_MIN_KBPS,
                                 .hi = source_kbps > PLAN_MIN_KBPS ? source_kbps : PLAN_MIN_KBPS };
    if ((ret = plan_rq_curve(kbps, psnr, ANALYZE_CRFS, rq)) < 0) {
        log_warn(j->log, "analysis: %s: its samples make no rate-quality curve", c->name);
        return ret;
    }
    log_info(j->log, "analysis: %s: %lld frames sampled (%.2f s; %lld %s) per CRF in %.2f s; "
             "planned rates %lld..%lld kbit/s", c->name, (long long)ar->frames,
             ar->sample_seconds, (long long)ar->key_frames,
             log_plural((size_t)ar->key_frames, "key frame or cut", "key frames or cuts"),
             ar->wall_seconds, (long long)rq->lo, (long long)rq->hi);
    return 0;
}

static const char *why(const struct plan_rq_clip *rq, int64_t kbps)
{
    if (kbps <= rq->lo)
        return "at the floor: above the common level even there";
    if (kbps >= rq->hi)
        return "at the original's own rate: cannot reach the common level";
    return "the rate of the common level";
}

/* Stores the allocation in the clips and logs it; kbps becomes the
 * duration-weighted mean planned rate. */
static void apply(struct job *j, const struct plan_rq_clip *rq, const int64_t *kbps,
                  const struct plan_rq_result *res, double analysis_s)
{
    struct progress *p = j->prog;
    double rate_s = 0, seconds = 0;
    log_info(j->log, "balance quality: common predicted PSNR-Y %.2f dB; planned video %lld of "
             "%lld bytes; analysis took %.1f s", res->level, (long long)res->video_bytes,
             (long long)j->budget.video, analysis_s);
    for (size_t i = 0; i < p->nb_clips; i++) {
        struct clip *c = &p->clips[i];
        c->planned_kbps = kbps[i];
        c->predicted_psnr = plan_rq_psnr(&rq[i], kbps[i]);
        rate_s += (double)kbps[i] * c->duration;
        seconds += c->duration;
        log_info(j->log, "balance: %zu/%zu %s: %lld kbit/s, predicted PSNR-Y %.2f dB (%s)",
                 i + 1, p->nb_clips, c->name, (long long)kbps[i], c->predicted_psnr,
                 why(&rq[i], kbps[i]));
    }
    p->kbps = (int64_t)floor(rate_s / seconds);
    if (p->kbps < PLAN_MIN_KBPS)
        p->kbps = PLAN_MIN_KBPS;
}

int job_plan_quality(struct job *j)
{
    struct progress *p = j->prog;
    struct plan_rq_clip *rq = calloc(p->nb_clips, sizeof(*rq));
    int64_t *kbps = calloc(p->nb_clips, sizeof(*kbps));
    struct plan_rq_result res;
    double analysis_s = 0;
    const char *reason;
    int ret = 0;

    /* Every clip at the floor: no clip can give bits to another, so no
     * analysis is run, and the log says why there is no allocation. */
    if (!j->budget.feasible) {
        log_warn(j->log, "balance quality: no allocation (the budget is at the floor: no clip "
                 "can give bits to another); every clip is planned at %d kbit/s", PLAN_MIN_KBPS);
        goto end;
    }
    if (!rq || !kbps) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        struct analyze_result ar;
        log_info(j->log, "analysis: %zu/%zu %s: sample encodes of %s at preset %d", i + 1,
                 p->nb_clips, c->name, c->source, p->preset);
        ret = analyze_clip(c->source, c->name, c->duration, p->preset, j->prefs->threads, j->log,
                           &ar);
        analysis_s += ar.wall_seconds;
        if (ret == PBC_E_INTERRUPTED)
            goto end;
        if (ret < 0 || (ret = clip_curve(j, i, &ar, &rq[i])) < 0)
            break;
    }
    if (ret < 0) {
        reason = "a clip could not be analysed";
    } else if (plan_rq_allocate(rq, p->nb_clips, j->budget.video, kbps, &res) < 0) {
        reason = "the allocation refused the clips' curves";
    } else if (!res.feasible) {
        reason = "the clips' floors alone exceed the video budget";
    } else {
        apply(j, rq, kbps, &res, analysis_s);
        goto end;
    }
    /* The plan stays the one bitrate already decided: still fits. */
    log_warn(j->log, "balance quality: no allocation (%s); every clip is planned at the one "
             "bitrate, %lld kbit/s", reason, (long long)p->kbps);
    ret = 0;
end:
    free(rq);
    free(kbps);
    return ret;
}
