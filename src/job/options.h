/* What the CLI hands to the core: the user's choices, parsed and checked
 * for form (numbers, yes/no) but not yet against the file system. */
#ifndef PBC_OPTIONS_H
#define PBC_OPTIONS_H

#include <stdint.h>

#define PBC_DEFAULT_DISC_BYTES   INT64_C(25000000000)
#define PBC_DEFAULT_SAFETY_BYTES INT64_C(500000000)

struct pbc_options {
    const char *build_dir;      /* NULL with --resume */
    const char *logfile;
    int64_t disc_bytes;         /* default applied when not set */
    int64_t safety_bytes;
    int disc_bytes_set;         /* given on the command line */
    int safety_bytes_set;
    int delete_originals;       /* 0/1 */
    int delete_originals_set;
    int preset;                 /* SVT-AV1 preset (base/encode_settings.h) */
    int preset_set;
    int threads;                /* 0 = auto; the total over all jobs */
    int jobs;                   /* clips encoded at once; 0 = auto */
    int balance;                /* enum balance_mode (progress.h): 0 bitrate, 1 quality */
    int balance_set;
    const char *resume_path;    /* --resume FILE, or NULL */
    const char *verify_dir;     /* --verify DIR|IMAGE, or NULL */
    const char *iso_file;       /* --iso FILE, or NULL */
    const char *iso_label;      /* --label TEXT (checked), or NULL */
    int dry_run;
    int no_index;               /* --no-index: no index.html */
    int verbosity;              /* -1 quiet, 0 normal, 1 verbose */
    int nb_inputs;
    char *const *inputs;        /* positional FILEs (point into argv) */
    int argc;                   /* the whole command line, for the log */
    char *const *argv;
};

#endif
