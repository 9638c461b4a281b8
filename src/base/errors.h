/* Error contract of the core.
 *
 * Every core function returns 0 on success or a negative code: an AVERROR
 * (which includes AVERROR(errno)) or one of the domain errors below. The
 * process exit code is decided in exactly one place, pbc_exit_code().
 *
 * A failure is worded once, where it is detected:
 * - a function that has the run's log (job/, verify/, the transcoder, the
 *   copier) logs it there and returns the code, in one statement:
 *   return log_fail(lg, code, ...) (base/log.h). Before a log is open lg is
 *   NULL and the line goes to the sink the CLI installed; the core never
 *   writes to stderr itself;
 * - a function that takes no log, because it is a pure reader, writer or
 *   check that unit tests and --verify call on their own (state/'s
 *   progress and MANIFEST.json loaders, validators and writers, media/'s
 *   probe), words the failure into its caller's reason buffer with
 *   pbc_reason() and returns the code; the caller logs that reason once
 *   and does not word it again. */
#ifndef PBC_ERRORS_H
#define PBC_ERRORS_H

#include <libavutil/error.h>

enum pbc_error {
    PBC_E_USAGE       = FFERRTAG('P', 'B', 'u', 's'), /* bad arguments or inputs: exit 1 */
    PBC_E_DEPENDENCY  = FFERRTAG('P', 'B', 'd', 'p'), /* encoder missing from libavcodec: exit 1 */
    PBC_E_NOSPACE     = FFERRTAG('P', 'B', 'n', 's'), /* build dir cannot hold the outputs: exit 1 */
    PBC_E_PROBE       = FFERRTAG('P', 'B', 'p', 'r'), /* an input cannot be probed for ENCODE: exit 1 */
    PBC_E_OVER_LIMIT  = FFERRTAG('P', 'B', 'o', 'v'), /* finished, outputs exceed usable bytes: exit 2 */
    PBC_E_INFEASIBLE  = FFERRTAG('P', 'B', 'i', 'f'), /* cannot fit even at the floor: refused before encoding: exit 2 */
    PBC_E_PROGRESS    = FFERRTAG('P', 'B', 'p', 'g'), /* progress file missing/corrupt/inconsistent: exit 3 */
    PBC_E_MANIFEST    = FFERRTAG('P', 'B', 'm', 'f'), /* MANIFEST.json missing/corrupt (--verify): exit 3 */
    PBC_E_INTERRUPTED = FFERRTAG('P', 'B', 'i', 'n'), /* SIGINT/SIGTERM: exit 4 */
    PBC_E_VERIFY      = FFERRTAG('P', 'B', 'v', 'f'), /* --verify found a mismatch: exit 5 */
};

enum pbc_exit {
    PBC_EXIT_OK = 0,
    PBC_EXIT_USAGE = 1,
    PBC_EXIT_OVER_LIMIT = 2,
    PBC_EXIT_PROGRESS = 3,
    PBC_EXIT_RUNTIME = 4,
    PBC_EXIT_VERIFY = 5,   /* --verify only: a file does not match (docs/CLI.md) */
};

/* Maps a return code of the core to the process exit code of the spec:
 * 0 -> 0; usage, dependency, space and probe errors -> 1; over the limit or
 * infeasible -> 2; progress-file errors -> 3; a --verify mismatch -> 5;
 * anything else -> 4. */
int pbc_exit_code(int err);

/* A human-readable text for a domain error or an AVERROR. The returned
 * string is static or lives in buf. */
const char *pbc_strerror(int err, char *buf, size_t size);

/* pbc_strerror into a temporary buffer, for a message's argument: the one
 * way the core words an error code (never av_err2str, which shows a domain
 * code as "Error number -1852392016 occurred"). */
#define pbc_err2str(err) \
    pbc_strerror(err, (char[AV_ERROR_MAX_STRING_SIZE]){ 0 }, AV_ERROR_MAX_STRING_SIZE)

/* Writes a one-line reason to err (when err is not NULL and errlen not 0)
 * and returns ret, so that a function with no log (see above) can word a
 * failure and return its code in one statement. */
int pbc_reason(char *err, size_t errlen, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
