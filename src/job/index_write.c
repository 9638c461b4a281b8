/* index.html at completion. Each disc file is opened once (read-only, like
 * every input) for its streams, tags and poster frame; the thumbnail comes
 * from the disc file, so it shows what the disc holds, and from the
 * original only when the disc file cannot be decoded here (a build of
 * FFmpeg without an AV1 decoder). Tags come from the original when it is
 * still there with its recorded size (the source's own words), else from
 * the disc file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "job/index_write.h"
#include "media/media_input.h"
#include "io/sha256.h"
#include "media/thumbnail.h"

/* 1 when the gaps between the stream's indexed timestamps differ by more
 * than a tick and 1 %: a variable frame rate. *fps: frames / span. */
static int index_rate(AVStream *st, double *fps)
{
    int n = avformat_index_get_entries_count(st);
    int64_t lo = INT64_MAX, hi = INT64_MIN, first = 0, last = 0;
    for (int i = 0; i < n; i++) {
        const AVIndexEntry *e = avformat_index_get_entry(st, i);
        if (i) {
            int64_t d = e->timestamp - last;
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        } else
            first = e->timestamp;
        last = e->timestamp;
    }
    if (n < 2 || last <= first)
        return -1;
    *fps = (n - 1) / ((double)(last - first) * av_q2d(st->time_base));
    return hi - lo > 1 && (double)(hi - lo) > 0.01 * (double)(last - first) / (n - 1);
}

static void codecs_of(const AVCodecParameters *par, char *out, size_t size)
{
    const uint8_t *x = par->extradata;
    out[0] = 0;
    if (par->codec_id == AV_CODEC_ID_AV1 && par->extradata_size >= 4 && (x[0] & 0x80)) {
        int depth = x[2] & 0x40 ? (x[2] & 0x20 ? 12 : 10) : 8;
        snprintf(out, size, "av01.%d.%02d%c.%02d", x[1] >> 5, x[1] & 31, x[2] & 0x80 ? 'H' : 'M', depth);
    } else if (par->codec_id == AV_CODEC_ID_H264 && par->extradata_size >= 4 && x[0] == 1)
        snprintf(out, size, "avc1.%02X%02X%02X", x[1], x[2], x[3]);
}

static void audio_of(const AVCodecParameters *par, char *out, size_t size, char *codecs, size_t csize)
{
    int ch = par->ch_layout.nb_channels;
    size_t used = strlen(codecs);
    snprintf(out, size, "%s, %s, %d Hz", avcodec_get_name(par->codec_id),
             ch == 1 ? "mono" : ch == 2 ? "stereo" : "multichannel", par->sample_rate);
    if (!used)
        return;
    if (par->codec_id == AV_CODEC_ID_OPUS)
        snprintf(codecs + used, csize - used, ", opus");
    else if (par->codec_id == AV_CODEC_ID_AAC)
        snprintf(codecs + used, csize - used, ", mp4a.40.%d", par->profile >= 0 ? par->profile + 1 : 2);
    else
        codecs[0] = 0; /* unknown audio: let the browser decide on the file */
}

static void read_streams(AVFormatContext *fmt, struct index_clip *f)
{
    int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    int a = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    AVStream *st;
    const char *profile;
    if (v < 0)
        return;
    st = fmt->streams[v];
    f->probed = 1;
    f->width = st->codecpar->width;
    f->height = st->codecpar->height;
    f->duration = st->duration > 0 ? st->duration * av_q2d(st->time_base) :
                  fmt->duration > 0 ? fmt->duration / (double)AV_TIME_BASE : 0;
    f->variable_fps = index_rate(st, &f->fps);
    if (f->variable_fps < 0) {
        f->variable_fps = 0;
        f->fps = st->avg_frame_rate.den > 0 ? av_q2d(st->avg_frame_rate) : 0;
    }
    profile = avcodec_profile_name(st->codecpar->codec_id, st->codecpar->profile);
    snprintf(f->video_codec, sizeof(f->video_codec), "%s%s%s%s", avcodec_get_name(st->codecpar->codec_id),
             profile ? " (" : "", profile ? profile : "", profile ? ")" : "");
    /* the type a browser is asked about: only what the disc file is */
    if (strstr(fmt->iformat->name, "mp4"))
        snprintf(f->mime, sizeof(f->mime), "video/mp4");
    else if (strstr(fmt->iformat->name, "matroska"))
        snprintf(f->mime, sizeof(f->mime), "video/x-matroska");
    codecs_of(st->codecpar, f->codecs, sizeof(f->codecs));
    if (a >= 0)
        audio_of(fmt->streams[a]->codecpar, f->audio, sizeof(f->audio), f->codecs, sizeof(f->codecs));
}

static void read_tags(const AVFormatContext *fmt, struct index_clip *f, int from_original)
{
    const AVDictionaryEntry *e = NULL;
    f->nb_tags = 0;
    f->tags_from_original = from_original;
    while (f->nb_tags < INDEX_TAGS_MAX && (e = av_dict_get(fmt->metadata, "", e, AV_DICT_IGNORE_SUFFIX))) {
        /* the container's brand fields are not the camera's */
        if (!strcmp(e->key, "major_brand") || !strcmp(e->key, "minor_version") ||
            !strcmp(e->key, "compatible_brands"))
            continue;
        snprintf(f->tags[f->nb_tags].key, sizeof(f->tags[0].key), "%s", e->key);
        snprintf(f->tags[f->nb_tags].value, sizeof(f->tags[0].value), "%s", e->value);
        f->nb_tags++;
    }
}

static int open_media(const char *path, AVFormatContext **fmt, int stream_info)
{
    int ret = media_input_open(fmt, path);
    if (ret >= 0 && stream_info && (ret = avformat_find_stream_info(*fmt, NULL)) < 0)
        media_input_close(fmt);
    return ret;
}

/* The original still the file the job read (its recorded size): its tags,
 * with encode its picture's size when the disc file's differs (padded),
 * and when needed its frame. */
static void use_original(const struct clip *c, struct index_clip *f, struct thumbnail *t,
                         size_t budget, int encode, struct pbc_log *lg)
{
    AVFormatContext *fmt = NULL;
    struct stat st;
    char err[256];
    int need_thumb = !t->jpeg, v;
    if (stat(c->source, &st) < 0 || st.st_size != c->source_size ||
        open_media(c->source, &fmt, need_thumb) < 0)
        return;
    read_tags(fmt, f, 1);
    v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (encode && f->probed && v >= 0) {
        const AVCodecParameters *par = fmt->streams[v]->codecpar;
        /* An MP4's header has the size; a transport stream's needs its
         * stream info (read already when a frame is needed). */
        if (par->width <= 0 && !need_thumb)
            avformat_find_stream_info(fmt, NULL);
        if (par->width > 0 && par->height > 0 &&
            (par->width != f->width || par->height != f->height)) {
            f->original_width = par->width;
            f->original_height = par->height;
        }
    }
    if (need_thumb && thumbnail_grab(fmt, budget, t, err, sizeof(err)) < 0)
        log_warn(lg, "index: no poster frame for %s from its original either: %s", c->name, err);
    media_input_close(&fmt);
}

static void read_clip(const char *dir, const struct clip *c, struct index_clip *f,
                      struct thumbnail *t, size_t budget, int encode, struct pbc_log *lg)
{
    AVFormatContext *fmt = NULL;
    char *path = fs_join(dir, c->name), err[256];
    int ret;
    memset(f, 0, sizeof(*f));
    /* Measured when the clip was encoded (ENCODE; < 0: not measured). */
    f->quality_psnr_y = c->psnr_y >= 0 ? c->psnr_y : NAN;
    f->quality_ssim_y = c->ssim >= 0 ? c->ssim : NAN;
    if (!path || (ret = open_media(path, &fmt, 1)) < 0)
        log_warn(lg, "index: cannot read %s: %s", c->name, path ? pbc_err2str(ret) : "out of memory");
    else {
        read_streams(fmt, f);
        read_tags(fmt, f, 0);
        if ((ret = thumbnail_grab(fmt, budget, t, err, sizeof(err))) < 0)
            log_info(lg, "index: no poster frame for %s from the disc file (%s): trying its "
                     "original", c->name, err);
        media_input_close(&fmt);
    }
    use_original(c, f, t, budget, encode, lg);
    if (t->jpeg)
        log_msg(lg, PBC_LOG_DEBUG, "index: %s: poster frame at %.3f s, %dx%d, %zu bytes at "
                "mjpeg qscale %d", c->name, t->pts, t->width, t->height, t->size, t->qscale);
    f->thumb = t->jpeg;
    f->thumb_size = t->size;
    f->thumb_width = t->width;
    f->thumb_height = t->height;
    f->thumb_time = t->pts;
    free(path);
}

int index_page_write(const struct index_job *job, struct pbc_log *lg, struct index_result *res)
{
    const struct progress *p = job->p;
    struct index_clip *clips = calloc(p->nb_clips ? p->nb_clips : 1, sizeof(*clips));
    struct thumbnail *thumbs = calloc(p->nb_clips ? p->nb_clips : 1, sizeof(*thumbs));
    char *html = NULL, *path = fs_join(p->build_dir, INDEX_PAGE_NAME);
    uint8_t digest[SHA256_BYTES];
    size_t len = 0;
    int ret;
    memset(res, 0, sizeof(*res));
    if (!clips || !thumbs || !path) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    for (size_t i = 0; i < p->nb_clips; i++) {
        read_clip(p->build_dir, &p->clips[i], &clips[i], &thumbs[i], index_thumb_budget(p),
                  p->mode == MODE_ENCODE, lg);
        res->thumbs += thumbs[i].jpeg != NULL;
        res->thumb_bytes += thumbs[i].size;
    }
    if ((ret = index_page_render(job, clips, &html, &len)) < 0 ||
        (ret = fs_write_atomic(path, html, len)) < 0) {
        log_error(lg, "cannot write %s: %s", path, pbc_err2str(ret));
        goto end;
    }
    res->bytes = len;
    if ((ret = sha256_file(path, digest)) < 0) {
        log_error(lg, "cannot read back %s: %s", path, pbc_err2str(ret));
        goto end;
    }
    sha256_hex(digest, res->sha256);
end:
    for (size_t i = 0; thumbs && i < p->nb_clips; i++)
        thumbnail_clear(&thumbs[i]);
    free(thumbs);
    free(clips);
    av_free(html);
    free(path);
    return ret;
}
