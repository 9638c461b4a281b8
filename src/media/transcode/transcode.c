/* The driver, in the shape of FFmpeg's doc/examples/transcode.c: open
 * input, decoders, encoders and output; run the packet loop; flush;
 * finish. Each stage lives in its own file with its own state
 * (transcode_internal.h); only this file calls them, and it alone knows
 * how they connect: the encoders' packets come back through its sinks,
 * which write them to the muxer and report progress. */
#include <string.h>
#include <time.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/transcode/transcode.h"
#include "media/transcode/transcode_internal.h"
#include "media/transcode/quality.h"

/* ffmpeg's default -max_error_rate: beyond it a clip is not worth keeping. */
#define TC_MAX_ERROR_RATE (2.0 / 3.0)

struct tc_ctx {
    const struct transcode_params *p;
    struct transcode_stats *st;
    struct tc_report r;
    struct tc_demux d;
    struct tc_video v;
    struct tc_audio a;
    struct tc_mux m;
    AVStream *v_out, *a_out;  /* the output streams */
    struct timespec t_start;
    struct timespec t_progress;
};

int transcode_encoders_available(const char **missing)
{
    static const char *const needed[] = { "libsvtav1", "libopus" };
    for (size_t i = 0; i < sizeof(needed) / sizeof(*needed); i++) {
        if (!avcodec_find_encoder_by_name(needed[i])) {
            if (missing)
                *missing = needed[i];
            return 0;
        }
    }
    if (missing)
        *missing = NULL;
    return 1;
}

static double seconds_since(const struct timespec *t0, const struct timespec *t1)
{
    return (t1->tv_sec - t0->tv_sec) + (t1->tv_nsec - t0->tv_nsec) / 1e9;
}

/* Called after each write: reports progress a few times per second, or
 * now when force is set. */
static void transcode_progress(struct tc_ctx *c, int force)
{
    struct timespec now;
    double elapsed;

    if (!c->p->progress)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!force && seconds_since(&c->t_progress, &now) < 0.25)
        return;
    c->t_progress = now;
    elapsed = seconds_since(&c->t_start, &now);
    c->p->progress(c->p->progress_opaque, c->st->duration, c->d.total_seconds,
                   elapsed > 0 ? c->st->video_frames_out / elapsed : 0.0);
}

/* The video encoder's sink: every packet written passes here. */
static int transcode_write_video(void *opaque, AVPacket *pkt)
{
    struct tc_ctx *c = opaque;
    int ret;

    c->st->duration = c->v.seconds_out;
    c->st->video_frames_out = c->v.frames_out;
    ret = tc_mux_write(&c->m, pkt, c->v.enc->time_base, c->v_out);
    if (ret >= 0)
        transcode_progress(c, 0);
    return ret;
}

static int transcode_write_audio(void *opaque, AVPacket *pkt)
{
    struct tc_ctx *c = opaque;
    int ret = tc_mux_write(&c->m, pkt, c->a.enc->time_base, c->a_out);

    if (ret >= 0)
        transcode_progress(c, 0);
    return ret;
}

/* The encoders, each followed by its output stream: the muxer's streams
 * come in this order (video, then audio), which tc_mp4_fix relies on. */
static int transcode_open_encoders(struct tc_ctx *c)
{
    const struct transcode_params *p = c->p;
    const int global_header = tc_mux_global_header(&c->m);
    const struct tc_video_settings vs = {
        .kbps = p->video_kbps, .preset = p->preset, .threads = p->threads,
        .global_header = global_header, .seam = p->seam,
    };
    const struct tc_sink v_sink = { transcode_write_video, c };
    const struct tc_sink a_sink = { transcode_write_audio, c };
    int ret;

    if ((ret = tc_video_open_encoder(&c->v, &vs, &v_sink)) < 0 ||
        (ret = tc_mux_add_stream(&c->m, c->v.enc, c->v.in_st, &c->v_out)) < 0)
        return ret;
    if (!c->a.in_st)
        return 0;
    if ((ret = tc_audio_open_encoder(&c->a, p->audio_kbps, global_header, &a_sink)) < 0 ||
        (ret = tc_mux_add_stream(&c->m, c->a.enc, c->a.in_st, &c->a_out)) < 0)
        return ret;
    return 0;
}

/* Whether the audio's start + duration is an end to cut it at: not when
 * the duration was guessed from the bitrate, nor when the clock may
 * restart mid-file (AVFMT_TS_DISCONT: the duration spans one stretch of
 * the clock, not the stream, and a transport stream has no edit list to
 * trim its end anyway). */
static int transcode_timed_end(const AVFormatContext *ifmt)
{
    return ifmt->duration_estimation_method != AVFMT_DURATION_FROM_BITRATE &&
           !(ifmt->iformat->flags & AVFMT_TS_DISCONT);
}

static int transcode_open(struct tc_ctx *c)
{
    const struct transcode_params *p = c->p;
    int ret;

    if ((ret = tc_demux_open(&c->d, p->src_path, &c->r)) < 0)
        return ret;
    if ((ret = tc_video_open_decoder(&c->v, c->d.v_st, p->threads, &c->r)) < 0 ||
        (ret = tc_audio_open_decoder(&c->a, c->d.a_st,
                                     c->d.a_st ? tc_demux_start(&c->d, c->d.a_st) : AV_NOPTS_VALUE,
                                     transcode_timed_end(c->d.ifmt), &c->r)) < 0 ||
        (ret = tc_mux_alloc(&c->m, p->dst_path, c->d.ifmt->metadata, &c->r)) < 0 ||
        (ret = transcode_open_encoders(c)) < 0)
        return ret;
    /* One decoder thread: the encoder has the cores. A libavcodec without
     * an AV1 decoder (the static build's minimal FFmpeg) still encodes:
     * the quality is then unknown (null), not made up. */
    if (p->measure_quality && (ret = quality_open(&c->v.qm, c->v.enc, c->v.pic_w, c->v.pic_h, 1)) < 0) {
        if (ret != AVERROR_DECODER_NOT_FOUND)
            return tc_fail(&c->r, ret, "cannot open an AV1 decoder to measure the quality");
        log_warn(c->r.lg, "%s: quality not measured: this build's libavcodec has no AV1 decoder",
                 c->r.name);
    }
    return tc_mux_open(&c->m);
}

/* Demux, decode and encode until the input ends; pbc_interrupted is
 * polled by tc_demux_read before every packet. */
static int transcode_loop(struct tc_ctx *c)
{
    AVPacket *pkt = av_packet_alloc();
    int ret;

    if (!pkt)
        return tc_fail(&c->r, AVERROR(ENOMEM), "cannot allocate a packet");
    for (;;) {
        ret = tc_demux_read(&c->d, pkt);
        if (ret == AVERROR_EOF) {
            ret = 0;
            break;
        }
        if (ret < 0)
            break;
        if (pkt->stream_index == c->d.v_index)
            ret = tc_video_decode(&c->v, pkt);
        else
            ret = tc_audio_decode(&c->a, pkt);
        av_packet_unref(pkt);
        if (ret < 0)
            break;
    }
    av_packet_free(&pkt);
    return ret;
}

static int transcode_flush(struct tc_ctx *c)
{
    int ret;
    if ((ret = tc_video_decode(&c->v, NULL)) < 0 ||
        (ret = tc_video_finish(&c->v)) < 0 ||
        (ret = tc_audio_finish(&c->a)) < 0)
        return ret;
    if (pbc_interrupted)
        return PBC_E_INTERRUPTED;
    return 0;
}

/* The stages' counters, gathered into the caller's stats. */
static void transcode_collect(struct tc_ctx *c)
{
    struct transcode_stats *st = c->st;

    st->duration = c->v.seconds_out;
    st->video_frames_in = c->v.frames_in;
    st->video_frames_out = c->v.frames_out;
    st->audio_packets_out = c->a.packets_out;
    st->corrupt_packets = c->d.corrupt_packets + c->v.dec.corrupt_packets +
                          c->a.dec.corrupt_packets;
    st->decode_errors = c->v.dec.errors + c->a.dec.errors;
    st->seams = c->v.seams;
}

/* A clip whose video could not be decoded at all, or mostly not, fails. */
static int transcode_check_decoded(struct tc_ctx *c)
{
    const struct transcode_stats *st = c->st;
    int64_t bad = st->corrupt_packets + st->decode_errors;

    if (st->video_frames_in == 0)
        return tc_fail(&c->r, AVERROR_INVALIDDATA, "no video frame could be decoded");
    if (bad > TC_MAX_ERROR_RATE * (double)(bad + st->video_frames_in))
        return tc_fail(&c->r, AVERROR_INVALIDDATA, "too many decoding errors (%lld of %lld)",
                       (long long)bad, (long long)(bad + st->video_frames_in));
    return 0;
}

/* The finished file: trailer, the fixes the muxer cannot make, fsync. */
static int transcode_finish(struct tc_ctx *c)
{
    const struct tc_mp4_track tracks[2] = {
        { c->v.in_st, AV_NOPTS_VALUE, 0, 0 },
        { c->a.in_st, c->a.first_pts, c->a.fifo_pts,
          c->a.enc ? c->a.enc->initial_padding : 0 },
    };
    int ret;

    if ((ret = tc_mux_finish(&c->m)) < 0 ||
        (ret = tc_mp4_fix(c->p->dst_path, tracks, c->a_out ? 2 : 1, &c->r)) < 0 ||
        (ret = tc_mux_sync(&c->m)) < 0)
        return ret;
    return 0;
}

/* What the run did, whether it succeeded or not. */
static void transcode_log_end(struct tc_ctx *c, int ret)
{
    const struct transcode_stats *st = c->st;
    const char *name = c->r.name;

    if (c->d.ifmt)
        log_info(c->r.lg, "%s: %lld video frames decoded, %lld encoded, %lld audio packets; "
                 "%lld corrupt packets skipped, %lld decoding errors",
                 name, (long long)st->video_frames_in, (long long)st->video_frames_out,
                 (long long)st->audio_packets_out, (long long)st->corrupt_packets,
                 (long long)st->decode_errors);
    if (c->a.clamped > 0)
        log_warn(c->r.lg, "%s: audio: the source goes over full scale; %lld samples of the mix "
                 "held at -1 dBFS", name, (long long)c->a.clamped);
    if (c->d.v_edit_dropped > 0)
        log_info(c->r.lg, "%s: %lld of the file's %lld video frames lie outside its edit list: "
                 "players do not show them, so they are not encoded", name,
                 (long long)c->d.v_edit_dropped, (long long)c->d.v_packets);
    if (ret == PBC_E_INTERRUPTED)
        log_warn(c->r.lg, "%s: interrupted; the partial output is removed", name);
}

static int transcode_run(struct tc_ctx *c)
{
    int ret;

    if ((ret = transcode_open(c)) < 0 ||
        (ret = transcode_loop(c)) < 0 ||
        (ret = transcode_flush(c)) < 0)
        return ret;
    transcode_collect(c);
    if ((ret = transcode_check_decoded(c)) < 0 ||
        (ret = transcode_finish(c)) < 0)
        return ret;
    transcode_progress(c, 1);
    if (c->v.qm) {
        struct quality_result q;
        quality_get(c->v.qm, &q);
        c->st->psnr_y = q.psnr_y;
        c->st->ssim = q.ssim;
        c->st->quality_frames = q.frames;
    }
    return 0;
}

int transcode_clip(const struct transcode_params *p, struct transcode_stats *stats)
{
    struct transcode_stats scratch;
    struct tc_ctx c;
    int ret;

    memset(&c, 0, sizeof(c));
    c.p = p;
    c.r.name = p->clip_name ? p->clip_name : p->src_path;
    c.r.lg = p->log;
    c.st = stats ? stats : &scratch;
    memset(c.st, 0, sizeof(*c.st));
    c.st->psnr_y = c.st->ssim = -1;
    c.d.v_index = c.d.a_index = -1;
    /* t_progress stays 0: the first write reports at once. */
    clock_gettime(CLOCK_MONOTONIC, &c.t_start);

    if (!p->src_path || !p->dst_path || p->video_kbps <= 0 || p->preset > ENC_PRESET_MAX ||
        (p->seam.frame > 0 && (!p->seam.wanted || !p->seam.kbps))) {
        ret = tc_fail(&c.r, AVERROR(EINVAL), "invalid transcode parameters");
        goto end;
    }
    ret = transcode_run(&c);

end:
    if (ret < 0 && pbc_interrupted)
        ret = PBC_E_INTERRUPTED;
    transcode_collect(&c);
    transcode_log_end(&c, ret);
    tc_video_close(&c.v);
    quality_free(&c.v.qm);
    tc_audio_close(&c.a);
    tc_mux_close(&c.m, ret < 0);
    tc_demux_close(&c.d);
    return ret;
}
