/* --verify DIR as a command of its own: the log, the check, the outcome. */
#include <time.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/run_log.h"
#include "verify/verify.h"

int verify_command(const struct pbc_prefs *prefs)
{
    struct pbc_log *lg = NULL;
    struct timespec started;
    int ret;
    clock_gettime(CLOCK_MONOTONIC, &started);
    if ((ret = log_open(&lg, prefs->logfile, prefs->verbosity)) < 0) {
        log_error(NULL, "--logfile %s: %s", prefs->logfile, pbc_err2str(ret));
        return PBC_E_USAGE;
    }
    log_route_libav(lg);
    run_log_header(lg, 0, prefs->nb_typed_args, prefs->typed_args);
    ret = verify_run(prefs->verify_dir, lg);
    run_log_finished(lg, &started, ret);
    log_route_libav(NULL);
    log_close(&lg);
    return ret;
}
