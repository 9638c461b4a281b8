/* The evidence manifests of a finished build directory (docs/CLI.md
 * "MANIFEST.json" and "SHA256SUMS").
 *
 * SHA256SUMS: one line per output, then one for MANIFEST.json, in the
 * format of coreutils' sha256sum, so that `sha256sum -c SHA256SUMS` run in
 * the build directory (or on the burned disc) checks every file on any
 * machine. MANIFEST.json: the job (tool and library versions, times, user,
 * host, the exact arguments, disc and safety bytes), the encoder settings
 * for ENCODE, and per output its original (path, size, mtime, SHA-256), its
 * own size and SHA-256 and what it is: a bit-exact copy (COPY) or a derived
 * viewing copy (ENCODE). Both are written atomically (fs_write_atomic);
 * their sizes are bounded by plan_other_files_bytes (planner.h; the unit
 * test of the manifest checks the bound). */
#ifndef PBC_MANIFEST_H
#define PBC_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "state/progress.h"
#include "io/sha256.h"

#define MANIFEST_FORMAT "prepare_bodycam-manifest"
#define MANIFEST_VERSION 1
#define MANIFEST_JSON_NAME "MANIFEST.json"
#define MANIFEST_SUMS_NAME "SHA256SUMS"
/* A MANIFEST.json longer than this is refused. */
#define MANIFEST_MAX_BYTES (64 * 1024 * 1024)
/* User and host names longer than this are not recorded (null). */
#define MANIFEST_ID_MAX 64

/* The run that completes the job: what the progress file does not hold. */
struct manifest_run {
    char started[PROGRESS_TIME_LEN + 1];   /* the job's first run, UTC */
    char completed[PROGRESS_TIME_LEN + 1]; /* now, UTC */
    int resumed;                           /* completed by a --resume run */
    char user[MANIFEST_ID_MAX + 1];        /* "" when unknown */
    char host[MANIFEST_ID_MAX + 1];        /* "" when unknown */
    int64_t uid;                           /* effective uid */
    int argc;                              /* this run's exact arguments */
    char *const *argv;
};

/* One output as MANIFEST.json describes it. */
struct manifest_file {
    char *name;                 /* output file name: a plain name, no '/' */
    enum job_mode mode;         /* COPY: bit-exact copy; ENCODE: derived copy */
    int64_t size;
    char sha256[SHA256_HEX_LEN + 1];
    char *original;             /* absolute path of the original */
    int64_t original_size;
    int64_t original_mtime_ns;
    char original_sha256[SHA256_HEX_LEN + 1];
    int64_t video_kbps;         /* ENCODE: the target it was encoded at; 0 in COPY */
    int has_audio;              /* ENCODE */
    int encodes;                /* ENCODE: times encoded (the final guard re-encodes) */
    int64_t planned_kbps;       /* ENCODE: the clip's planned rate (--balance) */
    double psnr_y, ssim;        /* ENCODE: measured against the decoded original; < 0 unknown */
};

struct manifest {
    enum job_mode mode;
    int64_t disc_bytes;
    int64_t safety_bytes;
    int64_t kbps;               /* ENCODE: stored video kbps; 0 in COPY */
    int preset;                 /* ENCODE */
    int audio_kbps;             /* ENCODE */
    int delete_originals;
    char *build_dir;
    char started[PROGRESS_TIME_LEN + 1];
    char completed[PROGRESS_TIME_LEN + 1];
    size_t nb_files;
    struct manifest_file *files;
};

/* "YYYY-MM-DDTHH:MM:SSZ" of seconds since the epoch. */
void manifest_utc_time(int64_t seconds, char out[PROGRESS_TIME_LEN + 1]);

/* Fills run->user, host and uid. The user name comes from $USER, else
 * $LOGNAME (the environment: a static binary cannot rely on NSS for
 * getpwuid), so it is a claim; the uid is what the kernel says. Names that
 * are not 1..MANIFEST_ID_MAX printable ASCII characters are left "". */
void manifest_identify(struct manifest_run *run);

/* progress_name_reserved(), kept for its callers: the list is there. */
int manifest_name_reserved(const char *name);

/* Writes MANIFEST.json, then SHA256SUMS, into p->build_dir, for a job whose
 * clips are all done. Checks first that every output is there with the
 * recorded size. On success the SHA-256 of MANIFEST.json is in
 * manifest_sha256 (it goes into the log, so the log vouches for the
 * manifest). Returns 0, AVERROR(EINVAL) or AVERROR(EIO) with a one-line
 * reason in err, or another AVERROR from writing. */
int manifest_write(const struct progress *p, const struct manifest_run *run,
                   char manifest_sha256[SHA256_HEX_LEN + 1], char *err, size_t errlen);

/* Validates the len bytes of a MANIFEST.json at buf, read by the caller
 * (--verify reads it through its source: a directory's or an image's):
 * valid JSON of our format and version, plain output names, well-formed
 * hashes. Sets digest to the SHA-256 of those bytes. Returns 0 with *out
 * owned by the caller, or PBC_E_MANIFEST with a one-line reason in err and
 * *out NULL (or AVERROR(ENOMEM)). */
int manifest_parse(const char *buf, size_t len, struct manifest **out,
                   uint8_t digest[SHA256_BYTES], char *err, size_t errlen);

/* Frees m; accepts NULL and sets *m to NULL. */
void manifest_free(struct manifest **m);

/* The SHA256SUMS text of m's outputs and of MANIFEST.json with the given
 * hash, malloc'd into *text. Names with a backslash (or a newline) are
 * escaped as sha256sum does: a leading '\' on the line, '\\' and '\n' in
 * the name. Returns 0 or AVERROR(ENOMEM). */
int manifest_sums_text(const struct manifest *m, const char *manifest_sha256,
                       char **text, size_t *len);

#endif
