#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/error.h>
#include <libavutil/log.h>

#include "base/log.h"
#include "base/quote.h"

struct pbc_log {
    FILE *file;               /* NULL: stdout only */
    int verbosity;
    int status_tty;           /* stderr is a terminal */
    int status_shown;         /* a status line is on screen */
    struct timespec status_last;
    pthread_mutex_t lock;     /* codec threads log through av_log */
};

/* av_log's callback has no user pointer, so the routed logger lives here.
 * It is set once by log_route_libav() and is not job state. */
static struct pbc_log *libav_target;

/* Where the lines logged with no log go: set once by the CLI (log.h). */
static log_sink_fn no_log_sink;

static const char *const level_names[] = {
    [PBC_LOG_ERROR] = "ERROR",
    [PBC_LOG_WARN] = "WARN",
    [PBC_LOG_INFO] = "INFO",
    [PBC_LOG_DEBUG] = "DEBUG",
};

int log_open(struct pbc_log **out, const char *path, int verbosity)
{
    struct pbc_log *lg = calloc(1, sizeof(*lg));
    *out = NULL;
    if (!lg)
        return AVERROR(ENOMEM);
    if (path) {
        lg->file = fopen(path, "ae");
        if (!lg->file) {
            int err = AVERROR(errno);
            free(lg);
            return err;
        }
    }
    lg->verbosity = verbosity;
    lg->status_tty = isatty(STDERR_FILENO);
    pthread_mutex_init(&lg->lock, NULL);
    *out = lg;
    return 0;
}

void log_close(struct pbc_log **plg)
{
    struct pbc_log *lg = *plg;
    if (!lg)
        return;
    if (libav_target == lg)
        log_route_libav(NULL);
    log_status_clear(lg);
    if (lg->file) {
        fflush(lg->file);
        fsync(fileno(lg->file));
        fclose(lg->file);
    }
    pthread_mutex_destroy(&lg->lock);
    free(lg);
    *plg = NULL;
}

static void clear_status_locked(struct pbc_log *lg)
{
    if (lg->status_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        lg->status_shown = 0;
    }
}

static void write_line(struct pbc_log *lg, enum log_level level, const char *text)
{
    char stamp[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;

    if (lg->file) {
        fprintf(lg->file, "%s.%03ldZ [%s] %.*s\n", stamp, ts.tv_nsec / 1000000,
                level_names[level], (int)len, text);
        fflush(lg->file);
    }
    if (level <= PBC_LOG_WARN || lg->verbosity >= 0) {
        clear_status_locked(lg);
        fprintf(stdout, "%s.%03ldZ [%s] %.*s\n", stamp, ts.tv_nsec / 1000000,
                level_names[level], (int)len, text);
        fflush(stdout);
    }
}

void log_set_sink(log_sink_fn sink)
{
    no_log_sink = sink;
}

static void vlog(struct pbc_log *lg, enum log_level level, int err, const char *fmt,
                 va_list ap)
{
    char raw[4096], buf[8192];
    size_t len;
    vsnprintf(raw, sizeof(raw), fmt, ap);
    /* The line's own end goes; any other control byte (a name's newline or
     * escape sequence, wherever it came from) is shown escaped. */
    len = strlen(raw);
    while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
        raw[--len] = 0;
    pbc_escape_line(buf, sizeof(buf), raw);
    if (!lg) {
        if (no_log_sink)
            no_log_sink(level, err, buf);
        else
            fprintf(stderr, "%s\n", buf);
        return;
    }
    if (level == PBC_LOG_DEBUG && lg->verbosity < 1)
        return;
    pthread_mutex_lock(&lg->lock);
    write_line(lg, level, buf);
    pthread_mutex_unlock(&lg->lock);
}

void log_msg(struct pbc_log *lg, enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(lg, level, 0, fmt, ap);
    va_end(ap);
}

int log_fail(struct pbc_log *lg, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(lg, PBC_LOG_ERROR, err, fmt, ap);
    va_end(ap);
    return err;
}

void log_status(struct pbc_log *lg, const char *fmt, ...)
{
    if (!lg || !lg->status_tty || lg->verbosity < 0)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&lg->lock);
    double since = (now.tv_sec - lg->status_last.tv_sec) +
                   (now.tv_nsec - lg->status_last.tv_nsec) / 1e9;
    if (since >= 0.2) {
        char buf[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        fprintf(stderr, "\r\033[K%s", buf);
        fflush(stderr);
        lg->status_shown = 1;
        lg->status_last = now;
    }
    pthread_mutex_unlock(&lg->lock);
}

void log_status_clear(struct pbc_log *lg)
{
    if (!lg)
        return;
    pthread_mutex_lock(&lg->lock);
    clear_status_locked(lg);
    pthread_mutex_unlock(&lg->lock);
}

static void libav_callback(void *avcl, int level, const char *fmt, va_list vl)
{
    struct pbc_log *lg = libav_target;
    static __thread char line[1024];
    static __thread int prefix = 1;
    if (!lg || level > AV_LOG_VERBOSE || (level > AV_LOG_WARNING && lg->verbosity < 1))
        return;
    /* av_log_format_line2 keeps per-thread state for lines that FFmpeg
     * writes in several calls; only whole lines are forwarded. */
    char part[1024];
    av_log_format_line2(avcl, level, fmt, vl, part, sizeof(part), &prefix);
    size_t used = strlen(line);
    snprintf(line + used, sizeof(line) - used, "%s", part);
    size_t len = strlen(line);
    if (len && line[len - 1] != '\n' && len < sizeof(line) - 1)
        return;
    enum log_level our = level <= AV_LOG_ERROR ? PBC_LOG_WARN :
                         level <= AV_LOG_WARNING ? PBC_LOG_WARN : PBC_LOG_DEBUG;
    /* Library errors are usually recovered from (a corrupt packet is
     * skipped); the code that fails for good logs the error itself. */
    log_msg(lg, our, "libav: %s", line);
    line[0] = '\0';
}

void log_route_libav(struct pbc_log *lg)
{
    libav_target = lg;
    if (lg)
        av_log_set_callback(libav_callback);
    else
        av_log_set_callback(av_log_default_callback);
}

const char *log_plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

const char *log_human_bytes(long long bytes, char *buf, unsigned size)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
    double v = (double)bytes;
    unsigned u = 0;
    while ((v >= 1000.0 || v <= -1000.0) && u < sizeof(units) / sizeof(units[0]) - 1) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%lld B", bytes);
    else
        snprintf(buf, size, "%.2f %s", v, units[u]);
    return buf;
}
