/* The progress file: the job's durable state, as JSON.
 *
 * It keeps the original tool's keys with their meaning (disc_bytes,
 * safety_bytes, mode, kbps, files) and adds ours beside them (see
 * docs/CLI.md "Progress file"). It is written atomically and durably after
 * every state change. Everything read back is validated; names are never
 * trusted as paths. */
#ifndef PBC_PROGRESS_H
#define PBC_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "io/sha256.h"

#define PROGRESS_FORMAT "prepare_bodycam-progress"
#define PROGRESS_VERSION 1
#define PROGRESS_FILE_NAME "progress.json"
#define PROGRESS_COMPLETED_NAME "progress.completed.json"
/* "YYYY-MM-DDTHH:MM:SSZ": ISO 8601, UTC, whole seconds. */
#define PROGRESS_TIME_LEN 20

enum job_mode { MODE_COPY, MODE_ENCODE };
enum clip_status { CLIP_PENDING, CLIP_DONE };
/* --balance: one bitrate for every clip (the original's), or one common
 * quality level (docs/design.md "Quality balance"). */
enum balance_mode { BALANCE_BITRATE, BALANCE_QUALITY };

struct clip {
    char *name;            /* output file name: a plain name, no '/' */
    char *source;          /* absolute path of the original */
    enum clip_status status;
    int64_t source_size;   /* bytes, at planning time */
    int64_t source_mtime_ns; /* st_mtim at planning time, ns since the epoch */
    /* Probe results; only meaningful in ENCODE mode (0 otherwise). */
    double duration;       /* seconds */
    int64_t video_frames;  /* frames in the video stream (exact or estimated) */
    int has_audio;
    /* Filled when the clip is done (and source_sha256 possibly earlier). */
    char source_sha256[SHA256_HEX_LEN + 1]; /* "" when unknown */
    char output_sha256[SHA256_HEX_LEN + 1]; /* "" when unknown */
    int64_t output_size;   /* -1 until done */
    int64_t target_kbps;   /* ENCODE: video target the clip was encoded at; 0 otherwise */
    int encodes;           /* ENCODE: how many times it was encoded (final guard) */
    /* ENCODE: the target its current encode was started at, saved before
     * the encode begins; 0 when not in flight. Resume restarts it at this. */
    int64_t start_kbps;
    /* ENCODE: the clip's own planned video rate, decided once at plan
     * time (= kbps with --balance bitrate); 0 in COPY. */
    int64_t planned_kbps;
    double predicted_psnr; /* --balance quality: the model's PSNR-Y at planned_kbps; < 0 unknown */
    /* Measured on the output against the decoded original (ENCODE, done
     * clips); < 0 when unknown. */
    double psnr_y;         /* dB, from the mean squared error over all frames */
    double ssim;           /* SSIM-Y, mean over the frames */
    /* ENCODE, done clips: the fill pass's last attempt that did not fit
     * and was discarded, its target and the bytes it took (design.md
     * "Fill pass"); 0 and 0 when there was none. */
    int64_t fill_overflow_kbps;
    int64_t fill_overflow_bytes;
};

struct progress {
    int64_t disc_bytes;
    int64_t safety_bytes;
    enum job_mode mode;
    int64_t kbps;          /* ENCODE: stored video kbps; 0 (JSON null) in COPY */
    char *build_dir;       /* absolute */
    int delete_originals;  /* 0 or 1 */
    int preset;            /* SVT-AV1 preset (base/encode_settings.h) */
    int audio_kbps;        /* Opus bitrate per clip with audio */
    enum balance_mode balance; /* ENCODE: how planned_kbps was decided */
    /* When the job's first run started (PROGRESS_TIME_LEN chars), kept
     * across resumes for the manifest; "" when unknown (the optional key
     * "job_started" is absent, as in files of older versions). */
    char job_started[PROGRESS_TIME_LEN + 1];
    /* Write index.html (and count it in the budget): 0 with --no-index and
     * for files of older versions, which have no key "index_page". */
    int index_page;
    /* --iso FILE (absolute) and its volume label, or both NULL (the
     * optional keys "iso_file" and "iso_label" are absent). */
    char *iso_file;
    char *iso_label;
    size_t nb_clips;
    struct clip *clips;    /* in processing order */
    size_t clips_cap;      /* allocated entries of clips */
    /* What the last save wrote, clip by clip, so that the next one
     * serialises and checks only the clips that changed (progress_save.c). */
    struct progress_cache *cache;
};

/* Allocates an empty progress (no clips); NULL on ENOMEM. */
struct progress *progress_alloc(void);

/* Frees p and everything it owns; accepts NULL and sets *p to NULL. */
void progress_free(struct progress **p);

/* Appends a clip, taking copies of name and source. Returns 0 or
 * AVERROR(ENOMEM); the new clip is pending with output_size -1. */
int progress_add_clip(struct progress *p, const char *name, const char *source);

/* Serialises p to JSON (jansson, keys in a fixed order, 2-space indent)
 * and writes it to path atomically and durably (fs_write_atomic). Clips
 * unchanged since the last save of p are not serialised or checked again:
 * a save costs little more than writing the file.
 * Returns 0 or AVERROR; AVERROR(EINVAL), writing nothing, when p would not
 * load back (progress_validate gives the reason). */
int progress_save(const struct progress *p, const char *path);

/* Checks that p serialises to a file progress_load accepts (safe names,
 * valid UTF-8, values in range, done clips fully described). Returns 0, or
 * AVERROR(EINVAL) with a one-line reason in err (may be NULL), or
 * AVERROR(ENOMEM). */
int progress_validate(const struct progress *p, char *err, size_t errlen);

/* Reads and validates path. On any problem (missing, unreadable, not JSON,
 * not an object, missing key, wrong type, bad value, unsafe name, files and
 * clips disagreeing, unknown format version) returns PBC_E_PROGRESS with a
 * one-line reason in err (naming the key; path itself is not repeated) and
 * *out NULL. Returns 0 on success with *out owned by the caller. Unknown
 * extra keys are ignored (forward compatibility). */
int progress_load(const char *path, struct progress **out, char *err, size_t errlen);

/* 1 when name is a plain file name: non-empty, no '/', not "." or "..",
 * no control characters, valid UTF-8 (JSON can hold nothing else), and at
 * most PROGRESS_NAME_MAX bytes, so that its partial name fits NAME_MAX. */
int progress_name_is_safe(const char *name);
#define PROGRESS_NAME_MAX 242

/* 1 when name is one of the build directory's own files (progress files,
 * MANIFEST.json, SHA256SUMS, the index page and its thumbs/, any partial
 * name): the one list, which no clip may take. */
int progress_name_reserved(const char *name);

/* Counts of clips by status. */
size_t progress_count(const struct progress *p, enum clip_status status);

const char *progress_mode_name(enum job_mode mode); /* "COPY" / "ENCODE" */

/* The mode progress_mode_name names s; -1 when s names none. */
int progress_mode_from_name(const char *s, enum job_mode *mode);

/* The clip's own planned video rate: its planned_kbps, or the batch's kbps
 * (--balance bitrate, and files of older versions that have no key). */
static inline int64_t progress_planned_kbps(const struct progress *p, const struct clip *c)
{
    return c->planned_kbps > 0 ? c->planned_kbps : p->kbps;
}

#endif
