/* prepare_bodycam: fit a batch of body-camera clips on one optical disc.
 * The program is a thin shell: parse the command line, run the job, map
 * the outcome to the exit code of the spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/errors.h"
#include "base/interrupt.h"
#include "job/job.h"
#include "verify/verify.h"

int main(int argc, char **argv)
{
    struct pbc_options opt;
    struct pbc_prefs prefs;
    enum cli_action action;
    char err[512];
    int code;
    /* The parser reorders argv (options first); the log and MANIFEST.json
     * record the command line exactly as typed, from this copy. */
    char **typed = calloc((size_t)argc + 1, sizeof(*typed));

    if (!typed) {
        fprintf(stderr, "prepare_bodycam: out of memory\n");
        return PBC_EXIT_RUNTIME;
    }
    memcpy(typed, argv, (size_t)argc * sizeof(*argv));

    if (cli_parse(argc, argv, &opt, &action, err, sizeof(err)) < 0) {
        fprintf(stderr, "prepare_bodycam: %s\nTry 'prepare_bodycam --help' for more information.\n", err);
        code = PBC_EXIT_USAGE;
    } else if (action == CLI_HELP) {
        cli_print_help();
        code = PBC_EXIT_OK;
    } else if (action == CLI_VERSION) {
        cli_print_version();
        code = PBC_EXIT_OK;
    } else if (pbc_interrupt_install() < 0) {
        fprintf(stderr, "prepare_bodycam: cannot install signal handlers\n");
        code = PBC_EXIT_RUNTIME;
    } else {
        cli_prefs(&opt, typed, &prefs);
        code = pbc_exit_code(prefs.verify_dir ? verify_command(&prefs) : job_run(&prefs));
    }
    free(typed);
    return code;
}
