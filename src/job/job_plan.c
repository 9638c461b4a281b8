/* Planning a fresh run: the mode and why, and for ENCODE the probe of every
 * input, the output names, the order and the budget, all logged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "job/job_internal.h"
#include "base/log.h"
#include "media/probe.h"
#include "media/transcode/transcode.h"
#include "plan/plan_quality.h"

static int64_t total_source_bytes(const struct progress *p)
{
    int64_t total = 0;
    for (size_t i = 0; i < p->nb_clips; i++)
        total += p->clips[i].source_size;
    return total;
}

static void log_bytes(struct pbc_log *lg, const char *what, int64_t bytes)
{
    char human[32];
    log_info(lg, "%s: %lld bytes (%s)", what, (long long)bytes,
             log_human_bytes(bytes, human, sizeof(human)));
}

/* ENCODE names its output after the source with the extension .mp4. */
static int encode_name(const char *name, char **out)
{
    const char *dot = strrchr(name, '.');
    size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    *out = malloc(stem + 5);
    if (!*out)
        return AVERROR(ENOMEM);
    memcpy(*out, name, stem);
    memcpy(*out + stem, ".mp4", 5);
    return 0;
}

static int rename_outputs(struct job *j)
{
    struct progress *p = j->prog;
    for (size_t i = 0; i < p->nb_clips; i++) {
        char *name = NULL;
        int ret = encode_name(p->clips[i].name, &name);
        if (ret < 0)
            return ret;
        free(p->clips[i].name);
        p->clips[i].name = name;
        /* ".mp4" can make a name longer than its source's. */
        if (!progress_name_is_safe(name)) {
            return log_fail(NULL, PBC_E_USAGE, "%s: the output name %s is longer than %d "
                            "bytes, the most that leaves room for its partial name",
                            p->clips[i].source, name, PROGRESS_NAME_MAX);
        }
        for (size_t k = 0; k < i; k++) {
            if (!strcmp(p->clips[k].name, name)) {
                /* Still before anything is written: the log is not open. */
                return log_fail(NULL, PBC_E_USAGE, "%s and %s would both be encoded to %s "
                                "in the build directory", p->clips[k].source,
                                p->clips[i].source, name);
            }
        }
    }
    return 0;
}

static int probe_inputs(struct job *j)
{
    struct progress *p = j->prog;
    for (size_t i = 0; i < p->nb_clips; i++) {
        struct clip *c = &p->clips[i];
        struct probe_info info;
        char reason[256] = "";
        int ret = probe_file(c->source, &info, reason, sizeof(reason));
        if (ret < 0) {
            log_error(j->log, "cannot probe %s: %s", c->source, reason[0] ? reason : "unknown error");
            return PBC_E_PROBE;
        }
        c->duration = info.duration;
        c->video_frames = info.video_frames;
        c->has_audio = info.has_audio;
        log_info(j->log, "probe: %s: %.3f s, %dx%d, %lld video frames, %s",
                 c->source, info.duration, info.width, info.height,
                 (long long)info.video_frames, info.has_audio ? "audio" : "no audio");
        if (info.data_end > info.file_size)
            log_warn(j->log, "probe: %s is a fragmented MP4 whose last fragment is cut short "
                     "(its index reaches byte %lld, the file ends at %lld: a recording that "
                     "stopped abruptly); it is encoded up to where its data ends",
                     c->source, (long long)info.data_end, (long long)info.file_size);
    }
    return 0;
}

/* Longest first: the feedback law corrects the later, shorter clips. */
static int by_duration_desc(const void *a, const void *b)
{
    const struct clip *x = a, *y = b;
    if (x->duration != y->duration)
        return x->duration < y->duration ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void fill_plan_clip(const struct clip *c, struct plan_clip *pc)
{
    pc->size = c->source_size;
    pc->duration = c->duration;
    pc->video_frames = c->video_frames;
    pc->has_audio = c->has_audio;
}

static void plan_clips(const struct progress *p, struct plan_clip *pcs)
{
    for (size_t i = 0; i < p->nb_clips; i++)
        fill_plan_clip(&p->clips[i], &pcs[i]);
}

static void log_budget(struct job *j, const struct plan_budget *b)
{
    struct pbc_log *lg = j->log;
    log_info(lg, "budget: usable bytes                %15lld", (long long)b->usable);
    log_info(lg, "budget: - build directory's files   %15lld  (progress file, manifests, index.html: upper bound)",
             (long long)b->other_files);
    log_info(lg, "budget: - Opus audio                %15lld  (%d kbit/s, per packet)",
             (long long)b->audio, j->prog->audio_kbps);
    log_info(lg, "budget: - MP4 overhead              %15lld  (per file, video frame, audio packet)",
             (long long)b->mux_overhead);
    log_info(lg, "budget: - sector rounding           %15lld  (%d bytes per file)",
             (long long)b->sector_slack, PLAN_SECTOR_BYTES);
    log_info(lg, "budget: - rate-control margin       %15lld", (long long)b->rc_margin);
    log_info(lg, "budget: = video bytes               %15lld", (long long)b->video);
    if (b->feasible)
        log_info(lg, "budget: video kbps = %lld x 8 / %.3f s / 1000 = %lld",
                 (long long)b->video, b->video_seconds, (long long)b->kbps);
    else
        log_info(lg, "budget: video kbps = %lld x 8 / %.3f s / 1000 = %lld, below the floor of "
                 "%d kbit/s", (long long)b->video, b->video_seconds, (long long)b->raw_kbps,
                 PLAN_MIN_KBPS);
}

/* --balance quality: the clips run from the lowest planned rate to the
 * highest (plan_runs_before), the last alone. */
static void log_order(struct job *j)
{
    const struct progress *p = j->prog;
    size_t last = 0;
    for (size_t i = 1; i < p->nb_clips; i++)
        if (plan_runs_before(p, last, i))
            last = i;
    log_info(j->log, "plan: the clips are encoded from the lowest planned rate to the highest; "
             "the last, %s, alone once the others are done", p->clips[last].name);
}

/* The batch cannot fit even at the floor: say so once, then what would
 * fit and where the bytes go. */
static void log_refusal(struct job *j, const struct plan_budget *b)
{
    const struct progress *p = j->prog;
    int64_t fixed = b->audio + b->mux_overhead + b->sector_slack + b->other_files;
    int64_t disc = b->floor_min + p->safety_bytes, full = b->feasible_need + p->safety_bytes;
    char h1[32], h2[32], h3[32];
    log_error(j->log, "the batch cannot fit: with its video at the floor of %d kbit/s it takes at "
              "least %lld bytes (%s), more than the usable %lld bytes (%s); no clip is encoded, "
              "outputs and originals are left as they are", PLAN_MIN_KBPS,
              (long long)b->floor_min, log_human_bytes(b->floor_min, h1, sizeof(h1)),
              (long long)j->usable, log_human_bytes(j->usable, h2, sizeof(h2)));
    log_info(j->log, "what would fit: the smallest disc at %d kbit/s is %lld bytes (%s) with "
             "--safety-bytes %lld; the plan keeps its full rate-control reserve from %lld bytes "
             "(%s)", PLAN_MIN_KBPS, (long long)disc, log_human_bytes(disc, h1, sizeof(h1)),
             (long long)p->safety_bytes, (long long)full, log_human_bytes(full, h2, sizeof(h2)));
    log_info(j->log, "audio and overhead alone take %lld bytes (%s) of the budget, %.1f%% of the "
             "usable %lld bytes (%s): Opus audio %lld, MP4 overhead %lld, sector rounding %lld, "
             "the build directory's files %lld", (long long)fixed,
             log_human_bytes(fixed, h1, sizeof(h1)),
             j->usable > 0 ? 100.0 * (double)fixed / (double)j->usable : 0.0,
             (long long)j->usable, log_human_bytes(j->usable, h3, sizeof(h3)),
             (long long)b->audio, (long long)b->mux_overhead, (long long)b->sector_slack,
             (long long)b->other_files);
}

static int plan_encode(struct job *j)
{
    struct progress *p = j->prog;
    struct plan_clip *pcs = NULL;
    const char *missing = NULL;
    int ret;

    if (!transcode_encoders_available(&missing)) {
        log_error(j->log, "ENCODE is needed, but this libavcodec has no %s encoder", missing);
        return PBC_E_DEPENDENCY;
    }
    if ((ret = probe_inputs(j)) < 0)
        return ret;
    qsort(p->clips, p->nb_clips, sizeof(*p->clips), by_duration_desc);
    pcs = calloc(p->nb_clips, sizeof(*pcs));
    if (!pcs)
        return AVERROR(ENOMEM);
    plan_clips(p, pcs);
    ret = plan_budget(pcs, p->nb_clips, j->usable, j->other_files, p->audio_kbps, &j->budget);
    if (ret < 0) {
        log_error(j->log, "cannot plan the budget: invalid clip durations");
        goto end;
    }
    log_budget(j, &j->budget);
    p->kbps = j->budget.kbps;
    if (!j->budget.fits_floor) {
        log_refusal(j, &j->budget);
        ret = PBC_E_INFEASIBLE;
        goto end;
    }
    if (j->budget.feasible)
        log_info(j->log, "budget: feasible: the batch is planned to fit at %lld kbit/s of video "
                 "(floor %d kbit/s)", (long long)p->kbps, PLAN_MIN_KBPS);
    else
        log_warn(j->log, "budget: tight: at the floor of %d kbit/s the batch takes at least %lld "
                 "bytes and by the model's bounds %lld, against the usable %lld, with no room for "
                 "the rate-control reserve; the clips are encoded from %d kbit/s and the measured "
                 "total decides: exit code 0 if the outputs fit, 2 if not", PLAN_MIN_KBPS,
                 (long long)j->budget.floor_min, (long long)j->budget.floor_need,
                 (long long)j->usable, PLAN_MIN_KBPS);
    for (size_t i = 0; i < p->nb_clips; i++)
        p->clips[i].planned_kbps = p->kbps;
    if (p->balance == BALANCE_QUALITY && (ret = job_plan_quality(j)) < 0)
        goto end;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        char quality[48] = "";
        if (c->predicted_psnr >= 0)
            snprintf(quality, sizeof(quality), ", predicted PSNR-Y %.2f dB", c->predicted_psnr);
        log_info(j->log, "plan: %zu/%zu %s: %.3f s, predicted %lld bytes at %lld kbit/s%s",
                 i + 1, p->nb_clips, c->name, c->duration,
                 (long long)plan_predict_bytes(&pcs[i], c->planned_kbps, p->audio_kbps),
                 (long long)c->planned_kbps, quality);
    }
    if (p->balance == BALANCE_QUALITY)
        log_order(j);
end:
    free(pcs);
    return ret;
}

/* A resumed ENCODE job with clips still to encode is checked as a fresh
 * run would check it, from the durations the progress file holds: a plan
 * that cannot fit even at the floor stops before encoding more (exit 2),
 * whichever version planned it. With every clip done the outputs exist
 * and their measured total decides. */
static int check_resumed_plan(struct job *j)
{
    struct progress *p = j->prog;
    struct plan_clip *pcs = NULL;
    struct plan_budget b;
    int ret = 0;
    if (p->mode != MODE_ENCODE || progress_count(p, CLIP_DONE) == p->nb_clips)
        return 0;
    if (!(pcs = calloc(p->nb_clips, sizeof(*pcs))))
        return AVERROR(ENOMEM);
    plan_clips(p, pcs);
    if (plan_budget(pcs, p->nb_clips, j->usable, j->other_files, p->audio_kbps, &b) == 0 &&
        !b.fits_floor) {
        log_refusal(j, &b);
        ret = PBC_E_INFEASIBLE;
    }
    free(pcs);
    return ret;
}

int job_decide_mode(struct job *j)
{
    struct progress *p = j->prog;
    struct plan_clip *pcs = calloc(p->nb_clips, sizeof(*pcs));
    if (!pcs)
        return AVERROR(ENOMEM);
    plan_clips(p, pcs);
    j->usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    p->mode = plan_decide_mode(pcs, p->nb_clips, j->usable, plan_other_files_of(p));
    free(pcs);
    return p->mode == MODE_ENCODE ? rename_outputs(j) : 0;
}

int job_plan(struct job *j)
{
    struct progress *p = j->prog;
    int64_t total = total_source_bytes(p);
    char human[32];

    j->usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    j->other_files = plan_other_files_of(p);
    log_bytes(j->log, "capacity (--disc-bytes)", p->disc_bytes);
    log_bytes(j->log, "safety margin (--safety-bytes)", p->safety_bytes);
    log_bytes(j->log, "usable bytes (capacity - safety)", j->usable);
    if (j->resumed) {
        log_info(j->log, "mode %s (kept from the progress file)", progress_mode_name(p->mode));
        if (p->mode == MODE_ENCODE)
            log_info(j->log, "video bitrate %lld kbit/s (kept from the progress file)", (long long)p->kbps);
        return check_resumed_plan(j);
    }
    if (p->mode == MODE_COPY) {
        log_info(j->log, "mode COPY: %zu %s of %lld bytes (%s) in all; with whole %d-byte "
                 "sectors and %lld bytes for the build directory's own files %s in "
                 "the usable %lld bytes", p->nb_clips, log_plural(p->nb_clips, "clip", "clips"),
                 (long long)total, log_human_bytes(total, human, sizeof(human)), PLAN_SECTOR_BYTES,
                 (long long)j->other_files, log_plural(p->nb_clips, "it fits", "they fit"),
                 (long long)j->usable);
        for (size_t i = 0; i < p->nb_clips; i++)
            log_info(j->log, "plan: %zu/%zu %s: copy of %lld bytes", i + 1, p->nb_clips,
                     p->clips[i].name, (long long)p->clips[i].source_size);
        return 0;
    }
    log_info(j->log, "mode ENCODE: %zu %s of %lld bytes (%s) in all, more than fits in the "
             "usable %lld bytes; %s re-encoded to AV1 + Opus", p->nb_clips,
             log_plural(p->nb_clips, "clip", "clips"), (long long)total,
             log_human_bytes(total, human, sizeof(human)), (long long)j->usable,
             log_plural(p->nb_clips, "it is", "every clip is"));
    return plan_encode(j);
}
