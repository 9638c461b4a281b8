/* --balance quality: a clip's rate-quality points from short sample
 * encodes. A few stretches spread through the clip are decoded, encoded
 * with SVT-AV1 at a fast preset and a few CRF values, and each encode's
 * packets decoded back and compared with its input (quality.h). Video
 * only; nothing is written; the original is read through media_input
 * (read-only, O_NOATIME). See docs/design.md "Quality balance". */
#ifndef PBC_ANALYZE_H
#define PBC_ANALYZE_H

#include <stdint.h>

struct pbc_log;

#define ANALYZE_CRFS 2
#define ANALYZE_SAMPLES 3

struct analyze_point {
    int crf;
    double kbps;        /* the sample's video bytes x 8 / its seconds / 1000 */
    double psnr_y;      /* dB */
    double ssim;
};

struct analyze_result {
    struct analyze_point pt[ANALYZE_CRFS];
    int64_t frames;         /* sampled frames, per CRF */
    int64_t key_frames;     /* of them key frames or cuts (one per stretch expected) */
    double sample_seconds;  /* their nominal duration */
    double wall_seconds;    /* of the whole analysis of the clip */
};

/* Analyses the video of src (name for messages; duration from the probe)
 * at the SVT-AV1 preset of the real encode (< 0: ENC_PRESET_DEFAULT).
 * threads: decoder threads and SVT-AV1 lp (0: all). The failure that
 * stops it is logged once. Returns 0, PBC_E_INTERRUPTED or an AVERROR. */
int analyze_clip(const char *src, const char *name, double duration, int preset, int threads,
                 struct pbc_log *lg, struct analyze_result *r);

#endif
