/* What the core is asked to do: the user's preferences, as dav1d's
 * Dav1dSettings or zstd's FIO_prefs_t. The CLI fills it from its parse
 * result (cli/options.h); the core never sees argv or how an option was
 * spelled. A setting a resumed job takes from its progress file has an
 * explicit "not given" value (PBC_PREF_UNSET), so the job alone decides
 * between the command line, the progress file and the default. */
#ifndef PBC_PREFS_H
#define PBC_PREFS_H

#include <stdint.h>

/* The defaults of a fresh run (docs/CLI.md); --preset's is
 * ENC_PRESET_DEFAULT (base/encode_settings.h). */
#define PBC_DEFAULT_DISC_BYTES   INT64_C(25000000000)
#define PBC_DEFAULT_SAFETY_BYTES INT64_C(500000000)

/* "Not given" for the fields documented so below. */
#define PBC_PREF_UNSET (-1)

struct pbc_prefs {
    /* The command: verify_dir (--verify), else resume_path (--resume),
     * else a fresh run of inputs into build_dir. */
    const char *verify_dir;     /* --verify DIR|IMAGE; NULL: not --verify */
    const char *resume_path;    /* NULL: a fresh run */
    const char *build_dir;      /* NULL: not given (only with --resume) */
    int nb_inputs;
    char *const *inputs;        /* the FILEs, as given */
    const char *logfile;        /* NULL: none (only with --dry-run or --verify) */
    const char *iso_file;       /* --iso FILE; NULL: none given */
    const char *iso_label;      /* --label TEXT (checked); NULL: none given */

    /* PBC_PREF_UNSET when not given: a fresh run takes the default, a
     * resumed one the progress file's value. */
    int64_t disc_bytes;         /* > 0 */
    int64_t safety_bytes;       /* >= 0, < disc_bytes */
    int delete_originals;       /* 0/1 */
    int preset;                 /* SVT-AV1 preset (base/encode_settings.h) */
    int balance;                /* enum balance_mode (progress.h): 0 bitrate, 1 quality */

    /* Not kept in the progress file: this run's only. */
    int threads;                /* encoder threads over all jobs; 0 = auto */
    int jobs;                   /* clips encoded at once; 0 = auto */
    int dry_run;                /* 0/1: plan only, write nothing */
    int no_index;               /* 0/1: no index.html (a resume can only turn it off) */
    int verbosity;              /* -1 quiet, 0 normal, 1 verbose */

    /* The command line exactly as typed (typed_args[0] the program), for
     * the log's header and MANIFEST.json; nothing is read from it. */
    int nb_typed_args;
    char *const *typed_args;
};

/* v, or def when v is PBC_PREF_UNSET. */
static inline int64_t pbc_pref_or(int64_t v, int64_t def)
{
    return v == PBC_PREF_UNSET ? def : v;
}

#endif
