/* The job: create or load the progress file, plan, run the clip loop,
 * complete. The only caller of the other core modules' top-level entry
 * points, and the place where the outcome of a run is decided. */
#ifndef PBC_JOB_H
#define PBC_JOB_H

#include "job/prefs.h"

/* Runs the whole job described by prefs. Returns 0 on success or a negative
 * code; pbc_exit_code() turns it into the exit code of the spec. Every
 * failure has been logged (or, before the log is open, printed) once. */
int job_run(const struct pbc_prefs *prefs);

#endif
