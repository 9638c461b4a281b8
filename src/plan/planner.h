/* The planner: pure arithmetic of the disc budget. No I/O.
 *
 * usable = disc - safety. COPY when the pending clips, each rounded up to
 * whole 2048-byte sectors, plus the other files of the build directory fit
 * in usable. Otherwise ENCODE, at a video bitrate (kbps) that leaves room
 * for audio, MP4 overhead, sector rounding, the other files and a margin
 * for rate-control error. docs/design.md "Budget model" derives every
 * term and the measurements behind each constant. */
#ifndef PBC_PLANNER_H
#define PBC_PLANNER_H

#include <stddef.h>
#include <stdint.h>

#include "base/disc.h"
#include "base/encode_settings.h"
#include "state/progress.h"

#define PLAN_SECTOR_BYTES DISC_SECTOR_BYTES
/* The video bitrate below which ENCODE is infeasible (see design.md). */
#define PLAN_MIN_KBPS 50

/* Opus as libavcodec's libopus writes it: ENC_AUDIO_PACKETS_PER_S packets
 * a second (ENC_AUDIO_FRAME_MS each), plus 2 for the
 * encoder delay (pre-skip) and the final flush; the audio may outlast the
 * video by up to PLAN_AUDIO_SLACK_S. Packet size (100 + PLAN_OPUS_VBR_PCT)%
 * of the nominal audio_kbps x 20 ms / 8: the transcoder runs libopus in hard
 * CBR (vbr=off), where every packet is exactly the nominal 160 bytes
 * (measured), so no allowance; unconstrained VBR would need +50%. */
#define PLAN_OPUS_EXTRA_PACKETS 2
#define PLAN_AUDIO_SLACK_S 1
#define PLAN_OPUS_VBR_PCT 0

/* MP4 (libavformat's mov muxer) bytes beyond the packets: upper bounds. */
#define PLAN_MP4_FILE_BYTES 4096        /* ftyp, mdat header, moov skeleton, tags */
#define PLAN_MP4_VIDEO_FRAME_BYTES 28   /* stsz, stco/co64, stsc, stts, sdtp, stss */
#define PLAN_MP4_AUDIO_PACKET_BYTES 18  /* stsz, stco/co64, stsc */

/* The least the MP4 muxer and the build directory's files ever take
 * (design.md "Refusing a batch that cannot fit"): what decides a refusal,
 * so that no batch is refused that could fit. */
#define PLAN_MP4_FILE_MIN_BYTES 900
#define PLAN_MP4_VIDEO_FRAME_MIN_BYTES 8
#define PLAN_MP4_AUDIO_PACKET_MIN_BYTES 8
#define PLAN_OTHER_FILES_MIN_BYTES (3 * PLAN_SECTOR_BYTES)

/* Reserve for the encoder's rate error, in % of the video bytes still to
 * be encoded; the band of the feedback law around the stored kbps. */
#define PLAN_RC_MARGIN_PCT 5
#define PLAN_BAND_LO_PCT 50
#define PLAN_BAND_HI_PCT 150
/* Bounds of the model ratio the feedback law learns from the done clips
 * (their bytes over their predictions), in %. */
#define PLAN_RATIO_MIN_PCT 80
#define PLAN_RATIO_MAX_PCT 200
/* With --balance quality the clips run from the lowest planned rate to the
 * highest: the done clips' undershoot says nothing of the harder clips
 * left, so the ratio is never below 1 there (design.md "Quality balance"). */
#define PLAN_RATIO_MIN_QUALITY_PCT 100

/* The final guard does not pick a clip already encoded this many times. */
#define PLAN_GUARD_MAX_ENCODES 3

/* The fill pass runs while more than this % of usable is free, in both
 * balance modes; it re-encodes a clip only if that raises its rate by at
 * least PLAN_FILL_MIN_GAIN_PCT %. */
#define PLAN_FILL_FREE_PCT 3
#define PLAN_FILL_MIN_GAIN_PCT 5
/* The fill pass tries a clip at most this many times: once more only
 * after an attempt that did not fit (plan_fill_ratio). */
#define PLAN_FILL_MAX_TRIES 2

/* One clip as the planner sees it. */
struct plan_clip {
    int64_t size;          /* source bytes */
    double duration;       /* seconds (ENCODE) */
    int64_t video_frames;  /* (ENCODE) */
    int has_audio;         /* (ENCODE) */
};

/* The ENCODE budget, line by line, in bytes unless named otherwise.
 * video = usable - other_files - audio - mux_overhead - sector_slack
 *         - rc_margin. */
struct plan_budget {
    int64_t usable;
    int64_t other_files;   /* progress/manifest files the build dir will hold */
    int64_t audio;         /* Opus packets, all clips with audio */
    int64_t mux_overhead;  /* MP4 boxes: per file, per video frame, per audio packet */
    int64_t sector_slack;  /* rounding of each output up to whole sectors */
    int64_t rc_margin;     /* reserve for the encoder's rate error */
    int64_t video;         /* what is left for video (may be <= 0: infeasible) */
    double video_seconds;  /* total video duration */
    int64_t kbps;          /* video kbps = video x 8 / video_seconds / 1000, floored;
                            * PLAN_MIN_KBPS when infeasible */
    int feasible;          /* 0 when kbps would fall below PLAN_MIN_KBPS */
    /* At the floor, in usable bytes: floor_min, the least the batch can
     * take with its video at PLAN_MIN_KBPS (every other term at its
     * measured minimum, not its bound; fits_floor = floor_min <= usable,
     * else the job is refused before encoding); floor_need, the model's
     * prediction there (its bounds, no rate-control margin); feasible_need,
     * the least usable at which the plan is feasible. */
    int64_t floor_min;
    int64_t floor_need;
    int64_t feasible_need;
    int fits_floor;
    /* The counts behind the lines above, for the log. */
    size_t files;          /* clips */
    int64_t audio_packets; /* Opus packets, bound */
    int64_t audio_packet_bytes; /* bytes per Opus packet, bound */
    int64_t video_frames;  /* total */
    int64_t raw_kbps;      /* video x 8 / video_seconds / 1000 before the floor (may be <= 0) */
};

/* How plan_clip_target derived a clip's kbps, line by line (bytes). */
struct plan_target {
    int64_t usable;
    int64_t other_files;
    int64_t done_bytes;     /* sum of sector_round(output_size) of done clips */
    int64_t inflight_bytes; /* clips in flight: sector_round(ceil(q x predict(start_kbps))) */
    size_t inflight;        /* how many */
    int64_t pending_nonvideo; /* audio + MP4 + sector bounds of the pending clips */
    double model_ratio;     /* done clips: bytes / predicted bytes, bounded; 1 when none */
    int64_t rc_margin;
    int64_t video;          /* (usable - other_files - done_bytes - inflight_bytes
                             * - pending sectors)
                             * / model_ratio - pending audio and MP4 - rc_margin */
    double pending_seconds;
    int64_t planned;        /* the clip's planned_kbps (kbps when unset) */
    double weighted_seconds; /* sum over pending i of d_i x planned_i / planned */
    double scale;           /* raw_kbps / planned: the law's common factor */
    int64_t raw_kbps;       /* video x 8 / weighted_seconds / 1000 */
    int64_t lo, hi;         /* the band, never below PLAN_MIN_KBPS */
    int64_t kbps;           /* raw_kbps clamped to [lo, hi] */
};

int64_t plan_usable_bytes(int64_t disc_bytes, int64_t safety_bytes);

/* bytes rounded up to whole sectors (0 for bytes <= 0). */
int64_t plan_sector_round(int64_t bytes);

/* Upper bound of the bytes of the build directory's own files (the
 * progress file, SHA256SUMS, MANIFEST.json) for nb_clips clips, each file
 * sector-rounded. dir_len, names_len, sources_len: the JSON-escaped bytes
 * (plan_json_escaped_len) of the build directory, of all output names and
 * of all source paths; each file adds them as often as it records them. */
int64_t plan_other_files_bytes(size_t nb_clips, size_t dir_len, size_t names_len,
                               size_t sources_len);

/* Bytes of s in a JSON string as jansson writes it without
 * JSON_ENSURE_ASCII: '"' and '\\' 2, a control character at most 6
 * ("\u001f"), any other byte (UTF-8 included) 1. */
size_t plan_json_escaped_len(const char *s);

/* The bound for p's job, a function of what its progress file holds (so a
 * resumed run gets the same value): plan_other_files_bytes of its build
 * dir, names and sources. The manifest's arguments are assumed to be no
 * longer than the build dir and the sources they name plus 1 KB. */
int64_t plan_other_files_of(const struct progress *p);

/* The part of plan_other_files_of for the --iso image's file system
 * (iso_overhead_bound for p's clips, the build directory's own files and
 * the usable bytes), sector-rounded; 0 without --iso. */
int64_t plan_iso_overhead(const struct progress *p);

/* MODE_COPY when sum(sector_round(size)) + other_files <= usable. */
enum job_mode plan_decide_mode(const struct plan_clip *clips, size_t n,
                               int64_t usable, int64_t other_files);

/* Fills b for an ENCODE of clips. Returns 0 (b->feasible says whether the
 * plan keeps its margins, b->fits_floor whether the batch can fit at all) or AVERROR(EINVAL) on nonsense input (n == 0, a duration
 * <= 0 or not finite, audio_kbps <= 0). */
int plan_budget(const struct plan_clip *clips, size_t n, int64_t usable,
                int64_t other_files, int audio_kbps, struct plan_budget *b);

/* Predicted output bytes of one clip at a video bitrate (not rounded):
 * the video at exactly video_kbps plus the audio and MP4 bounds. */
int64_t plan_predict_bytes(const struct plan_clip *c, int64_t video_kbps, int audio_kbps);

/* The feedback law: the video kbps for the clip at index idx of p (the
 * next pending one in processing order), from p->kbps, the real output
 * sizes of the done clips and the predictions of the pending ones,
 * corrected by how far the done clips were from their predictions. idx
 * counts as pending whatever its status (it is about to be re-encoded). The
 * other pending clips with a start_kbps are in flight (--jobs): charged at
 * their start target times the done clips' model ratio (design.md). A pure
 * function of the fields the progress file holds, so a resumed run gets
 * the target an uninterrupted run would. The video left is shared among the
 * pending clips in proportion to their planned_kbps (one common scale:
 * target = planned x scale); with planned_kbps = kbps for all this
 * is the one-bitrate law. Bounded to [planned x PLAN_BAND_LO_PCT%,
 * planned x PLAN_BAND_HI_PCT%] and never below PLAN_MIN_KBPS (design.md). */
int64_t plan_clip_target(const struct progress *p, size_t idx, int64_t other_files);

/* The same, with the derivation in *t (t may be NULL). */
int64_t plan_clip_target_derive(const struct progress *p, size_t idx, int64_t other_files,
                                struct plan_target *t);

/* Final guard: when every clip is done and the outputs (sector-rounded)
 * plus other_files exceed usable, picks the clip that overshot its
 * prediction most (in bytes) among those whose re-encode can absorb the
 * whole excess at or above PLAN_MIN_KBPS and that were encoded fewer than
 * PLAN_GUARD_MAX_ENCODES times, and the corrected kbps to re-encode it at.
 * Returns 1 with *idx and *kbps set, or 0 when the outputs fit, a clip is
 * pending, or no re-encode can help. */
int plan_guard_pick(const struct progress *p, int64_t other_files,
                    size_t *idx, int64_t *kbps);

/* The outputs of p's done clips, each sector-rounded, plus other_files:
 * what the disc holds so far. */
int64_t plan_disc_total(const struct progress *p, int64_t other_files);

/* Re-encodes clip idx at kbps, updating p's clip (output_size,
 * target_kbps, encodes, status done); total is the batch's bytes before
 * it. Returns 0 or a negative code, which ends the loop. */
typedef int (*plan_reencode_fn)(void *opaque, size_t idx, int64_t kbps, int64_t total);

struct plan_guard_result {
    int reencodes;   /* calls of reencode that returned 0 */
    int gave_up;     /* the outputs did not fit and plan_guard_pick had no clip */
    int64_t total;   /* plan_disc_total when the loop ended */
};

/* The final guard (design.md "Final guard"): while plan_disc_total exceeds
 * usable, calls reencode for the clip and kbps plan_guard_pick names; at
 * most 2 x nb_clips + 1 rounds. Returns 0 (res says how it ended) or
 * reencode's negative code. */
int plan_guard_loop(const struct progress *p, int64_t other_files, plan_reencode_fn reencode,
                    void *opaque, struct plan_guard_result *res);

/* Fill pass, the mirror of the final guard: when every clip is done, the
 * outputs (sector-rounded) plus other_files fit in usable and leave more
 * than PLAN_FILL_FREE_PCT % of it free, picks among its candidates
 * (plan_fill_ratio > 0) the one whose output fell furthest below its
 * prediction, in bytes (with --balance quality the one measured worst),
 * and the kbps at which, taking plan_fill_ratio x its prediction, it is
 * expected to take what the others leave free minus PLAN_RC_MARGIN_PCT %.
 * Only a kbps at least PLAN_FILL_MIN_GAIN_PCT % above its target counts.
 * Returns 1 with *idx and *kbps set, else 0. The caller keeps the new
 * output only if the batch still fits, and otherwise records the attempt
 * in the clip's fill_overflow_kbps and fill_overflow_bytes. */
int plan_fill_pick(const struct progress *p, int64_t other_files,
                   size_t *idx, int64_t *kbps);

/* How plan_fill_loop ended. */
enum plan_fill_end {
    PLAN_FILL_END_FULL,      /* no more than PLAN_FILL_FREE_PCT % of the disc free */
    PLAN_FILL_END_NO_CLIP,   /* more free, but plan_fill_pick named no clip */
    PLAN_FILL_END_OVER,      /* the outputs do not fit: the pass has nothing to do */
    PLAN_FILL_END_ROUNDS,    /* PLAN_FILL_MAX_TRIES x nb_clips attempts made */
};

struct plan_fill_result {
    int attempts;            /* calls of reencode that returned 0 */
    enum plan_fill_end end;
    int64_t total;           /* plan_disc_total when the loop ended */
};

/* The fill pass (design.md "Fill pass"): while plan_fill_pick names a
 * clip, calls reencode for it and its kbps, with the batch's total before
 * the attempt; at most PLAN_FILL_MAX_TRIES x nb_clips rounds. The callback
 * keeps the new output only if the batch still fits and otherwise records
 * the attempt (fill_overflow_kbps, fill_overflow_bytes), raising the clip's
 * encodes either way. Returns 0 (res says how it ended) or reencode's
 * negative code. */
int plan_fill_loop(const struct progress *p, int64_t other_files, plan_reencode_fn reencode,
                   void *opaque, struct plan_fill_result *res);

/* The ratio output / prediction the fill pass assumes for clip idx, or 0
 * when it is no candidate. A done clip encoded once: its measured ratio
 * (the encoder will likely undershoot again by as much). A clip whose
 * one fill attempt did not fit and was discarded (encodes 2, the attempt
 * recorded): the larger of that ratio and what the attempt took of its
 * own prediction (the rate asked now lies between the two). Any
 * other clip (re-encoded by the guard, raised by the fill pass, or tried
 * PLAN_FILL_MAX_TRIES times): 0, so each is tried at most twice and a
 * resumed run picks as an uninterrupted one. */
double plan_fill_ratio(const struct progress *p, size_t idx);

/* Seams (design.md "Seams"): the clip encoded when every other clip
 * is done is cut where half of what is left of it remains, while that
 * half lasts PLAN_SEAM_MIN_REST_S seconds or more (two seams in a 20 s
 * clip, at 10 and 15 s; none under 10 s), at most PLAN_SEAM_MAX times;
 * after each, the rest is encoded at the rate that fills what is left,
 * from what the clip really took so far. */
#define PLAN_SEAM_MIN_REST_S 5
#define PLAN_SEAM_MAX 4

/* What a clip has taken when it reaches a seam: its video bytes over
 * its first seconds, and the bytes its rates stood for; the same for the
 * part since the last seam (the whole so far at the first). */
struct plan_seam_so_far {
    int64_t start_kbps;    /* the rate the clip was started at */
    double seconds;
    int64_t bytes, nominal;
    int64_t part_bytes, part_nominal;
};

/* How plan_seam_kbps derived the rest's rate (bytes unless named). */
struct plan_seam {
    int64_t room;          /* usable - other_files - the other outputs, whole sectors */
    int64_t nonvideo;      /* the clip's audio and MP4 bounds */
    double ratio;          /* bytes over nominal, of the whole or the last part, the
                            * larger, at least 1 */
    int64_t rc_margin;
    int64_t video;         /* for the rest: (room - nonvideo - bytes - rc_margin) / ratio */
    double rest_seconds;
    int64_t kbps;          /* video over rest_seconds, within the band of the start rate */
};

/* The frame (0-based) before which clip idx's seam number k (1, 2, ...)
 * goes; 0 for none. */
int64_t plan_seam_frame(const struct progress *p, size_t idx, int k);

/* 1 when clip idx may have its seams: every other clip is done, so the
 * room left is known to the byte. */
int plan_seam_wanted(const struct progress *p, size_t idx);

/* The rate of the rest of clip idx after a seam, from what it took so
 * far. A pure function of the progress file and *sf; the derivation in *s
 * (may be NULL). */
int64_t plan_seam_kbps(const struct progress *p, size_t idx, int64_t other_files,
                       const struct plan_seam_so_far *sf, struct plan_seam *s);

/* The video bytes of kbps over seconds, as the model counts them. */
int64_t plan_video_bytes(int64_t kbps, double seconds);

/* The one rate a clip whose video stood for nominal bytes over duration
 * seconds is recorded at (its target_kbps): their mean rate, rounded. */
int64_t plan_mean_kbps(int64_t nominal, double duration);

/* kbps within the feedback law's band around base: [base x
 * PLAN_BAND_LO_PCT %, base x PLAN_BAND_HI_PCT %], never below PLAN_MIN_KBPS. */
int64_t plan_band_clamp(int64_t kbps, int64_t base);

/* The clip's planned video rate: planned_kbps, or kbps when unset. */
int64_t plan_clip_planned(const struct progress *p, const struct clip *c);

/* Predicted output bytes of clip c at its target_kbps (0 when unknown). */
int64_t plan_clip_predicted(const struct progress *p, const struct clip *c);

/* The ratio output_size / prediction at its target_kbps of a done clip (1
 * when unknown), for the log. */
double plan_clip_ratio(const struct progress *p, size_t idx);

#endif
