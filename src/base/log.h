/* The run log: every line carries a UTC timestamp and a level, is appended
 * to the log file and echoed to stdout. A live status line (progress) goes
 * to stderr only when stderr is a terminal, and never into the log file. */
#ifndef PBC_LOG_H
#define PBC_LOG_H

#include <stddef.h>

enum log_level {
    PBC_LOG_ERROR,
    PBC_LOG_WARN,
    PBC_LOG_INFO,
    PBC_LOG_DEBUG,
};

struct pbc_log;

/* Opens (creates or appends to) path. path may be NULL: stdout only.
 * verbosity: -1 quiet (errors and warnings echoed), 0 normal, 1 debug.
 * Returns 0 or AVERROR(errno); on failure *lg is NULL. */
int log_open(struct pbc_log **lg, const char *path, int verbosity);

/* Flushes, closes and frees; accepts NULL and sets *lg to NULL. */
void log_close(struct pbc_log **lg);

/* One log line. lg may be NULL before a log is open: the line then goes
 * to the sink (log_set_sink), not to stdout or a file. */
void log_msg(struct pbc_log *lg, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The error contract's one statement: logs an error line (as log_error)
 * that reports the code err, and returns err. Through the sink, err tells
 * the CLI what kind of failure the line is (a usage error gets a pointer
 * to --help). */
int log_fail(struct pbc_log *lg, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Receives the lines logged with no log (lg NULL), already escaped and
 * without their line end. err is the code of a log_fail line, else 0. */
typedef void (*log_sink_fn)(enum log_level level, int err, const char *line);

/* Installs the sink of lines logged with no log; NULL restores the
 * default, the bare line on stderr. Only the CLI knows the program's name
 * and its --help: it installs a sink that adds them. Set it once, before
 * any thread logs. */
void log_set_sink(log_sink_fn sink);

#define log_error(lg, ...) log_msg(lg, PBC_LOG_ERROR, __VA_ARGS__)
#define log_warn(lg, ...)  log_msg(lg, PBC_LOG_WARN, __VA_ARGS__)
#define log_info(lg, ...)  log_msg(lg, PBC_LOG_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg(lg, PBC_LOG_DEBUG, __VA_ARGS__)

/* Replaces the live status line on stderr (a terminal only; otherwise a
 * no-op). Rate-limited to a few updates per second. */
void log_status(struct pbc_log *lg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears the live status line, if one is shown. */
void log_status_clear(struct pbc_log *lg);

/* Routes the av_log output of FFmpeg's libraries through lg: errors and
 * warnings become log lines, the rest is dropped unless verbosity is 1.
 * Pass NULL to restore FFmpeg's default callback. */
void log_route_libav(struct pbc_log *lg);

/* Formats a byte count as "50.00 GB" (decimal units, as disc makers use). */
const char *log_human_bytes(long long bytes, char *buf, unsigned size);

/* one when n is 1, else many: "1 clip", "2 clips", "0 clips". */
const char *log_plural(size_t n, const char *one, const char *many);

#endif
