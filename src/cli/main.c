/* prepare_bodycam: fit a batch of body-camera clips on one optical disc.
 * The program is a thin shell: parse the command line, run the job, map
 * the outcome to the exit code of the spec (pbc_exit_code, for every
 * outcome). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "job/job.h"
#include "verify/verify.h"

int main(int argc, char **argv)
{
    struct pbc_options opt;
    enum cli_action action;
    char err[512];
    int ret;
    /* The parser reorders argv (options first); the log and MANIFEST.json
     * record the command line exactly as typed, from this copy. */
    char **typed = calloc((size_t)argc + 1, sizeof(*typed));

    /* Until a command opens its log, the core's lines come here. */
    log_set_sink(cli_report);
    if (!typed) {
        ret = AVERROR(ENOMEM);
        cli_report(PBC_LOG_ERROR, ret, "out of memory");
        goto end;
    }
    memcpy(typed, argv, (size_t)argc * sizeof(*argv));

    if ((ret = cli_parse(argc, argv, &opt, &action, err, sizeof(err))) < 0) {
        cli_report(PBC_LOG_ERROR, ret, err);
    } else if (action == CLI_HELP) {
        cli_print_help();
    } else if (action == CLI_VERSION) {
        cli_print_version();
    } else if ((ret = pbc_interrupt_install()) < 0) {
        cli_report(PBC_LOG_ERROR, ret, "cannot install signal handlers");
    } else {
        opt.argv = typed;
        ret = opt.verify_dir ? verify_command(&opt) : job_run(&opt);
    }
end:
    free(typed);
    return pbc_exit_code(ret);
}
