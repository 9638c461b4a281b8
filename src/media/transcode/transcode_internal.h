/* The transcoder's stages, each with its own state and a narrow interface:
 * demux.c (input), video.c (decode, convert, SVT-AV1), audio.c (decode,
 * resample, Opus), mux.c (MP4 output) and mp4fix.c (patches the finished
 * file). Only the driver, transcode.c, calls the stages; the stages call
 * only tc_common.c (failure reporting, the decode loop), a leaf. A stage's
 * encoded packets leave through the struct tc_sink the driver gives it.
 * Not a public header: only the files of this directory include it. */
#ifndef PBC_TRANSCODE_INTERNAL_H
#define PBC_TRANSCODE_INTERNAL_H

#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>

#include "base/encode_settings.h"
#include "media/transcode/transcode.h"

struct pbc_log;
struct SwsContext;
struct quality_meter;
struct SwrContext;

/* The mono mix's largest possible sample, -1 dBFS: the downmix matrix is
 * normalised to it, and the 1 dB leaves room for the peaks lossy coding
 * adds (measured +0.24 dB on a tone). */
#define TC_MIX_PEAK 0.8912509381337456
/* SVT-AV1's own rate-error bounds (percent); the disc budget assumes them. */
#define TC_UNDERSHOOT_PCT 5
#define TC_OVERSHOOT_PCT 5
/* Each GOP gets at least this % of the target rate: without it one-pass
 * VBR starves content whose pictures stand still between changes (a
 * scrolling text page at 321 kbit/s: 200 kbit/s and 33.8 dB; with it
 * 301 kbit/s and 36.4 dB), and it changed nothing measurable on the
 * others (design.md "Rate-control margin"). */
#define TC_MINSECTION_PCT 100

/* tc_common.c: what every stage shares. */

/* Who reports a failure: the clip's name, the log, and whether a failure
 * was logged already (the first one is the cause; later ones follow). */
struct tc_report {
    const char *name;
    struct pbc_log *lg;
    int failure_logged;
};

/* Logs "clip: what: cause" unless a failure was logged already, and returns
 * err, so that the place that detects a failure reports it exactly once. */
int tc_fail(struct tc_report *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A decoder and what it counts. */
struct tc_decoder {
    AVCodecContext *ctx;
    AVFrame *frame;            /* its output, unreferenced after each frame */
    const char *what;          /* "video", "audio": for messages */
    int64_t corrupt_packets;   /* packets it rejected, skipped as ffmpeg does */
    int64_t errors;            /* frames it failed on, or concealed */
};

typedef int (*tc_frame_fn)(void *opaque, AVFrame *frame);

/* Sends pkt (NULL: drains the decoder) to d and hands every frame that
 * comes out to on_frame, which does the stream's own work. A packet the
 * decoder rejects and a frame it fails on are skipped and counted in d,
 * not fatal. Returns 0 or on_frame's error. */
int tc_decode_packet(struct tc_report *r, struct tc_decoder *d, const AVPacket *pkt,
                     tc_frame_fn on_frame, void *opaque);

/* Frees the codec context and the frame. */
void tc_decoder_close(struct tc_decoder *d);

/* Every libsvtav1 encoder is opened and freed through these two, which
 * both the transcoder and the --balance analysis use: SVT-AV1's own
 * stderr chatter is kept to warnings and errors (SVT_LOG=2, unless the
 * user set it, once per process), and the opens and frees of concurrent
 * encoders never overlap (SVT-AV1's process-wide state, tc_common.c).
 * tc_svt_open returns avcodec_open2's code. tc_svt_close drains an open
 * encoder first (a blank frame when it had none: SVT-AV1 1.4 hangs
 * otherwise), then frees it and sets *enc to NULL; *enc may be NULL. */
int tc_svt_open(AVCodecContext *enc, const AVCodec *codec, AVDictionary **opts);
void tc_svt_close(AVCodecContext **enc, int had_frames);

/* SVT-AV1 codes 4:2:0 at even sizes of at least 64 only ("Source Width
 * must be even", "must be at least 64"): a picture of n columns (or rows)
 * is coded with tc_coded_size(n) of them, n rounded up to even and to
 * TC_MIN_SIZE. tc_pad makes dst (8-bit 4:2:0 at the coded size of src's,
 * allocated here) src with the last column and row of each plane repeated
 * into the padding. Every source pixel is kept where it was, none is
 * resampled (design.md "Odd and small sizes"). */
#define TC_MIN_SIZE 64
int tc_coded_size(int n);
int tc_pad(AVFrame *dst, const AVFrame *src);

/* Where a stage's encoded packets go (the driver: the muxer). pkt is in
 * the encoder's time base; write takes the reference. */
struct tc_sink {
    int (*write)(void *opaque, AVPacket *pkt);
    void *opaque;
};

/* demux.c: the clip, its chosen streams, their packets. */
struct tc_demux {
    struct tc_report *r;
    AVFormatContext *ifmt;
    int v_index;              /* the chosen video stream */
    int a_index;              /* the chosen audio stream; -1: none */
    AVStream *v_st, *a_st;    /* a_st NULL: the clip has no audio */
    double total_seconds;     /* of the clip, for progress; 0: unknown */
    int64_t corrupt_packets;  /* flagged by the demuxer, or a damaged tail */
    int64_t v_packets;        /* video packets read */
    int64_t v_edit_dropped;   /* of those, outside the source's edit list */
    /* Per chosen stream (0 video, 1 audio), in its time base: what is
     * taken off its packets. The earliest start of the chosen streams when
     * after 0 (a transport stream's clock, a segment of a longer
     * recording), so that the copy starts at 0 and its streams keep their
     * timing to each other (design.md "Start"); and in formats whose clock
     * may restart mid-file (AVFMT_TS_DISCONT: MPEG-TS, MPEG-PS) the
     * stream's jumps so far. */
    int64_t off[2];
    /* Where each stream's next packet was due and its latest dts
     * (AV_TIME_BASE, after off): what a jump is measured against. */
    int64_t next_dts[2], last_dts[2];
};

/* A chosen stream's start_time less what is taken off its packets when
 * the clip is opened, in its time base; AV_NOPTS_VALUE stays. */
int64_t tc_demux_start(const struct tc_demux *d, const AVStream *st);

int tc_demux_open(struct tc_demux *d, const char *path, struct tc_report *r);
/* Next packet of a chosen stream; AVERROR_EOF at the end,
 * PBC_E_INTERRUPTED when pbc_interrupted is set. */
int tc_demux_read(struct tc_demux *d, AVPacket *pkt);
void tc_demux_close(struct tc_demux *d);

/* video.c */
struct tc_video_settings {
    int64_t kbps;             /* target bitrate, > 0 */
    int preset;               /* SVT-AV1 preset; negative: ENC_PRESET_DEFAULT */
    int threads;              /* SVT-AV1 lp; 0: all cores */
    int global_header;        /* the container wants the sequence header apart */
    struct transcode_seam seam; /* frame 0: none */
};

struct tc_video {
    struct tc_report *r;
    AVStream *in_st;
    struct tc_decoder dec;
    AVCodecContext *enc;
    struct tc_sink out;
    struct SwsContext *sws;
    int sws_w, sws_h, sws_fmt;  /* the input sws was made for */
    AVFrame *conv;            /* 8-bit 4:2:0 copy of a frame that is not */
    AVFrame *pad;             /* the frame padded to the coded size (tc_pad) */
    int pic_w, pic_h;         /* the source's size; the encoder's is tc_coded_size of it */
    AVPacket *pkt;            /* encoder output */
    AVPacket *held;           /* last encoded packet, waiting for its duration */
    AVRational frame_rate;    /* what SVT-AV1 rate-controls on: frames/duration */
    int64_t step;             /* nominal frame duration, encoder time base */
    int64_t last_pts;         /* of the last frame sent to the encoder */
    int64_t last_duration;    /* of the last decoded frame, encoder time base */
    int64_t first_out_pts;    /* of the first encoded packet */
    int64_t end_pts;          /* pts + duration of the last written packet */
    int lp;                   /* SVT-AV1 logical processors, 0: all */
    struct tc_video_settings s; /* the encoder's, kept for a seam */
    int64_t first_in_pts;     /* of the first frame sent to the encoder */
    int64_t enc_first_frame;  /* frames_sent when the current encoder opened */
    int64_t bytes_out;        /* of the encoded packets */
    int seams;                /* seams made (transcode.h) */
    int64_t frames_in;        /* decoded */
    int64_t frames_sent;      /* to the encoder; see tc_video_close */
    int64_t frames_out;       /* encoded */
    double seconds_out;       /* of video handed to out */
    struct quality_meter *qm; /* measure_quality: set and freed by the driver */
};

int tc_video_open_decoder(struct tc_video *v, AVStream *in_st, int threads,
                          struct tc_report *r);
/* Opens SVT-AV1 for the decoder's frames; its packets go to out. */
int tc_video_open_encoder(struct tc_video *v, const struct tc_video_settings *s,
                          const struct tc_sink *out);
/* Decodes pkt (NULL: flush the decoder) and encodes what comes out. */
int tc_video_decode(struct tc_video *v, const AVPacket *pkt);
/* Flushes the encoder and writes the held last packet. */
int tc_video_finish(struct tc_video *v);
void tc_video_close(struct tc_video *v);

/* audio.c */
struct tc_audio {
    struct tc_report *r;
    AVStream *in_st;          /* NULL: the clip has no audio */
    struct tc_decoder dec;
    AVCodecContext *enc;
    struct tc_sink out;
    struct SwrContext *swr;
    AVChannelLayout swr_in_layout; /* what swr was set up for */
    int swr_in_format;
    int swr_in_rate;
    AVAudioFifo *fifo;
    uint8_t **conv;           /* swr output buffer, conv_cap samples */
    int conv_cap;
    AVFrame *enc_frame;
    AVPacket *pkt;            /* encoder output */
    int64_t fifo_pts;         /* pts of the FIFO's first sample, 1/ENC_AUDIO_SAMPLE_RATE */
    int64_t first_pts;        /* of the first sample encoded, 1/ENC_AUDIO_SAMPLE_RATE */
    int64_t end_pts;          /* the source's end (its trim), 1/ENC_AUDIO_SAMPLE_RATE; NOPTS: none */
    int ended;                /* the source's end is reached: later input is dropped */
    int64_t clamped;          /* samples of an over-full-scale source held at the peak */
    int64_t packets_out;      /* encoded */
};

/* in_st NULL: no audio, and every audio call does nothing. start: the
 * stream's start less what the demuxer takes off (tc_demux_start). timed_end:
 * the stream's duration was read, not guessed from the bitrate, so its
 * end, start + duration, is one to cut at. */
int tc_audio_open_decoder(struct tc_audio *a, AVStream *in_st, int64_t start, int timed_end,
                          struct tc_report *r);
int tc_audio_open_encoder(struct tc_audio *a, int kbps, int global_header,
                          const struct tc_sink *out);
int tc_audio_decode(struct tc_audio *a, const AVPacket *pkt);
/* Drains the resampler and the FIFO (a short last frame) and the encoder. */
int tc_audio_finish(struct tc_audio *a);
void tc_audio_close(struct tc_audio *a);

/* mux.c: the MP4 at path. */
struct tc_mux {
    struct tc_report *r;
    const char *path;
    AVFormatContext *ofmt;
    int created;              /* path exists because we made it */
};

/* Sets up the muxer, with the source's container tags src_tags. */
int tc_mux_alloc(struct tc_mux *m, const char *path, const AVDictionary *src_tags,
                 struct tc_report *r);
/* 1 when the encoders must keep their headers out of band. */
int tc_mux_global_header(const struct tc_mux *m);
/* A new output stream for an opened encoder, with in's metadata and
 * display matrix. */
int tc_mux_add_stream(struct tc_mux *m, const AVCodecContext *enc, const AVStream *in,
                      AVStream **out);
/* Creates path and writes the header. */
int tc_mux_open(struct tc_mux *m);
/* Rescales pkt from tb to out's and hands it to the interleaver (which
 * takes the reference). */
int tc_mux_write(struct tc_mux *m, AVPacket *pkt, AVRational tb, const AVStream *out);
/* Writes the trailer (moov first: faststart) and closes the file. */
int tc_mux_finish(struct tc_mux *m);
/* Flushes the finished file to stable storage. */
int tc_mux_sync(struct tc_mux *m);
/* Frees the output context; removes path when remove is set. */
void tc_mux_close(struct tc_mux *m, int remove);

/* mp4fix.c: patches the finished MP4 in place (same sizes): each track's
 * creation time becomes its source stream's (the muxer gives every track
 * the file's), and a late-starting Opus track's edit list skips the
 * encoder's pre-skip (the muxer starts it pre-skip early). */
struct tc_mp4_track {
    const AVStream *src;      /* the source stream, for its creation_time */
    /* An Opus track, in 1/ENC_AUDIO_SAMPLE_RATE: its first sample's pts (NOPTS:
     * not audio, or nothing encoded), its end and the encoder's pre-skip. */
    int64_t audio_first, audio_end, preskip;
};

/* tracks: one per output stream, in their order. */
int tc_mp4_fix(const char *path, const struct tc_mp4_track *tracks, unsigned n,
               struct tc_report *r);

#endif
