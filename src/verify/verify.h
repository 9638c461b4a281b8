/* --verify DIR: checks a finished build directory (or the burned disc)
 * against its MANIFEST.json. Every output is re-hashed and compared with
 * the recorded size and SHA-256; SHA256SUMS must agree with the manifest;
 * each original that still exists at its recorded path is re-hashed too.
 * One log line per file, then a summary. Opens everything read-only and
 * writes nothing in DIR, so a read-only directory or a mounted disc works. */
#ifndef PBC_VERIFY_H
#define PBC_VERIFY_H

#include "job/prefs.h"

struct pbc_log;

/* Returns 0 when every check passed; PBC_E_VERIFY when an output, an
 * existing original or SHA256SUMS does not match (or cannot be read);
 * PBC_E_MANIFEST (exit 3) when DIR/MANIFEST.json is missing, unreadable or not a
 * valid manifest; PBC_E_INTERRUPTED on SIGINT/SIGTERM; AVERROR(ENOMEM).
 * The failure is logged, naming the file. */
int verify_run(const char *dir, struct pbc_log *lg);

/* The --verify command: opens prefs->logfile (may be NULL: stdout only),
 * logs the run's header, verify_run(prefs->verify_dir), and the outcome.
 * Returns verify_run's code, or PBC_E_USAGE when the log cannot be
 * opened (logged with no log: the CLI shows it on stderr). */
int verify_command(const struct pbc_prefs *prefs);

#endif
