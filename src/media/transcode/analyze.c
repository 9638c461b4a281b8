/* Sample encodes for --balance quality: see analyze.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "media/transcode/analyze.h"
#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/media_input.h"
#include "media/transcode/quality.h"
#include "media/transcode/transcode_internal.h"

/* The analysis must cost little beside the real encodes (issue 9: at most
 * 15 %): each CRF encodes ANALYZE_SHARE of the clip, in ANALYZE_SAMPLES
 * stretches of at most ANALYZE_MAX_SAMPLE_S, at SVT-AV1's preset
 * ANALYZE_PRESET, and never fewer than ANALYZE_MIN_FRAMES frames per
 * stretch. The CRF values bracket the rates body-camera budgets give
 * (a body-camera budget of 8-30 % of the input lands between 34 and 56 on
 * the bench corpus; a lower CRF costs far more time: 12 noisy 720p frames
 * at CRF 24 took 10 times as long as at 56). */
#define ANALYZE_SHARE 0.06
#define ANALYZE_MAX_SAMPLE_S 1.0
#define ANALYZE_MIN_FRAMES 8
#define ANALYZE_PRESET 13
/* Each stretch is its own encode and starts with a key frame; a real
 * encode has one per SVT-AV1 key-frame interval, measured 5.37 s at
 * 30 fps with preset 10. The rate counts key frames at that share. */
#define ANALYZE_KEY_INTERVAL_S 5.37
static const int analyze_crf[ANALYZE_CRFS] = { 34, 45, 56 };

/* One CRF: its encoder and meter for the current stretch, and the sums
 * over the stretches. */
struct an_enc {
    int crf;
    AVCodecContext *enc;
    struct quality_meter *qm;
    int64_t frames;                    /* sent */
    int64_t key_bytes, key_frames;     /* encoded: key frames */
    int64_t inter_bytes, inter_frames; /* and the others */
    struct quality_result sum;
};

struct an_ctx {
    const char *name;
    struct pbc_log *lg;
    int threads;
    AVFormatContext *ifmt;
    AVStream *st;
    AVCodecContext *dec;
    struct an_enc e[ANALYZE_CRFS]; /* one encoder per CRF, fed the same frames */
    struct SwsContext *sws;
    AVFrame *frame, *conv;
    AVPacket *pkt;
    AVRational rate;          /* nominal frame rate of the samples */
    int64_t next_pts;         /* of the next frame of this stretch, 1/rate */
    int64_t sample_frames;    /* taken from the current stretch */
    int64_t frames_per_sample;
    int failed;
};

static int an_fail(struct an_ctx *a, int err, const char *what)
{
    if (!a->failed && err != PBC_E_INTERRUPTED && !pbc_interrupted)
        log_error(a->lg, "analysis of %s: %s: %s", a->name, what, pbc_err2str(err));
    a->failed = 1;
    return pbc_interrupted ? PBC_E_INTERRUPTED : err;
}

static int an_open_input(struct an_ctx *a, const char *src)
{
    const AVCodec *codec;
    int ret, vi;
    if ((ret = media_input_open(&a->ifmt, src)) < 0 ||
        (ret = avformat_find_stream_info(a->ifmt, NULL)) < 0)
        return an_fail(a, ret, "cannot open as a media file");
    if ((vi = av_find_best_stream(a->ifmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0)) < 0)
        return an_fail(a, vi, "no video stream");
    a->st = a->ifmt->streams[vi];
    for (unsigned i = 0; i < a->ifmt->nb_streams; i++)
        if ((int)i != vi)
            a->ifmt->streams[i]->discard = AVDISCARD_ALL;
    codec = avcodec_find_decoder(a->st->codecpar->codec_id);
    if (!codec || a->st->codecpar->width <= 0 || a->st->codecpar->height <= 0)
        return an_fail(a, AVERROR_DECODER_NOT_FOUND, "no video decoder");
    if (!(a->dec = avcodec_alloc_context3(codec)))
        return an_fail(a, AVERROR(ENOMEM), "cannot allocate the decoder");
    if ((ret = avcodec_parameters_to_context(a->dec, a->st->codecpar)) < 0)
        return an_fail(a, ret, "cannot configure the decoder");
    a->dec->pkt_timebase = a->st->time_base;
    a->dec->thread_count = a->threads;
    if ((ret = avcodec_open2(a->dec, codec, NULL)) < 0)
        return an_fail(a, ret, "cannot open the decoder");
    a->rate = a->st->avg_frame_rate.num > 0 && a->st->avg_frame_rate.den > 0 ?
              a->st->avg_frame_rate : a->st->r_frame_rate;
    if (!(a->rate.num > 0 && a->rate.den > 0))
        a->rate = (AVRational){ 30, 1 };
    return 0;
}

static int an_open_encoder(struct an_ctx *a, struct an_enc *e)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libsvtav1");
    AVDictionary *opts = NULL;
    char params[32] = "";
    int ret;
    if (!codec || !(e->enc = avcodec_alloc_context3(codec)))
        return an_fail(a, codec ? AVERROR(ENOMEM) : AVERROR_ENCODER_NOT_FOUND,
                       "cannot allocate libsvtav1");
    e->enc->width = a->st->codecpar->width;
    e->enc->height = a->st->codecpar->height;
    e->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    e->enc->time_base = av_inv_q(a->rate);
    e->enc->framerate = a->rate;
    if (a->threads > 0)
        snprintf(params, sizeof(params), "lp=%d", a->threads);
    av_dict_set_int(&opts, "preset", ANALYZE_PRESET, 0);
    av_dict_set_int(&opts, "crf", e->crf, 0);
    if (params[0])
        av_dict_set(&opts, "svtav1-params", params, 0);
    ret = tc_svt_open(e->enc, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return an_fail(a, ret, "cannot open libsvtav1");
    /* One decoder thread: the sample encoders have the cores. */
    if ((ret = quality_open(&e->qm, e->enc, 1)) < 0)
        return an_fail(a, ret, "cannot open an AV1 decoder");
    return 0;
}

/* Drained and freed as the transcoder's encoders are (tc_svt_close). */
static void an_close_encoder(struct an_ctx *a, struct an_enc *e)
{
    tc_svt_close(&e->enc, a->next_pts != 0);
    quality_free(&e->qm);
}

/* Sends frame (NULL: the end) to e and counts and checks what comes out. */
static int an_encode(struct an_ctx *a, struct an_enc *e, AVFrame *frame)
{
    int ret = avcodec_send_frame(e->enc, frame);
    if (ret < 0)
        return an_fail(a, ret, "the encoder refused a frame");
    for (;;) {
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        ret = avcodec_receive_packet(e->enc, a->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret < 0)
            return an_fail(a, ret, "encoding failed");
        if (a->pkt->flags & AV_PKT_FLAG_KEY) {
            e->key_bytes += a->pkt->size;
            e->key_frames++;
        } else {
            e->inter_bytes += a->pkt->size;
            e->inter_frames++;
        }
        ret = quality_add_packet(e->qm, a->pkt);
        av_packet_unref(a->pkt);
        if (ret < 0)
            return an_fail(a, ret, "cannot decode the sample encode");
    }
    return frame ? 0 : quality_add_packet(e->qm, NULL);
}

/* One decoded frame of the current stretch: to 8-bit 4:2:0 at the
 * encoders' size, renumbered from 0, encoded at every CRF. */
static int an_take_frame(struct an_ctx *a, AVFrame *in)
{
    AVFrame *f = in;
    int ret;
    int w = a->st->codecpar->width, h = a->st->codecpar->height;
    if (in->format != AV_PIX_FMT_YUV420P || in->width != w || in->height != h) {
        a->sws = sws_getCachedContext(a->sws, in->width, in->height, in->format, w, h,
                                      AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL, NULL);
        av_frame_unref(a->conv);
        a->conv->format = AV_PIX_FMT_YUV420P;
        a->conv->width = w;
        a->conv->height = h;
        if (!a->sws || (ret = av_frame_get_buffer(a->conv, 0)) < 0)
            return an_fail(a, a->sws ? ret : AVERROR(EINVAL), "cannot convert a frame");
        sws_scale(a->sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height,
                  a->conv->data, a->conv->linesize);
        f = a->conv;
    }
    f->pts = a->next_pts++;
    f->pict_type = AV_PICTURE_TYPE_NONE;
    a->sample_frames++;
    for (int i = 0; i < ANALYZE_CRFS; i++) {
        if ((ret = quality_add_source(a->e[i].qm, f)) < 0)
            return an_fail(a, ret, "cannot keep a frame");
        if ((ret = an_encode(a, &a->e[i], f)) < 0)
            return ret;
        a->e[i].frames++;
    }
    return 0;
}

/* Decoded frames of the stretch starting at ts (stream time base). */
static int an_drain_decoder(struct an_ctx *a, int64_t ts)
{
    int ret;
    while (a->sample_frames < a->frames_per_sample) {
        ret = avcodec_receive_frame(a->dec, a->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            continue; /* a frame the decoder failed on: the next one will do */
        if (a->frame->best_effort_timestamp == AV_NOPTS_VALUE ||
            a->frame->best_effort_timestamp >= ts)
            ret = an_take_frame(a, a->frame);
        av_frame_unref(a->frame);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* Encodes frames_per_sample frames from t0 seconds into the clip on. */
static int an_sample(struct an_ctx *a, double t0)
{
    int64_t start = a->st->start_time != AV_NOPTS_VALUE ? a->st->start_time : 0;
    int64_t ts = start + av_rescale_q((int64_t)(t0 * AV_TIME_BASE), AV_TIME_BASE_Q,
                                      a->st->time_base);
    int ret = av_seek_frame(a->ifmt, a->st->index, ts, AVSEEK_FLAG_BACKWARD);
    if (ret < 0 && t0 > 0)
        return an_fail(a, ret, "cannot seek");
    avcodec_flush_buffers(a->dec);
    a->sample_frames = 0;
    while (a->sample_frames < a->frames_per_sample) {
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        ret = av_read_frame(a->ifmt, a->pkt);
        if (ret < 0) {
            /* The end of the clip (or a damaged tail): what is decoded. */
            avcodec_send_packet(a->dec, NULL);
            return an_drain_decoder(a, ts);
        }
        if (a->pkt->stream_index == a->st->index)
            avcodec_send_packet(a->dec, a->pkt);
        av_packet_unref(a->pkt);
        if ((ret = an_drain_decoder(a, ts)) < 0)
            return ret;
    }
    return 0;
}

/* The sample's rate as the whole clip would have it: key frames at one
 * per ANALYZE_KEY_INTERVAL_S (one per clip when shorter), the others at
 * their mean size. */
static double an_kbps(const struct an_ctx *a, const struct an_enc *e, double duration)
{
    double fps = av_q2d(a->rate);
    double interval = fmin(duration, ANALYZE_KEY_INTERVAL_S) * fps;
    double key = e->key_frames ? (double)e->key_bytes / e->key_frames : 0;
    double inter = e->inter_frames ? (double)e->inter_bytes / e->inter_frames : key;
    if (!e->inter_frames || !(interval > 1))
        interval = 1;
    return (key / interval + inter * (1 - 1 / interval)) * fps * 8 / 1000;
}

/* One stretch from t0 on, decoded once, encoded at every CRF, each encode
 * on its own (its own key frame; no stretch is coded from another's
 * pictures); the quality sums carried over. */
static int an_stretch(struct an_ctx *a, double t0)
{
    int ret = 0;
    a->next_pts = 0;
    for (int i = 0; ret >= 0 && i < ANALYZE_CRFS; i++)
        ret = an_open_encoder(a, &a->e[i]);
    if (ret >= 0)
        ret = an_sample(a, t0);
    for (int i = 0; ret >= 0 && a->next_pts && i < ANALYZE_CRFS; i++) {
        struct an_enc *e = &a->e[i];
        struct quality_result q;
        if ((ret = an_encode(a, e, NULL)) < 0)
            break;
        quality_get(e->qm, &q);
        e->sum.sse += q.sse;
        e->sum.pixels += q.pixels;
        e->sum.ssim_sum += q.ssim_sum;
        e->sum.frames += q.frames;
    }
    for (int i = 0; i < ANALYZE_CRFS; i++)
        an_close_encoder(a, &a->e[i]);
    return ret;
}

static int an_points(struct an_ctx *a, double duration, double len, struct analyze_result *r)
{
    int ret = 0;
    for (int s = 0; ret >= 0 && s < ANALYZE_SAMPLES; s++) {
        double t0 = duration * (2 * s + 1) / (2.0 * ANALYZE_SAMPLES) - len / 2;
        ret = an_stretch(a, t0 > 0 ? t0 : 0);
    }
    if (ret < 0)
        return ret;
    for (int i = 0; i < ANALYZE_CRFS; i++) {
        struct an_enc *e = &a->e[i];
        if (!e->frames || e->sum.frames <= 0)
            return an_fail(a, AVERROR_INVALIDDATA, "no sample frame could be encoded and decoded");
        quality_finish_result(&e->sum);
        r->pt[i] = (struct analyze_point){ .crf = e->crf, .kbps = an_kbps(a, e, duration),
                                           .psnr_y = e->sum.psnr_y, .ssim = e->sum.ssim };
    }
    r->frames = a->e[0].frames;
    r->key_frames = a->e[0].key_frames;
    return 0;
}

int analyze_clip(const char *src, const char *name, double duration, int threads,
                 struct pbc_log *lg, struct analyze_result *r)
{
    struct an_ctx a = { .name = name, .lg = lg, .threads = threads };
    struct timespec t0, t1;
    double len = fmin(ANALYZE_MAX_SAMPLE_S, duration * ANALYZE_SHARE / ANALYZE_SAMPLES);
    int ret;

    memset(r, 0, sizeof(*r));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!(a.frame = av_frame_alloc()) || !(a.conv = av_frame_alloc()) ||
        !(a.pkt = av_packet_alloc())) {
        ret = an_fail(&a, AVERROR(ENOMEM), "cannot allocate buffers");
        goto end;
    }
    if ((ret = an_open_input(&a, src)) < 0)
        goto end;
    a.frames_per_sample = (int64_t)ceil(len * av_q2d(a.rate));
    if (a.frames_per_sample < ANALYZE_MIN_FRAMES)
        a.frames_per_sample = ANALYZE_MIN_FRAMES;
    for (int i = 0; i < ANALYZE_CRFS; i++)
        a.e[i].crf = analyze_crf[i];
    if ((ret = an_points(&a, duration, len, r)) < 0)
        goto end;
    r->sample_seconds = r->frames / av_q2d(a.rate);
end:
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->wall_seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    sws_freeContext(a.sws);
    avcodec_free_context(&a.dec);
    media_input_close(&a.ifmt);
    av_frame_free(&a.frame);
    av_frame_free(&a.conv);
    av_packet_free(&a.pkt);
    if (ret < 0 && pbc_interrupted)
        ret = PBC_E_INTERRUPTED;
    return ret;
}
