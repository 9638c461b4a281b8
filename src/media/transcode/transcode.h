/* ENCODE mode: one clip, in-process, demux -> decode -> SVT-AV1 + Opus ->
 * MP4, in the shape of FFmpeg's doc/examples/transcode.c. */
#ifndef PBC_TRANSCODE_H
#define PBC_TRANSCODE_H

#include <stdint.h>

struct pbc_log;

/* Called a few times per second with the clip's position (seconds of video
 * written), its duration and the encoding speed in frames per second. */
typedef void (*transcode_progress_fn)(void *opaque, double done_seconds,
                                      double total_seconds, double fps);

/* Seams (design.md "Seams"): before the video frame numbered frame
 * (0-based, in the order sent to the encoder) the transcoder asks wanted.
 * When it says 0, wanted has set *next_frame to the next frame to ask at
 * (0: none). When it says 1, the transcoder finishes the SVT-AV1 stream
 * so far, asks kbps for the rate of the rest from what the video took so
 * far (video_bytes, the bytes of its packets, over seconds, the video
 * time they cover) and goes on with a new encoder at that rate, which
 * starts with a key frame; kbps sets *next_frame likewise. Every frame is
 * still encoded once, with its own timestamp. kbps returns > 0, or a
 * negative code that fails the clip. */
struct transcode_seam {
    int64_t frame;                     /* 0: no seam */
    int (*wanted)(void *opaque, int64_t *next_frame);
    int64_t (*kbps)(void *opaque, int64_t video_bytes, double seconds, int64_t *next_frame);
    void *opaque;
};

struct transcode_params {
    const char *src_path;    /* the original, opened read-only */
    const char *dst_path;    /* the temporary output path; the caller renames it */
    const char *clip_name;   /* for messages */
    int64_t video_kbps;      /* target video bitrate, > 0 */
    int preset;              /* SVT-AV1 preset; negative: ENC_PRESET_DEFAULT */
    int audio_kbps;          /* Opus bitrate; 0: ENC_AUDIO_KBPS */
    int threads;             /* decoder threads and SVT-AV1 lp; 0: as many as cores */
    int measure_quality;     /* compare the output with its input frames (quality.h) */
    struct pbc_log *log;
    transcode_progress_fn progress;
    void *progress_opaque;
    struct transcode_seam seam;
};

struct transcode_stats {
    double duration;           /* seconds of video written */
    int64_t video_frames_in;   /* decoded */
    int64_t video_frames_out;  /* encoded */
    int64_t audio_packets_out;
    int64_t corrupt_packets;   /* skipped, as ffmpeg does */
    int64_t decode_errors;
    /* measure_quality: PSNR-Y and SSIM-Y of the output (-1 unknown). */
    double psnr_y;
    double ssim;
    int64_t quality_frames;    /* compared */
    int seams;                 /* made (struct transcode_seam) */
};

/* Returns 1 when this libavcodec has the libsvtav1 and libopus encoders;
 * otherwise 0, with *missing (may be NULL) naming the first one absent. */
int transcode_encoders_available(const char **missing);

/* Encodes p->src_path to p->dst_path. The failure that stops it is logged
 * once, naming the clip and the cause. Polls pbc_interrupted. On failure
 * dst_path is removed; on success it has been fsynced (the caller renames
 * it and fsyncs the directory). Corrupt packets are skipped and counted as
 * ffmpeg does; a clip with no decodable video frame, or with more than 2/3
 * of its packets bad, fails with AVERROR_INVALIDDATA. st may be NULL.
 * Returns 0, PBC_E_INTERRUPTED, or a negative AVERROR. */
int transcode_clip(const struct transcode_params *p, struct transcode_stats *st);

#endif
