/* Completion, the steps of a run after its clip loop, each durable before
 * the next (design.md "Completion stops too"):
 *
 * -- completion steps --
 *   final_guard          ENCODE: re-encode while the outputs do not fit
 *   fill_pass            ENCODE: re-encode clips far below their prediction
 *   job_verify_outputs   every output re-read and matched to its hash
 *   write_manifests      SHA256SUMS and MANIFEST.json
 *   write_index          index.html (unless --no-index)
 *   check_size           the disc's real total against usable (exit 2)
 *   job_iso_write        the image, with --iso (job_iso.c)
 *   mark_completed       progress.json -> progress.completed.json
 *   delete_originals     with --delete-originals yes
 *
 * and job_finish_completed, the --resume of a completed job. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "base/version.h"
#include "io/fsutil.h"
#include "job/index_write.h"
#include "job/job_internal.h"
#include "state/manifest.h"

/* The final guard's re-encode (plan_reencode_fn): the log line, then
 * the clip re-encoded in place. */
static int guard_reencode(void *opaque, size_t idx, int64_t kbps, int64_t total)
{
    struct job *j = opaque;
    const struct clip *c = &j->prog->clips[idx];
    log_warn(j->log, "final guard: the outputs need %lld bytes, %lld more than usable; "
             "re-encoding %s (%lld bytes at %lld kbit/s) at %lld kbit/s",
             (long long)total, (long long)(total - j->usable), c->name,
             (long long)c->output_size, (long long)c->target_kbps, (long long)kbps);
    return job_clip_reencode(j, idx, kbps);
}

/* When the outputs do not fit, re-encode the clip that overshot most, as
 * few times as needed (plan_guard_loop); the planner says when nothing
 * more can help. */
static int final_guard(struct job *j)
{
    struct plan_guard_result res;
    int ret = plan_guard_loop(j->prog, j->other_files, guard_reencode, j, &res);
    if (ret < 0)
        return ret;
    if (res.gave_up)
        log_info(j->log, "final guard: with the bound for the build directory's files the "
                 "outputs need %lld bytes, more than the usable %lld, and no re-encode can "
                 "lower that; the real total decides", (long long)res.total, (long long)j->usable);
    return 0;
}

static double free_pct(const struct job *j, int64_t total)
{
    return j->usable > 0 ? 100.0 * (double)(j->usable - total) / (double)j->usable : 0;
}

/* The fill pass's re-encode (plan_reencode_fn): the log line, then the
 * attempt, kept only if the batch still fits (job_clip_try_upgrade). */
static int fill_reencode(void *opaque, size_t idx, int64_t kbps, int64_t total)
{
    struct job *j = opaque;
    const struct progress *p = j->prog;
    const struct clip *c = &p->clips[idx];
    if (pbc_interrupted)
        return PBC_E_INTERRUPTED;
    if (c->fill_overflow_kbps)
        log_info(j->log, "fill pass: %.1f%% of the disc free; re-encoding %s once more (its "
                 "attempt at %lld kbit/s took %lld bytes and did not fit; now assumed to "
                 "take %.0f%% of its prediction) at %lld kbit/s", free_pct(j, total), c->name,
                 (long long)c->fill_overflow_kbps, (long long)c->fill_overflow_bytes,
                 100.0 * plan_fill_ratio(p, idx), (long long)kbps);
    else
        log_info(j->log, "fill pass: %.1f%% of the disc free; re-encoding %s (used %.0f%% of "
                 "its prediction: %lld bytes at %lld kbit/s) at %lld kbit/s", free_pct(j, total),
                 c->name, 100.0 * plan_clip_ratio(p, idx), (long long)c->output_size,
                 (long long)c->target_kbps, (long long)kbps);
    return job_clip_try_upgrade(j, idx, kbps);
}

/* When the outputs fit but leave more than PLAN_FILL_FREE_PCT % of the
 * disc unused, re-encode the clips the encoder left furthest below their
 * predictions at higher rates, each once, or twice when the first attempt
 * did not fit, keeping a new output only if the batch still fits
 * (plan_fill_loop, design.md "Fill pass"). */
static int fill_pass(struct job *j)
{
    struct plan_fill_result res;
    int ret = plan_fill_loop(j->prog, j->other_files, fill_reencode, j, &res);
    if (ret < 0)
        return ret;
    /* The pick's own terms: bytes under the prediction, or with
     * --balance quality the clips measured below the best. */
    if (res.end == PLAN_FILL_END_NO_CLIP)
        log_info(j->log, "fill pass: %.1f%% of the disc free, but no clip left to try "
                 "%s to gain %d%% of rate: done", free_pct(j, res.total),
                 j->prog->balance == BALANCE_QUALITY ?
                 "is both measured below the best clip planned above the floor and able" :
                 "fell below its prediction by enough", PLAN_FILL_MIN_GAIN_PCT);
    else if (res.end == PLAN_FILL_END_FULL)
        log_info(j->log, "fill pass: %.1f%% of the disc free (threshold %d%%): done",
                 free_pct(j, res.total), PLAN_FILL_FREE_PCT);
    return 0;
}

/* The evidence manifests, written once every output is final: they are
 * on the disc and counted in its total. The log records the manifest's
 * SHA-256, so the log vouches for the manifest and the manifest for the
 * outputs. */
static int write_manifests(struct job *j)
{
    struct manifest_run run = {
        .resumed = j->resumed, .argc = j->prefs->nb_typed_args, .argv = j->prefs->typed_args,
    };
    char err[512], hex[SHA256_HEX_LEN + 1];
    struct timespec now;
    int ret;
    clock_gettime(CLOCK_REALTIME, &now);
    manifest_utc_time(now.tv_sec, run.completed);
    /* A progress file of an older version has no job_started: this run's. */
    if (j->prog->job_started[0])
        memcpy(run.started, j->prog->job_started, sizeof(run.started));
    else
        manifest_utc_time(j->wall_started.tv_sec, run.started);
    manifest_identify(&run);
    if ((ret = manifest_write(j->prog, &run, hex, err, sizeof(err))) < 0) {
        log_error(j->log, "cannot write the manifests in %s: %s", j->prog->build_dir, err);
        return ret;
    }
    log_info(j->log, "wrote %s and %s in %s: %zu %s, %s by %s (uid %lld) on %s; "
             "MANIFEST.json SHA-256 %s", MANIFEST_SUMS_NAME, MANIFEST_JSON_NAME,
             j->prog->build_dir, j->prog->nb_clips,
             log_plural(j->prog->nb_clips, "output", "outputs"), j->prog->mode == MODE_COPY ?
             "bit-exact copies" : "derived viewing copies", run.user[0] ? run.user : "(unknown user)",
             (long long)run.uid, run.host[0] ? run.host : "(unknown host)", hex);
    return 0;
}

/* index.html, after the manifests (docs/CLI.md "index.html"); budgeted
 * in other_files (index_page_bound), so it is written only if planned. */
static int write_index(struct job *j)
{
    struct index_job ij = { .p = j->prog, .version = pbc_version(), .usable = j->usable,
                           .label = j->prog->iso_file ? j->prog->iso_label : NULL };
    struct index_result res;
    char started[PROGRESS_TIME_LEN + 1], completed[PROGRESS_TIME_LEN + 1], libs[512], h[32];
    int ret;
    if (!j->prog->index_page)
        return 0;
    if (j->prog->job_started[0])
        memcpy(started, j->prog->job_started, sizeof(started));
    else
        manifest_utc_time(j->wall_started.tv_sec, started);
    manifest_utc_time(time(NULL), completed);
    ij.started = started;
    ij.completed = completed;
    ij.libraries = pbc_library_versions(libs, sizeof(libs));
    if ((ret = index_page_write(&ij, j->log, &res)) < 0)
        return ret;
    log_info(j->log, "wrote %s: %zu bytes (%s, bound %lld), %zu %s of %zu bytes; SHA-256 %s",
             INDEX_PAGE_NAME, res.bytes, log_human_bytes((long long)res.bytes, h, sizeof(h)),
             (long long)index_page_bound(j->prog), res.thumbs,
             log_plural(res.thumbs, "thumbnail", "thumbnails"), res.thumb_bytes, res.sha256);
    return 0;
}

/* What the disc will hold: every output, the manifests and, when it lives
 * in the build directory, the progress file, each in whole sectors. */
static int measure_outputs(struct job *j, int64_t *total)
{
    static const char *const own_files[] = { MANIFEST_SUMS_NAME, MANIFEST_JSON_NAME, INDEX_PAGE_NAME };
    const struct progress *p = j->prog;
    char *dir = fs_dirname(j->progress_path), *real = NULL;
    struct stat st;
    int64_t sum = 0;
    if (!dir)
        return AVERROR(ENOMEM);
    for (size_t i = 0; i < p->nb_clips + 2 + !!p->index_page; i++) {
        const char *name = i < p->nb_clips ? p->clips[i].name : own_files[i - p->nb_clips];
        char *path = fs_join(p->build_dir, name);
        int ok = path && stat(path, &st) == 0;
        free(path);
        if (!ok) {
            log_error(j->log, "%s is missing from %s", name, p->build_dir);
            free(dir);
            return AVERROR(ENOENT);
        }
        sum += plan_sector_round(st.st_size);
    }
    real = fs_realpath(dir);
    if (real && !strcmp(real, p->build_dir) && stat(j->progress_path, &st) == 0)
        sum += plan_sector_round(st.st_size);
    free(real);
    free(dir);
    *total = sum;
    return 0;
}

/* Logs each original still on disk from clip `from` on: what an
 * interrupted deletion leaves for the resume to delete. */
static void log_remaining_originals(struct job *j, size_t from)
{
    const struct progress *p = j->prog;
    size_t left = 0;
    struct stat st;
    for (size_t i = from; i < p->nb_clips; i++) {
        if (stat(p->clips[i].source, &st) < 0)
            continue;
        log_warn(j->log, "original %s: not deleted (interrupted)", p->clips[i].source);
        left++;
    }
    log_warn(j->log, "interrupted while deleting the originals: %zu %s, listed "
             "above; --resume %s deletes them", left,
             log_plural(left, "original remains", "originals remain"), j->progress_path);
}

/* The interrupt flag is checked before each deletion: a stop deletes
 * nothing more. */
static int delete_originals(struct job *j)
{
    const struct progress *p = j->prog;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        struct stat st;
        if (pbc_interrupted) {
            log_remaining_originals(j, i);
            return PBC_E_INTERRUPTED;
        }
        if (stat(c->source, &st) < 0) {
            log_info(j->log, "original %s: already gone", c->source);
            continue;
        }
        /* Never delete a file that is not the one the job read. */
        if (!job_source_matches(c, &st)) {
            log_warn(j->log, "original %s changed since it was processed: kept", c->source);
            continue;
        }
        if (unlink(c->source) < 0)
            log_warn(j->log, "cannot delete original %s: %s", c->source, strerror(errno));
        else
            log_info(j->log, "deleted original %s", c->source);
    }
    return 0;
}

/* Renames the progress file to progress.completed.json: the job is
 * complete; from now on the log's resume hint names the new file. */
static int mark_completed(struct job *j)
{
    char *dir = fs_dirname(j->progress_path), *done_path = NULL;
    int ret = 0;
    done_path = dir ? fs_join(dir, PROGRESS_COMPLETED_NAME) : NULL;
    if (!done_path) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (strcmp(done_path, j->progress_path) && (ret = fs_rename_durable(j->progress_path, done_path)) < 0) {
        log_error(j->log, "cannot rename %s to %s: %s", j->progress_path, done_path, pbc_err2str(ret));
        goto end;
    }
    log_info(j->log, "progress file renamed to %s", done_path);
    free(j->progress_path);
    j->progress_path = done_path;
    done_path = NULL;
end:
    free(dir);
    free(done_path);
    return ret;
}

static int check_size(struct job *j)
{
    char h1[32], h2[32];
    int64_t total = 0;
    int ret = measure_outputs(j, &total);
    if (ret < 0)
        return ret;
    if (total > j->usable) {
        log_error(j->log, "the outputs take %lld bytes (%s) on the disc, %lld more than the usable "
                  "%lld bytes (%s); outputs and originals are kept for inspection",
                  (long long)total, log_human_bytes(total, h1, sizeof(h1)),
                  (long long)(total - j->usable), (long long)j->usable,
                  log_human_bytes(j->usable, h2, sizeof(h2)));
        return PBC_E_OVER_LIMIT;
    }
    log_info(j->log, "the outputs take %lld bytes (%s) on the disc, within the usable %lld bytes (%s): %.2f%% full",
             (long long)total, log_human_bytes(total, h1, sizeof(h1)), (long long)j->usable,
             log_human_bytes(j->usable, h2, sizeof(h2)), 100.0 * (double)total / (double)j->usable);
    return 0;
}

/* Every step is durable before the next, and a SIGINT/SIGTERM is honoured
 * between steps and before each deletion (exit 4): a resume redoes from
 * the step that was cut short. Nothing is published or deleted before
 * every output has been re-read and matched its recorded SHA-256. */
int job_complete(struct job *j)
{
    struct progress *p = j->prog;
    int ret;
    if (p->mode == MODE_ENCODE && ((ret = final_guard(j)) < 0 || (ret = fill_pass(j)) < 0))
        return ret;
    if (pbc_interrupted)
        return PBC_E_INTERRUPTED;
    if ((ret = job_verify_outputs(j)) < 0 || (ret = write_manifests(j)) < 0 ||
        (ret = write_index(j)) < 0)
        return ret;
    if (pbc_interrupted)
        return PBC_E_INTERRUPTED;
    /* The image (--iso) before the rename: a kill while it is written
     * leaves progress.json, and the resumed run writes it again. */
    if ((ret = check_size(j)) < 0 || (ret = job_iso_write(j)) < 0)
        return ret;
    if (pbc_interrupted)
        return PBC_E_INTERRUPTED;
    if ((ret = mark_completed(j)) < 0)
        return ret;
    if (pbc_interrupted) {
        if (p->delete_originals)
            log_remaining_originals(j, 0);
        return PBC_E_INTERRUPTED;
    }
    return p->delete_originals ? delete_originals(j) : 0;
}

/* --resume of a job whose progress file was renamed: what can be left is
 * the deletion of the originals (a run killed or stopped during it).
 * The outputs are re-read first, as before any deletion. */
int job_finish_completed(struct job *j)
{
    const struct progress *p = j->prog;
    size_t left = 0;
    struct stat st;
    int ret;
    /* An image (--iso) that is gone is written again, from the re-read
     * outputs. */
    if (p->iso_file && stat(p->iso_file, &st) < 0 &&
        ((ret = job_verify_outputs(j)) < 0 || (ret = job_iso_write(j)) < 0))
        return ret;
    for (size_t i = 0; p->delete_originals && i < p->nb_clips; i++)
        if (stat(p->clips[i].source, &st) == 0 && job_source_matches(&p->clips[i], &st))
            left++;
    if (!left) {
        log_info(j->log, "the job is complete (%s): nothing left to do%s", j->progress_path,
                 p->delete_originals ? "" : " (originals are kept: --delete-originals no)");
        return 0;
    }
    log_info(j->log, "the job is complete (%s); %zu %s still to be deleted",
             j->progress_path, left, log_plural(left, "original is", "originals are"));
    if ((ret = job_verify_outputs(j)) < 0)
        return ret;
    return delete_originals(j);
}
