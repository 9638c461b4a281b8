/* --verify DIR as a command of its own: the log, the check, the outcome. */
#include <time.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/run_log.h"
#include "verify/verify.h"

int verify_command(const struct pbc_options *opt)
{
    struct pbc_log *lg = NULL;
    struct timespec started;
    int ret;
    clock_gettime(CLOCK_MONOTONIC, &started);
    if ((ret = log_open(&lg, opt->logfile, opt->verbosity)) < 0) {
        log_error(NULL, "--logfile %s: %s", opt->logfile, pbc_err2str(ret));
        return PBC_E_USAGE;
    }
    log_route_libav(lg);
    run_log_header(lg, 0, opt->argc, opt->argv);
    ret = verify_run(opt->verify_dir, lg);
    run_log_finished(lg, &started, ret);
    log_route_libav(NULL);
    log_close(&lg);
    return ret;
}
