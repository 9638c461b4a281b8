/* Unit tests of cli_prefs: what the core is handed for a command line.
 * Settings not given are PBC_PREF_UNSET (the job then takes the default
 * or the progress file's value), given ones carry their value, and the
 * typed command line is the one before the parser permuted argv. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cli.h"

/* Parses {"prepare_bodycam", list..., NULL} into prefs; typed keeps the
 * order as given. Returns cli_parse's code. */
static int prefs_of(const char *const *list, char **argv, char **typed,
                    struct pbc_prefs *prefs)
{
    struct pbc_options opt;
    enum cli_action action;
    char err[512];
    int argc = 0, ret;
    argv[argc++] = (char *)"prepare_bodycam";
    for (; *list; list++)
        argv[argc++] = (char *)*list;
    argv[argc] = NULL;
    memcpy(typed, argv, (size_t)(argc + 1) * sizeof(*argv));
    ret = cli_parse(argc, argv, &opt, &action, err, sizeof(err));
    if (ret == 0)
        cli_prefs(&opt, typed, prefs);
    return ret;
}

#define PREFS(prefs, ...) prefs_of((const char *const[]){ __VA_ARGS__, NULL }, argv, typed, prefs)

static void test_not_given_is_unset(void)
{
    char *argv[16], *typed[16];
    struct pbc_prefs p;
    CHECK_INT(PREFS(&p, "a.mp4", "--build-dir", "w", "--logfile", "l"), 0);
    CHECK_INT(p.disc_bytes, PBC_PREF_UNSET);
    CHECK_INT(p.safety_bytes, PBC_PREF_UNSET);
    CHECK_INT(p.delete_originals, PBC_PREF_UNSET);
    CHECK_INT(p.preset, PBC_PREF_UNSET);
    CHECK_INT(p.balance, PBC_PREF_UNSET);
    CHECK(p.iso_file == NULL && p.iso_label == NULL);
    CHECK_INT(p.threads, 0);
    CHECK_INT(p.jobs, 0);
    CHECK_INT(p.dry_run, 0);
    CHECK_INT(p.no_index, 0);
    CHECK_INT(p.verbosity, 0);
    CHECK(p.resume_path == NULL && p.verify_dir == NULL);
    CHECK_STR(p.build_dir, "w");
    CHECK_STR(p.logfile, "l");
    CHECK_INT(p.nb_inputs, 1);
    CHECK_STR(p.inputs[0], "a.mp4");
    /* As typed: the FILE first, although the parser moved it last. */
    CHECK_INT(p.nb_typed_args, 6);
    CHECK(p.typed_args == typed);
    CHECK_STR(p.typed_args[1], "a.mp4");
    CHECK_STR(argv[1], "--build-dir");
}

static void test_given_values(void)
{
    char *argv[32], *typed[32];
    struct pbc_prefs p;
    CHECK_INT(PREFS(&p, "--resume", "w/progress.json", "--logfile", "l", "--disc-bytes", "9_000",
                    "--safety-bytes", "0", "--delete-originals", "no", "--preset", "0",
                    "--threads", "3", "--jobs", "2", "--no-index", "-q", "--balance", "bitrate",
                    "--iso", "d.iso", "--label", "CASE_1"), 0);
    CHECK_STR(p.resume_path, "w/progress.json");
    CHECK(p.build_dir == NULL);
    CHECK_INT(p.disc_bytes, 9000);
    /* 0 and "no" are values, not "not given". */
    CHECK_INT(p.safety_bytes, 0);
    CHECK_INT(p.delete_originals, 0);
    CHECK_INT(p.preset, 0);
    CHECK_INT(p.threads, 3);
    CHECK_INT(p.jobs, 2);
    CHECK_INT(p.no_index, 1);
    CHECK_INT(p.verbosity, -1);
    CHECK_INT(p.nb_inputs, 0);
    CHECK_INT(p.balance, 0); /* bitrate, given: not unset */
    CHECK_STR(p.iso_file, "d.iso");
    CHECK_STR(p.iso_label, "CASE_1");
}

static void test_verify(void)
{
    char *argv[16], *typed[16];
    struct pbc_prefs p;
    CHECK_INT(PREFS(&p, "--verify", "w", "-v"), 0);
    CHECK_STR(p.verify_dir, "w");
    CHECK(p.logfile == NULL);
    CHECK_INT(p.verbosity, 1);
    CHECK_INT(p.nb_typed_args, 4);
}

int main(void)
{
    RUN(test_not_given_is_unset);
    RUN(test_given_values);
    RUN(test_verify);
    return check_done();
}
