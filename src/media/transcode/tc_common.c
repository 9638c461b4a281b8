/* What every stage of the transcoder shares: reporting a failure once,
 * and the decode loop both streams run. A leaf: it calls no stage. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

void tc_svt_log_quiet(void)
{
    pthread_once(&svt_log_once, svt_log_set);
}

void tc_decoder_close(struct tc_decoder *d)
{
    avcodec_free_context(&d->ctx);
    av_frame_free(&d->frame);
}
