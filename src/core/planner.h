/* The planner: pure arithmetic of the disc budget. No I/O.
 *
 * usable = disc - safety. COPY when the pending clips, each rounded up to
 * whole 2048-byte sectors, plus the other files of the build directory fit
 * in usable. Otherwise ENCODE, at a video bitrate (kbps) that leaves room
 * for audio, MP4 overhead, sector rounding, the other files and a margin
 * for rate-control error. docs/design.md derives every term. */
#ifndef PBC_PLANNER_H
#define PBC_PLANNER_H

#include <stddef.h>
#include <stdint.h>

#include "progress.h"

#define PLAN_SECTOR_BYTES 2048
#define PLAN_AUDIO_KBPS 64
/* The video bitrate below which ENCODE is infeasible (see design.md). */
#define PLAN_MIN_KBPS 20

/* One clip as the planner sees it. */
struct plan_clip {
    int64_t size;          /* source bytes */
    double duration;       /* seconds (ENCODE) */
    int64_t video_frames;  /* (ENCODE) */
    int has_audio;         /* (ENCODE) */
};

/* The ENCODE budget, line by line, in bytes unless named otherwise. */
struct plan_budget {
    int64_t usable;
    int64_t other_files;   /* progress/manifest files the build dir will hold */
    int64_t audio;         /* Opus packets, all clips with audio */
    int64_t mux_overhead;  /* MP4 boxes: per file, per video frame, per audio packet */
    int64_t sector_slack;  /* rounding of each output up to whole sectors */
    int64_t rc_margin;     /* reserve for the encoder's rate error */
    int64_t video;         /* what is left for video */
    double video_seconds;  /* total video duration */
    int64_t kbps;          /* video kbps = video x 8 / video_seconds / 1000, floored */
    int feasible;          /* 0 when kbps would fall below PLAN_MIN_KBPS */
};

int64_t plan_usable_bytes(int64_t disc_bytes, int64_t safety_bytes);

/* bytes rounded up to whole sectors. */
int64_t plan_sector_round(int64_t bytes);

/* Upper bound of the bytes of the build directory's own files (progress
 * file, manifests) for nb_clips clips whose names total names_len bytes,
 * sector-rounded. */
int64_t plan_other_files_bytes(size_t nb_clips, size_t names_len);

/* MODE_COPY when sum(sector_round(size)) + other_files <= usable. */
enum job_mode plan_decide_mode(const struct plan_clip *clips, size_t n,
                               int64_t usable, int64_t other_files);

/* Fills b for an ENCODE of clips. Returns 0 (b->feasible says whether the
 * batch can fit) or AVERROR(EINVAL) on nonsense input (n == 0, a duration
 * <= 0). */
int plan_budget(const struct plan_clip *clips, size_t n, int64_t usable,
                int64_t other_files, int audio_kbps, struct plan_budget *b);

/* Predicted output bytes of one clip at a video bitrate (not rounded). */
int64_t plan_predict_bytes(const struct plan_clip *c, int64_t video_kbps, int audio_kbps);

/* The feedback law: the video kbps for the clip at index idx of p (the
 * next pending one in processing order), from p->kbps, the real output
 * sizes of the done clips and the predictions of the pending ones. A pure
 * function of p, so a resumed run gets the target an uninterrupted run
 * would. Bounded to [p->kbps / 2, p->kbps * 3 / 2]... (see design.md). */
int64_t plan_clip_target(const struct progress *p, size_t idx, int64_t other_files);

/* Final guard: when the done outputs (sector-rounded) plus other_files
 * exceed usable, picks the clip that overshot its prediction most and the
 * corrected kbps to re-encode it at. Returns 1 with *idx and *kbps set,
 * or 0 when no re-encode can help. */
int plan_guard_pick(const struct progress *p, int64_t other_files,
                    size_t *idx, int64_t *kbps);

#endif
