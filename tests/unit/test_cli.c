/* Unit tests of the command-line parser: numbers, then whole argv arrays. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/error.h>

#include "check.h"
#include "cli/cli.h"
#include "base/errors.h"

#define MAX_ARGS 32

/* A mutable copy of an argv (the parser permutes it), kept alive while the
 * options that point into it are checked. */
struct args {
    int argc;
    char *argv[MAX_ARGS + 1];
    struct pbc_options opt;
    enum cli_action action;
    char err[512];
    int ret;
};

static void args_free(struct args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    a->argc = 0;
}

/* Parses {"prepare_bodycam", list..., NULL}. */
static int parse_list(struct args *a, const char *const *list)
{
    memset(a, 0, sizeof(*a));
    a->argv[a->argc++] = strdup("prepare_bodycam");
    for (; *list && a->argc < MAX_ARGS; list++)
        a->argv[a->argc++] = strdup(*list);
    a->action = (enum cli_action)-1;
    a->ret = cli_parse(a->argc, a->argv, &a->opt, &a->action, a->err, sizeof(a->err));
    return a->ret;
}

#define PARSE(a, ...) parse_list(a, (const char *const[]){ __VA_ARGS__, NULL })

/* The usual required arguments, so a case varies only what it tests. */
#define BASE "--build-dir", "work", "--logfile", "prep.log"

/* Expects a usage error whose message contains needle. */
#define CHECK_USAGE(a, needle) do { \
    CHECK_INT((a)->ret, PBC_E_USAGE); \
    if (!strstr((a)->err, needle)) { \
        printf("# %s:%d: err \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, (a)->err, needle); \
        check_case_failed = 1; \
    } \
    if (strchr((a)->err, '\n')) { \
        printf("# %s:%d: err \"%s\" is not one line\n", __FILE__, __LINE__, (a)->err); \
        check_case_failed = 1; \
    } \
} while (0)

#define EXPECT_USAGE(needle, ...) do { \
    struct args a_; \
    PARSE(&a_, __VA_ARGS__); \
    CHECK_USAGE(&a_, needle); \
    args_free(&a_); \
} while (0)

/* ---- cli_parse_int64 ---- */

static void test_int64_good(void)
{
    static const struct { const char *s; int64_t v; } good[] = {
        { "0", 0 },
        { "1", 1 },
        { "007", 7 },
        { "1_0", 10 },
        { "25_000_000_000", INT64_C(25000000000) },
        { "25000000000", INT64_C(25000000000) },
        { "9223372036854775807", INT64_MAX },
        { "9_223_372_036_854_775_807", INT64_MAX },
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
        int64_t v = -1;
        int ret = cli_parse_int64(good[i].s, &v);
        if (ret != 0 || v != good[i].v) {
            printf("# \"%s\" -> ret %d, %" PRId64 "\n", good[i].s, ret, v);
            check_case_failed = 1;
        }
    }
}

static void test_int64_bad(void)
{
    static const struct { const char *s; int err; } bad[] = {
        { "", EINVAL }, { "-1", EINVAL }, { "+1", EINVAL }, { "1e9", EINVAL },
        { "12abc", EINVAL }, { " 1", EINVAL }, { "1 ", EINVAL }, { "_1", EINVAL },
        { "1_", EINVAL }, { "1__0", EINVAL }, { "_", EINVAL }, { "0x10", EINVAL },
        { "1k", EINVAL }, { "1.5", EINVAL }, { "1,000", EINVAL }, { "-0", EINVAL },
        { "9223372036854775808", ERANGE }, { "9_223_372_036_854_775_808", ERANGE },
        { "99999999999999999999", ERANGE },
    };
    int ret;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        int64_t v = 42;
        ret = cli_parse_int64(bad[i].s, &v);
        if (ret != AVERROR(bad[i].err) || v != 42) {
            printf("# \"%s\" -> ret %d, %" PRId64 ", expected %d and untouched\n",
                   bad[i].s, ret, v, AVERROR(bad[i].err));
            check_case_failed = 1;
        }
    }
    {
        int64_t v = 42;
        ret = cli_parse_int64(NULL, &v);
        CHECK_INT(ret, AVERROR(EINVAL));
    }
}

/* ---- cli_parse: successful runs ---- */

static void test_defaults(void)
{
    struct args a;
    PARSE(&a, BASE, "a.mp4");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_RUN);
    CHECK_STR(a.opt.build_dir, "work");
    CHECK_STR(a.opt.logfile, "prep.log");
    CHECK_INT(a.opt.disc_bytes, PBC_DEFAULT_DISC_BYTES);
    CHECK_INT(a.opt.disc_bytes, INT64_C(25000000000));
    CHECK_INT(a.opt.safety_bytes, PBC_DEFAULT_SAFETY_BYTES);
    CHECK_INT(a.opt.safety_bytes, INT64_C(500000000));
    CHECK_INT(a.opt.disc_bytes_set, 0);
    CHECK_INT(a.opt.safety_bytes_set, 0);
    CHECK_INT(a.opt.delete_originals, 0);
    CHECK_INT(a.opt.delete_originals_set, 0);
    CHECK_INT(a.opt.preset, 10);
    CHECK_INT(a.opt.preset_set, 0);
    CHECK_INT(a.opt.balance, 0);
    CHECK_INT(a.opt.balance_set, 0);
    CHECK_INT(a.opt.threads, 0);
    CHECK_INT(a.opt.jobs, 0);
    CHECK(!a.opt.resume_path);
    CHECK(!a.opt.verify_dir);
    CHECK_INT(a.opt.dry_run, 0);
    CHECK_INT(a.opt.verbosity, 0);
    CHECK_INT(a.opt.nb_inputs, 1);
    CHECK_STR(a.opt.inputs[0], "a.mp4");
    CHECK_INT(a.opt.argc, 6);
    CHECK(a.opt.argv == a.argv);
    CHECK_STR(a.err, "");
    args_free(&a);
}

static void test_separate_values(void)
{
    struct args a;
    PARSE(&a, "--build-dir", "work", "--logfile", "prep.log",
          "--disc-bytes", "50_000_000_000", "--safety-bytes", "200_000_000",
          "--delete-originals", "yes", "--preset", "4", "--threads", "8",
          "--jobs", "3", "--balance", "quality", "--dry-run", "-v", "a.mp4", "b.mp4");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_RUN);
    CHECK_STR(a.opt.build_dir, "work");
    CHECK_STR(a.opt.logfile, "prep.log");
    CHECK_INT(a.opt.disc_bytes, INT64_C(50000000000));
    CHECK_INT(a.opt.disc_bytes_set, 1);
    CHECK_INT(a.opt.safety_bytes, 200000000);
    CHECK_INT(a.opt.safety_bytes_set, 1);
    CHECK_INT(a.opt.delete_originals, 1);
    CHECK_INT(a.opt.delete_originals_set, 1);
    CHECK_INT(a.opt.preset, 4);
    CHECK_INT(a.opt.preset_set, 1);
    CHECK_INT(a.opt.threads, 8);
    CHECK_INT(a.opt.jobs, 3);
    CHECK_INT(a.opt.balance, 1);
    CHECK_INT(a.opt.balance_set, 1);
    CHECK_INT(a.opt.dry_run, 1);
    CHECK_INT(a.opt.verbosity, 1);
    CHECK_INT(a.opt.nb_inputs, 2);
    CHECK_STR(a.opt.inputs[0], "a.mp4");
    CHECK_STR(a.opt.inputs[1], "b.mp4");
    args_free(&a);
}

static void test_attached_values(void)
{
    struct args a;
    PARSE(&a, "--build-dir=work", "--logfile=prep.log", "--disc-bytes=50_000_000_000",
          "--safety-bytes=0", "--delete-originals=no", "--preset=13",
          "--threads=0", "--balance=bitrate", "--quiet", "a.mp4");
    CHECK_INT(a.ret, 0);
    CHECK_STR(a.opt.build_dir, "work");
    CHECK_STR(a.opt.logfile, "prep.log");
    CHECK_INT(a.opt.disc_bytes, INT64_C(50000000000));
    CHECK_INT(a.opt.safety_bytes, 0);
    CHECK_INT(a.opt.safety_bytes_set, 1);
    CHECK_INT(a.opt.delete_originals, 0);
    CHECK_INT(a.opt.delete_originals_set, 1);
    CHECK_INT(a.opt.preset, 13);
    CHECK_INT(a.opt.balance, 0);
    CHECK_INT(a.opt.balance_set, 1);
    CHECK_INT(a.opt.verbosity, -1);
    CHECK_INT(a.opt.nb_inputs, 1);
    args_free(&a);

    /* '=' inside a value is kept; a value may begin with a single '-' */
    PARSE(&a, "--build-dir=a=b", "--logfile", "-log", "-q", "x");
    CHECK_INT(a.ret, 0);
    CHECK_STR(a.opt.build_dir, "a=b");
    CHECK_STR(a.opt.logfile, "-log");
    CHECK_INT(a.opt.verbosity, -1);
    args_free(&a);
}

/* Options and FILEs may be interleaved; argv is permuted stably, options
 * first. */
static void test_interleaved(void)
{
    struct args a;
    PARSE(&a, "a.mp4", "--build-dir", "work", "b.mp4", "--logfile=prep.log", "c.mp4");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.opt.nb_inputs, 3);
    CHECK_STR(a.opt.inputs[0], "a.mp4");
    CHECK_STR(a.opt.inputs[1], "b.mp4");
    CHECK_STR(a.opt.inputs[2], "c.mp4");
    CHECK_STR(a.opt.build_dir, "work");
    CHECK_STR(a.opt.logfile, "prep.log");
    CHECK_STR(a.argv[1], "--build-dir");
    CHECK_STR(a.argv[2], "work");
    CHECK_STR(a.argv[3], "--logfile=prep.log");
    CHECK_INT(a.opt.argc, 7);
    args_free(&a);
}

static void test_double_dash(void)
{
    struct args a;
    PARSE(&a, BASE, "a.mp4", "--", "--x", "-", "--help", "--build-dir");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_RUN);
    CHECK_INT(a.opt.nb_inputs, 5);
    CHECK_STR(a.opt.inputs[0], "a.mp4");
    CHECK_STR(a.opt.inputs[1], "--x");
    CHECK_STR(a.opt.inputs[2], "-");
    CHECK_STR(a.opt.inputs[3], "--help");
    CHECK_STR(a.opt.inputs[4], "--build-dir");
    CHECK_STR(a.opt.inputs[-1], "--"); /* the permuted line stays equivalent */
    args_free(&a);

    /* a lone '-' is a FILE, as is a second "--" after the first */
    PARSE(&a, BASE, "-", "--", "--");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.opt.nb_inputs, 2);
    CHECK_STR(a.opt.inputs[0], "-");
    CHECK_STR(a.opt.inputs[1], "--");
    args_free(&a);

    /* "--" with nothing after it: still no input */
    EXPECT_USAGE("no input FILE", BASE, "--");
}

static void test_resume(void)
{
    struct args a;
    PARSE(&a, "--logfile", "prep.log", "--resume", "work/progress.json");
    CHECK_INT(a.ret, 0);
    CHECK(!a.opt.build_dir);
    CHECK_STR(a.opt.resume_path, "work/progress.json");
    CHECK_INT(a.opt.nb_inputs, 0);
    args_free(&a);

    /* --build-dir may still be given; FILEs are kept for the job's warning */
    PARSE(&a, BASE, "--resume=work/progress.json", "a.mp4");
    CHECK_INT(a.ret, 0);
    CHECK_STR(a.opt.build_dir, "work");
    CHECK_INT(a.opt.nb_inputs, 1);
    args_free(&a);

    /* only one of disc/safety given: the check waits for the progress file */
    PARSE(&a, "--logfile", "l", "--resume", "p.json", "--disc-bytes", "100");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.opt.disc_bytes, 100);
    CHECK_INT(a.opt.disc_bytes_set, 1);
    CHECK_INT(a.opt.safety_bytes_set, 0);
    args_free(&a);
    PARSE(&a, "--logfile", "l", "--resume", "p.json", "--safety-bytes", "30_000_000_000");
    CHECK_INT(a.ret, 0);
    args_free(&a);

    /* both given: checked here */
    EXPECT_USAGE("--safety-bytes", "--logfile", "l", "--resume", "p.json",
                 "--disc-bytes", "100", "--safety-bytes", "100");
    EXPECT_USAGE("--logfile is required", "--resume", "p.json");
}

static void test_verify(void)
{
    struct args a;
    PARSE(&a, "--verify", "work");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_RUN);
    CHECK_STR(a.opt.verify_dir, "work");
    CHECK(!a.opt.logfile);
    CHECK_INT(a.opt.nb_inputs, 0);
    args_free(&a);

    PARSE(&a, "--verify=work", "--logfile", "v.log", "-v");
    CHECK_INT(a.ret, 0);
    CHECK_STR(a.opt.logfile, "v.log");
    args_free(&a);

    EXPECT_USAGE("--verify takes no input files", "--verify", "work", "a.mp4");
    EXPECT_USAGE("--build-dir cannot be used with --verify", "--verify", "w", "--build-dir", "w");
    EXPECT_USAGE("--resume cannot be used with --verify", "--verify", "w", "--resume", "p");
    EXPECT_USAGE("--jobs cannot be used with --verify", "--verify", "w", "--jobs", "2");
    EXPECT_USAGE("--balance cannot be used with --verify", "--verify", "w", "--balance", "quality");
    EXPECT_USAGE("--disc-bytes cannot be used with --verify", "--verify", "w", "--disc-bytes", "1");
}

static void test_iso(void)
{
    struct args a;
    PARSE(&a, BASE, "--iso", "disc.iso", "--label=Fall 2026/ü", "a.mp4");
    CHECK_INT(a.ret, 0);
    CHECK_STR(a.opt.iso_file, "disc.iso");
    CHECK_STR(a.opt.iso_label, "Fall 2026/ü");
    args_free(&a);
    PARSE(&a, BASE, "a.mp4");
    CHECK(!a.opt.iso_file && !a.opt.iso_label);
    args_free(&a);
    PARSE(&a, "--resume", "p.json", "--logfile", "l", "--label", "X");
    CHECK_INT(a.ret, 0);
    args_free(&a);
    EXPECT_USAGE("--label names the volume of the --iso image", BASE, "--label", "X", "a.mp4");
    EXPECT_USAGE("--label: empty value", BASE, "--iso", "d", "--label=", "a.mp4");
    EXPECT_USAGE("is not 1 to 32 bytes", BASE, "--iso", "d", "--label",
                 "123456789012345678901234567890123", "a.mp4");
    EXPECT_USAGE("is not 1 to 32 bytes", BASE, "--iso", "d", "--label", "a\tb", "a.mp4");
    EXPECT_USAGE("--iso cannot be used with --verify", "--verify", "w", "--iso", "d");
    EXPECT_USAGE("--iso: missing value", BASE, "a.mp4", "--iso");
}

static void test_help_version(void)
{
    struct args a;
    PARSE(&a, "--help");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_HELP);
    args_free(&a);
    PARSE(&a, "-h");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_HELP);
    args_free(&a);
    PARSE(&a, "--version");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_VERSION);
    args_free(&a);
    /* acts when met: what follows is not checked */
    PARSE(&a, "--build-dir", "w", "--version", "--bogus");
    CHECK_INT(a.ret, 0);
    CHECK_INT(a.action, CLI_VERSION);
    args_free(&a);
    PARSE(&a, "--help", "--version");
    CHECK_INT(a.action, CLI_HELP);
    args_free(&a);
    /* ... but what precedes it is */
    EXPECT_USAGE("--bogus", "--bogus", "--help");
    EXPECT_USAGE("--help takes no value", "--help=x");
    EXPECT_USAGE("--version takes no value", "--version=");
    EXPECT_USAGE("'-hv': unknown option", "-hv");
}

static void test_reentrant(void)
{
    /* no hidden state: the same parse twice gives the same result */
    for (int k = 0; k < 3; k++) {
        struct args a;
        PARSE(&a, BASE, "--disc-bytes", "1_000", "--safety-bytes", "0", "x");
        CHECK_INT(a.ret, 0);
        CHECK_INT(a.opt.disc_bytes, 1000);
        CHECK_INT(a.opt.nb_inputs, 1);
        args_free(&a);
        EXPECT_USAGE("given twice", BASE, BASE, "x");
    }
}

/* ---- cli_parse: usage errors ---- */

static void test_required(void)
{
    EXPECT_USAGE("--logfile is required", "--build-dir", "work", "a.mp4");
    EXPECT_USAGE("--build-dir is required", "--logfile", "prep.log", "a.mp4");
    EXPECT_USAGE("no input FILE", BASE);
    EXPECT_USAGE("--build-dir is required", "a.mp4");
    EXPECT_USAGE("--build-dir is required", "");
    {
        /* a dry run writes nothing, so it needs no --logfile */
        struct args a;
        PARSE(&a, "--dry-run", "--build-dir", "w", "a.mp4");
        CHECK_INT(a.ret, 0);
        CHECK(!a.opt.logfile);
        CHECK_INT(a.opt.dry_run, 1);
        args_free(&a);
        EXPECT_USAGE("--build-dir is required", "--dry-run", "a.mp4");
    }
    {
        /* argc 0 (execve with an empty argv) must not crash */
        struct pbc_options opt;
        enum cli_action action;
        char err[128];
        char *argv[] = { NULL };
        CHECK_INT(cli_parse(0, argv, &opt, &action, err, sizeof(err)), PBC_E_USAGE);
        CHECK(strstr(err, "required") != NULL);
    }
}

static void test_disc_bytes_bad(void)
{
    EXPECT_USAGE("--disc-bytes: must be greater than 0, got '0'", BASE, "--disc-bytes", "0", "a");
    EXPECT_USAGE("--disc-bytes: must be greater than 0", BASE, "--disc-bytes=0_0", "a");
    EXPECT_USAGE("--disc-bytes: '-1' is not a whole number of bytes", BASE, "--disc-bytes", "-1", "a");
    EXPECT_USAGE("--disc-bytes: '12abc' is not a whole number of bytes", BASE, "--disc-bytes", "12abc", "a");
    EXPECT_USAGE("--disc-bytes: '1k'", BASE, "--disc-bytes=1k", "a");
    EXPECT_USAGE("--disc-bytes: '99999999999999999999' is too large", BASE,
                 "--disc-bytes", "99999999999999999999", "a");
    EXPECT_USAGE("--disc-bytes: empty value", BASE, "--disc-bytes=", "a");
    EXPECT_USAGE("--disc-bytes: empty value", BASE, "--disc-bytes", "", "a");
}

static void test_safety_bytes_bad(void)
{
    EXPECT_USAGE("--safety-bytes: '-5' is not a whole number", BASE, "--safety-bytes", "-5", "a");
    EXPECT_USAGE("--safety-bytes: '9223372036854775808' is too large", BASE,
                 "--safety-bytes=9223372036854775808", "a");
    /* safety >= disc, whichever side was defaulted */
    EXPECT_USAGE("--safety-bytes: 1000 must be less than --disc-bytes 1000", BASE,
                 "--disc-bytes", "1000", "--safety-bytes", "1000", "a");
    EXPECT_USAGE("--safety-bytes: 2000 must be less than --disc-bytes 1000", BASE,
                 "--disc-bytes", "1000", "--safety-bytes", "2000", "a");
    EXPECT_USAGE("--safety-bytes: 25000000000 must be less than the default --disc-bytes", BASE,
                 "--safety-bytes", "25_000_000_000", "a");
    EXPECT_USAGE("--disc-bytes: 500000000 leaves no usable bytes", BASE,
                 "--disc-bytes", "500_000_000", "a");
    {
        struct args a;
        PARSE(&a, BASE, "--disc-bytes", "500_000_001", "a");
        CHECK_INT(a.ret, 0);
        args_free(&a);
        PARSE(&a, BASE, "--disc-bytes", "1", "--safety-bytes", "0", "a");
        CHECK_INT(a.ret, 0);
        args_free(&a);
    }
}

static void test_enum_and_ranges_bad(void)
{
    EXPECT_USAGE("--delete-originals: expected 'yes' or 'no', got 'maybe'", BASE,
                 "--delete-originals", "maybe", "a");
    EXPECT_USAGE("--delete-originals: expected 'yes' or 'no', got 'YES'", BASE,
                 "--delete-originals=YES", "a");
    EXPECT_USAGE("--preset: expected a whole number from 0 to 13, got '14'", BASE,
                 "--preset", "14", "a");
    EXPECT_USAGE("--preset: expected a whole number from 0 to 13, got '-1'", BASE,
                 "--preset=-1", "a");
    EXPECT_USAGE("--preset: expected a whole number from 0 to 13, got 'fast'", BASE,
                 "--preset", "fast", "a");
    EXPECT_USAGE("--threads: expected a whole number from 0", BASE, "--threads", "1_000_000", "a");
    EXPECT_USAGE("--jobs: expected a whole number from 0 to 256, got '257'", BASE, "--jobs", "257", "a");
    EXPECT_USAGE("--jobs: expected a whole number from 0 to 256, got '-1'", BASE, "--jobs=-1", "a");
    EXPECT_USAGE("--balance: expected 'quality' or 'bitrate', got 'size'", BASE,
                 "--balance", "size", "a");
    EXPECT_USAGE("--balance: expected 'quality' or 'bitrate', got 'Quality'", BASE,
                 "--balance=Quality", "a");
}

static void test_unknown_and_missing(void)
{
    EXPECT_USAGE("'--bogus': unknown option", BASE, "--bogus", "a");
    EXPECT_USAGE("'--bogus=1': unknown option", BASE, "--bogus=1", "a");
    EXPECT_USAGE("'--build': unknown option", "--build", "w", "--logfile", "l", "a");
    EXPECT_USAGE("'-x': unknown option", BASE, "-x", "a");
    EXPECT_USAGE("'--Build-dir': unknown option", "--Build-dir", "w", "--logfile", "l", "a");
    /* control bytes are escaped, so the message stays one line */
    EXPECT_USAGE("'--a\\x0ab': unknown option", BASE, "--a\nb", "a");

    EXPECT_USAGE("--disc-bytes: missing value", BASE, "a", "--disc-bytes");
    EXPECT_USAGE("--build-dir: missing value", "--logfile", "l", "a", "--build-dir");
    EXPECT_USAGE("--build-dir: missing value (the next argument '--logfile' is an option",
                 "--build-dir", "--logfile", "l", "a");
    EXPECT_USAGE("--disc-bytes: missing value", BASE, "--disc-bytes", "--", "a");
    EXPECT_USAGE("--build-dir: empty value", "--build-dir=", "--logfile", "l", "a");
    EXPECT_USAGE("--logfile: empty value", "--build-dir", "w", "--logfile", "", "a");
    EXPECT_USAGE("--dry-run takes no value", BASE, "--dry-run=yes", "a");
    EXPECT_USAGE("-q/--quiet and -v/--verbose exclude each other", BASE, "-q", "-v", "a");
    {
        /* a value beginning with "--" can be given attached */
        struct args a;
        PARSE(&a, "--build-dir=--odd", "--logfile", "l", "a");
        CHECK_INT(a.ret, 0);
        CHECK_STR(a.opt.build_dir, "--odd");
        args_free(&a);
    }
}

static void test_repeated(void)
{
    EXPECT_USAGE("--build-dir given twice", BASE, "--build-dir", "other", "a");
    EXPECT_USAGE("--logfile given twice", BASE, "--logfile=x", "a");
    EXPECT_USAGE("--disc-bytes given twice", BASE, "--disc-bytes", "1_000", "--disc-bytes", "1_000", "a");
    EXPECT_USAGE("--resume given twice", "--logfile", "l", "--resume", "p", "--resume", "p");
    EXPECT_USAGE("-v given twice", BASE, "--verbose", "-v", "a");
    EXPECT_USAGE("--dry-run given twice", BASE, "--dry-run", "--dry-run", "a");
}

static void test_long_value_shortened(void)
{
    char big[600];
    memset(big, '7', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[300] = 'x';
    EXPECT_USAGE("...'", BASE, "--disc-bytes", big, "a");
    {
        struct pbc_options opt;
        enum cli_action action;
        char err[16];
        char a0[] = "p", a1[] = "--bogus";
        char *argv[] = { a0, a1, NULL };
        /* a short buffer truncates, never overflows */
        CHECK_INT(cli_parse(2, argv, &opt, &action, err, sizeof(err)), PBC_E_USAGE);
        CHECK_INT(strlen(err), sizeof(err) - 1);
        CHECK_INT(cli_parse(2, argv, &opt, &action, NULL, 0), PBC_E_USAGE);
    }
}

int main(void)
{
    RUN(test_int64_good);
    RUN(test_int64_bad);
    RUN(test_defaults);
    RUN(test_separate_values);
    RUN(test_attached_values);
    RUN(test_interleaved);
    RUN(test_double_dash);
    RUN(test_resume);
    RUN(test_verify);
    RUN(test_iso);
    RUN(test_help_version);
    RUN(test_reentrant);
    RUN(test_required);
    RUN(test_disc_bytes_bad);
    RUN(test_safety_bytes_bad);
    RUN(test_enum_and_ranges_bad);
    RUN(test_unknown_and_missing);
    RUN(test_repeated);
    RUN(test_long_value_shortened);
    return check_done();
}
