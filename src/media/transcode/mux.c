/* Output stage: the MP4 at dst_path. Container and stream metadata are
 * carried over (evidence rules: creation time and device tags survive a
 * re-encode), as is the rotation matrix. The file is fsynced before
 * success is reported, and removed on failure. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/avstring.h>
#include <libavutil/display.h>

#include "base/errors.h"
#include "base/log.h"
#include "media/transcode/transcode_internal.h"

/* Tags the MP4 muxer writes itself (libavformat sets "encoder"); with
 * use_metadata_tags a copy would add stale duplicates as mdta keys. */
static const char *const derived_tags[] = {
    "major_brand", "minor_version", "compatible_brands", "encoder",
};

static int mux_copy_tags(AVDictionary **dst, const AVDictionary *src)
{
    int ret = av_dict_copy(dst, src, 0);
    for (size_t i = 0; ret >= 0 && i < sizeof(derived_tags) / sizeof(*derived_tags); i++)
        ret = av_dict_set(dst, derived_tags[i], NULL, 0);
    return ret;
}

int tc_mux_alloc(struct tc_mux *m, const char *path, const AVDictionary *src_tags,
                 struct tc_report *r)
{
    /* "file:" so that a path such as "case:12/x.mp4" is not taken for a
     * protocol; faststart's second pass reopens this same URL. */
    char *url = av_asprintf("file:%s", path);
    int ret = url ? avformat_alloc_output_context2(&m->ofmt, NULL, "mp4", url) : AVERROR(ENOMEM);

    m->r = r;
    m->path = path;
    av_free(url);
    if (ret < 0)
        return tc_fail(r, ret, "cannot set up the MP4 muxer");
    ret = mux_copy_tags(&m->ofmt->metadata, src_tags);
    if (ret < 0)
        return tc_fail(r, ret, "cannot copy the container metadata");
    return 0;
}

int tc_mux_global_header(const struct tc_mux *m)
{
    return (m->ofmt->oformat->flags & AVFMT_GLOBALHEADER) != 0;
}

int tc_mux_add_stream(struct tc_mux *m, const AVCodecContext *enc, const AVStream *in,
                      AVStream **out)
{
    AVStream *st = avformat_new_stream(m->ofmt, NULL);
    const uint8_t *matrix;
    size_t size = 0;
    int ret;

    if (!st)
        return tc_fail(m->r, AVERROR(ENOMEM), "cannot add an output stream");
    ret = avcodec_parameters_from_context(st->codecpar, enc);
    if (ret < 0)
        return tc_fail(m->r, ret, "cannot set the output stream parameters");
    st->time_base = enc->time_base;
    st->disposition = in->disposition;
    if (enc->codec_type == AVMEDIA_TYPE_VIDEO) {
        st->sample_aspect_ratio = enc->sample_aspect_ratio;
        st->avg_frame_rate = enc->framerate;
    }
    ret = mux_copy_tags(&st->metadata, in->metadata);
    if (ret < 0)
        return tc_fail(m->r, ret, "cannot copy the stream metadata");

    /* Rotation is a display matrix; the pixels are not rotated. */
    matrix = av_stream_get_side_data(in, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (matrix && size) {
        uint8_t *dst = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, size);
        if (!dst)
            return tc_fail(m->r, AVERROR(ENOMEM), "cannot copy the display matrix");
        memcpy(dst, matrix, size);
        if (size >= 9 * sizeof(int32_t))
            log_info(m->r->lg, "%s: video: rotation %.0f degrees counter-clockwise kept as the "
                     "display matrix (players turn the picture; the pixels are not rotated)",
                     m->r->name, av_display_rotation_get((const int32_t *)matrix));
    }
    *out = st;
    return 0;
}

/* Appends "what: key, key" for the tags of d, or "what: none". */
static void mux_tag_keys(char *buf, size_t size, const char *what, const AVDictionary *d)
{
    const AVDictionaryEntry *e = NULL;
    int n = 0;
    av_strlcatf(buf, size, "%s%s:", buf[0] ? "; " : "", what);
    while ((e = av_dict_get(d, "", e, AV_DICT_IGNORE_SUFFIX)))
        av_strlcatf(buf, size, "%s %s", n++ ? "," : "", e->key);
    if (!n)
        av_strlcat(buf, " none", size);
}

/* One line per clip: which of the source's tags the output carries. */
static void mux_log_tags(const struct tc_mux *m)
{
    char buf[1024] = "";
    mux_tag_keys(buf, sizeof(buf), "file", m->ofmt->metadata);
    for (unsigned i = 0; i < m->ofmt->nb_streams; i++) {
        const AVStream *st = m->ofmt->streams[i];
        mux_tag_keys(buf, sizeof(buf),
                     st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO ? "video" : "audio",
                     st->metadata);
    }
    log_info(m->r->lg, "%s: tags copied from the source (%s); each track keeps its own "
             "creation_time", m->r->name, buf);
}

int tc_mux_open(struct tc_mux *m)
{
    AVDictionary *opts = NULL;
    int ret = avio_open(&m->ofmt->pb, m->ofmt->url, AVIO_FLAG_WRITE);
    if (ret < 0)
        return tc_fail(m->r, ret, "cannot create %s", m->path);
    m->created = 1;
    /* Without use_metadata_tags the MP4 muxer keeps only the tags it has
     * an iTunes atom for, and drops make, model, serial and the like.
     * faststart puts moov before mdat (a copy plays and seeks at once from
     * a file server): the trailer reopens dst_path by name to move the
     * data up, in place, so the partial name is all it touches. */
    av_dict_set(&opts, "movflags", "+use_metadata_tags+faststart", 0);
    mux_log_tags(m);
    ret = avformat_write_header(m->ofmt, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return tc_fail(m->r, ret, "cannot write the MP4 header to %s", m->path);
    return 0;
}

int tc_mux_write(struct tc_mux *m, AVPacket *pkt, AVRational tb, const AVStream *out)
{
    int ret;
    av_packet_rescale_ts(pkt, tb, out->time_base);
    pkt->stream_index = out->index;
    ret = av_interleaved_write_frame(m->ofmt, pkt);
    if (ret < 0)
        return tc_fail(m->r, ret, "cannot write to %s", m->path);
    return 0;
}

int tc_mux_finish(struct tc_mux *m)
{
    int ret = av_write_trailer(m->ofmt);
    if (ret < 0)
        return tc_fail(m->r, ret, "cannot finish %s", m->path);
    /* A write error of the buffered tail shows up only here. */
    ret = m->ofmt->pb->error;
    if (ret >= 0)
        ret = avio_closep(&m->ofmt->pb);
    if (ret < 0)
        return tc_fail(m->r, ret, "cannot write %s", m->path);
    return 0;
}

int tc_mux_sync(struct tc_mux *m)
{
    int ret = 0;
    int fd = open(m->path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return tc_fail(m->r, AVERROR(errno), "cannot reopen %s", m->path);
    if (fsync(fd) < 0)
        ret = tc_fail(m->r, AVERROR(errno), "cannot fsync %s", m->path);
    close(fd);
    return ret;
}

void tc_mux_close(struct tc_mux *m, int remove)
{
    if (m->ofmt) {
        avio_closep(&m->ofmt->pb);
        avformat_free_context(m->ofmt);
        m->ofmt = NULL;
    }
    if (remove && m->created) {
        if (unlink(m->path) < 0 && errno != ENOENT)
            log_warn(m->r->lg, "%s: cannot remove %s: %s", m->r->name, m->path,
                     strerror(errno));
        m->created = 0;
    }
}
