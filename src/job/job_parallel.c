/* ENCODE with --jobs: up to N clips encoded at once, one thread each (the
 * encoder's own threads below it), each with its share of --threads.
 *
 * The main thread is the dispatcher: under the job's lock it decides the
 * next clip's target from the progress state as it stands (the clips in
 * flight counted at their start targets, planner.c), saves that target in
 * the progress file, and only then starts the clip's thread. A worker
 * encodes without the lock and takes it to commit (rename, mark done,
 * save: job_clip_encode). One lock for the progress state, its saving and
 * the live status line, so every saved file is a state some serial order
 * of the same completions would have saved. With N = 1 this is the serial
 * loop of old: same targets, same threads, same encoder settings. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "job/job_internal.h"
#include "base/log.h"
#include "media/probe.h"
#include "plan/plan_quality.h"

/* Peak memory of one SVT-AV1 encode (preset 10) with its decoder and
 * muxer, at 1080p (issue 11: ~700 MB; BENCHMARKS.md "Parallel" measures
 * it); scaled by the pixels, never below the floor of a small clip. */
#define JOB_ENCODER_BYTES_1080P (INT64_C(700) * 1000 * 1000)
#define JOB_ENCODER_BYTES_MIN   (INT64_C(200) * 1000 * 1000)
#define JOB_PIXELS_1080P        (1920 * 1080)

struct slot {
    struct pool *pool;
    size_t idx;              /* the clip */
    int64_t kbps;
    int busy, finished, ret;
    double done, fps;        /* seconds of video written, frames/s */
    pthread_t thread;
    struct clip_run run;
};

struct pool {
    struct job *j;
    pthread_mutex_t lock;    /* j->lock while the pool runs */
    pthread_cond_t cond;     /* a worker finished */
    struct slot *slots;
    size_t nb_slots, busy;
    size_t *order, nb_order, next; /* the clips to run, in order */
    int threads_total;       /* shared out; 0: one job with the libraries' default */
    int threads_busy;
    double job_units, done_units; /* seconds of video: all, finished */
    struct timespec start;
    int ret;                 /* the first failure; PBC_E_INTERRUPTED only if none */
};

static int online_cores(void)
{
    cpu_set_t set;
    long n;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* MemAvailable of /proc/meminfo in bytes; -1 when unknown. */
static int64_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[128];
    long long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
            break;
    fclose(f);
    return kb < 0 ? -1 : (int64_t)kb * 1024;
}

/* The largest frame among the pending clips, in pixels (the progress file
 * does not keep resolutions); 1080p for a clip that cannot be probed. */
static int64_t largest_pending_frame(const struct progress *p, int *w, int *h)
{
    int64_t best = 0;
    *w = *h = 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        struct probe_info info;
        char err[64];
        int64_t px;
        if (p->clips[i].status != CLIP_PENDING)
            continue;
        if (probe_file(p->clips[i].source, &info, err, sizeof(err)) < 0)
            info.width = 1920, info.height = 1080;
        px = (int64_t)info.width * info.height;
        if (px > best)
            best = px, *w = info.width, *h = info.height;
    }
    return best;
}

/* --jobs 0: as many jobs as cores (--threads when given), one core each up
 * to 1080p and two above (BENCHMARKS.md "Parallel": one encode leaves a
 * core 14-25 % idle at 1-2 threads), as many as MemAvailable holds, and
 * no more than the clips. */
static size_t auto_jobs(struct job *j, size_t pending)
{
    int cores = j->prefs->threads > 0 ? j->prefs->threads : online_cores(), w, h;
    int64_t px = largest_pending_frame(j->prog, &w, &h), avail = mem_available();
    int64_t per = (int64_t)((double)JOB_ENCODER_BYTES_1080P * (double)px / JOB_PIXELS_1080P);
    int per_job = px > 2 * JOB_PIXELS_1080P ? 2 : 1;
    size_t n = (size_t)(cores / per_job > 0 ? cores / per_job : 1), by_mem = SIZE_MAX;
    char human[32], mem[96] = "MemAvailable unknown";

    if (per < JOB_ENCODER_BYTES_MIN)
        per = JOB_ENCODER_BYTES_MIN;
    if (avail >= 0) {
        by_mem = (size_t)(avail / per) > 0 ? (size_t)(avail / per) : 1;
        snprintf(mem, sizeof(mem), "%s available, room for %zu",
                 log_human_bytes(avail, human, sizeof(human)), by_mem);
    }
    size_t chosen = n < by_mem ? n : by_mem;
    if (chosen > pending)
        chosen = pending;
    log_info(j->log, "jobs: %zu at once (automatic: %d %s, %d per job, the largest pending "
             "frame being %dx%d; ~%lld MB per encoder, %s; %zu %s pending)", chosen, cores,
             j->prefs->threads > 0 ? "threads (--threads)" : "cores", per_job, w, h,
             (long long)(per / 1000000), mem, pending, log_plural(pending, "clip", "clips"));
    return chosen;
}

static size_t choose_jobs(struct job *j, size_t pending)
{
    size_t n = (size_t)j->prefs->jobs;
    /* One clip, or one core and no --threads to share: nothing to choose. */
    if (pending <= 1 || (!n && j->prefs->threads <= 0 && online_cores() == 1))
        return 1;
    if (!n)
        return auto_jobs(j, pending);
    if (n > pending)
        n = pending;
    log_info(j->log, "jobs: %zu at once (--jobs %d, %zu %s pending)", n, j->prefs->jobs, pending,
             log_plural(pending, "clip", "clips"));
    return n;
}

/* The live line (under the lock): every clip in flight, then the batch. */
static void show_status(struct pool *pl)
{
    char line[256], eta_text[16];
    double done = pl->done_units, fps = 0, elapsed = job_seconds_since(&pl->start);
    size_t used = 0;
    for (size_t s = 0; s < pl->nb_slots; s++)
        if (pl->slots[s].busy)
            done += pl->slots[s].done, fps += pl->slots[s].fps;
    job_format_eta(done > 0 ? elapsed / done * (pl->job_units - done) : -1, eta_text,
                   sizeof(eta_text));
    for (size_t s = 0; s < pl->nb_slots && used < sizeof(line); s++) {
        const struct slot *sl = &pl->slots[s];
        const struct clip *c = &pl->j->prog->clips[sl->idx];
        if (sl->busy)
            used += (size_t)snprintf(line + used, sizeof(line) - used, "%.24s %3.0f%%  ", c->name,
                                     c->duration > 0 ? 100.0 * sl->done / c->duration : 0.0);
    }
    if (used >= sizeof(line))
        used = 0;
    log_status(pl->j->log, "%s| batch %5.1f%%  %.1f fps  ETA %s", line,
               pl->job_units > 0 ? 100.0 * done / pl->job_units : 0.0, fps, eta_text);
}

static void on_progress(void *opaque, double done, double total, double fps)
{
    struct slot *sl = opaque;
    (void)total;
    pthread_mutex_lock(&sl->pool->lock);
    sl->done = done;
    sl->fps = fps;
    show_status(sl->pool);
    pthread_mutex_unlock(&sl->pool->lock);
}

static void *worker(void *opaque)
{
    struct slot *sl = opaque;
    struct pool *pl = sl->pool;
    int ret = job_clip_encode(pl->j, sl->idx, sl->kbps, &sl->run);
    pthread_mutex_lock(&pl->lock);
    sl->ret = ret;
    sl->finished = 1;
    /* One clip failed: the others stop as on SIGINT (partials removed,
     * their start targets kept in the progress file for --resume). */
    if (ret < 0 && ret != PBC_E_INTERRUPTED && !pbc_interrupted) {
        pbc_interrupted = 1;
        if (pl->busy > 1)
            log_warn(pl->j->log, "clip %s failed: stopping the %zu other %s in flight",
                     pl->j->prog->clips[sl->idx].name, pl->busy - 1,
                     log_plural(pl->busy - 1, "clip", "clips"));
    }
    pthread_cond_signal(&pl->cond);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Threads for the clip about to start: what the running ones leave, shared
 * among the slots that will be filled now (so a short batch's last clips
 * get more), at least one. */
static int share_threads(const struct pool *pl)
{
    size_t left = pl->nb_order - pl->next + 1, free_slots = pl->nb_slots - pl->busy;
    size_t fill = left < free_slots ? left : free_slots;
    int share;
    if (!pl->threads_total)
        return 0;
    share = (pl->threads_total - pl->threads_busy) / (int)fill;
    return share > 0 ? share : 1;
}

/* The serial wording, plus what --jobs adds: the clips in flight the
 * target counted, or a restart at a stored target. (Its threads are in the
 * transcoder's "video out" line: lp.) */
static void log_start(struct pool *pl, const struct slot *sl, int resumed,
                      const struct plan_target *t)
{
    const struct progress *p = pl->j->prog;
    const struct clip *c = &p->clips[sl->idx];
    char inflight[96] = "", planned[64] = "";
    /* --balance quality: the clip's own rate, and the law's scale on it */
    if (progress_planned_kbps(p, c) != p->kbps && resumed)
        snprintf(planned, sizeof(planned), "planned %lld kbit/s; ",
                 (long long)progress_planned_kbps(p, c));
    else if (progress_planned_kbps(p, c) != p->kbps)
        snprintf(planned, sizeof(planned), "planned %lld kbit/s x %.4f; ",
                 (long long)t->planned, t->scale);
    if (t->inflight)
        snprintf(inflight, sizeof(inflight), "; %zu %s in flight charged %lld bytes", t->inflight,
                 log_plural(t->inflight, "clip", "clips"), (long long)t->inflight_bytes);
    log_info(pl->j->log, "clip %zu/%zu %s: encoding %s (%.3f s) at %lld kbit/s video (%s%s %lld%s)",
             sl->run.number, sl->run.total, c->name, c->source, c->duration, (long long)sl->kbps,
             planned, resumed ? "restarted at the target it was started at before the interruption; "
             "stored kbps" : sl->kbps == p->kbps ? "the stored kbps" :
             "corrected from the bytes still free; stored kbps", (long long)p->kbps, inflight);
}

/* Under the lock: the next clip's target, saved before its thread starts. */
static int start_next(struct pool *pl)
{
    struct job *j = pl->j;
    size_t idx = pl->order[pl->next], s = 0;
    struct clip *c = &j->prog->clips[idx];
    struct plan_target t = { 0 };
    int64_t old = c->start_kbps;
    int ret;

    while (pl->slots[s].busy)
        s++;
    struct slot *sl = &pl->slots[s];
    *sl = (struct slot){ .pool = pl, .idx = idx, .busy = 1 };
    sl->kbps = old > 0 ? old : plan_clip_target_derive(j->prog, idx, j->other_files, &t);
    sl->run = (struct clip_run){ .number = idx + 1, .total = j->prog->nb_clips,
                                 .threads = share_threads(pl), .progress = on_progress,
                                 .opaque = sl };
    c->start_kbps = sl->kbps;
    if ((ret = job_save(j)) < 0)
        goto end;
    log_start(pl, sl, old > 0, &t);
    if ((ret = pthread_create(&sl->thread, NULL, worker, sl)) != 0) {
        ret = AVERROR(ret);
        log_error(j->log, "clip %s: cannot start a thread: %s", c->name, pbc_err2str(ret));
        goto end;
    }
    pl->next++;
    pl->busy++;
    pl->threads_busy += sl->run.threads;
end:
    if (ret < 0) {
        c->start_kbps = old;
        sl->busy = 0;
    }
    return ret;
}

static void note_result(struct pool *pl, int ret)
{
    if (ret < 0 && (!pl->ret || pl->ret == PBC_E_INTERRUPTED))
        pl->ret = ret;
}

/* Under the lock: joins the finished workers. */
static void reap(struct pool *pl)
{
    for (size_t s = 0; s < pl->nb_slots; s++) {
        struct slot *sl = &pl->slots[s];
        if (!sl->busy || !sl->finished)
            continue;
        /* The worker's last act was to signal under this lock: it only
         * returns now, so joining while holding the lock is safe. */
        pthread_join(sl->thread, NULL);
        sl->busy = 0;
        pl->busy--;
        pl->threads_busy -= sl->run.threads;
        note_result(pl, sl->ret);
        if (sl->ret == 0)
            pl->done_units += pl->j->prog->clips[sl->idx].duration;
    }
}

/* --balance quality: the last clip of the order (the hardest) waits for
 * the others and runs alone with every thread, so that its target is
 * decided from every other clip's real size: the undershoot of a clip
 * still in flight could not reach it otherwise, and would be left free on
 * the disc or cost a fill-pass re-encode (design.md "Quality balance"). */
static int waits_for_the_rest(const struct pool *pl)
{
    const struct progress *p = pl->j->prog;
    return p->balance == BALANCE_QUALITY && pl->busy > 0 && pl->next + 1 == pl->nb_order &&
           p->clips[pl->order[pl->next]].start_kbps == 0;
}

static void pool_loop(struct pool *pl)
{
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        while (!pl->ret && pl->next < pl->nb_order && pl->busy < pl->nb_slots &&
               !waits_for_the_rest(pl)) {
            int ret = pbc_interrupted ? PBC_E_INTERRUPTED : start_next(pl);
            note_result(pl, ret);
            /* A failure to start stops the clips already running. */
            if (ret < 0)
                pbc_interrupted = 1;
        }
        if (!pl->busy)
            break;
        pthread_cond_wait(&pl->cond, &pl->lock);
        reap(pl);
    }
    pthread_mutex_unlock(&pl->lock);
}

/* In-flight clips of an interrupted run first (their targets were decided
 * with each other in flight), then the rest in processing order
 * (plan_runs_before). */
static int make_order(struct pool *pl)
{
    const struct progress *p = pl->j->prog;
    size_t first_rest;
    if (!(pl->order = calloc(p->nb_clips ? p->nb_clips : 1, sizeof(*pl->order))))
        return AVERROR(ENOMEM);
    for (int pass = 0; pass < 2; pass++) {
        first_rest = pl->nb_order;
        for (size_t i = 0; i < p->nb_clips; i++) {
            const struct clip *c = &p->clips[i];
            size_t k;
            if (c->status != CLIP_PENDING || (c->start_kbps > 0) != !pass)
                continue;
            for (k = pl->nb_order; k > first_rest && plan_runs_before(p, i, pl->order[k - 1]); k--)
                pl->order[k] = pl->order[k - 1];
            pl->order[k] = i;
            pl->nb_order++;
            pl->job_units += c->duration;
        }
    }
    return 0;
}

int job_parallel_run(struct job *j)
{
    struct pool pl = { .j = j };
    int ret;

    if ((ret = make_order(&pl)) < 0)
        goto end;
    if (!pl.nb_order)
        goto end;
    pl.nb_slots = choose_jobs(j, pl.nb_order);
    /* One job keeps the old behaviour: --threads as given, 0 included. */
    pl.threads_total = pl.nb_slots == 1 ? j->prefs->threads
                       : j->prefs->threads > 0 ? j->prefs->threads : online_cores();
    if (!(pl.slots = calloc(pl.nb_slots, sizeof(*pl.slots)))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    pthread_mutex_init(&pl.lock, NULL);
    pthread_cond_init(&pl.cond, NULL);
    clock_gettime(CLOCK_MONOTONIC, &pl.start);
    j->lock = &pl.lock;
    pool_loop(&pl);
    j->lock = NULL;
    log_status_clear(j->log);
    pthread_cond_destroy(&pl.cond);
    pthread_mutex_destroy(&pl.lock);
    ret = pl.ret;
end:
    free(pl.slots);
    free(pl.order);
    return ret;
}
