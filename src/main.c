/* prepare_bodycam: fit a batch of body-camera clips on one optical disc.
 * The program is a thin shell: parse the command line, run the job, map
 * the outcome to the exit code of the spec. */
#include <stdio.h>

#include "cli.h"
#include "errors.h"
#include "interrupt.h"
#include "job.h"

int main(int argc, char **argv)
{
    struct pbc_options opt;
    enum cli_action action;
    char err[512];

    if (cli_parse(argc, argv, &opt, &action, err, sizeof(err)) < 0) {
        fprintf(stderr, "prepare_bodycam: %s\nTry 'prepare_bodycam --help' for more information.\n", err);
        return PBC_EXIT_USAGE;
    }
    if (action == CLI_HELP) {
        cli_print_help();
        return PBC_EXIT_OK;
    }
    if (action == CLI_VERSION) {
        cli_print_version();
        return PBC_EXIT_OK;
    }
    if (pbc_interrupt_install() < 0) {
        fprintf(stderr, "prepare_bodycam: cannot install signal handlers\n");
        return PBC_EXIT_RUNTIME;
    }
    return pbc_exit_code(job_run(&opt));
}
