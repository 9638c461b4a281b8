/* The driver: open input, decoders, encoders and output; run the packet
 * loop; flush; finish. Each stage lives in its own file (demux.c, video.c,
 * audio.c, mux.c) and they share one struct tc_ctx. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/transcode/transcode_internal.h"
#include "media/transcode/quality.h"

/* ffmpeg's default -max_error_rate: beyond it a clip is not worth keeping. */
#define TC_MAX_ERROR_RATE (2.0 / 3.0)

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

int tc_fail(struct tc_ctx *c, int err, const char *fmt, ...)
{
    char what[512], buf[AV_ERROR_MAX_STRING_SIZE];
    va_list ap;

    /* Once SIGINT is in, what fails next (a read returning AVERROR_EXIT)
     * is the interruption, reported as such by transcode_clip(). */
    if (c->failure_logged || err == PBC_E_INTERRUPTED || pbc_interrupted)
        return err;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    log_error(c->lg, "%s: %s: %s", c->name, what, pbc_strerror(err, buf, sizeof(buf)));
    c->failure_logged = 1;
    return err;
}

int tc_decode_packet(struct tc_ctx *c, AVCodecContext *dec, const AVPacket *pkt,
                     const char *what, int (*on_frame)(struct tc_ctx *c, AVFrame *frame))
{
    int errors = 0;
    int ret = avcodec_send_packet(dec, pkt);

    if (ret < 0 && ret != AVERROR_EOF) {
        if (!pkt)
            return tc_fail(c, ret, "cannot flush the %s decoder", what);
        /* A packet the decoder rejects is skipped and counted, as ffmpeg
         * does (unless the demuxer already flagged it corrupt). */
        if (!(pkt->flags & AV_PKT_FLAG_CORRUPT))
            c->st->corrupt_packets++;
        return 0;
    }
    for (;;) {
        ret = avcodec_receive_frame(dec, c->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0) {
            c->st->decode_errors++;
            /* While draining, the frames behind a bad one are still wanted;
             * the cap keeps a decoder that keeps failing from looping. */
            if (pkt || ++errors > 64)
                return 0;
            continue;
        }
        /* A concealed frame is kept (as ffmpeg does), but counted. */
        if (c->frame->decode_error_flags || (c->frame->flags & AV_FRAME_FLAG_CORRUPT))
            c->st->decode_errors++;
        ret = on_frame(c, c->frame);
        av_frame_unref(c->frame);
        if (ret < 0)
            return ret;
    }
}

static double seconds_since(const struct timespec *t0, const struct timespec *t1)
{
    return (t1->tv_sec - t0->tv_sec) + (t1->tv_nsec - t0->tv_nsec) / 1e9;
}

void tc_progress(struct tc_ctx *c, int force)
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
    c->p->progress(c->p->progress_opaque, c->st->duration, c->total_seconds,
                   elapsed > 0 ? c->st->video_frames_out / elapsed : 0.0);
}

static int transcode_open(struct tc_ctx *c)
{
    int ret;
    if ((ret = tc_demux_open(c)) < 0 ||
        (ret = tc_video_open_decoder(c)) < 0 ||
        (ret = tc_audio_open_decoder(c)) < 0 ||
        (ret = tc_mux_alloc(c)) < 0 ||
        (ret = tc_video_open_encoder(c)) < 0 ||
        (ret = tc_audio_open_encoder(c)) < 0)
        return ret;
    /* One decoder thread: the encoder has the cores. */
    if (c->p->measure_quality && (ret = quality_open(&c->qm, c->v.enc, 1)) < 0)
        return tc_fail(c, ret, "cannot open an AV1 decoder to measure the quality");
    return tc_mux_open(c);
}

/* Demux, decode and encode until the input ends; pbc_interrupted is
 * polled by tc_demux_read before every packet. */
static int transcode_loop(struct tc_ctx *c)
{
    AVPacket *pkt = av_packet_alloc();
    int ret;

    if (!pkt)
        return tc_fail(c, AVERROR(ENOMEM), "cannot allocate a packet");
    for (;;) {
        ret = tc_demux_read(c, pkt);
        if (ret == AVERROR_EOF) {
            ret = 0;
            break;
        }
        if (ret < 0)
            break;
        if (pkt->stream_index == c->v.in_index)
            ret = tc_video_decode(c, pkt);
        else
            ret = tc_audio_decode(c, pkt);
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
    if ((ret = tc_video_decode(c, NULL)) < 0 ||
        (ret = tc_video_finish(c)) < 0 ||
        (ret = tc_audio_finish(c)) < 0)
        return ret;
    if (pbc_interrupted)
        return PBC_E_INTERRUPTED;
    return 0;
}

/* A clip whose video could not be decoded at all, or mostly not, fails. */
static int transcode_check_decoded(struct tc_ctx *c)
{
    const struct transcode_stats *st = c->st;
    int64_t bad = st->corrupt_packets + st->decode_errors;

    if (st->video_frames_in == 0)
        return tc_fail(c, AVERROR_INVALIDDATA, "no video frame could be decoded");
    if (bad > TC_MAX_ERROR_RATE * (double)(bad + st->video_frames_in))
        return tc_fail(c, AVERROR_INVALIDDATA, "too many decoding errors (%lld of %lld)",
                       (long long)bad, (long long)(bad + st->video_frames_in));
    return 0;
}

int transcode_clip(const struct transcode_params *p, struct transcode_stats *stats)
{
    struct transcode_stats scratch;
    struct tc_ctx c;
    int ret;

    memset(&c, 0, sizeof(c));
    c.p = p;
    c.name = p->clip_name ? p->clip_name : p->src_path;
    c.st = stats ? stats : &scratch;
    memset(c.st, 0, sizeof(*c.st));
    c.st->psnr_y = c.st->ssim = -1;
    c.lg = p->log;
    c.v.in_index = c.a.in_index = -1;
    /* t_progress stays 0: the first write reports at once. */
    clock_gettime(CLOCK_MONOTONIC, &c.t_start);

    if (!p->src_path || !p->dst_path || p->video_kbps <= 0 || p->preset > ENC_PRESET_MAX) {
        ret = tc_fail(&c, AVERROR(EINVAL), "invalid transcode parameters");
        goto end;
    }
    c.frame = av_frame_alloc();
    c.out_pkt = av_packet_alloc();
    if (!c.frame || !c.out_pkt) {
        ret = tc_fail(&c, AVERROR(ENOMEM), "cannot allocate buffers");
        goto end;
    }
    if ((ret = transcode_open(&c)) < 0 ||
        (ret = transcode_loop(&c)) < 0 ||
        (ret = transcode_flush(&c)) < 0 ||
        (ret = transcode_check_decoded(&c)) < 0 ||
        (ret = tc_mux_finish(&c)) < 0)
        goto end;
    tc_progress(&c, 1);
    if (c.qm) {
        struct quality_result q;
        quality_get(c.qm, &q);
        c.st->psnr_y = q.psnr_y;
        c.st->ssim = q.ssim;
        c.st->quality_frames = q.frames;
    }

end:
    if (ret < 0 && pbc_interrupted)
        ret = PBC_E_INTERRUPTED;
    if (c.ifmt)
        log_info(c.lg, "%s: %lld video frames decoded, %lld encoded, %lld audio packets; "
                 "%lld corrupt packets skipped, %lld decoding errors",
                 c.name, (long long)c.st->video_frames_in, (long long)c.st->video_frames_out,
                 (long long)c.st->audio_packets_out, (long long)c.st->corrupt_packets,
                 (long long)c.st->decode_errors);
    if (c.a.clamped > 0)
        log_warn(c.lg, "%s: audio: the source goes over full scale; %lld samples of the mix "
                 "held at -1 dBFS", c.name, (long long)c.a.clamped);
    if (c.v.edit_dropped > 0)
        log_info(c.lg, "%s: %lld of the file's %lld video frames lie outside its edit list: "
                 "players do not show them, so they are not encoded", c.name,
                 (long long)c.v.edit_dropped, (long long)c.v.packets_in);
    if (ret == PBC_E_INTERRUPTED)
        log_warn(c.lg, "%s: interrupted; the partial output is removed", c.name);
    tc_video_close(&c.v);
    quality_free(&c.qm);
    tc_audio_close(&c.a);
    tc_mux_close(&c, ret < 0);
    tc_demux_close(&c);
    av_frame_free(&c.frame);
    av_packet_free(&c.out_pkt);
    return ret;
}
