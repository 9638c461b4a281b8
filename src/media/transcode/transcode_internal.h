/* The transcoder's shared context and the stages that pass it around:
 * demux.c (input), video.c (decode, convert, SVT-AV1), audio.c (decode,
 * resample, Opus), mux.c (MP4 output) and transcode.c (the driver, and the
 * decode loop both streams share). Not a public header: only the files of
 * this directory include it. */
#ifndef PBC_TRANSCODE_INTERNAL_H
#define PBC_TRANSCODE_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>

#include "base/encode_settings.h"
#include "media/transcode/transcode.h"

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

struct tc_video {
    int in_index;
    AVStream *in_st;
    AVCodecContext *dec;
    AVCodecContext *enc;
    AVStream *out_st;
    struct SwsContext *sws;
    int sws_w, sws_h, sws_fmt;  /* the input sws was made for */
    AVFrame *conv;            /* 8-bit 4:2:0 copy of a frame that is not */
    AVPacket *held;           /* last encoded packet, waiting for its duration */
    AVRational frame_rate;    /* what SVT-AV1 rate-controls on: frames/duration */
    int64_t step;             /* nominal frame duration, encoder time base */
    int64_t last_pts;         /* of the last frame sent to the encoder */
    int64_t last_duration;    /* of the last decoded frame, encoder time base */
    int64_t first_out_pts;    /* of the first encoded packet */
    int64_t end_pts;          /* pts + duration of the last written packet */
    int lp;                   /* SVT-AV1 logical processors, 0: all */
    int64_t frames_sent;      /* to the encoder; see tc_video_close */
    int64_t packets_in;       /* read from the file */
    int64_t edit_dropped;     /* of those, outside the source's edit list */
};

struct tc_audio {
    int in_index;             /* -1: the clip has no audio */
    AVStream *in_st;
    AVCodecContext *dec;
    AVCodecContext *enc;
    AVStream *out_st;
    struct SwrContext *swr;
    AVChannelLayout swr_in_layout; /* what swr was set up for */
    int swr_in_format;
    int swr_in_rate;
    AVAudioFifo *fifo;
    uint8_t **conv;           /* swr output buffer, conv_cap samples */
    int conv_cap;
    AVFrame *enc_frame;
    int64_t fifo_pts;         /* pts of the FIFO's first sample, 1/ENC_AUDIO_SAMPLE_RATE */
    int64_t first_pts;        /* of the first sample encoded, 1/ENC_AUDIO_SAMPLE_RATE */
    int64_t end_pts;          /* the source's end (its trim), 1/ENC_AUDIO_SAMPLE_RATE; NOPTS: none */
    int ended;                /* the source's end is reached: later input is dropped */
    int64_t clamped;          /* samples of an over-full-scale source held at the peak */
};

struct tc_ctx {
    const struct transcode_params *p;
    const char *name;         /* the clip, for messages */
    struct transcode_stats *st;
    struct pbc_log *lg;
    AVFormatContext *ifmt;
    AVFormatContext *ofmt;
    struct tc_video v;
    struct tc_audio a;
    AVFrame *frame;           /* decoder output, shared by both streams */
    AVPacket *out_pkt;        /* encoder output, shared by both streams */
    int out_created;          /* dst_path exists because we made it */
    int failure_logged;
    struct quality_meter *qm; /* measure_quality: the output's quality meter */
    double total_seconds;     /* of the clip, for progress */
    struct timespec t_start;
    struct timespec t_progress;
};

/* Logs "clip: what: cause" unless a failure was logged already, and returns
 * err, so that the place that detects a failure reports it exactly once. */
int tc_fail(struct tc_ctx *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Called after each write: reports progress a few times per second, or
 * now when force is set. */
void tc_progress(struct tc_ctx *c, int force);

/* Sends pkt (NULL: drains the decoder) to dec and hands every frame that
 * comes out to on_frame (in c->frame, unreferenced after the call), which
 * does the stream's own work. A packet the decoder rejects and a frame it
 * fails on are skipped and counted in c->st, not fatal; what ("video",
 * "audio") names the decoder in messages. Returns 0 or on_frame's error. */
int tc_decode_packet(struct tc_ctx *c, AVCodecContext *dec, const AVPacket *pkt,
                     const char *what, int (*on_frame)(struct tc_ctx *c, AVFrame *frame));

/* demux.c */
int tc_demux_open(struct tc_ctx *c);
/* Next packet of a chosen stream; AVERROR_EOF at the end,
 * PBC_E_INTERRUPTED when pbc_interrupted is set. */
int tc_demux_read(struct tc_ctx *c, AVPacket *pkt);
void tc_demux_close(struct tc_ctx *c);

/* video.c */
int tc_video_open_decoder(struct tc_ctx *c);
int tc_video_open_encoder(struct tc_ctx *c);
/* Decodes pkt (NULL: flush the decoder) and encodes what comes out. */
int tc_video_decode(struct tc_ctx *c, const AVPacket *pkt);
/* Flushes the encoder and writes the held last packet. */
int tc_video_finish(struct tc_ctx *c);
void tc_video_close(struct tc_video *v);

/* audio.c */
int tc_audio_open_decoder(struct tc_ctx *c);
int tc_audio_open_encoder(struct tc_ctx *c);
int tc_audio_decode(struct tc_ctx *c, const AVPacket *pkt);
/* Drains the resampler and the FIFO (a short last frame) and the encoder. */
int tc_audio_finish(struct tc_ctx *c);
void tc_audio_close(struct tc_audio *a);

/* mux.c */
int tc_mux_alloc(struct tc_ctx *c);
/* A new output stream for an opened encoder, with in's metadata and
 * display matrix. */
int tc_mux_add_stream(struct tc_ctx *c, const AVCodecContext *enc,
                      const AVStream *in, AVStream **out);
/* Creates dst_path and writes the header. */
int tc_mux_open(struct tc_ctx *c);
/* Rescales pkt from tb to its stream's and hands it to the interleaver
 * (which takes the reference). */
int tc_mux_write(struct tc_ctx *c, AVPacket *pkt, AVRational tb, const AVStream *out);
/* Writes the trailer (moov first: faststart), fixes what the muxer cannot
 * be told (mp4fix.c), fsyncs the output, records its size. */
int tc_mux_finish(struct tc_ctx *c);

/* mp4fix.c: patches the finished MP4 in place (same sizes): each track's
 * creation time becomes its source stream's (the muxer gives every track
 * the file's), and a late-starting Opus track's edit list skips the
 * encoder's pre-skip (the muxer starts it pre-skip early). */
int tc_mp4_fix(struct tc_ctx *c);
/* Frees the output context; removes dst_path when remove is set. */
void tc_mux_close(struct tc_ctx *c, int remove);

#endif
