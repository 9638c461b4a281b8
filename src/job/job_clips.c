/* The clip loop: each pending clip is copied or encoded to a temporary name,
 * renamed into place, marked done and the progress file saved. COPY runs
 * here (job_copy_run), ENCODE through the jobs of job_parallel.c, which
 * call job_clip_encode; the final guard and the fill pass re-encode here,
 * one clip at a time. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/copy.h"
#include "base/errors.h"
#include "io/fsutil.h"
#include "base/interrupt.h"
#include "job/job_internal.h"
#include "base/log.h"
#include "io/sha256.h"
#include "media/transcode/transcode.h"

/* What the live status line needs; units are bytes (COPY) or seconds of
 * video (ENCODE). */
struct loop_state {
    struct job *j;
    size_t number, total;       /* the clip's place in the job (1-based), of all its clips */
    const char *name;
    double job_units, done_units; /* whole run; finished clips */
    struct timespec start;
};

double job_seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

void job_format_eta(double seconds, char *buf, size_t size)
{
    if (!(seconds >= 0) || seconds > 99 * 3600)
        snprintf(buf, size, "--:--:--");
    else
        snprintf(buf, size, "%02d:%02d:%02d", (int)seconds / 3600,
                 (int)seconds / 60 % 60, (int)seconds % 60);
}

static void show_status(struct loop_state *ls, double clip_done, double clip_total,
                        const char *speed)
{
    double elapsed = job_seconds_since(&ls->start);
    double done = ls->done_units + clip_done;
    double eta = done > 0 ? elapsed / done * (ls->job_units - done) : -1;
    char eta_text[16];
    job_format_eta(eta, eta_text, sizeof(eta_text));
    log_status(ls->j->log, "clip %zu/%zu %s  %5.1f%%  %s  ETA %s", ls->number, ls->total,
               ls->name, clip_total > 0 ? 100.0 * clip_done / clip_total : 0.0, speed, eta_text);
}

static void on_copy_progress(void *opaque, int64_t done, int64_t total)
{
    struct loop_state *ls = opaque;
    double elapsed = job_seconds_since(&ls->start);
    char speed[32];
    snprintf(speed, sizeof(speed), "%.0f MB/s",
             elapsed > 0 ? (ls->done_units + (double)done) / elapsed / 1e6 : 0.0);
    show_status(ls, (double)done, (double)total, speed);
}

static void on_encode_progress(void *opaque, double done, double total, double fps)
{
    struct loop_state *ls = opaque;
    char speed[32];
    snprintf(speed, sizeof(speed), "%.1f fps", fps);
    show_status(ls, done, total, speed);
}

int job_save(struct job *j)
{
    int ret = progress_save(j->prog, j->progress_path);
    if (ret < 0)
        log_error(j->log, "cannot write the progress file %s: %s", j->progress_path, pbc_err2str(ret));
    return ret;
}

/* Logs and fails when the original is not the file that was planned. */
static int check_source_unchanged(struct job *j, const struct clip *c)
{
    struct stat st;
    if (stat(c->source, &st) < 0) {
        int ret = AVERROR(errno);
        log_error(j->log, "clip %s: original %s: %s", c->name, c->source, pbc_err2str(ret));
        return ret;
    }
    if (!job_source_matches(c, &st)) {
        log_error(j->log, "clip %s: original %s changed since the job was planned", c->name, c->source);
        return AVERROR(EIO);
    }
    return 0;
}

/* A clip's output in the build directory and the partial name it is
 * written under first. */
struct out_paths {
    char *final, *tmp;
};

static int out_paths_of(const struct job *j, const struct clip *c, struct out_paths *o)
{
    o->tmp = NULL;
    if (!(o->final = fs_join(j->prog->build_dir, c->name)) ||
        !(o->tmp = fs_partial_path(o->final)))
        return AVERROR(ENOMEM);
    return 0;
}

/* Frees both, removing the partial first when ret says the step failed;
 * returns ret. */
static int out_paths_done(struct out_paths *o, int ret)
{
    if (ret < 0 && o->tmp)
        unlink(o->tmp);
    free(o->final);
    free(o->tmp);
    return ret;
}

static int copy_one(struct job *j, struct clip *c, struct loop_state *ls)
{
    struct out_paths o;
    struct copy_result res;
    char human[32];
    int ret;
    if ((ret = out_paths_of(j, c, &o)) < 0)
        goto end;
    log_info(j->log, "clip %zu/%zu %s: copying %s (%lld bytes, %s)", ls->number, ls->total,
             c->name, c->source, (long long)c->source_size,
             log_human_bytes(c->source_size, human, sizeof(human)));
    if ((ret = check_source_unchanged(j, c)) < 0)
        goto end;
    ret = copy_file(c->source, o.tmp, &res, j->log, on_copy_progress, ls);
    log_status_clear(j->log);
    if (ret < 0)
        goto end;
    if (res.bytes != c->source_size) {
        log_error(j->log, "clip %s: copied %lld bytes, but %s had %lld when planned", c->name,
                  (long long)res.bytes, c->source, (long long)c->source_size);
        ret = AVERROR(EIO);
        goto end;
    }
    if ((ret = fs_rename_durable(o.tmp, o.final)) < 0) {
        log_error(j->log, "clip %s: cannot rename %s to %s: %s", c->name, o.tmp, o.final,
                  pbc_err2str(ret));
        goto end;
    }
    sha256_hex(res.src_sha256, c->source_sha256);
    sha256_hex(res.dst_sha256, c->output_sha256);
    c->output_size = res.bytes;
    c->status = CLIP_DONE;
    if ((ret = job_save(j)) < 0)
        goto end;
    log_info(j->log, "clip %zu/%zu %s: done, %lld bytes, SHA-256 %s (original and copy identical)",
             ls->number, ls->total, c->name, (long long)c->output_size, c->output_sha256);
end:
    return out_paths_done(&o, ret);
}

/* What an encode to a partial file produced. */
struct encoded {
    uint8_t digest[SHA256_BYTES];           /* of the output */
    int64_t size;
    struct transcode_stats stats;
    char source_sha256[SHA256_HEX_LEN + 1]; /* "" unless hashed on the side */
    struct job_seam seam;
};

/* The original is hashed by a second reader while the encoder runs: one
 * more sequential read, mostly from the page cache, on the other core. */
struct hash_job {
    const char *path;
    uint8_t digest[SHA256_BYTES];
    int ret;
};

static void *hash_thread(void *opaque)
{
    struct hash_job *h = opaque;
    h->ret = sha256_file(h->path, h->digest);
    return NULL;
}

/* Encodes c at kbps into tmp and reads the result back (SHA-256, size);
 * hashes the original on the side when its hash is not known yet. The
 * caller removes tmp on failure. Writes no job state (the source's hash
 * goes to out), so jobs run it without the lock. */
static int encode_partial(struct job *j, const struct clip *c, int64_t kbps,
                          const struct clip_run *run, const char *tmp, struct encoded *out)
{
    struct hash_job hash = { .path = c->source };
    struct transcode_params tp = {
        .src_path = c->source, .dst_path = tmp, .clip_name = c->name, .video_kbps = kbps,
        .preset = j->prog->preset, .audio_kbps = j->prog->audio_kbps,
        .threads = run->threads, .log = j->log, .measure_quality = 1,
        .progress = run->progress, .progress_opaque = run->opaque,
    };
    pthread_t thread;
    int hashing = 0, ret;
    struct stat st;

    /* A first encode may have seams; a re-encode's room is the guard's
     * or the fill pass's own. */
    job_seam_init(&out->seam, j, (size_t)(c - j->prog->clips), kbps);
    if (!run->again)
        tp.seam = job_seam_params(&out->seam);
    if ((ret = check_source_unchanged(j, c)) < 0)
        return ret;
    if (!c->source_sha256[0])
        hashing = pthread_create(&thread, NULL, hash_thread, &hash) == 0;
    ret = transcode_clip(&tp, &out->stats);
    if (!j->lock)
        log_status_clear(j->log);
    if (hashing) {
        pthread_join(thread, NULL);
        if (ret == 0 && hash.ret < 0) {
            ret = hash.ret;
            log_error(j->log, "clip %s: cannot hash the original %s: %s", c->name, c->source,
                      pbc_err2str(ret));
        }
    }
    if (ret < 0)
        return ret;
    if ((ret = check_source_unchanged(j, c)) < 0)
        return ret;
    if ((ret = sha256_file(tmp, out->digest)) < 0 || (ret = stat(tmp, &st) < 0 ? AVERROR(errno) : 0) < 0) {
        log_error(j->log, "clip %s: cannot read back %s: %s", c->name, tmp, pbc_err2str(ret));
        return ret;
    }
    if (hashing)
        sha256_hex(hash.digest, out->source_sha256);
    out->size = st.st_size;
    return 0;
}

/* The measured size against the model's prediction at the clip's target,
 * and the measured quality (against the prediction of --balance quality,
 * which is for the clip's planned rate: not said after a re-encode). */
static void log_clip_measured(struct job *j, const struct clip *c,
                              const struct clip_run *run, const struct transcode_stats *st)
{
    int64_t pred = plan_clip_predicted(j->prog, c);
    char predicted[48] = "", quality[128] = "quality not measured";
    if (c->predicted_psnr >= 0 && !run->again)
        snprintf(predicted, sizeof(predicted), " (predicted %.2f dB)", c->predicted_psnr);
    if (st->psnr_y >= 0)
        snprintf(quality, sizeof(quality), "PSNR-Y %.2f dB%s, SSIM-Y %.4f over %lld frames",
                 st->psnr_y, predicted, st->ssim, (long long)st->quality_frames);
    log_info(j->log, "%s: size %lld bytes, predicted %lld at %lld kbit/s: ratio %.4f; %s",
             c->name, (long long)c->output_size, (long long)pred, (long long)c->target_kbps,
             pred > 0 ? (double)c->output_size / (double)pred : 0.0, quality);
}

/* One wording for every encode of a clip, first or again, with its place
 * in the job; tail ends the line (the fill pass adds the batch's total). */
static void log_encoded(struct job *j, const struct clip *c, const struct clip_run *run,
                        const struct transcode_stats *stats, const char *tail)
{
    char was[160] = "", psnr[32] = "";
    if (run->again && run->old_psnr >= 0)
        snprintf(psnr, sizeof(psnr), ", PSNR-Y %.2f dB", run->old_psnr);
    if (run->again)
        snprintf(was, sizeof(was), " (%s; was %lld bytes at %lld kbit/s%s)", run->again,
                 (long long)run->old_size, (long long)run->old_kbps, psnr);
    log_info(j->log, "clip %zu/%zu %s: %s, %lld bytes at %lld kbit/s%s, %lld frames, %.3f s, "
             "%lld corrupt packets skipped, SHA-256 %s%s", run->number, run->total, c->name,
             run->again ? "re-encoded" : "done", (long long)c->output_size,
             (long long)c->target_kbps, was, (long long)stats->video_frames_out, stats->duration,
             (long long)stats->corrupt_packets, c->output_sha256, tail);
}

/* The clip is done: into place, recorded and saved, as one step under the
 * job's lock so that no other job plans from a half-updated state. */
static int encode_commit(struct job *j, struct clip *c, int64_t kbps, const char *tmp,
                         const char *final, const struct encoded *out)
{
    int ret;
    job_lock(j);
    if ((ret = fs_rename_durable(tmp, final)) < 0) {
        log_error(j->log, "clip %s: cannot rename %s to %s: %s", c->name, tmp, final, pbc_err2str(ret));
        goto end;
    }
    sha256_hex(out->digest, c->output_sha256);
    if (out->source_sha256[0])
        memcpy(c->source_sha256, out->source_sha256, sizeof(c->source_sha256));
    c->output_size = out->size;
    c->target_kbps = kbps;
    c->start_kbps = 0;
    c->encodes++;
    c->status = CLIP_DONE;
    c->psnr_y = out->stats.psnr_y;
    c->ssim = out->stats.ssim;
    ret = job_save(j);
end:
    job_unlock(j);
    return ret;
}

int job_clip_encode(struct job *j, size_t idx, int64_t kbps, const struct clip_run *run)
{
    struct clip *c = &j->prog->clips[idx];
    struct out_paths o;
    struct encoded out = { .size = 0 };
    int ret;

    if ((ret = out_paths_of(j, c, &o)) < 0)
        goto end;
    if ((ret = encode_partial(j, c, kbps, run, o.tmp, &out)) < 0)
        goto end;
    /* After seams the clip's target is the mean of its rates. */
    kbps = job_seam_mean_kbps(&out.seam, c->duration);
    if ((ret = encode_commit(j, c, kbps, o.tmp, o.final, &out)) < 0)
        goto end;
    log_encoded(j, c, run, &out.stats, "");
    log_clip_measured(j, c, run, &out.stats);
end:
    return out_paths_done(&o, ret);
}

static double clip_units(const struct progress *p, const struct clip *c)
{
    return p->mode == MODE_COPY ? (double)c->source_size : c->duration;
}

int job_copy_run(struct job *j)
{
    struct progress *p = j->prog;
    struct loop_state ls = { .j = j, .total = p->nb_clips };
    clock_gettime(CLOCK_MONOTONIC, &ls.start);
    for (size_t i = 0; i < p->nb_clips; i++)
        if (p->clips[i].status == CLIP_PENDING)
            ls.job_units += clip_units(p, &p->clips[i]);
    for (size_t i = 0; i < p->nb_clips; i++) {
        struct clip *c = &p->clips[i];
        int ret;
        if (c->status == CLIP_DONE)
            continue;
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        ls.number = i + 1;
        ls.name = c->name;
        ret = copy_one(j, c, &ls);
        if (ret < 0)
            return ret;
        ls.done_units += clip_units(p, c);
    }
    return 0;
}

/* A re-encode of a done clip (again: "final guard" or "fill pass"): its
 * place in the job, its live status line, and the output it replaces. */
static void again_run(struct job *j, size_t idx, const char *again, struct loop_state *ls,
                      struct clip_run *run)
{
    const struct clip *c = &j->prog->clips[idx];
    *ls = (struct loop_state){ .j = j, .number = idx + 1, .total = j->prog->nb_clips,
                               .name = c->name, .job_units = c->duration };
    *run = (struct clip_run){ .number = idx + 1, .total = j->prog->nb_clips,
                              .threads = j->prefs->threads, .progress = on_encode_progress,
                              .opaque = ls, .again = again,
                              .old_size = c->output_size, .old_kbps = c->target_kbps,
                              .old_psnr = c->psnr_y };
    clock_gettime(CLOCK_MONOTONIC, &ls->start);
}

int job_clip_reencode(struct job *j, size_t idx, int64_t kbps)
{
    struct clip *c = &j->prog->clips[idx];
    struct loop_state ls;
    struct clip_run run;
    int ret;
    again_run(j, idx, "final guard", &ls, &run);
    /* Pending first: a run killed during the re-encode then resumes with a
     * consistent file (the old output is replaced only by the rename). */
    c->status = CLIP_PENDING;
    c->output_size = -1;
    c->output_sha256[0] = '\0';
    c->fill_overflow_kbps = c->fill_overflow_bytes = 0;
    c->start_kbps = kbps;
    if ((ret = job_save(j)) < 0)
        return ret;
    return job_clip_encode(j, idx, kbps, &run);
}

/* Fill pass: the new output (out, at tmp) replaces c's. Pending while it
 * does: a run killed between the two saves re-encodes the clip at its
 * feedback target. On failure the clip keeps its old output. */
static int upgrade_replace(struct job *j, struct clip *c, int64_t kbps, const char *tmp,
                           const char *final, const struct encoded *out)
{
    char old_sha[sizeof(c->output_sha256)];
    int64_t old_size = c->output_size;
    int64_t old_overflow_kbps = c->fill_overflow_kbps, old_overflow_bytes = c->fill_overflow_bytes;
    int ret;
    memcpy(old_sha, c->output_sha256, sizeof(old_sha));
    c->status = CLIP_PENDING;
    c->output_size = -1;
    c->output_sha256[0] = '\0';
    c->fill_overflow_kbps = c->fill_overflow_bytes = 0;
    /* A failed save is logged by job_save, a failed rename here: once. */
    ret = job_save(j);
    if (ret == 0 && (ret = fs_rename_durable(tmp, final)) < 0)
        log_error(j->log, "clip %s: cannot replace %s: %s", c->name, final, pbc_err2str(ret));
    if (ret < 0) {
        c->status = CLIP_DONE;
        c->output_size = old_size;
        memcpy(c->output_sha256, old_sha, sizeof(old_sha));
        c->fill_overflow_kbps = old_overflow_kbps;
        c->fill_overflow_bytes = old_overflow_bytes;
        job_save(j);
        return ret;
    }
    sha256_hex(out->digest, c->output_sha256);
    c->output_size = out->size;
    c->target_kbps = kbps;
    c->status = CLIP_DONE;
    c->psnr_y = out->stats.psnr_y;
    c->ssim = out->stats.ssim;
    return job_save(j);
}

int job_clip_try_upgrade(struct job *j, size_t idx, int64_t kbps)
{
    struct clip *c = &j->prog->clips[idx];
    struct loop_state ls;
    struct clip_run run;
    struct out_paths o;
    char tail[128];
    struct encoded out = { .size = 0 };
    int64_t total = 0;
    int ret;

    again_run(j, idx, "fill pass", &ls, &run);
    if ((ret = out_paths_of(j, c, &o)) < 0)
        goto end;
    /* The clip stays done with its old output while the new one is
     * encoded: a run killed now resumes with it (the partial is removed). */
    if ((ret = encode_partial(j, c, kbps, &run, o.tmp, &out)) < 0)
        goto end;
    total = plan_disc_total(j->prog, j->other_files);
    total = total - plan_sector_round(c->output_size) + plan_sector_round(out.size);
    c->encodes++;
    if (total > j->usable) {
        log_info(j->log, "clip %zu/%zu %s: re-encoded (fill pass) at %lld kbit/s took %lld "
                 "bytes; the batch would need %lld bytes, %lld more than usable: kept the old "
                 "output (%lld bytes at %lld kbit/s)", ls.number, ls.total, c->name,
                 (long long)kbps, (long long)out.size, (long long)total,
                 (long long)(total - j->usable), (long long)run.old_size, (long long)run.old_kbps);
        unlink(o.tmp);
        /* What it took tells the pass how to aim its next try. */
        c->fill_overflow_kbps = kbps;
        c->fill_overflow_bytes = out.size > 0 ? out.size : 1;
        ret = job_save(j);
        goto end;
    }
    if ((ret = upgrade_replace(j, c, kbps, o.tmp, o.final, &out)) < 0)
        goto end;
    snprintf(tail, sizeof(tail), "; the batch now needs %lld of the usable %lld bytes",
             (long long)total, (long long)j->usable);
    log_encoded(j, c, &run, &out.stats, tail);
    log_clip_measured(j, c, &run, &out.stats);
end:
    return out_paths_done(&o, ret);
}
