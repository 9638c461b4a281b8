/* Probing of inputs with libavformat: duration, frames and streams for the
 * ENCODE plan. Reads headers and stream info only; messages of the
 * libraries go through whatever av_log callback the caller installed. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "base/errors.h"
#include "media/media_input.h"
#include "media/mp4box.h"
#include "media/probe.h"

/* Frame rate assumed when a stream has neither a frame count nor a usable
 * rate: high for body cameras, so the MP4 overhead stays an upper bound. */
#define PROBE_FALLBACK_FPS 60.0

static int fail(char *err, size_t errlen, const char *reason)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", reason);
    return PBC_E_PROBE;
}

static int fail_av(char *err, size_t errlen, const char *what, int averr)
{
    char reason[160];
    snprintf(reason, sizeof(reason), "%s%s%s", what ? what : "", what ? ": " : "",
             pbc_err2str(averr));
    return fail(err, errlen, reason);
}

static double stream_duration(const AVFormatContext *fmt, const AVStream *st)
{
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0 && st->time_base.den > 0)
        return (double)st->duration * av_q2d(st->time_base);
    if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
        return (double)fmt->duration / AV_TIME_BASE;
    return 0;
}

static int64_t stream_frames(const AVStream *st, double duration)
{
    AVRational rate = st->avg_frame_rate;
    if (st->nb_frames > 0)
        return st->nb_frames;
    if (rate.num <= 0 || rate.den <= 0)
        rate = st->r_frame_rate;
    double fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : PROBE_FALLBACK_FPS;
    double frames = round(duration * fps);
    if (!(frames >= 1))
        return 1;
    return frames < 9.2e18 ? (int64_t)frames : INT64_MAX;
}

/* 1 when a stream's index points past the end of the file: a truncated
 * copy whose header survived (e.g. MP4 with the moov box first). */
static int index_past_end(AVFormatContext *fmt, int64_t *end, int64_t *size)
{
    *size = fmt->pb ? avio_size(fmt->pb) : -1;
    *end = 0;
    if (*size <= 0)
        return 0;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        AVStream *st = fmt->streams[i];
        int n = avformat_index_get_entries_count(st);
        for (int k = 0; k < n; k++) {
            const AVIndexEntry *e = avformat_index_get_entry(st, k);
            if (e && e->pos >= 0 && e->pos + e->size > *end)
                *end = e->pos + e->size;
        }
    }
    return *end > *size;
}

/* 1 when path is a fragmented MP4: its moov holds an mvex box (ISO/IEC
 * 14496-12 8.8.1), so its samples live in moof fragments, each whole
 * before the next. */
static int mp4_fragmented(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), found;
    struct mp4box moov, mvex;
    uint8_t *buf = NULL;
    int64_t pos;
    if (fd < 0)
        return 0;
    found = mp4box_read_moov(fd, &buf, &moov, &pos) >= 0 &&
            mp4box_path(&moov, "mvex", NULL, &mvex) == 0;
    free(buf);
    close(fd);
    return found;
}

static int has_decodable_audio(const AVFormatContext *fmt)
{
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *par = fmt->streams[i]->codecpar;
        if (par->codec_type == AVMEDIA_TYPE_AUDIO && avcodec_find_decoder(par->codec_id))
            return 1;
    }
    return 0;
}

int probe_file(const char *path, struct probe_info *info, char *err, size_t errlen)
{
    AVFormatContext *fmt = NULL;
    const AVStream *st;
    int64_t end, size;
    char reason[160];
    int ret, vi;

    memset(info, 0, sizeof(*info));
    if (err && errlen)
        err[0] = '\0';
    if ((ret = media_input_open(&fmt, path)) < 0) {
        ret = fail_av(err, errlen, NULL, ret);
        goto end;
    }
    if ((ret = avformat_find_stream_info(fmt, NULL)) < 0) {
        ret = fail_av(err, errlen, "cannot read stream info", ret);
        goto end;
    }
    vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (vi < 0) {
        ret = fail(err, errlen, "no video stream");
        goto end;
    }
    if (index_past_end(fmt, &end, &size)) {
        if (!mp4_fragmented(path)) {
            snprintf(reason, sizeof(reason), "truncated: the index needs %lld bytes, the file "
                     "has %lld", (long long)end, (long long)size);
            ret = fail(err, errlen, reason);
            goto end;
        }
        info->data_end = end;
        info->file_size = size;
    }
    st = fmt->streams[vi];
    info->duration = stream_duration(fmt, st);
    if (!(info->duration > 0) || !isfinite(info->duration)) {
        ret = fail(err, errlen, "no usable duration");
        goto end;
    }
    info->video_frames = stream_frames(st, info->duration);
    info->has_audio = has_decodable_audio(fmt);
    info->width = st->codecpar->width;
    info->height = st->codecpar->height;
    ret = 0;
end:
    media_input_close(&fmt);
    return ret;
}
