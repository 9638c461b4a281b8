/* Video stage: decode the chosen stream, bring frames to 8-bit 4:2:0,
 * encode them with SVT-AV1 through libavcodec's libsvtav1 wrapper.
 *
 * Timestamps are passed through (the encoder works in the input stream's
 * time base), so a variable frame rate stays variable: every decoded frame
 * is encoded once, none is duplicated or dropped. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/transcode/transcode_internal.h"
#include "media/transcode/quality.h"

/* The rate SVT-AV1 rate-controls on. The wrapper budgets bits per frame
 * from the nominal rate, not from timestamps, so a variable-frame-rate clip
 * must get its true average, frames/duration; r_frame_rate (the finest
 * rate) or a 1/1000 time base would starve or flood it. */
static AVRational video_frame_rate(const AVStream *st)
{
    AVRational avg = st->avg_frame_rate, r = st->r_frame_rate;

    if (st->nb_frames > 0 && st->duration > 0) {
        /* SVT-AV1 keeps the rate as a 16.16 fixed point: small terms. */
        av_reduce(&avg.num, &avg.den, st->nb_frames * (int64_t)st->time_base.den,
                  st->duration * (int64_t)st->time_base.num, 65535);
    }
    if (avg.num > 0 && avg.den > 0) {
        /* A constant-rate clip: use its exact nominal rate (30000/1001). */
        if (r.num > 0 && r.den > 0 && fabs(av_q2d(avg) / av_q2d(r) - 1.0) < 0.001)
            return r;
        return avg;
    }
    if (r.num > 0 && r.den > 0)
        return r;
    return (AVRational){ 30, 1 };
}

int tc_video_open_decoder(struct tc_video *v, AVStream *in_st, int threads,
                          struct tc_report *r)
{
    const AVCodecParameters *par = in_st->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    AVCodecContext *dec;
    int ret;

    v->r = r;
    v->in_st = in_st;
    v->dec.what = "video";
    if (!codec)
        return tc_fail(r, AVERROR_DECODER_NOT_FOUND, "no decoder for video codec %s",
                       avcodec_get_name(par->codec_id));
    if (par->width <= 0 || par->height <= 0)
        return tc_fail(r, AVERROR_INVALIDDATA, "video frame size unknown");
    dec = v->dec.ctx = avcodec_alloc_context3(codec);
    if (!dec)
        return tc_fail(r, AVERROR(ENOMEM), "cannot allocate the video decoder");
    ret = avcodec_parameters_to_context(dec, par);
    if (ret < 0)
        return tc_fail(r, ret, "cannot configure the video decoder");
    dec->pkt_timebase = in_st->time_base;
    dec->thread_count = threads;
    dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    ret = avcodec_open2(dec, codec, NULL);
    if (ret < 0)
        return tc_fail(r, ret, "cannot open the %s decoder", codec->name);

    v->dec.frame = av_frame_alloc();
    v->conv = av_frame_alloc();
    v->pad = av_frame_alloc();
    v->pkt = av_packet_alloc();
    v->held = av_packet_alloc();
    if (!v->dec.frame || !v->conv || !v->pad || !v->pkt || !v->held)
        return tc_fail(r, AVERROR(ENOMEM), "cannot allocate video buffers");
    v->last_pts = AV_NOPTS_VALUE;
    v->first_in_pts = AV_NOPTS_VALUE;
    v->first_out_pts = AV_NOPTS_VALUE;
    v->end_pts = AV_NOPTS_VALUE;
    return 0;
}

/* Colour properties travel with the encoder into the sequence header and
 * the MP4 'colr' box. A J format is full range under another name. */
static void video_copy_colour(AVCodecContext *enc, const AVCodecContext *dec)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(dec->pix_fmt);
    enc->color_range = dec->color_range;
    if (dec->pix_fmt == AV_PIX_FMT_YUVJ420P || dec->pix_fmt == AV_PIX_FMT_YUVJ422P ||
        dec->pix_fmt == AV_PIX_FMT_YUVJ444P || dec->pix_fmt == AV_PIX_FMT_YUVJ440P)
        enc->color_range = AVCOL_RANGE_JPEG;
    enc->color_primaries = dec->color_primaries;
    enc->color_trc = dec->color_trc;
    enc->colorspace = dec->colorspace;
    enc->chroma_sample_location = dec->chroma_sample_location;
    if (d && (d->flags & AV_PIX_FMT_FLAG_RGB)) {
        /* swscale writes BT.601 limited range from RGB. */
        enc->colorspace = AVCOL_SPC_SMPTE170M;
        enc->color_range = AVCOL_RANGE_MPEG;
    }
}

/* Size, colour, timing and rate of the encoder, from the decoder. */
static void video_configure(struct tc_video *v, const struct tc_video_settings *s)
{
    const AVCodecContext *dec = v->dec.ctx;

    v->pic_w = dec->width;
    v->pic_h = dec->height;
    v->enc->width = tc_coded_size(dec->width);
    v->enc->height = tc_coded_size(dec->height);
    v->enc->sample_aspect_ratio = v->in_st->sample_aspect_ratio.num ?
                                  v->in_st->sample_aspect_ratio : dec->sample_aspect_ratio;
    v->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    video_copy_colour(v->enc, dec);
    v->frame_rate = video_frame_rate(v->in_st);
    v->enc->framerate = v->frame_rate;
    v->enc->time_base = v->in_st->time_base;
    v->step = FFMAX(1, av_rescale_q(1, av_inv_q(v->frame_rate), v->enc->time_base));
    v->enc->bit_rate = s->kbps * 1000;
    /* rc_max_rate == bit_rate makes the wrapper select CBR: leave it 0. */
    v->enc->rc_max_rate = 0;
    /* An svtav1-params key SVT-AV1 rejects fails the open, not a warning. */
    v->enc->err_recognition |= AV_EF_EXPLODE;
    if (s->global_header)
        v->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
}

/* rc=1 VBR and pred-struct=2 random access (the defaults, said out loud);
 * the under/overshoot bounds and the GOP minimum narrow VBR's rate error.
 * The wrapper ignores thread_count: SVT-AV1's threads are its lp
 * parameter. */
static void video_svt_params(const struct tc_video *v, char *buf, size_t size)
{
    int len = snprintf(buf, size, "rc=1:pred-struct=2:undershoot-pct=%d:overshoot-pct=%d:"
                       "minsection-pct=%d", TC_UNDERSHOOT_PCT, TC_OVERSHOOT_PCT,
                       TC_MINSECTION_PCT);
    if (v->lp > 0 && len > 0 && (size_t)len < size)
        snprintf(buf + len, size - len, ":lp=%d", v->lp);
}

int tc_video_open_encoder(struct tc_video *v, const struct tc_video_settings *s,
                          const struct tc_sink *out)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libsvtav1");
    AVDictionary *opts = NULL;
    char params[160];
    int preset = s->preset < 0 ? ENC_PRESET_DEFAULT : s->preset;
    int ret, pad_w, pad_h;

    v->out = *out;
    v->s = *s;
    v->enc_first_frame = v->frames_sent;
    if (!codec)
        return tc_fail(v->r, AVERROR_ENCODER_NOT_FOUND, "libavcodec has no libsvtav1 encoder");
    v->enc = avcodec_alloc_context3(codec);
    if (!v->enc)
        return tc_fail(v->r, AVERROR(ENOMEM), "cannot allocate the video encoder");
    video_configure(v, s);
    v->lp = s->threads > 0 ? s->threads : 0;
    video_svt_params(v, params, sizeof(params));
    av_dict_set_int(&opts, "preset", preset, 0);
    av_dict_set(&opts, "svtav1-params", params, 0);
    ret = tc_svt_open(v->enc, codec, &opts);
    if (ret >= 0 && av_dict_count(opts) > 0) {
        ret = AVERROR_OPTION_NOT_FOUND;
        tc_fail(v->r, ret, "libsvtav1 does not know option %s",
                av_dict_get(opts, "", NULL, AV_DICT_IGNORE_SUFFIX)->key);
    } else if (ret < 0) {
        tc_fail(v->r, ret, "cannot open libsvtav1 (%dx%d, preset %d, %s)",
                v->enc->width, v->enc->height, preset, params);
    }
    av_dict_free(&opts);
    if (ret < 0)
        return ret;

    log_info(v->r->lg, "%s: video out: libsvtav1 %dx%d yuv420p %s range, VBR %lld kbit/s, "
             "preset %d, %d/%d fps, random access, undershoot/overshoot %d/%d %%, "
             "GOP minimum %d %%, lp %d",
             v->r->name, v->enc->width, v->enc->height,
             v->enc->color_range == AVCOL_RANGE_JPEG ? "full" : "limited",
             (long long)s->kbps, preset, v->frame_rate.num, v->frame_rate.den,
             TC_UNDERSHOOT_PCT, TC_OVERSHOOT_PCT, TC_MINSECTION_PCT, v->lp);
    pad_w = v->enc->width > v->pic_w;
    pad_h = v->enc->height > v->pic_h;
    /* Once per clip: a seam's encoder codes the same size. */
    if ((pad_w || pad_h) && v->enc_first_frame == 0)
        log_info(v->r->lg, "%s: video: the source's %dx%d is coded as %dx%d (SVT-AV1 codes "
                 "4:2:0 only at even sizes of at least %d): its last %s repeated into the "
                 "padding; no source pixel is dropped, moved or resampled, and the quality "
                 "is measured over the source's %dx%d", v->r->name, v->pic_w, v->pic_h,
                 v->enc->width, v->enc->height, TC_MIN_SIZE,
                 pad_w && pad_h ? "column and row are" : pad_w ? "column is" : "row is",
                 v->pic_w, v->pic_h);
    return 0;
}

/* The J formats are their plain twins with full range; swscale warns
 * about them and would rebuild a cached context for every frame. */
static enum AVPixelFormat video_unjpeg(enum AVPixelFormat f)
{
    switch (f) {
    case AV_PIX_FMT_YUVJ420P: return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: return AV_PIX_FMT_YUV411P;
    default: return f;
    }
}

/* (Re)creates the scaler when the decoded frames' format or size changes. */
static int video_setup_sws(struct tc_video *v, const AVFrame *in, enum AVPixelFormat fmt)
{
    const int *coefs;
    int full;

    if (v->sws && in->width == v->sws_w && in->height == v->sws_h && fmt == v->sws_fmt)
        return 0;
    sws_freeContext(v->sws);
    v->sws = sws_getContext(in->width, in->height, fmt, v->pic_w, v->pic_h,
                            AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND,
                            NULL, NULL, NULL);
    if (!v->sws)
        return tc_fail(v->r, AVERROR(EINVAL), "cannot convert video from %s %dx%d",
                       av_get_pix_fmt_name(fmt), in->width, in->height);
    full = v->enc->color_range == AVCOL_RANGE_JPEG;
    coefs = sws_getCoefficients(in->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT);
    /* Same range and matrix on both sides: only chroma or depth changes. */
    sws_setColorspaceDetails(v->sws, coefs, full, coefs, full, 0, 1 << 16, 1 << 16);
    v->sws_w = in->width;
    v->sws_h = in->height;
    v->sws_fmt = fmt;
    if (v->enc->pix_fmt != fmt)
        log_debug(v->r->lg, "%s: converting video from %s", v->r->name, av_get_pix_fmt_name(fmt));
    return 0;
}

/* A frame in the encoder's format: the frame itself when it already is
 * 8-bit 4:2:0 at the source's size, else a swscale copy that keeps range
 * and matrix; then padded to the encoder's size if the source's is odd or
 * small. */
static int video_convert(struct tc_video *v, AVFrame *in, AVFrame **out)
{
    enum AVPixelFormat fmt = video_unjpeg(in->format);
    AVFrame *f = in;
    int ret;

    if (fmt == AV_PIX_FMT_YUV420P && in->width == v->pic_w && in->height == v->pic_h) {
        /* Same memory layout; the range travels in the encoder settings. */
        in->format = AV_PIX_FMT_YUV420P;
    } else {
        if ((ret = video_setup_sws(v, in, fmt)) < 0)
            return ret;
        av_frame_unref(v->conv);
        v->conv->format = AV_PIX_FMT_YUV420P;
        v->conv->width = v->pic_w;
        v->conv->height = v->pic_h;
        ret = av_frame_get_buffer(v->conv, 0);
        if (ret < 0)
            return tc_fail(v->r, ret, "cannot allocate a video frame");
        ret = sws_scale(v->sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height,
                        v->conv->data, v->conv->linesize);
        if (ret < 0)
            return tc_fail(v->r, ret, "video conversion failed");
        av_frame_copy_props(v->conv, in);
        f = v->conv;
    }
    if (v->enc->width != v->pic_w || v->enc->height != v->pic_h) {
        if ((ret = tc_pad(v->pad, f)) < 0)
            return tc_fail(v->r, ret, "cannot pad a frame to %dx%d", v->enc->width,
                           v->enc->height);
        f = v->pad;
    }
    f->color_range = v->enc->color_range;
    *out = f;
    return 0;
}

/* Writes the held packet now that its duration is known: up to the next
 * packet's pts, or the last frame's own duration at the end. */
static int video_write_held(struct tc_video *v, int64_t next_pts)
{
    AVPacket *h = v->held;

    if (!h->buf)
        return 0;
    h->duration = next_pts != AV_NOPTS_VALUE && next_pts > h->pts ?
                  next_pts - h->pts : v->last_duration;
    if (v->first_out_pts == AV_NOPTS_VALUE)
        v->first_out_pts = h->pts;
    v->end_pts = h->pts + h->duration;
    v->seconds_out = (v->end_pts - v->first_out_pts) * av_q2d(v->enc->time_base);
    return v->out.write(v->out.opaque, h);
}

/* A decoded frame made ready for the encoder, in *out: its timestamp in
 * the encoder's time base, strictly increasing, and its format. */
static int video_prepare(struct tc_video *v, AVFrame *in, AVFrame **out)
{
    int64_t pts = in->best_effort_timestamp;
    int ret;

    if (pts != AV_NOPTS_VALUE)
        pts = av_rescale_q(pts, v->in_st->time_base, v->enc->time_base);
    /* The muxer needs strictly increasing timestamps; a missing or
     * repeated one is nudged, the frame itself is kept. */
    if (pts == AV_NOPTS_VALUE)
        pts = v->last_pts == AV_NOPTS_VALUE ? 0 : v->last_pts + v->step;
    else if (v->last_pts != AV_NOPTS_VALUE && pts <= v->last_pts)
        pts = v->last_pts + 1;
    v->last_pts = pts;
    v->last_duration = in->pkt_duration > 0 ?
        av_rescale_q(in->pkt_duration, v->in_st->time_base, v->enc->time_base) : v->step;
    ret = video_convert(v, in, out);
    if (ret < 0)
        return ret;
    (*out)->pts = pts;
    (*out)->pict_type = AV_PICTURE_TYPE_NONE;
    return 0;
}

static int video_encode(struct tc_video *v, AVFrame *in);

/* A seam before the frame at pts (transcode.h): the stream so far is
 * finished, and a new encoder at the rate the caller gives for the rest
 * continues it. Its sequence header must be the first one's, byte for
 * byte: the MP4 keeps one for the whole track. */
static int video_seam(struct tc_video *v, int64_t pts)
{
    struct tc_video_settings s = v->s;
    uint8_t *header = NULL;
    int header_size = v->enc->extradata_size, ret;
    double seconds;

    v->s.seam.frame = 0;
    if (!s.seam.wanted(s.seam.opaque, &v->s.seam.frame))
        return 0;
    if ((ret = video_encode(v, NULL)) < 0)
        return ret;
    seconds = (double)(pts - v->first_in_pts) * av_q2d(v->enc->time_base);
    s.kbps = s.seam.kbps(s.seam.opaque, v->bytes_out, seconds, &s.seam.frame);
    if (s.kbps <= 0)
        return s.kbps < 0 ? (int)s.kbps : tc_fail(v->r, AVERROR(EINVAL), "no rate for the seam");
    if (header_size > 0 && !(header = av_memdup(v->enc->extradata, header_size)))
        return tc_fail(v->r, AVERROR(ENOMEM), "cannot keep the sequence header");
    tc_svt_close(&v->enc, 1);
    ret = tc_video_open_encoder(v, &s, &v->out);
    if (ret >= 0 && (v->enc->extradata_size != header_size ||
                     (header_size > 0 && memcmp(v->enc->extradata, header, header_size))))
        ret = tc_fail(v->r, AVERROR_BUG, "the encoder after the seam at %.3f s wrote another "
                      "sequence header", seconds);
    av_free(header);
    if (ret < 0)
        return ret;
    log_info(v->r->lg, "%s: seam at %.3f s: %lld bytes of video before it; the rest at "
             "%lld kbit/s", v->r->name, seconds, (long long)v->bytes_out, (long long)s.kbps);
    v->seams++;
    return 0;
}

/* Sends one frame (NULL: flush) and writes the packets that come out.
 * Every frame the encoder gets, and every packet it makes, passes here. */
static int video_encode(struct tc_video *v, AVFrame *in)
{
    AVFrame *src = NULL;
    int ret;

    if (in && (ret = video_prepare(v, in, &src)) < 0)
        return ret;
    if (src && v->frames_sent == 0)
        v->first_in_pts = src->pts;
    if (src && v->s.seam.frame > 0 && v->frames_sent == v->s.seam.frame &&
        (ret = video_seam(v, src->pts)) < 0)
        return ret;
    if (src && v->qm && (ret = quality_add_source(v->qm, src)) < 0)
        return tc_fail(v->r, ret, "cannot keep a frame for the quality measurement");
    ret = avcodec_send_frame(v->enc, src);
    if (ret < 0)
        return tc_fail(v->r, ret, "the video encoder refused a frame");
    if (src)
        v->frames_sent++;
    for (;;) {
        /* The flush alone can take seconds (SVT-AV1's lookahead). */
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        ret = avcodec_receive_packet(v->enc, v->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return tc_fail(v->r, ret, "video encoding failed");
        v->frames_out++;
        v->bytes_out += v->pkt->size;
        if (v->qm && (ret = quality_add_packet(v->qm, v->pkt)) < 0)
            return tc_fail(v->r, ret, "cannot decode the output for the quality measurement");
        ret = video_write_held(v, v->pkt->pts);
        av_packet_move_ref(v->held, v->pkt);
        if (ret < 0)
            return ret;
    }
}

/* Per decoded frame: counted on the way in (the error-rate check weighs
 * errors against it), then encoded. */
static int video_on_frame(void *opaque, AVFrame *frame)
{
    struct tc_video *v = opaque;
    v->frames_in++;
    return video_encode(v, frame);
}

int tc_video_decode(struct tc_video *v, const AVPacket *pkt)
{
    return tc_decode_packet(v->r, &v->dec, pkt, video_on_frame, v);
}

int tc_video_finish(struct tc_video *v)
{
    int ret = video_encode(v, NULL);
    if (ret < 0)
        return ret;
    if (v->qm && (ret = quality_add_packet(v->qm, NULL)) < 0)
        return tc_fail(v->r, ret, "cannot decode the output for the quality measurement");
    return video_write_held(v, AV_NOPTS_VALUE);
}

void tc_video_close(struct tc_video *v)
{
    tc_decoder_close(&v->dec);
    tc_svt_close(&v->enc, v->frames_sent > v->enc_first_frame);
    sws_freeContext(v->sws);
    v->sws = NULL;
    av_frame_free(&v->conv);
    av_frame_free(&v->pad);
    av_packet_free(&v->pkt);
    av_packet_free(&v->held);
}
