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
#include "base/encode_settings.h"
#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/media_input.h"
#include "media/transcode/quality.h"
#include "media/transcode/transcode_internal.h"

/* The analysis must cost little beside the real encodes (issue 9: at most
 * 15 %): each CRF encodes ANALYZE_SHARE of the clip's frames, in up to
 * ANALYZE_SAMPLES stretches of at least ANALYZE_MIN_FRAMES and at most
 * ANALYZE_MAX_SAMPLE_S, at the preset of the real encode: a faster preset
 * is not the same curve (walk with camera shake, CRF 50: 457 kbit/s and
 * 34.9 dB at preset 13, 189 kbit/s and 39.7 dB at preset 10; design.md).
 * The two CRF values bracket the rates body-camera budgets give (8-30 %
 * of the input on the bench corpus: an easy clip's rate below CRF 54's
 * was predicted 2 dB too high; a lower CRF costs far more time). */
#define ANALYZE_SHARE 0.04
#define ANALYZE_MAX_SAMPLE_S 2.0
#define ANALYZE_MIN_FRAMES 8
/* The stretches follow each other through one encoder per CRF (one
 * encoder set-up per CRF, not per stretch; FFmpeg 5.1's wrapper does not
 * pass a forced key frame on, and SVT-AV1 1.4 inserts none at a scene
 * change); the first frame is a key frame and every other stretch starts
 * with a cut, coded much like one. A real encode has one key frame per
 * SVT-AV1 key-frame interval, measured 5.37 s at 30 fps with preset 10:
 * the rate counts those frames at that share. */
#define ANALYZE_KEY_INTERVAL_S 5.37
static const int analyze_crf[ANALYZE_CRFS] = { 40, 60 };

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
    int threads, preset;
    AVFormatContext *ifmt;
    AVStream *st;
    AVCodecContext *dec;
    struct an_enc e[ANALYZE_CRFS]; /* one encoder per CRF, fed the same frames */
    struct SwsContext *sws;
    AVFrame *frame, *conv, *pad; /* conv: 4:2:0 at the source's size; pad: coded */
    AVPacket *pkt;
    AVRational rate;          /* nominal frame rate of the samples */
    int64_t next_pts;         /* of the next frame, 1/rate, from 0 over all stretches */
    int64_t cut_pts[ANALYZE_SAMPLES]; /* the first frame of each stretch */
    int nb_cuts;
    int64_t sample_frames;    /* taken from the current stretch */
    int64_t taken_end;        /* after the last frame taken, stream time base */
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
    e->enc->width = tc_coded_size(a->st->codecpar->width);
    e->enc->height = tc_coded_size(a->st->codecpar->height);
    e->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    e->enc->time_base = av_inv_q(a->rate);
    e->enc->framerate = a->rate;
    if (a->threads > 0)
        snprintf(params, sizeof(params), "lp=%d", a->threads);
    av_dict_set_int(&opts, "preset", a->preset, 0);
    av_dict_set_int(&opts, "crf", e->crf, 0);
    if (params[0])
        av_dict_set(&opts, "svtav1-params", params, 0);
    ret = tc_svt_open(e->enc, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return an_fail(a, ret, "cannot open libsvtav1");
    /* One decoder thread: the sample encoders have the cores. */
    if ((ret = quality_open(&e->qm, e->enc, a->st->codecpar->width, a->st->codecpar->height,
                            1)) < 0)
        return an_fail(a, ret, "cannot open an AV1 decoder");
    return 0;
}

static int an_is_cut(const struct an_ctx *a, int64_t pts)
{
    for (int s = 0; s < a->nb_cuts; s++)
        if (a->cut_pts[s] == pts)
            return 1;
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
        if ((a->pkt->flags & AV_PKT_FLAG_KEY) || an_is_cut(a, a->pkt->pts)) {
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

/* One decoded frame of the current stretch: to 8-bit 4:2:0, padded to
 * the encoders' size (tc_pad), renumbered from 0, encoded at every CRF. */
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
    if (w != tc_coded_size(w) || h != tc_coded_size(h)) {
        if ((ret = tc_pad(a->pad, f)) < 0)
            return an_fail(a, ret, "cannot pad a frame");
        f = a->pad;
    }
    f->pts = a->next_pts++;
    f->pict_type = AV_PICTURE_TYPE_NONE;
    /* For the meter: the stretch's first frame, a key frame or a cut. */
    f->key_frame = a->sample_frames == 0;
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

/* Decoded frames of the stretch: from the key frame the seek landed on,
 * never one taken before (stream time base: from taken_end on). */
static int an_drain_decoder(struct an_ctx *a)
{
    int ret;
    while (a->sample_frames < a->frames_per_sample) {
        ret = avcodec_receive_frame(a->dec, a->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            continue; /* a frame the decoder failed on: the next one will do */
        int64_t fts = a->frame->best_effort_timestamp;
        if (fts == AV_NOPTS_VALUE || fts >= a->taken_end) {
            if (fts != AV_NOPTS_VALUE)
                a->taken_end = fts + 1;
            ret = an_take_frame(a, a->frame);
        }
        av_frame_unref(a->frame);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* One try of an_sample's: seek to the key frame at or before t0 seconds
 * into the clip (a negative t0: to its first packet, whose dts can be
 * before the start, the first pts), decode and encode until the stretch
 * is full or the clip ends. */
static int an_sample_at(struct an_ctx *a, double t0)
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
            return an_drain_decoder(a);
        }
        if (a->pkt->stream_index == a->st->index)
            avcodec_send_packet(a->dec, a->pkt);
        av_packet_unref(a->pkt);
        if ((ret = an_drain_decoder(a)) < 0)
            return ret;
    }
    return 0;
}

/* Encodes frames_per_sample frames from the key frame at or before t0
 * seconds into the clip: decoding up to t0 would cost more than the
 * sample (a camera's GOP can be seconds long), and where the stretch
 * starts matters little as long as the stretches are spread through the
 * clip. A seek that lands inside an earlier stretch goes on after it.
 * A format without an index (MPEG-TS) lands on any packet, and the
 * decoder shows nothing before the next key frame: a clip whose only key
 * frame is its first then gives no frame at all, and the stretch is
 * taken from the clip's start instead. */
static int an_sample(struct an_ctx *a, double t0)
{
    int ret = an_sample_at(a, t0);
    if (ret >= 0 && a->sample_frames == 0 && t0 > 0)
        ret = an_sample_at(a, -1);
    return ret;
}

/* Frames per key frame in a real encode of the clip: one key frame per
 * ANALYZE_KEY_INTERVAL_S, one per clip when shorter; at least 1. */
static double an_key_interval(const struct an_ctx *a, double duration)
{
    double interval = fmin(duration, ANALYZE_KEY_INTERVAL_S) * av_q2d(a->rate);
    return interval > 1 ? interval : 1;
}

/* The sample's rate as the whole clip would have it: key frames (and
 * cuts) at their share of a real encode (an_key_interval), the others at
 * their mean size. */
static double an_kbps(const struct an_ctx *a, const struct an_enc *e, double duration)
{
    double fps = av_q2d(a->rate);
    double interval = e->inter_frames ? an_key_interval(a, duration) : 1;
    double key = e->key_frames ? (double)e->key_bytes / e->key_frames : 0;
    double inter = e->inter_frames ? (double)e->inter_bytes / e->inter_frames : key;
    return (key / interval + inter * (1 - 1 / interval)) * fps * 8 / 1000;
}

/* The sample's quality as the whole clip would have it: key frames and
 * cuts weigh what key frames weigh in a real encode (an_key_interval), the
 * others the rest. A cut is coded as a poor inter frame, far below the
 * quality of a real key frame: counted at 1 in 8 frames it read the chase
 * and the text page 1-3 dB below their encodes. */
static void an_weigh(const struct an_ctx *a, double duration, struct quality_result *r)
{
    double interval = an_key_interval(a, duration), w;
    double key_mse, mse, other_px = r->pixels - r->key_pixels;
    int64_t others = r->frames - r->key_frames;
    if (!(interval > 1) || r->key_frames <= 0 || others <= 0 || !(r->key_pixels > 0) ||
        !(other_px > 0))
        return;
    w = 1 / interval;
    key_mse = r->key_sse / r->key_pixels;
    mse = w * key_mse + (1 - w) * (r->sse - r->key_sse) / other_px;
    r->sse = mse * r->pixels;
    r->ssim_sum = (w * r->key_ssim_sum / (double)r->key_frames +
                   (1 - w) * (r->ssim_sum - r->key_ssim_sum) / (double)others) * (double)r->frames;
}

/* How many stretches (returned) and how long (frames_per_sample): the
 * clip's share in stretches of ANALYZE_MIN_FRAMES or more, the longer
 * the clip the more of them (up to ANALYZE_SAMPLES), each at most
 * ANALYZE_MAX_SAMPLE_S. One longer stretch was tried (24 frames from the
 * middle of a 20 s clip): it read the clip's own CRF encode closer on a
 * scrolling text page (-0.8 dB against -3.5 dB for three stretches of 8:
 * the cut before a stretch is coded as a poor inter frame), but the bench's
 * worst clips came out up to 1.7 dB lower: one place sees less of a clip,
 * and the VBR encode of that page is itself 2.6 dB less efficient than its
 * CRF encode (design.md "Quality balance"). */
static int an_layout(struct an_ctx *a, double duration)
{
    double fps = av_q2d(a->rate), budget = duration * fps * ANALYZE_SHARE;
    int samples = (int)fmin(ANALYZE_SAMPLES, fmax(1, floor(budget / ANALYZE_MIN_FRAMES)));
    double per = fmin(ceil(budget / samples), ceil(ANALYZE_MAX_SAMPLE_S * fps));
    a->frames_per_sample = (int64_t)fmax(per, ANALYZE_MIN_FRAMES);
    return samples;
}

/* The stretches, each decoded once and encoded at every CRF, one after
 * the other; then the encoders drained and their quality read. */
static int an_points(struct an_ctx *a, double duration, int samples, struct analyze_result *r)
{
    double len = (double)a->frames_per_sample / av_q2d(a->rate);
    int ret = 0;
    for (int i = 0; ret >= 0 && i < ANALYZE_CRFS; i++)
        ret = an_open_encoder(a, &a->e[i]);
    for (int s = 0; ret >= 0 && s < samples; s++) {
        double t0 = duration * (2 * s + 1) / (2.0 * samples) - len / 2;
        a->cut_pts[a->nb_cuts++] = a->next_pts;
        ret = an_sample(a, t0 > 0 ? t0 : 0);
    }
    for (int i = 0; ret >= 0 && i < ANALYZE_CRFS; i++) {
        struct an_enc *e = &a->e[i];
        if (!e->frames)
            break;
        if ((ret = an_encode(a, e, NULL)) >= 0)
            quality_get(e->qm, &e->sum);
    }
    for (int i = 0; i < ANALYZE_CRFS; i++)
        an_close_encoder(a, &a->e[i]);
    if (ret < 0)
        return ret;
    for (int i = 0; i < ANALYZE_CRFS; i++) {
        struct an_enc *e = &a->e[i];
        if (!e->frames || e->sum.frames <= 0)
            return an_fail(a, AVERROR_INVALIDDATA, "no sample frame could be encoded and decoded");
        an_weigh(a, duration, &e->sum);
        quality_finish_result(&e->sum);
        r->pt[i] = (struct analyze_point){ .crf = e->crf, .kbps = an_kbps(a, e, duration),
                                           .psnr_y = e->sum.psnr_y, .ssim = e->sum.ssim };
    }
    r->frames = a->e[0].frames;
    r->key_frames = a->e[0].key_frames;
    return 0;
}

int analyze_clip(const char *src, const char *name, double duration, int preset, int threads,
                 struct pbc_log *lg, struct analyze_result *r)
{
    struct an_ctx a = { .name = name, .lg = lg, .threads = threads, .taken_end = INT64_MIN,
                        .preset = preset < 0 ? ENC_PRESET_DEFAULT : preset };
    struct timespec t0, t1;
    int samples, ret;

    memset(r, 0, sizeof(*r));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!(a.frame = av_frame_alloc()) || !(a.conv = av_frame_alloc()) ||
        !(a.pad = av_frame_alloc()) || !(a.pkt = av_packet_alloc())) {
        ret = an_fail(&a, AVERROR(ENOMEM), "cannot allocate buffers");
        goto end;
    }
    if ((ret = an_open_input(&a, src)) < 0)
        goto end;
    samples = an_layout(&a, duration);
    for (int i = 0; i < ANALYZE_CRFS; i++)
        a.e[i].crf = analyze_crf[i];
    if ((ret = an_points(&a, duration, samples, r)) < 0)
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
    av_frame_free(&a.pad);
    av_packet_free(&a.pkt);
    if (ret < 0 && pbc_interrupted)
        ret = PBC_E_INTERRUPTED;
    return ret;
}
