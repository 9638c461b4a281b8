/* Input stage: open the clip with libavformat, choose the best video and
 * audio streams, hand out their packets. */
#include <stdio.h>
#include <string.h>

#include <libavutil/avstring.h>
#include <libavutil/pixdesc.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/media_input.h"
#include "media/transcode/transcode_internal.h"

/* Lets a blocking read (a slow or network file system) stop on SIGINT. */
static int demux_interrupt_cb(void *opaque)
{
    (void)opaque;
    return pbc_interrupted != 0;
}

static void describe_stream(const AVStream *st, char *buf, size_t size)
{
    const AVCodecParameters *par = st->codecpar;
    const char *type = av_get_media_type_string(par->codec_type);
    char tag[AV_FOURCC_MAX_STRING_SIZE] = "";
    if (par->codec_id == AV_CODEC_ID_NONE && par->codec_tag)
        av_fourcc_make_string(tag, par->codec_tag);
    snprintf(buf, size, "#%d %s %s", st->index, type ? type : "unknown",
             tag[0] ? tag : avcodec_get_name(par->codec_id));
}

int64_t tc_demux_start(const struct tc_demux *d, const AVStream *st)
{
    if (st->start_time == AV_NOPTS_VALUE)
        return AV_NOPTS_VALUE;
    return st->start_time - d->off[st == d->v_st ? 0 : 1];
}

/* The earliest start of the chosen streams, if after 0, taken off each
 * (off[]): ffmpeg's own default (it takes the input's start time off unless -copyts). A clip
 * of a DVR's transport stream starts at its clock's time, e.g. 1001.4 s,
 * and a copy keeping that would play 16 minutes of nothing first. */
static void demux_shift(struct tc_demux *d)
{
    const AVStream *st[2] = { d->v_st, d->a_st };
    int64_t first = INT64_MAX;
    for (int i = 0; i < 2; i++)
        if (st[i] && st[i]->start_time != AV_NOPTS_VALUE)
            first = FFMIN(first, av_rescale_q(st[i]->start_time, st[i]->time_base,
                                              AV_TIME_BASE_Q));
    if (first == INT64_MAX || first <= 0)
        return;
    for (int i = 0; i < 2; i++)
        if (st[i])
            d->off[i] = av_rescale_q(first, AV_TIME_BASE_Q, st[i]->time_base);
    log_info(d->r->lg, "%s: the source's streams start at %.6f s on its clock: the copy "
             "starts at 0, every stream moved back by that much (their timing to each "
             "other is kept)", d->r->name, first / (double)AV_TIME_BASE);
}

/* A jump of a stream's clock that a TS_DISCONT format may make: back by
 * more than a tenth of a second, or forward by more than 10 s (ffmpeg's
 * thresholds, its -dts_delta_threshold). */
#define DEMUX_JUMP_BACK (AV_TIME_BASE / 10)
#define DEMUX_JUMP_FORWARD (10LL * AV_TIME_BASE)

/* Takes the stream's off[] off pkt. In a format whose clock
 * may restart (a DVR's transport stream cut and joined, a camera that
 * restarts its encoder), a packet whose dts jumps is moved to where the
 * stream's next packet was due, and the rest of the stream with it, as
 * ffmpeg does: kept as they were, the frames after a jump back were
 * squeezed into a tick each and the copy lost half its length. Each
 * stream follows on from its own end, so a jump seen by the video before
 * the audio's packets of the same moment cannot move the audio wrongly. */
static void demux_retime(struct tc_demux *d, AVPacket *pkt)
{
    const AVStream *st = d->ifmt->streams[pkt->stream_index];
    int k = pkt->stream_index == d->v_index ? 0 : 1;
    int64_t dts;

    if (pkt->pts != AV_NOPTS_VALUE)
        pkt->pts -= d->off[k];
    if (pkt->dts != AV_NOPTS_VALUE)
        pkt->dts -= d->off[k];
    if (!(d->ifmt->iformat->flags & AVFMT_TS_DISCONT) || pkt->dts == AV_NOPTS_VALUE)
        return;
    dts = av_rescale_q(pkt->dts, st->time_base, AV_TIME_BASE_Q);
    if (d->next_dts[k] != AV_NOPTS_VALUE &&
        (dts + DEMUX_JUMP_BACK < d->last_dts[k] || dts - d->next_dts[k] > DEMUX_JUMP_FORWARD)) {
        int64_t delta = dts - d->next_dts[k];
        int64_t s = av_rescale_q(delta, AV_TIME_BASE_Q, st->time_base);
        d->off[k] += s;
        pkt->dts -= s;
        if (pkt->pts != AV_NOPTS_VALUE)
            pkt->pts -= s;
        dts -= delta;
        log_warn(d->r->lg, "%s: the %s's clock jumps by %+.3f s at %.3f s (a stream cut and "
                 "joined, or an encoder restarted): the rest of it follows on from there",
                 d->r->name, k ? "audio" : "video", delta / (double)AV_TIME_BASE,
                 dts / (double)AV_TIME_BASE);
    }
    d->last_dts[k] = d->next_dts[k] == AV_NOPTS_VALUE ? dts : FFMAX(d->last_dts[k], dts);
    d->next_dts[k] = dts + (pkt->duration > 0 ?
                            av_rescale_q(pkt->duration, st->time_base, AV_TIME_BASE_Q) : 0);
}

/* Once per clip: the streams we carry and those we drop. */
static void log_streams(const struct tc_demux *d)
{
    const struct tc_report *r = d->r;
    const AVCodecParameters *vp = d->v_st->codecpar;
    char dropped[512] = "";
    char one[96];

    log_info(r->lg, "%s: video stream #%d %s %dx%d %s", r->name,
             d->v_index, avcodec_get_name(vp->codec_id), vp->width, vp->height,
             av_get_pix_fmt_name(vp->format) ? av_get_pix_fmt_name(vp->format) : "?");
    if (d->a_st) {
        const AVCodecParameters *ap = d->a_st->codecpar;
        log_info(r->lg, "%s: audio stream #%d %s %d Hz, %d %s, starts at %.3f s",
                 r->name, d->a_index, avcodec_get_name(ap->codec_id),
                 ap->sample_rate, ap->ch_layout.nb_channels,
                 log_plural((size_t)ap->ch_layout.nb_channels, "channel", "channels"),
                 d->a_st->start_time == AV_NOPTS_VALUE ? 0.0 :
                 tc_demux_start(d, d->a_st) * av_q2d(d->a_st->time_base));
    } else {
        log_info(r->lg, "%s: no audio stream, the output is video only", r->name);
    }
    for (unsigned i = 0; i < d->ifmt->nb_streams; i++) {
        if ((int)i == d->v_index || (int)i == d->a_index)
            continue;
        describe_stream(d->ifmt->streams[i], one, sizeof(one));
        if (dropped[0])
            av_strlcat(dropped, ", ", sizeof(dropped));
        av_strlcat(dropped, one, sizeof(dropped));
    }
    if (dropped[0])
        log_info(r->lg, "%s: streams not carried: %s", r->name, dropped);
}

/* The video stream and the audio "related" to it, as ffmpeg picks them;
 * the demuxer skips the rest. */
static int demux_choose_streams(struct tc_demux *d)
{
    AVFormatContext *ifmt = d->ifmt;
    int ret = av_find_best_stream(ifmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);

    if (ret < 0)
        return tc_fail(d->r, ret, "no video stream");
    d->v_index = ret;
    d->v_st = ifmt->streams[ret];
    ret = av_find_best_stream(ifmt, AVMEDIA_TYPE_AUDIO, -1, d->v_index, NULL, 0);
    d->a_index = ret >= 0 ? ret : -1;
    d->a_st = ret >= 0 ? ifmt->streams[ret] : NULL;
    for (unsigned i = 0; i < ifmt->nb_streams; i++)
        if ((int)i != d->v_index && (int)i != d->a_index)
            ifmt->streams[i]->discard = AVDISCARD_ALL;
    return 0;
}

int tc_demux_open(struct tc_demux *d, const char *path, struct tc_report *r)
{
    AVFormatContext *ifmt = avformat_alloc_context();
    int ret;

    d->r = r;
    d->v_index = d->a_index = -1;
    d->next_dts[0] = d->next_dts[1] = AV_NOPTS_VALUE;
    if (!ifmt)
        return tc_fail(r, AVERROR(ENOMEM), "cannot allocate the demuxer");
    ifmt->interrupt_callback.callback = demux_interrupt_cb;
    /* media_input_open frees ifmt on failure. */
    ret = media_input_open(&ifmt, path);
    if (ret < 0) {
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        return tc_fail(r, ret, "cannot open as a media file");
    }
    d->ifmt = ifmt;
    ret = avformat_find_stream_info(ifmt, NULL);
    if (ret < 0)
        return tc_fail(r, ret, "cannot read the stream parameters");
    if ((ret = demux_choose_streams(d)) < 0)
        return ret;
    if (d->v_st->duration > 0)
        d->total_seconds = d->v_st->duration * av_q2d(d->v_st->time_base);
    else if (ifmt->duration > 0)
        d->total_seconds = ifmt->duration / (double)AV_TIME_BASE;
    demux_shift(d);
    log_streams(d);
    return 0;
}

int tc_demux_read(struct tc_demux *d, AVPacket *pkt)
{
    for (;;) {
        int ret;
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        ret = av_read_frame(d->ifmt, pkt);
        if (ret == AVERROR_EOF)
            return ret;
        if (ret == AVERROR_EXIT && pbc_interrupted)
            return PBC_E_INTERRUPTED;
        if (ret == AVERROR(EAGAIN))
            continue;
        if (ret < 0) {
            /* As ffmpeg does: a damaged tail ends the input, and what was
             * read so far is still encoded. */
            d->corrupt_packets++;
            log_warn(d->r->lg, "%s: input ends early (%s), encoding what was read",
                     d->r->name, pbc_err2str(ret));
            return AVERROR_EOF;
        }
        if (pkt->stream_index == d->v_index || pkt->stream_index == d->a_index) {
            demux_retime(d, pkt);
            /* Corrupt packets still go to the decoder, as in ffmpeg; the
             * decoder conceals or rejects them. */
            if (pkt->flags & AV_PKT_FLAG_CORRUPT)
                d->corrupt_packets++;
            /* A frame the edit list leaves out is decoded (a later frame
             * may need it) but not output; counted for the log. */
            if (pkt->stream_index == d->v_index) {
                d->v_packets++;
                if (pkt->flags & AV_PKT_FLAG_DISCARD)
                    d->v_edit_dropped++;
            }
            return 0;
        }
        av_packet_unref(pkt);
    }
}

void tc_demux_close(struct tc_demux *d)
{
    media_input_close(&d->ifmt);
}
