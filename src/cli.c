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
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "errors.h"
#include "pbc_config.h"

#define PRESET_MAX  13
#define THREADS_MAX 1024

enum opt_id {
    OPT_BUILD_DIR,
    OPT_LOGFILE,
    OPT_DISC_BYTES,
    OPT_SAFETY_BYTES,
    OPT_DELETE_ORIGINALS,
    OPT_RESUME,
    OPT_VERIFY,
    OPT_DRY_RUN,
    OPT_PRESET,
    OPT_THREADS,
    OPT_BALANCE,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    OPT_NB,
};

struct cli_option {
    const char *name;   /* long name without "--" */
    char short_name;    /* 0: none */
    int has_arg;
};

static const struct cli_option options[OPT_NB] = {
    [OPT_BUILD_DIR]        = { "build-dir", 0, 1 },
    [OPT_LOGFILE]          = { "logfile", 0, 1 },
    [OPT_DISC_BYTES]       = { "disc-bytes", 0, 1 },
    [OPT_SAFETY_BYTES]     = { "safety-bytes", 0, 1 },
    [OPT_DELETE_ORIGINALS] = { "delete-originals", 0, 1 },
    [OPT_RESUME]           = { "resume", 0, 1 },
    [OPT_VERIFY]           = { "verify", 0, 1 },
    [OPT_DRY_RUN]          = { "dry-run", 0, 0 },
    [OPT_PRESET]           = { "preset", 0, 1 },
    [OPT_THREADS]          = { "threads", 0, 1 },
    [OPT_BALANCE]          = { "balance", 0, 1 },
    [OPT_QUIET]            = { "quiet", 'q', 0 },
    [OPT_VERBOSE]          = { "verbose", 'v', 0 },
    [OPT_HELP]             = { "help", 'h', 0 },
    [OPT_VERSION]          = { "version", 0, 0 },
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

/* Quotes an argument for a one-line message: control bytes escaped, long
 * values shortened, so a hostile or mistyped argument cannot break the
 * line. */
static const char *quote(char *buf, size_t size, const char *s)
{
    static const size_t max_shown = 80;
    size_t o = 0, n = 0;
    buf[o++] = '\'';
    for (; *s && o + 8 < size; s++, n++) {
        unsigned char ch = (unsigned char)*s;
        if (n == max_shown) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (ch < 0x20 || ch == 0x7f)
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
        else
            buf[o++] = (char)ch;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

#define QUOTE_SIZE 400
#define Q(buf, s) quote(buf, sizeof(buf), s)

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

/* Stores the value of option id; val is NULL for options without one. */
static int apply_option(struct parse_ctx *c, enum opt_id id, const char *val)
{
    struct pbc_options *opt = c->opt;
    const char *name = options[id].name;
    char q[QUOTE_SIZE];
    int ret = 0;

    switch (id) {
    case OPT_BUILD_DIR:
        opt->build_dir = val;
        break;
    case OPT_LOGFILE:
        opt->logfile = val;
        break;
    case OPT_RESUME:
        opt->resume_path = val;
        break;
    case OPT_VERIFY:
        opt->verify_dir = val;
        break;
    case OPT_DISC_BYTES:
        if ((ret = parse_number(c, name, val, &opt->disc_bytes)) < 0)
            return ret;
        if (opt->disc_bytes <= 0)
            return usage(c, "--disc-bytes: must be greater than 0, got %s",
                         Q(q, val));
        opt->disc_bytes_set = 1;
        break;
    case OPT_SAFETY_BYTES:
        if ((ret = parse_number(c, name, val, &opt->safety_bytes)) < 0)
            return ret;
        opt->safety_bytes_set = 1;
        break;
    case OPT_DELETE_ORIGINALS:
        if (!strcmp(val, "yes"))
            opt->delete_originals = 1;
        else if (!strcmp(val, "no"))
            opt->delete_originals = 0;
        else
            return usage(c, "--delete-originals: expected 'yes' or 'no', got %s",
                         Q(q, val));
        opt->delete_originals_set = 1;
        break;
    case OPT_PRESET:
        if ((ret = parse_ranged_int(c, name, val, 0, PRESET_MAX, &opt->preset)) < 0)
            return ret;
        opt->preset_set = 1;
        break;
    case OPT_THREADS:
        return parse_ranged_int(c, name, val, 0, THREADS_MAX, &opt->threads);
    case OPT_BALANCE:
        if (!strcmp(val, "quality") || !strcmp(val, "bitrate"))
            opt->balance = !strcmp(val, "quality");
        else
            return usage(c, "--balance: expected 'quality' or 'bitrate', got %s", Q(q, val));
        opt->balance_set = 1;
        break;
    case OPT_DRY_RUN:
        opt->dry_run = 1;
        break;
    case OPT_QUIET:
    case OPT_VERBOSE:
        if (c->seen[id == OPT_QUIET ? OPT_VERBOSE : OPT_QUIET])
            return usage(c, "-q/--quiet and -v/--verbose exclude each other");
        opt->verbosity = id == OPT_QUIET ? -1 : 1;
        break;
    case OPT_HELP:
    case OPT_VERSION:
    case OPT_NB:
        break;
    }
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
        OPT_DELETE_ORIGINALS, OPT_DRY_RUN, OPT_PRESET, OPT_BALANCE,
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
    opt->preset = PBC_DEFAULT_PRESET;
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

/* 25000000000 -> "25_000_000_000", as the user would type it. */
static const char *grouped(char *buf, size_t size, int64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%" PRId64, v);
    size_t o = 0;
    for (int k = 0; k < n && o + 2 < size; k++) {
        if (k && (n - k) % 3 == 0)
            buf[o++] = '_';
        buf[o++] = digits[k];
    }
    buf[o] = '\0';
    return buf;
}

void cli_print_help(void)
{
    char disc[32], safety[32];
    printf(
"Usage: prepare_bodycam --build-dir DIR --logfile FILE [OPTION]... FILE...\n"
"       prepare_bodycam --resume PROGRESS --logfile FILE [OPTION]...\n"
"       prepare_bodycam --verify DIR [--logfile FILE]\n"
"\n"
"Fit a batch of body-camera clips on one optical disc: copy them bit-exact\n"
"when they fit, otherwise re-encode every clip to AV1 + Opus at one bitrate\n"
"calculated so that the whole build directory fits.\n"
"\n"
"Options (\"--flag VALUE\" and \"--flag=VALUE\" both work; each at most once):\n"
"  --build-dir DIR          where the outputs and progress.json are written\n"
"                           (required, except with --resume)\n"
"  --logfile FILE           log to append to, also echoed to stdout (required,\n"
"                           except with --verify or --dry-run)\n"
"  --disc-bytes N           capacity of the disc in bytes, > 0\n"
"                           (default %s)\n"
"  --safety-bytes N         head-room kept free, 0 or more, < --disc-bytes\n"
"                           (default %s)\n"
"  --delete-originals yes|no\n"
"                           delete the source clips after a run that exits 0\n"
"                           (default no)\n"
"  --resume FILE            resume the job of progress file FILE; values not\n"
"                           given come from FILE, input FILEs are ignored\n"
"  --dry-run                plan only (mode, bitrate), write nothing\n"
"  --preset N               SVT-AV1 preset, 0 (slowest) to %d (fastest)\n"
"                           (default %d)\n"
"  --threads N              encoder threads, 0 = automatic (default 0)\n"
"  --balance bitrate|quality\n"
"                           ENCODE: one bitrate for every clip, or rates\n"
"                           that give every clip the same predicted\n"
"                           quality (default bitrate)\n"
"  --verify DIR             check a finished build directory and exit\n"
"  -q, --quiet              log errors and warnings only\n"
"  -v, --verbose            log more detail\n"
"  -h, --help               show this help and exit\n"
"      --version            show the program and library versions and exit\n"
"  --                       end of options: what follows are FILEs\n"
"\n"
"Numbers are whole numbers of bytes; '_' may group digits (50_000_000_000).\n"
"\n"
"Exit codes:\n"
"  0  success: every clip processed, within the usable bytes\n"
"  1  usage error or missing dependency (also: bad input files, not enough\n"
"     free space in the build directory)\n"
"  2  finished, but the outputs exceed disc-bytes - safety-bytes\n"
"  3  progress file missing, corrupt or inconsistent with the arguments\n"
"  4  runtime error during copy/encode, or interrupted (progress saved,\n"
"     safe to --resume)\n"
"  5  --verify: a file does not match MANIFEST.json\n",
        grouped(disc, sizeof(disc), PBC_DEFAULT_DISC_BYTES),
        grouped(safety, sizeof(safety), PBC_DEFAULT_SAFETY_BYTES),
        PRESET_MAX, PBC_DEFAULT_PRESET);
}

static void print_lav_version(const char *name, unsigned v)
{
    printf("%s %u.%u.%u\n", name, v >> 16, (v >> 8) & 0xff, v & 0xff);
}

void cli_print_version(void)
{
    printf("prepare_bodycam %s\n", PBC_VERSION);
    printf("FFmpeg %s\n", av_version_info());
    print_lav_version("libavformat", avformat_version());
    print_lav_version("libavcodec", avcodec_version());
    print_lav_version("libavutil", avutil_version());
    print_lav_version("libswresample", swresample_version());
    print_lav_version("libswscale", swscale_version());
    printf("jansson %s\n", jansson_version_str());
    printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
}
