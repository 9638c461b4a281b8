/* The seams of a first encode (plan_seam_*, design.md "Seams"), asked
 * from the encoding thread: under the job's lock, like every decision on
 * the batch. The bytes the rates stood for make the clip's recorded
 * target. */
#include "base/log.h"
#include "job/job_internal.h"

/* Not yet (a clip is still pending or in flight): asked again at the
 * next seam's frame. */
static int seam_wanted(void *opaque, int64_t *next_frame)
{
    struct job_seam *s = opaque;
    int wanted;
    job_lock(s->j);
    s->point++;
    wanted = plan_seam_wanted(s->j->prog, s->idx);
    if (!wanted)
        *next_frame = plan_seam_frame(s->j->prog, s->idx, s->point + 1);
    job_unlock(s->j);
    if (!wanted)
        log_debug(s->j->log, "%s: no seam at its point %d: not every other clip is done%s",
                  s->j->prog->clips[s->idx].name, s->point,
                  *next_frame ? "; asked again at the next" : "");
    return wanted;
}

static int64_t seam_kbps(void *opaque, int64_t video_bytes, double seconds, int64_t *next_frame)
{
    struct job_seam *s = opaque;
    struct plan_seam_so_far sf = {
        .start_kbps = s->start_kbps, .seconds = seconds, .bytes = video_bytes,
        .part_bytes = video_bytes - s->bytes,
        .part_nominal = plan_video_bytes(s->kbps, seconds - s->seconds),
    };
    struct plan_seam d;
    int64_t kbps;
    sf.nominal = s->nominal + sf.part_nominal;
    job_lock(s->j);
    kbps = plan_seam_kbps(s->j->prog, s->idx, s->j->other_files, &sf, &d);
    s->seams++;
    *next_frame = plan_seam_frame(s->j->prog, s->idx, s->point + 1);
    job_unlock(s->j);
    log_info(s->j->log, "%s: every other clip is done: after %.3f s the rest gets %lld kbit/s "
             "(%lld bytes free for the clip; less %lld of audio and MP4 bounds, %lld of video "
             "so far, at ratio %.4f to its rates (%.4f since the last seam), and the %d%% "
             "margin: %lld bytes of video for %.3f s)", s->j->prog->clips[s->idx].name,
             seconds, (long long)kbps, (long long)d.room, (long long)d.nonvideo,
             (long long)video_bytes, sf.nominal > 0 ? (double)video_bytes / sf.nominal : 0.0,
             sf.part_nominal > 0 ? (double)sf.part_bytes / sf.part_nominal : 0.0,
             PLAN_RC_MARGIN_PCT, (long long)d.video, d.rest_seconds);
    s->kbps = kbps;
    s->seconds = seconds;
    s->bytes = video_bytes;
    s->nominal = sf.nominal;
    return kbps;
}

int64_t job_seam_mean_kbps(const struct job_seam *s, double duration)
{
    if (!s->seams)
        return s->start_kbps;
    return plan_mean_kbps(s->nominal + plan_video_bytes(s->kbps, duration - s->seconds), duration);
}

void job_seam_init(struct job_seam *s, struct job *j, size_t idx, int64_t kbps)
{
    *s = (struct job_seam){ .j = j, .idx = idx, .start_kbps = kbps, .kbps = kbps };
}

struct transcode_seam job_seam_params(struct job_seam *s)
{
    return (struct transcode_seam){ plan_seam_frame(s->j->prog, s->idx, 1), seam_wanted,
                                    seam_kbps, s };
}
