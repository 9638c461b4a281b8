/* The command line: parsing argv -> struct pbc_options (cli.c; form only,
 * the core checks the files) and what the CLI prints (cli_output.c). */
#ifndef PBC_CLI_H
#define PBC_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "job/options.h"

enum cli_action {
    CLI_RUN,      /* run the job */
    CLI_HELP,     /* --help: print usage, exit 0 */
    CLI_VERSION,  /* --version: print versions, exit 0 */
};

/* Parses argv. On a usage error returns PBC_E_USAGE with one line in err
 * naming the offending argument (without the "see --help" pointer, which
 * the caller adds). Returns 0 and sets *action otherwise.
 * Like GNU getopt, argv is permuted (stably: options first, then "--" if
 * given, then the FILEs); opt's strings and inputs point into argv. */
int cli_parse(int argc, char **argv, struct pbc_options *opt,
              enum cli_action *action, char *err, size_t errlen);

/* Parses a non-negative decimal integer with optional '_' separators
 * between digits ("25_000_000_000"). No sign, suffix, spaces, leading or
 * trailing or doubled '_', or overflow past INT64_MAX. Returns 0 or
 * AVERROR(EINVAL) / AVERROR(ERANGE). */
int cli_parse_int64(const char *s, int64_t *out);

/* --help's text, on stdout. */
void cli_print_help(void);

/* --version's text, on stdout: the program, then each linked component
 * (base/version.h) on its own line. */
void cli_print_version(void);

/* The sink of base/log.h, installed by main: "prepare_bodycam: LINE" on
 * stderr, and for a usage error (err PBC_E_USAGE) the pointer to --help.
 * main reports its own errors (a bad command line) through it too. */
void cli_report(enum log_level level, int err, const char *line);

#endif
