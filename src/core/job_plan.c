/* Planning a fresh run: the mode and why, and for ENCODE the probe of every
 * input, the output names, the order and the budget, all logged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "job_internal.h"
#include "log.h"
#include "probe.h"
#include "transcode/transcode.h"

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
        for (size_t k = 0; k < i; k++) {
            if (!strcmp(p->clips[k].name, name)) {
                /* Still before anything is written: the log is not open. */
                fprintf(stderr, "prepare_bodycam: %s and %s would both be encoded to %s in the "
                        "build directory\nTry 'prepare_bodycam --help' for more information.\n",
                        p->clips[k].source, p->clips[i].source, name);
                return PBC_E_USAGE;
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
    log_info(lg, "budget: - build directory's files   %15lld  (progress file and manifests, upper bound)",
             (long long)b->other_files);
    log_info(lg, "budget: - Opus audio                %15lld  (%d kbit/s, per packet)",
             (long long)b->audio, j->prog->audio_kbps);
    log_info(lg, "budget: - MP4 overhead              %15lld  (per file, video frame, audio packet)",
             (long long)b->mux_overhead);
    log_info(lg, "budget: - sector rounding           %15lld  (%d bytes per file)",
             (long long)b->sector_slack, PLAN_SECTOR_BYTES);
    log_info(lg, "budget: - rate-control margin       %15lld", (long long)b->rc_margin);
    log_info(lg, "budget: = video bytes               %15lld", (long long)b->video);
    log_info(lg, "budget: video kbps = %lld x 8 / %.3f s / 1000 = %lld",
             (long long)b->video, b->video_seconds, (long long)b->kbps);
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
    if (j->budget.feasible)
        log_info(j->log, "budget: feasible: the batch is planned to fit at %lld kbit/s of video "
                 "(floor %d kbit/s)", (long long)p->kbps, PLAN_MIN_KBPS);
    else
        log_error(j->log, "the budget is infeasible: audio, overhead and the minimum video "
                  "bitrate of %d kbit/s do not fit in %lld usable bytes; the clips will be "
                  "encoded at %lld kbit/s and the run will end with exit code 2",
                  PLAN_MIN_KBPS, (long long)j->usable, (long long)p->kbps);
    for (size_t i = 0; i < p->nb_clips; i++)
        p->clips[i].planned_kbps = p->kbps;
    if (p->balance == BALANCE_QUALITY && j->budget.feasible && (ret = job_plan_quality(j)) < 0)
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
end:
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
        return 0;
    }
    if (p->mode == MODE_COPY) {
        log_info(j->log, "mode COPY: the %zu clips total %lld bytes (%s); with whole %d-byte "
                 "sectors and %lld bytes for the build directory's own files they fit in "
                 "the usable %lld bytes", p->nb_clips, (long long)total,
                 log_human_bytes(total, human, sizeof(human)), PLAN_SECTOR_BYTES,
                 (long long)j->other_files, (long long)j->usable);
        for (size_t i = 0; i < p->nb_clips; i++)
            log_info(j->log, "plan: %zu/%zu %s: copy of %lld bytes", i + 1, p->nb_clips,
                     p->clips[i].name, (long long)p->clips[i].source_size);
        return 0;
    }
    log_info(j->log, "mode ENCODE: the %zu clips total %lld bytes (%s), more than fits in "
             "the usable %lld bytes; every clip is re-encoded to AV1 + Opus",
             p->nb_clips, (long long)total, log_human_bytes(total, human, sizeof(human)),
             (long long)j->usable);
    int ret = plan_encode(j);
    if (ret == 0 && !j->budget.feasible && j->opt->dry_run)
        ret = PBC_E_INFEASIBLE;
    return ret;
}
