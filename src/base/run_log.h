/* The first and last lines of a run's log, the same for every command
 * (a job, --verify): what ran, with which libraries and arguments, and
 * how it ended. */
#ifndef PBC_RUN_LOG_H
#define PBC_RUN_LOG_H

#include <time.h>

struct pbc_log;

/* "prepare_bodycam V starting", the library versions, and the command line
 * as typed (argv[0..argc), each argument quoted). */
void run_log_header(struct pbc_log *lg, int dry_run, int argc, char *const *argv);

/* "finished in S s: exit code N (reason)", S counted from started
 * (CLOCK_MONOTONIC), N = pbc_exit_code(ret). lg may be NULL: nothing. */
void run_log_finished(struct pbc_log *lg, const struct timespec *started, int ret);

#endif
