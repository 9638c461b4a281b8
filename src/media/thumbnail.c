/* The poster frame: seek, decode one frame, scale, JPEG within a bound.
 * Decoding starts at the keyframe before the target, so the cost is at
 * most one GOP of decoding per clip. */
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "base/errors.h"
#include "media/thumbnail.h"

/* Frames decoded past the seek point before giving up on reaching the
 * target time (a broken index): the last decoded frame is used. */
#define THUMB_MAX_FRAMES 1200

static int fail(char *err, size_t errlen, int ret, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, pbc_err2str(ret));
    return ret;
}

static int open_decoder(AVFormatContext *fmt, int *idx, AVCodecContext **dec)
{
    const AVCodec *codec = NULL;
    int ret = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (ret < 0)
        return ret;
    *idx = ret;
    if (!(*dec = avcodec_alloc_context3(codec)))
        return AVERROR(ENOMEM);
    if ((ret = avcodec_parameters_to_context(*dec, fmt->streams[*idx]->codecpar)) < 0)
        return ret;
    /* frame threads: the frames from the keyframe to the target are many
     * (a 4 s GOP of 1080p H.264 took 2 s on one thread) */
    (*dec)->thread_count = 0;
    return avcodec_open2(*dec, codec, NULL);
}

/* The stream time at about a third of the clip, in stream units. */
static int64_t target_ts(const AVFormatContext *fmt, const AVStream *st)
{
    int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    int64_t dur = st->duration;
    if (dur == AV_NOPTS_VALUE || dur <= 0)
        dur = fmt->duration > 0 ? av_rescale_q(fmt->duration, AV_TIME_BASE_Q, st->time_base) : 0;
    return start + dur / 3;
}

/* Decodes until the first frame at or past the target (or the last one
 * before the end) and leaves it in frame. */
static int decode_at(AVFormatContext *fmt, int idx, AVCodecContext *dec, AVFrame *frame)
{
    AVStream *st = fmt->streams[idx];
    int64_t ts = target_ts(fmt, st);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *tmp = av_frame_alloc();
    int ret, got = 0, eof = 0;
    if (!pkt || !tmp) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (av_seek_frame(fmt, idx, ts, AVSEEK_FLAG_BACKWARD) < 0)
        av_seek_frame(fmt, idx, 0, AVSEEK_FLAG_BACKWARD); /* decode from the start */
    for (int n = 0; n < THUMB_MAX_FRAMES;) {
        ret = avcodec_receive_frame(dec, tmp);
        if (ret == 0) {
            av_frame_unref(frame);
            av_frame_move_ref(frame, tmp);
            got = 1;
            n++;
            if (frame->best_effort_timestamp == AV_NOPTS_VALUE || frame->best_effort_timestamp >= ts)
                break;
            continue;
        }
        if (ret == AVERROR_EOF || (ret != AVERROR(EAGAIN)))
            break;
        if (!eof && (ret = av_read_frame(fmt, pkt)) < 0) {
            eof = 1;
            avcodec_send_packet(dec, NULL);
            continue;
        }
        if (eof)
            break;
        if (pkt->stream_index == idx)
            avcodec_send_packet(dec, pkt); /* a corrupt packet: the next one may decode */
        av_packet_unref(pkt);
    }
    ret = got ? 0 : AVERROR_INVALIDDATA;
end:
    av_packet_free(&pkt);
    av_frame_free(&tmp);
    return ret;
}

static const int thumb_widths[] = { THUMB_WIDTH, THUMB_WIDTH * 3 / 4, THUMB_WIDTH / 2 };

/* Scales src to width (never up) with the sample aspect ratio applied,
 * into full-range 4:2:0, the input of the mjpeg encoder. */
static int scale(const AVFrame *src, AVFrame *dst, int width)
{
    AVRational sar = src->sample_aspect_ratio;
    double aspect = (double)src->width / src->height * (sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1);
    int w = src->width < width ? src->width : width;
    int h = (int)(w / aspect + 0.5);
    struct SwsContext *sws = NULL;
    int ret;
    w &= ~1;
    h = h < 2 ? 2 : h & ~1;
    dst->format = AV_PIX_FMT_YUV420P;
    dst->width = w;
    dst->height = h;
    dst->color_range = AVCOL_RANGE_JPEG;
    if ((ret = av_frame_get_buffer(dst, 0)) < 0)
        return ret;
    sws = sws_getContext(src->width, src->height, src->format, w, h, AV_PIX_FMT_YUV420P,
                         SWS_BICUBIC, NULL, NULL, NULL);
    if (!sws)
        return AVERROR(EINVAL);
    sws_setColorspaceDetails(sws, sws_getCoefficients(src->colorspace == AVCOL_SPC_BT709 ?
                                                      SWS_CS_ITU709 : SWS_CS_ITU601),
                             src->color_range == AVCOL_RANGE_JPEG,
                             sws_getCoefficients(SWS_CS_ITU601), 1, 0, 1 << 16, 1 << 16);
    ret = sws_scale(sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
                    dst->data, dst->linesize);
    sws_freeContext(sws);
    return ret < 0 ? ret : 0;
}

/* One JPEG of pic at qscale q into *pkt. */
static int encode_jpeg(AVFrame *pic, int q, AVPacket *pkt)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *enc = NULL;
    int ret;
    if (!codec)
        return AVERROR_ENCODER_NOT_FOUND;
    if (!(enc = avcodec_alloc_context3(codec)))
        return AVERROR(ENOMEM);
    enc->width = pic->width;
    enc->height = pic->height;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->color_range = AVCOL_RANGE_JPEG;
    enc->time_base = (AVRational){ 1, 25 };
    /* No "Lavc" comment: the same frame always gives the same bytes. */
    enc->flags |= AV_CODEC_FLAG_QSCALE | AV_CODEC_FLAG_BITEXACT;
    enc->global_quality = pic->quality = FF_QP2LAMBDA * q;
    if ((ret = avcodec_open2(enc, codec, NULL)) >= 0 && (ret = avcodec_send_frame(enc, pic)) >= 0)
        ret = avcodec_receive_packet(enc, pkt);
    avcodec_free_context(&enc);
    return ret;
}

static int fit_jpeg(AVFrame *pic, size_t max_bytes, struct thumbnail *t, char *err, size_t errlen)
{
    AVPacket *pkt = av_packet_alloc();
    int ret = AVERROR(E2BIG);
    if (!pkt)
        return AVERROR(ENOMEM);
    for (int q = THUMB_Q_FIRST; q <= THUMB_Q_LAST; q = q == THUMB_Q_LAST ? q + 1 :
         (q + THUMB_Q_STEP > THUMB_Q_LAST ? THUMB_Q_LAST : q + THUMB_Q_STEP)) {
        av_packet_unref(pkt);
        if ((ret = encode_jpeg(pic, q, pkt)) < 0) {
            fail(err, errlen, ret, "cannot encode the JPEG");
            goto end;
        }
        if ((size_t)pkt->size <= max_bytes) {
            if (!(t->jpeg = av_malloc(pkt->size))) {
                ret = AVERROR(ENOMEM);
                goto end;
            }
            memcpy(t->jpeg, pkt->data, pkt->size);
            t->size = pkt->size;
            t->qscale = q;
            t->width = pic->width;
            t->height = pic->height;
            goto end;
        }
        ret = AVERROR(E2BIG);
    }
end:
    av_packet_free(&pkt);
    return ret;
}

int thumbnail_grab(AVFormatContext *fmt, size_t max_bytes, struct thumbnail *t,
                   char *err, size_t errlen)
{
    AVCodecContext *dec = NULL;
    AVFrame *frame = av_frame_alloc(), *pic = av_frame_alloc();
    int idx = -1, ret;
    memset(t, 0, sizeof(*t));
    if (!frame || !pic) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = open_decoder(fmt, &idx, &dec)) < 0) {
        fail(err, errlen, ret, "cannot decode the video");
        goto end;
    }
    if ((ret = decode_at(fmt, idx, dec, frame)) < 0) {
        fail(err, errlen, ret, "no frame decoded");
        goto end;
    }
    if (frame->best_effort_timestamp != AV_NOPTS_VALUE)
        t->pts = frame->best_effort_timestamp * av_q2d(fmt->streams[idx]->time_base);
    /* A frame that fits at no quality is tried smaller before none. */
    for (size_t k = 0; k < sizeof(thumb_widths) / sizeof(thumb_widths[0]); k++) {
        av_frame_unref(pic);
        if ((ret = scale(frame, pic, thumb_widths[k])) < 0) {
            fail(err, errlen, ret, "cannot scale the frame");
            goto end;
        }
        if ((ret = fit_jpeg(pic, max_bytes, t, err, errlen)) != AVERROR(E2BIG))
            break;
        snprintf(err, errlen, "no JPEG quality fits in %zu bytes, down to %dx%d", max_bytes,
                 pic->width, pic->height);
    }
end:
    avcodec_free_context(&dec);
    av_frame_free(&frame);
    av_frame_free(&pic);
    return ret;
}

void thumbnail_clear(struct thumbnail *t)
{
    av_freep(&t->jpeg);
    t->size = 0;
}
