/* index.html: the evidence page of a finished build directory (docs/CLI.md
 * "index.html"). One self-contained file (inline CSS, a small inline
 * script, thumbnails as data: URIs; no network), written atomically after
 * the manifests, so a court workstation's browser shows what the disc
 * holds: per clip a poster frame, a player, the facts of the file, its
 * original and both SHA-256s.
 *
 * Every string that comes from a source (names, paths, tags) is
 * HTML-escaped, and every variable part has a byte budget, so that
 * index_page_bound, a function of the progress file only, bounds the page
 * before any clip is encoded (docs/design.md "The build directory's own
 * files"). */
#ifndef PBC_INDEX_PAGE_H
#define PBC_INDEX_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "state/progress.h"

#define INDEX_PAGE_NAME "index.html"

/* Hard upper bound of one thumbnail JPEG (bytes, before base64), and the
 * least a small disc cuts it to: index_thumb_budget. */
#define INDEX_THUMB_MAX_BYTES 12288
#define INDEX_THUMB_MIN_BYTES 4096
/* The thumbnails' budgets add up to at most 1/INDEX_THUMB_DISC_SHARE of
 * the usable bytes (0.5 % in base64), within the two bounds above. */
#define INDEX_THUMB_DISC_SHARE 256
/* Tags shown per clip, and the escaped bytes each key and value may take
 * on the page (longer ones are cut, marked with "..."). */
#define INDEX_TAGS_MAX 12
#define INDEX_TAG_KEY_BUDGET 64
#define INDEX_TAG_VALUE_BUDGET 192
/* Raw bytes kept of a tag (the budget is applied when escaping). */
#define INDEX_TAG_RAW_MAX 255
/* Escaped bytes of the disc label, the tool version and the library list. */
#define INDEX_LABEL_BUDGET 256
#define INDEX_VERSION_BUDGET 64
#define INDEX_LIBS_BUDGET 640
/* Escaped bytes of the codec descriptions of one clip. */
#define INDEX_CODEC_BUDGET 96
/* The page without its per-clip strings and thumbnails: the fixed text,
 * CSS and script, and per clip its markup with every number at its widest:
 * measured 3,829 and 2,200 bytes, x1.6 and x1.4 for later wording
 * (test_bound_worst renders the worst case). */
#define INDEX_BASE_BYTES 6144
#define INDEX_CLIP_BYTES 3072

struct index_tag {
    char key[INDEX_TAG_RAW_MAX + 1];
    char value[INDEX_TAG_RAW_MAX + 1];
};

/* What the page says about one clip beyond its progress entry. */
struct index_clip {
    int probed;                  /* 0: the disc file could not be read */
    double duration;             /* seconds */
    int width, height;
    /* A derived copy's original picture, when the disc file's is larger
     * (padded to the even size of at least 64 that SVT-AV1 codes, design.md
     * "Odd and small sizes"); 0 x 0 otherwise or unknown. */
    int original_width, original_height;
    double fps;                  /* 0 when unknown */
    int variable_fps;
    char video_codec[INDEX_CODEC_BUDGET + 1]; /* e.g. "av1 (Main)" */
    char audio[INDEX_CODEC_BUDGET + 1];       /* e.g. "opus, mono, 24000 Hz"; "" none */
    char mime[24];               /* the container's media type, "" unknown */
    char codecs[48];             /* RFC 6381 codecs of the disc file, "" unknown */
    int nb_tags;
    struct index_tag tags[INDEX_TAGS_MAX];
    int tags_from_original;      /* 1: tags read from the original, 0: the disc file */
    const uint8_t *thumb;        /* JPEG, at most index_thumb_budget(); NULL: none */
    size_t thumb_size;
    int thumb_width, thumb_height;
    double thumb_time;           /* seconds into the clip of the poster frame */
    /* The quality measurement of a derived copy against its original:
     * PSNR of luma in dB and SSIM of luma; NAN when not measured. */
    double quality_psnr_y;
    double quality_ssim_y;
};

/* The job as the header shows it. */
struct index_job {
    const struct progress *p;
    const char *label;           /* disc label, or NULL */
    const char *started, *completed; /* UTC times */
    const char *version;         /* pbc_version() */
    const char *libraries;       /* pbc_library_versions() */
    int64_t usable;
};

/* The page for job and its clips (one per p->clips[i], same order), in
 * *html (av_malloc'd: av_free it; *len bytes). Returns 0 or AVERROR(ENOMEM). Never longer
 * than index_page_bound(job->p) when the label is within its budget (a
 * thumbnail over index_thumb_budget(job->p) is left out). */
int index_page_render(const struct index_job *job, const struct index_clip *clips,
                      char **html, size_t *len);

/* The JPEG bytes each thumbnail of p's page may take: the usable bytes
 * (disc less safety) / INDEX_THUMB_DISC_SHARE / the clips, within
 * [INDEX_THUMB_MIN_BYTES, INDEX_THUMB_MAX_BYTES]. A function of what the
 * progress file holds; only discs of a few MB per clip get less than the
 * maximum (design.md "The evidence page"). */
size_t index_thumb_budget(const struct progress *p);

/* Upper bound of the page's bytes, sector-rounded; 0 when p->index_page
 * is 0. A function of what the progress file holds. */
int64_t index_page_bound(const struct progress *p);

/* Bytes of s as index_page escapes it for HTML text or attributes: & 5,
 * < > 4, " 6, ' 5, a control character 3 (U+FFFD), other bytes 1. */
size_t index_html_escaped_len(const char *s);

/* Bytes of s percent-encoded in a URL (unreserved bytes 1, others 3). */
size_t index_url_encoded_len(const char *s);

#endif
