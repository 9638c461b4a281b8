/* The job, top to bottom: check the inputs (or the progress file), open the
 * log, plan, run the clips, complete. job_run reads as the table of
 * contents of a run; each step lives in its own module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "job/job.h"
#include "job/job_internal.h"
#include "base/log.h"
#include "base/run_log.h"
#include "state/manifest.h"

static int open_log(struct job *j)
{
    const struct pbc_prefs *prefs = j->prefs;
    int ret = log_open(&j->log, prefs->dry_run ? NULL : prefs->logfile, prefs->verbosity);
    if (ret < 0) {
        log_error(NULL, "--logfile %s: %s", prefs->logfile, pbc_err2str(ret));
        return PBC_E_USAGE;
    }
    log_route_libav(j->log);
    run_log_header(j->log, prefs->dry_run, prefs->nb_typed_args, prefs->typed_args);
    return 0;
}

/* Fresh run: the build directory and its missing parents. */
static int make_build_dir(struct job *j)
{
    struct stat st;
    int ret;
    if (j->prefs->dry_run || j->resumed || stat(j->prog->build_dir, &st) == 0)
        return 0;
    if ((ret = fs_mkdir_p(j->prog->build_dir)) < 0) {
        if (j->log)
            log_error(j->log, "cannot create the build directory %s: %s", j->prog->build_dir,
                      pbc_err2str(ret));
        else
            log_error(NULL, "--build-dir %s: %s", j->prefs->build_dir, pbc_err2str(ret));
        return PBC_E_USAGE;
    }
    return 0;
}

/* A log file inside a build directory not made yet needs it first. */
static int log_needs_build_dir(const struct job *j)
{
    const char *dir = j->prog ? j->prog->build_dir : NULL;
    char *parent = NULL, *abs = NULL, cwd[4096];
    size_t n = dir ? strlen(dir) : 0;
    struct stat st;
    int inside = 0;
    if (!dir || !j->prefs->logfile || j->prefs->dry_run || j->resumed)
        return 0;
    parent = fs_dirname(j->prefs->logfile);
    if (!parent || stat(parent, &st) == 0)
        goto end;
    if (parent[0] == '/')
        abs = strdup(parent);
    else if (getcwd(cwd, sizeof(cwd)))
        abs = fs_join(cwd, parent);
    inside = abs && !strncmp(abs, dir, n) && (abs[n] == '/' || abs[n] == '\0');
end:
    free(parent);
    free(abs);
    return inside;
}

static int prepare_build_dir(struct job *j)
{
    const char *dir = j->prog->build_dir;
    int removed = 0, ret;
    struct stat st;
    if (!j->resumed && stat(j->progress_path, &st) == 0)
        log_warn(j->log, "%s exists but --resume was not given: it is replaced and the job starts over",
                 j->progress_path);
    ret = fs_remove_partials(dir, &removed);
    if (ret < 0) {
        log_error(j->log, "cannot clean the build directory %s: %s", dir, pbc_err2str(ret));
        return ret;
    }
    if (removed)
        log_info(j->log, "removed %d partial %s left in %s by an interrupted run", removed,
                 log_plural((size_t)removed, "file", "files"), dir);
    return 0;
}

int job_check_space(struct job *j)
{
    const struct progress *p = j->prog;
    int64_t need = j->other_files, free_bytes = 0, written = 0;
    char h1[32], h2[32], *where = strdup(p->build_dir);
    struct stat st;
    int ret;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        if (c->status == CLIP_DONE)
            written += plan_sector_round(c->output_size);
        else if (p->mode == MODE_COPY)
            need += plan_sector_round(c->source_size);
    }
    /* ENCODE writes at most what is left of the usable bytes. */
    if (p->mode == MODE_ENCODE)
        need += j->usable - written > 0 ? j->usable - written : 0;
    /* Before the build directory is made: the file system it will be on. */
    while (where && stat(where, &st) < 0 && strcmp(where, "/")) {
        char *up = fs_dirname(where);
        free(where);
        where = up;
    }
    if (!where)
        return AVERROR(ENOMEM);
    if ((ret = job_iso_space(j, where, &need)) < 0) {
        free(where);
        return ret;
    }
    ret = fs_free_bytes(where, &free_bytes);
    free(where);
    if (ret < 0) {
        log_error(j->log, "cannot read the free space of %s: %s", p->build_dir, pbc_err2str(ret));
        return ret;
    }
    if (free_bytes < need) {
        log_error(j->log, "not enough free space in %s: %lld bytes (%s) needed, %lld bytes (%s) free",
                  p->build_dir, (long long)need, log_human_bytes(need, h1, sizeof(h1)),
                  (long long)free_bytes, log_human_bytes(free_bytes, h2, sizeof(h2)));
        return PBC_E_NOSPACE;
    }
    log_info(j->log, "free space in %s: %lld bytes (%s), %lld bytes (%s) needed", p->build_dir,
             (long long)free_bytes, log_human_bytes(free_bytes, h1, sizeof(h1)),
             (long long)need, log_human_bytes(need, h2, sizeof(h2)));
    return 0;
}

static void log_outcome(struct job *j, int ret)
{
    if (!j->log)
        return;
    if (j->prog && !j->prefs->dry_run)
        log_info(j->log, "clips done: %zu of %zu", progress_count(j->prog, CLIP_DONE), j->prog->nb_clips);
    if (ret == PBC_E_INTERRUPTED)
        log_warn(j->log, "interrupted: progress saved; resume with --resume %s", j->progress_path);
    else if (ret < 0 && pbc_exit_code(ret) == PBC_EXIT_RUNTIME && j->progress_path)
        log_warn(j->log, "stopped by an error: progress saved; resume with --resume %s", j->progress_path);
    run_log_finished(j->log, &j->started, ret);
}

int job_run(const struct pbc_prefs *prefs)
{
    struct job j = { .prefs = prefs };
    int ret;
    clock_gettime(CLOCK_MONOTONIC, &j.started);
    clock_gettime(CLOCK_REALTIME, &j.wall_started);

    ret = prefs->resume_path ? job_inputs_resume(&j) : job_inputs_fresh(&j);
    if (ret < 0)
        goto end;
    if (!prefs->resume_path && (ret = job_decide_mode(&j)) < 0)
        goto end;
    if (log_needs_build_dir(&j) && (ret = make_build_dir(&j)) < 0)
        goto end;
    if ((ret = open_log(&j)) < 0)
        goto end;
    if (j.resumed) {
        log_info(j.log, "resuming %s: %zu of %zu %s done, build directory %s", j.progress_path,
                 progress_count(j.prog, CLIP_DONE), j.prog->nb_clips,
                 log_plural(j.prog->nb_clips, "clip", "clips"), j.prog->build_dir);
        if (prefs->nb_inputs)
            log_warn(j.log, "with --resume the clips come from the progress file: the %d FILE "
                     "%s ignored", prefs->nb_inputs,
                     log_plural((size_t)prefs->nb_inputs, "argument is", "arguments are"));
    }
    if ((ret = job_plan(&j)) < 0 || prefs->dry_run)
        goto end;
    if (j.completed) {
        ret = job_finish_completed(&j);
        goto end;
    }
    /* The run starts: only now is the build directory made, so a usage,
     * probe or plan error leaves nothing behind. */
    if ((ret = job_check_space(&j)) < 0 || (ret = make_build_dir(&j)) < 0 ||
        (ret = prepare_build_dir(&j)) < 0)
        goto end;
    if (!j.resumed)
        manifest_utc_time(j.wall_started.tv_sec, j.prog->job_started);
    if (!j.resumed && (ret = job_save(&j)) < 0)
        goto end;
    ret = j.prog->mode == MODE_ENCODE ? job_parallel_run(&j) : job_copy_run(&j);
    if (ret < 0)
        goto end;
    ret = job_complete(&j);
end:
    log_outcome(&j, ret);
    log_close(&j.log);
    progress_free(&j.prog);
    free(j.progress_path);
    return ret;
}
