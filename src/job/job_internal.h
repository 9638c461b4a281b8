/* State shared by the job's modules (job.c, job_inputs.c, job_plan.c,
 * job_clips.c, job_seam.c, job_parallel.c, job_verify.c, complete.c). Not
 * part of the core's public API. */
#ifndef PBC_JOB_INTERNAL_H
#define PBC_JOB_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "job/prefs.h"
#include "media/transcode/transcode.h"
#include "plan/planner.h"
#include "state/progress.h"

struct pbc_log;

struct job {
    const struct pbc_prefs *prefs;
    struct pbc_log *log;
    struct progress *prog;
    char *progress_path;     /* where the progress file is saved */
    int resumed;
    int completed;           /* resumed from a progress.completed.json */
    int64_t usable;
    int64_t other_files;     /* budget for the build dir's own files */
    struct plan_budget budget; /* ENCODE, fresh run: the plan as derived */
    struct timespec started; /* CLOCK_MONOTONIC, for speed and ETA */
    struct timespec wall_started; /* CLOCK_REALTIME: this run's start, for the manifest */
    /* While jobs run (job_parallel.c): guards prog and its saving, and
     * what the pool keeps about the clips in flight. NULL otherwise. */
    pthread_mutex_t *lock;
};

/* job_seam.c: the seams of clip idx's first encode, started at kbps
 * (transcode.h, design.md "Seams"). */
struct job_seam {
    struct job *j;
    size_t idx;
    int64_t start_kbps, kbps;  /* the first rate, the current one */
    double seconds;            /* where the current rate began */
    int64_t bytes, nominal;    /* video bytes before that, and what the rates stood for */
    int point;                 /* the seam frames reached (plan_seam_frame's k) */
    int seams;                 /* the seams made */
};

void job_seam_init(struct job_seam *s, struct job *j, size_t idx, int64_t kbps);
/* The transcoder's seam parameters, s their opaque. */
struct transcode_seam job_seam_params(struct job_seam *s);
/* The rate the clip's video stood for over duration, all its parts
 * together: its target_kbps (the start rate without a seam). */
int64_t job_seam_mean_kbps(const struct job_seam *s, double duration);

/* One encode as the job runs it: its place in the job (1-based, of all
 * its clips) for the log, its threads (transcode_params.threads) and
 * progress callback; for a re-encode, why and the output it replaces. */
struct clip_run {
    size_t number, total;
    int threads;
    transcode_progress_fn progress;
    void *opaque;
    const char *again;          /* "final guard" or "fill pass"; NULL the first time */
    int64_t old_size, old_kbps;
    double old_psnr;            /* PSNR-Y of the output it replaces, < 0 unknown */
};

/* 1 when st (a fresh stat of c->source) is still the original the job
 * planned: same size and modification time. Its size decided the mode and
 * its duration the budget, and only that file may be deleted. */
int job_source_matches(const struct clip *c, const struct stat *st);

/* Fresh run: checks the build dir and every input (usage errors, exit 1)
 * and fills j->prog with one pending clip per input, named as in COPY
 * mode. Writes nothing. Messages go through log_fail(NULL): the log is not
 * open yet. */
int job_inputs_fresh(struct job *j);

/* Resume: loads and validates the progress file against the command line
 * and the file system (exit 3 on any problem). Writes nothing. */
int job_inputs_resume(struct job *j);

/* Fresh run, before anything is written: usable bytes and the mode; for
 * ENCODE the outputs are renamed to .mp4 (two inputs with one output name
 * are a usage error, logged with no log: the CLI shows it). No I/O. */
int job_decide_mode(struct job *j);

/* Logs the capacity and the plan; fresh run: for ENCODE probes every input, renames the
 * outputs to .mp4, orders the clips and derives the budget and kbps. Logs
 * the plan. Returns 0, PBC_E_PROBE, PBC_E_DEPENDENCY or PBC_E_INFEASIBLE (the batch
 * cannot fit even at the floor: fresh, or resumed with clips pending). */
int job_plan(struct job *j);

/* --balance quality, fresh ENCODE run: analyses every clip and sets its
 * planned_kbps and predicted_psnr, and kbps to their mean (job_quality.c).
 * On a budget at the floor (nothing to share: no analysis), or when a clip
 * cannot be analysed or no allocation fits, the plan stays at one bitrate
 * and the log says why. Returns 0, PBC_E_INTERRUPTED or ENOMEM. */
int job_plan_quality(struct job *j);

/* Checks the build dir's file system can hold what the pending clips will
 * write (exit 1 with the numbers otherwise). */
int job_check_space(struct job *j);

/* COPY: copies every pending clip; saves the progress file after each.
 * (ENCODE: job_parallel_run.) */
int job_copy_run(struct job *j);

/* ENCODE: encodes clip idx at kbps (its start_kbps already saved) to a
 * partial file, then under j->lock renames it into place, marks the clip
 * done (start_kbps 0) and saves. The partial is removed on failure. */
int job_clip_encode(struct job *j, size_t idx, int64_t kbps, const struct clip_run *run);

/* ENCODE: runs every pending clip, up to --jobs at once; in-flight clips
 * of an interrupted run first, at their start_kbps (job_parallel.c). */
int job_parallel_run(struct job *j);

/* For the live status line: seconds since t0 (CLOCK_MONOTONIC), and an
 * ETA as HH:MM:SS ("--:--:--" when unknown). */
double job_seconds_since(const struct timespec *t0);
void job_format_eta(double seconds, char *buf, size_t size);

/* Take and release j->lock (no-ops when it is NULL). */
static inline void job_lock(struct job *j)
{
    if (j->lock)
        pthread_mutex_lock(j->lock);
}

static inline void job_unlock(struct job *j)
{
    if (j->lock)
        pthread_mutex_unlock(j->lock);
}

/* ENCODE: re-encodes clip idx at kbps in place (the final guard). */
int job_clip_reencode(struct job *j, size_t idx, int64_t kbps);

/* Fill pass: encodes clip idx (done) at kbps to a partial file, and keeps
 * the result only if the batch still fits in usable (outputs
 * sector-rounded plus other_files); otherwise removes it and keeps the old
 * output. Either way the attempt counts in the clip's encodes. */
int job_clip_try_upgrade(struct job *j, size_t idx, int64_t kbps);

/* After the clip loop, every step of completion (complete.c): final guard
 * and fill pass (ENCODE), read-back, manifests, index page, size check,
 * progress.completed.json, deleting the originals. Stops with
 * PBC_E_INTERRUPTED between steps on SIGINT/SIGTERM. */
int job_complete(struct job *j);

/* --resume of a completed job: deletes what originals are left (after
 * re-reading the outputs), or logs that nothing is left. */
int job_finish_completed(struct job *j);

/* Re-reads every output from the device (O_DIRECT where the file system
 * has it) and compares size and SHA-256 with the recorded ones; a
 * mismatch is logged naming the output and returns PBC_E_PROGRESS.
 * Returns 0, PBC_E_INTERRUPTED or AVERROR. */
int job_verify_outputs(struct job *j);
/* --iso: writes the image of the build directory and FILE.sha256 (again,
 * replacing any older one: a resumed completion calls it as often as it
 * runs) and checks its size against usable (PBC_E_OVER_LIMIT). 0 without
 * --iso. */
int job_iso_write(struct job *j);

/* --iso: adds the image's bytes to *build_need when it goes to the file
 * system of build_fs (the build directory, or its nearest existing parent
 * before it is made), else checks its own (PBC_E_NOSPACE, logged). */
int job_iso_space(struct job *j, const char *build_fs, int64_t *build_need);

/* Saves the progress file; logs the failure. */
int job_save(struct job *j);

#endif
