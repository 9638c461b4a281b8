/* Command-line parsing, apart from the work (dav1d's tools/dav1d_cli_parse.c
 * is the model). Hand-written rather than getopt_long: no optind global, so
 * the parser is reentrant and the unit tests can call it again and again.
 *
 * Rules, chosen to be unambiguous for scripts:
 * - Long options are matched by their exact name (no abbreviations).
 *   "--flag value" and "--flag=value" both work; an empty value is an error.
 * - A separate value that begins with "--" is taken as a forgotten value
 *   ("--build-dir --logfile x"), not as the value; such a value can still be
 *   given attached: "--build-dir=--odd". Values that begin with a single '-'
 *   are taken, so "--disc-bytes -1" is reported as a bad number.
 * - "--" ends the options; "-" alone is a positional FILE.
 * - Every option may be given once; a second one is a usage error.
 * - Options and FILEs may be interleaved. Like GNU getopt, argv is permuted
 *   (stably) so that the options come first, then "--" if it was given,
 *   then the FILEs; opt->inputs points at that tail of argv and
 *   opt->argv shows the permuted, equivalent command line.
 * - --help and --version act as soon as they are met, left to right: the
 *   arguments after them are not checked. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/error.h>

#include "cli/cli.h"
#include "base/encode_settings.h"
#include "base/errors.h"
#include "io/iso_image.h"
#include "base/quote.h"

#define THREADS_MAX 1024
#define JOBS_MAX    256

enum opt_id {
    OPT_BUILD_DIR,
    OPT_LOGFILE,
    OPT_DISC_BYTES,
    OPT_SAFETY_BYTES,
    OPT_DELETE_ORIGINALS,
    OPT_RESUME,
    OPT_VERIFY,
    OPT_DRY_RUN,
    OPT_NO_INDEX,
    OPT_PRESET,
    OPT_THREADS,
    OPT_JOBS,
    OPT_ISO,
    OPT_LABEL,
    OPT_BALANCE,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    OPT_NB,
};

struct parse_ctx;

/* Stores the value of option id (val is NULL for options without one)
 * where the option's row says; returns 0 or PBC_E_USAGE. */
typedef int (*apply_fn)(struct parse_ctx *c, enum opt_id id, const char *val);

static int apply_path(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_bytes(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_yes_no(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_ranged(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_flag(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_verbosity(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_label(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_balance(struct parse_ctx *c, enum opt_id id, const char *val);
static int apply_action(struct parse_ctx *c, enum opt_id id, const char *val);

/* One row per option, as in dav1d's tools/dav1d_cli_parse.c: how it is
 * spelled, how its value is read, and which field of struct pbc_options
 * it fills. */
struct cli_option {
    const char *name;   /* long name without "--" */
    char short_name;    /* 0: none */
    int has_arg;
    apply_fn apply;
    size_t field;       /* offsetof(struct pbc_options, ...) of the value */
    size_t set_flag;    /* offsetof its *_set flag; NO_SET_FLAG: none */
    int64_t min, max;   /* accepted values; apply_verbosity: min is the level */
};

#define FIELD(f) offsetof(struct pbc_options, f)
/* Offset 0 is build_dir, a string, never a *_set flag. */
#define NO_SET_FLAG 0

static const struct cli_option options[OPT_NB] = {
    [OPT_BUILD_DIR]        = { "build-dir", 0, 1, apply_path, FIELD(build_dir), NO_SET_FLAG, 0, 0 },
    [OPT_LOGFILE]          = { "logfile", 0, 1, apply_path, FIELD(logfile), NO_SET_FLAG, 0, 0 },
    [OPT_DISC_BYTES]       = { "disc-bytes", 0, 1, apply_bytes, FIELD(disc_bytes),
                               FIELD(disc_bytes_set), 1, INT64_MAX },
    [OPT_SAFETY_BYTES]     = { "safety-bytes", 0, 1, apply_bytes, FIELD(safety_bytes),
                               FIELD(safety_bytes_set), 0, INT64_MAX },
    [OPT_DELETE_ORIGINALS] = { "delete-originals", 0, 1, apply_yes_no, FIELD(delete_originals),
                               FIELD(delete_originals_set), 0, 1 },
    [OPT_RESUME]           = { "resume", 0, 1, apply_path, FIELD(resume_path), NO_SET_FLAG, 0, 0 },
    [OPT_VERIFY]           = { "verify", 0, 1, apply_path, FIELD(verify_dir), NO_SET_FLAG, 0, 0 },
    [OPT_DRY_RUN]          = { "dry-run", 0, 0, apply_flag, FIELD(dry_run), NO_SET_FLAG, 0, 0 },
    [OPT_NO_INDEX]         = { "no-index", 0, 0, apply_flag, FIELD(no_index), NO_SET_FLAG, 0, 0 },
    [OPT_PRESET]           = { "preset", 0, 1, apply_ranged, FIELD(preset), FIELD(preset_set),
                               ENC_PRESET_MIN, ENC_PRESET_MAX },
    [OPT_THREADS]          = { "threads", 0, 1, apply_ranged, FIELD(threads), NO_SET_FLAG,
                               0, THREADS_MAX },
    [OPT_JOBS]             = { "jobs", 0, 1, apply_ranged, FIELD(jobs), NO_SET_FLAG, 0, JOBS_MAX },
    [OPT_ISO]              = { "iso", 0, 1, apply_path, FIELD(iso_file), NO_SET_FLAG, 0, 0 },
    [OPT_LABEL]            = { "label", 0, 1, apply_label, FIELD(iso_label), NO_SET_FLAG, 0, 0 },
    [OPT_BALANCE]          = { "balance", 0, 1, apply_balance, FIELD(balance), FIELD(balance_set),
                               0, 1 },
    [OPT_QUIET]            = { "quiet", 'q', 0, apply_verbosity, FIELD(verbosity), NO_SET_FLAG, -1, 0 },
    [OPT_VERBOSE]          = { "verbose", 'v', 0, apply_verbosity, FIELD(verbosity), NO_SET_FLAG, 1, 0 },
    [OPT_HELP]             = { "help", 'h', 0, apply_action, 0, NO_SET_FLAG, 0, 0 },
    [OPT_VERSION]          = { "version", 0, 0, apply_action, 0, NO_SET_FLAG, 0, 0 },
};

struct parse_ctx {
    struct pbc_options *opt;
    char *err;
    size_t errlen;
    int seen[OPT_NB];
};

static int usage(const struct parse_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage(const struct parse_ctx *c, const char *fmt, ...)
{
    va_list ap;
    if (c->err && c->errlen) {
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return PBC_E_USAGE;
}

#define QUOTE_SIZE 400
/* Arguments are shown through the one quoting helper (quote.h). */
#define Q(buf, s) PBC_QA(buf, s)

int cli_parse_int64(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (!s || !*s)
        return AVERROR(EINVAL);
    /* Form first, so "1x" is EINVAL even when its digits would overflow.
     * A '_' must sit between two digits. */
    for (const char *p = s; *p; p++) {
        if (*p == '_' ? (p == s || p[-1] == '_' || !p[1]) : (*p < '0' || *p > '9'))
            return AVERROR(EINVAL);
    }
    for (const char *p = s; *p; p++) {
        int d;
        if (*p == '_')
            continue;
        d = *p - '0';
        if (v > (INT64_MAX - d) / 10)
            return AVERROR(ERANGE);
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_number(const struct parse_ctx *c, const char *name,
                        const char *val, int64_t *out)
{
    char q[QUOTE_SIZE];
    int ret = cli_parse_int64(val, out);
    if (ret == AVERROR(ERANGE))
        return usage(c, "--%s: %s is too large (the maximum is %" PRId64 ")",
                     name, Q(q, val), INT64_MAX);
    if (ret < 0)
        return usage(c, "--%s: %s is not a whole number of bytes (digits, optionally "
                     "grouped with '_', no sign or suffix)", name, Q(q, val));
    return 0;
}

static int parse_ranged_int(const struct parse_ctx *c, const char *name,
                            const char *val, int min, int max, int *out)
{
    char q[QUOTE_SIZE];
    int64_t v;
    int ret = cli_parse_int64(val, &v);
    if (ret < 0 || v < min || v > max)
        return usage(c, "--%s: expected a whole number from %d to %d, got %s",
                     name, min, max, Q(q, val));
    *out = (int)v;
    return 0;
}

/* The option's field in the options being filled. */
static void *field_of(const struct parse_ctx *c, enum opt_id id)
{
    return (char *)c->opt + options[id].field;
}

static int apply_path(struct parse_ctx *c, enum opt_id id, const char *val)
{
    *(const char **)field_of(c, id) = val;
    return 0;
}

static int apply_bytes(struct parse_ctx *c, enum opt_id id, const char *val)
{
    const struct cli_option *o = &options[id];
    int64_t *out = field_of(c, id);
    char q[QUOTE_SIZE];
    int ret = parse_number(c, o->name, val, out);
    if (ret < 0)
        return ret;
    if (*out < o->min)
        return usage(c, "--%s: must be greater than %" PRId64 ", got %s", o->name,
                     o->min - 1, Q(q, val));
    return 0;
}

static int apply_yes_no(struct parse_ctx *c, enum opt_id id, const char *val)
{
    char q[QUOTE_SIZE];
    int *out = field_of(c, id);
    if (!strcmp(val, "yes"))
        *out = 1;
    else if (!strcmp(val, "no"))
        *out = 0;
    else
        return usage(c, "--%s: expected 'yes' or 'no', got %s", options[id].name, Q(q, val));
    return 0;
}

static int apply_ranged(struct parse_ctx *c, enum opt_id id, const char *val)
{
    const struct cli_option *o = &options[id];
    return parse_ranged_int(c, o->name, val, (int)o->min, (int)o->max, field_of(c, id));
}

static int apply_flag(struct parse_ctx *c, enum opt_id id, const char *val)
{
    (void)val;
    *(int *)field_of(c, id) = 1;
    return 0;
}

static int apply_verbosity(struct parse_ctx *c, enum opt_id id, const char *val)
{
    (void)val;
    if (c->seen[id == OPT_QUIET ? OPT_VERBOSE : OPT_QUIET])
        return usage(c, "-q/--quiet and -v/--verbose exclude each other");
    *(int *)field_of(c, id) = (int)options[id].min;
    return 0;
}

static int apply_label(struct parse_ctx *c, enum opt_id id, const char *val)
{
    char q[QUOTE_SIZE];
    if (!iso_label_valid(val))
        return usage(c, "--label: %s is not 1 to %d bytes of printable UTF-8", Q(q, val),
                     ISO_LABEL_MAX);
    *(const char **)field_of(c, id) = val;
    return 0;
}

/* --balance bitrate|quality: 0 or 1 (enum balance_mode). */
static int apply_balance(struct parse_ctx *c, enum opt_id id, const char *val)
{
    char q[QUOTE_SIZE];
    if (strcmp(val, "quality") && strcmp(val, "bitrate"))
        return usage(c, "--balance: expected 'quality' or 'bitrate', got %s", Q(q, val));
    *(int *)field_of(c, id) = !strcmp(val, "quality");
    return 0;
}

/* --help and --version: cli_parse acts on them as soon as they are seen. */
static int apply_action(struct parse_ctx *c, enum opt_id id, const char *val)
{
    (void)c, (void)id, (void)val;
    return 0;
}

/* Stores the value of option id through its row, and marks it given. */
static int apply_option(struct parse_ctx *c, enum opt_id id, const char *val)
{
    const struct cli_option *o = &options[id];
    int ret = o->apply(c, id, val);
    if (ret < 0)
        return ret;
    if (o->set_flag != NO_SET_FLAG)
        *(int *)((char *)c->opt + o->set_flag) = 1;
    return 0;
}

/* Finds the option named by arg ("--name", "--name=value" or "-x").
 * Returns its id and sets *attached to the text after '=' (or NULL), or
 * returns -1 when there is no such option. */
static int find_option(const char *arg, const char **attached)
{
    *attached = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (int i = 0; i < OPT_NB; i++) {
            if (strlen(options[i].name) == len && !strncmp(options[i].name, name, len)) {
                *attached = eq ? eq + 1 : NULL;
                return i;
            }
        }
        return -1;
    }
    if (arg[1] && !arg[2])
        for (int i = 0; i < OPT_NB; i++)
            if (options[i].short_name && options[i].short_name == arg[1])
                return i;
    return -1;
}

/* How the user spelled option id, for messages: "--quiet" or "-q". */
static const char *spelling(enum opt_id id, const char *arg, char *buf, size_t size)
{
    if (arg[1] != '-') {
        snprintf(buf, size, "-%c", options[id].short_name);
        return buf;
    }
    snprintf(buf, size, "--%s", options[id].name);
    return buf;
}

/* Parses the option at argv[*i] (and its separate value), advancing *i
 * past what it consumed. */
static int parse_option(struct parse_ctx *c, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *val;
    char q[QUOTE_SIZE], flag[64];
    int id = find_option(arg, &val);

    if (id < 0)
        return usage(c, "%s: unknown option", Q(q, arg));
    spelling(id, arg, flag, sizeof(flag));
    if (c->seen[id])
        return usage(c, "%s given twice", flag);
    if (!options[id].has_arg) {
        if (val)
            return usage(c, "%s takes no value, got %s", flag, Q(q, arg));
    } else if (!val) {
        if (*i + 1 >= argc)
            return usage(c, "%s: missing value", flag);
        val = argv[*i + 1];
        if (!strncmp(val, "--", 2))
            return usage(c, "%s: missing value (the next argument %s is an "
                         "option; write %s=VALUE for a value that begins with "
                         "'--')", flag, Q(q, val), flag);
        (*i)++;
    }
    if (val && !*val)
        return usage(c, "%s: empty value", flag);
    c->seen[id] = 1;
    return apply_option(c, id, val);
}

/* Moves argv[from..to] down to argv[dst], shifting the FILEs in between up:
 * a stable permutation that gathers the options at the front. */
static void move_down(char **argv, int dst, int from, int to)
{
    char *tmp[2];
    int n = to - from + 1;
    if (dst == from)
        return;
    memcpy(tmp, argv + from, (size_t)n * sizeof(*tmp));
    memmove(argv + dst + n, argv + dst, (size_t)(from - dst) * sizeof(*argv));
    memcpy(argv + dst, tmp, (size_t)n * sizeof(*tmp));
}

/* Checks that need the whole command line. */
static int check_combination(const struct parse_ctx *c)
{
    const struct pbc_options *opt = c->opt;
    static const enum opt_id not_with_verify[] = {
        OPT_BUILD_DIR, OPT_RESUME, OPT_DISC_BYTES, OPT_SAFETY_BYTES,
        OPT_DELETE_ORIGINALS, OPT_DRY_RUN, OPT_PRESET, OPT_NO_INDEX, OPT_JOBS, OPT_ISO,
        OPT_LABEL, OPT_BALANCE,
    };
    char q[QUOTE_SIZE];

    if (opt->verify_dir) {
        for (size_t k = 0; k < sizeof(not_with_verify) / sizeof(*not_with_verify); k++)
            if (c->seen[not_with_verify[k]])
                return usage(c, "--%s cannot be used with --verify",
                             options[not_with_verify[k]].name);
        if (opt->nb_inputs)
            return usage(c, "%s: --verify takes no input files", Q(q, opt->inputs[0]));
        return 0;
    }
    if (!opt->build_dir && !opt->resume_path)
        return usage(c, "--build-dir is required (or --resume FILE)");
    if (opt->iso_label && !opt->iso_file && !opt->resume_path)
        return usage(c, "--label names the volume of the --iso image: give --iso FILE");
    /* a dry run writes nothing, not even the log */
    if (!opt->logfile && !opt->dry_run)
        return usage(c, "--logfile is required");
    if (!opt->nb_inputs && !opt->resume_path)
        return usage(c, "no input FILE given (or --resume FILE)");
    /* With --resume the values not given come from the progress file, so
     * safety < disc can only be checked here when both were given; the job
     * checks the merged pair after loading the file. */
    if (opt->resume_path && !(opt->disc_bytes_set && opt->safety_bytes_set))
        return 0;
    if (opt->safety_bytes >= opt->disc_bytes) {
        if (!opt->safety_bytes_set)
            return usage(c, "--disc-bytes: %" PRId64 " leaves no usable bytes: it "
                         "must be greater than the default --safety-bytes %" PRId64,
                         opt->disc_bytes, opt->safety_bytes);
        return usage(c, "--safety-bytes: %" PRId64 " must be less than %s--disc-bytes %" PRId64,
                     opt->safety_bytes, opt->disc_bytes_set ? "" : "the default ",
                     opt->disc_bytes);
    }
    return 0;
}

static void set_defaults(struct pbc_options *opt, int argc, char **argv)
{
    memset(opt, 0, sizeof(*opt));
    opt->disc_bytes = PBC_DEFAULT_DISC_BYTES;
    opt->safety_bytes = PBC_DEFAULT_SAFETY_BYTES;
    opt->preset = ENC_PRESET_DEFAULT;
    opt->argc = argc;
    opt->argv = argv;
    opt->inputs = argv + argc; /* empty until the FILEs are known */
}

int cli_parse(int argc, char **argv, struct pbc_options *opt,
              enum cli_action *action, char *err, size_t errlen)
{
    struct parse_ctx c = { .opt = opt, .err = err, .errlen = errlen };
    int nopts = argc > 0 ? 1 : 0; /* argv[1..nopts) holds options only */
    int only_files = 0, ret;

    set_defaults(opt, argc, argv);
    *action = CLI_RUN;
    if (err && errlen)
        err[0] = '\0';

    for (int i = nopts; i < argc; i++) {
        const char *arg = argv[i];
        int start = i;
        if (only_files || arg[0] != '-' || !arg[1])
            continue; /* a FILE: stays where it is until options pass it */
        if (!strcmp(arg, "--")) {
            only_files = 1;
        } else {
            if ((ret = parse_option(&c, argc, argv, &i)) < 0)
                return ret;
            if (c.seen[OPT_HELP] || c.seen[OPT_VERSION]) {
                *action = c.seen[OPT_HELP] ? CLI_HELP : CLI_VERSION;
                return 0;
            }
        }
        move_down(argv, nopts, start, i);
        nopts += i - start + 1;
    }
    opt->inputs = argv + nopts;
    opt->nb_inputs = argc - nopts;
    return check_combination(&c);
}
