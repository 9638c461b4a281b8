/* What every stage of the transcoder shares: reporting a failure once,
 * the decode loop both streams run, SVT-AV1's open and close, and the
 * padding of odd and small sizes. A leaf: it calls no stage. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/imgutils.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/transcode/transcode_internal.h"

int tc_fail(struct tc_report *r, int err, const char *fmt, ...)
{
    char what[512], buf[AV_ERROR_MAX_STRING_SIZE];
    va_list ap;

    /* Once SIGINT is in, what fails next (a read returning AVERROR_EXIT)
     * is the interruption, reported as such by transcode_clip(). */
    if (r->failure_logged || err == PBC_E_INTERRUPTED || pbc_interrupted)
        return err;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    log_error(r->lg, "%s: %s: %s", r->name, what, pbc_strerror(err, buf, sizeof(buf)));
    r->failure_logged = 1;
    return err;
}

int tc_decode_packet(struct tc_report *r, struct tc_decoder *d, const AVPacket *pkt,
                     tc_frame_fn on_frame, void *opaque)
{
    int errors = 0;
    int ret = avcodec_send_packet(d->ctx, pkt);

    if (ret < 0 && ret != AVERROR_EOF) {
        if (!pkt)
            return tc_fail(r, ret, "cannot flush the %s decoder", d->what);
        /* A packet the decoder rejects is skipped and counted, as ffmpeg
         * does (unless the demuxer already flagged it corrupt). */
        if (!(pkt->flags & AV_PKT_FLAG_CORRUPT))
            d->corrupt_packets++;
        return 0;
    }
    for (;;) {
        ret = avcodec_receive_frame(d->ctx, d->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0) {
            d->errors++;
            /* While draining, the frames behind a bad one are still wanted;
             * the cap keeps a decoder that keeps failing from looping. */
            if (pkt || ++errors > 64)
                return 0;
            continue;
        }
        /* A concealed frame is kept (as ffmpeg does), but counted. */
        if (d->frame->decode_error_flags || (d->frame->flags & AV_FRAME_FLAG_CORRUPT))
            d->errors++;
        ret = on_frame(opaque, d->frame);
        av_frame_unref(d->frame);
        if (ret < 0)
            return ret;
    }
}

/* SVT-AV1 prints its banner and settings straight to stderr with its own
 * printf, which libavcodec's log callback (log_route_libav) never sees:
 * they would go past our log and through the live progress line. Only its
 * SVT_LOG variable quiets it (2: warnings and errors), read at each
 * encoder's init; so it is set once, before the first init, unless the
 * user set it. pthread_once: with --jobs two first opens can race. */
static pthread_once_t svt_log_once = PTHREAD_ONCE_INIT;

static void svt_log_set(void)
{
    setenv("SVT_LOG", "2", 0);
}

static void tc_svt_log_quiet(void)
{
    pthread_once(&svt_log_once, svt_log_set);
}

/* SVT-AV1 keeps process-wide state that each encoder's init fills and
 * each close frees (its CPU topology, lp_group, in 1.4 to at least 2.3;
 * ThreadSanitizer saw one encoder's close free what another's init had
 * written), and FFmpeg serialises only the inits: with --jobs the opens
 * and closes of concurrent encoders must not overlap. */
static pthread_mutex_t svt_open_close = PTHREAD_MUTEX_INITIALIZER;

int tc_svt_open(AVCodecContext *enc, const AVCodec *codec, AVDictionary **opts)
{
    int ret;
    tc_svt_log_quiet();
    pthread_mutex_lock(&svt_open_close);
    ret = avcodec_open2(enc, codec, opts);
    pthread_mutex_unlock(&svt_open_close);
    return ret;
}

/* SVT-AV1 1.4 hangs when it is closed without having been sent the end of
 * stream, and hangs on the end of stream when it never had a frame (seen
 * when a clip is interrupted, or its video fails to decode, before the
 * first frame). So before it is freed the encoder always gets one blank
 * frame if it had none, then the end of stream, and what it still produces
 * is dropped; after a normal finish both calls return EOF at once. */
static void svt_drain(AVCodecContext *enc, int had_frames)
{
    AVPacket *pkt = av_packet_alloc();
    AVFrame *blank = NULL;
    if (!pkt)
        return;
    if (!had_frames) {
        ptrdiff_t linesize[4];
        blank = av_frame_alloc();
        if (!blank)
            goto end;
        blank->format = enc->pix_fmt;
        blank->width = enc->width;
        blank->height = enc->height;
        blank->pts = 0;
        if (av_frame_get_buffer(blank, 0) < 0)
            goto end;
        for (int i = 0; i < 4; i++)
            linesize[i] = blank->linesize[i];
        av_image_fill_black(blank->data, linesize, enc->pix_fmt, enc->color_range,
                            enc->width, enc->height);
        if (avcodec_send_frame(enc, blank) < 0)
            goto end;
    }
    if (avcodec_send_frame(enc, NULL) < 0)
        goto end;
    while (avcodec_receive_packet(enc, pkt) >= 0)
        av_packet_unref(pkt);
end:
    av_frame_free(&blank);
    av_packet_free(&pkt);
}

void tc_svt_close(AVCodecContext **enc, int had_frames)
{
    if (*enc && avcodec_is_open(*enc))
        svt_drain(*enc, had_frames);
    pthread_mutex_lock(&svt_open_close);
    avcodec_free_context(enc);
    pthread_mutex_unlock(&svt_open_close);
}

void tc_decoder_close(struct tc_decoder *d)
{
    avcodec_free_context(&d->ctx);
    av_frame_free(&d->frame);
}

int tc_coded_size(int n)
{
    n += n & 1;
    return n < TC_MIN_SIZE ? TC_MIN_SIZE : n;
}

int tc_pad(AVFrame *dst, const AVFrame *src)
{
    int ret;
    av_frame_unref(dst);
    dst->format = AV_PIX_FMT_YUV420P;
    dst->width = tc_coded_size(src->width);
    dst->height = tc_coded_size(src->height);
    if (src->format != AV_PIX_FMT_YUV420P || src->width <= 0 || src->height <= 0)
        return AVERROR(EINVAL);
    /* av_frame_copy copies src's size into a larger dst. */
    if ((ret = av_frame_get_buffer(dst, 0)) < 0 || (ret = av_frame_copy(dst, src)) < 0 ||
        (ret = av_frame_copy_props(dst, src)) < 0)
        return ret;
    for (int p = 0; p < 3; p++) {
        int shift = p ? 1 : 0;
        int w = AV_CEIL_RSHIFT(src->width, shift), h = AV_CEIL_RSHIFT(src->height, shift);
        int cw = AV_CEIL_RSHIFT(dst->width, shift), ch = AV_CEIL_RSHIFT(dst->height, shift);
        for (int y = 0; y < h && cw > w; y++) {
            uint8_t *row = dst->data[p] + (ptrdiff_t)y * dst->linesize[p];
            memset(row + w, row[w - 1], (size_t)(cw - w));
        }
        for (int y = h; y < ch; y++)
            memcpy(dst->data[p] + (ptrdiff_t)y * dst->linesize[p],
                   dst->data[p] + (ptrdiff_t)(h - 1) * dst->linesize[p], (size_t)cw);
    }
    return 0;
}
