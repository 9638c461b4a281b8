/* Output stage: the MP4 at dst_path. Container and stream metadata are
 * carried over (evidence rules: creation time and device tags survive a
 * re-encode), as is the rotation matrix. The file is fsynced before
 * success is reported, and removed on failure. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/avstring.h>
#include <libavutil/display.h>

#include "errors.h"
#include "log.h"
#include "transcode_internal.h"

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

int tc_mux_alloc(struct tc_ctx *c)
{
    /* "file:" so that a path such as "case:12/x.mp4" is not taken for a
     * protocol; faststart's second pass reopens this same URL. */
    char *url = av_asprintf("file:%s", c->p->dst_path);
    int ret = url ? avformat_alloc_output_context2(&c->ofmt, NULL, "mp4", url) : AVERROR(ENOMEM);
    av_free(url);
    if (ret < 0)
        return tc_fail(c, ret, "cannot set up the MP4 muxer");
    ret = mux_copy_tags(&c->ofmt->metadata, c->ifmt->metadata);
    if (ret < 0)
        return tc_fail(c, ret, "cannot copy the container metadata");
    return 0;
}

int tc_mux_add_stream(struct tc_ctx *c, const AVCodecContext *enc,
                      const AVStream *in, AVStream **out)
{
    AVStream *st = avformat_new_stream(c->ofmt, NULL);
    const uint8_t *matrix;
    size_t size = 0;
    int ret;

    if (!st)
        return tc_fail(c, AVERROR(ENOMEM), "cannot add an output stream");
    ret = avcodec_parameters_from_context(st->codecpar, enc);
    if (ret < 0)
        return tc_fail(c, ret, "cannot set the output stream parameters");
    st->time_base = enc->time_base;
    st->disposition = in->disposition;
    if (enc->codec_type == AVMEDIA_TYPE_VIDEO) {
        st->sample_aspect_ratio = enc->sample_aspect_ratio;
        st->avg_frame_rate = enc->framerate;
    }
    ret = mux_copy_tags(&st->metadata, in->metadata);
    if (ret < 0)
        return tc_fail(c, ret, "cannot copy the stream metadata");

    /* Rotation is a display matrix; the pixels are not rotated. */
    matrix = av_stream_get_side_data(in, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (matrix && size) {
        uint8_t *dst = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, size);
        if (!dst)
            return tc_fail(c, AVERROR(ENOMEM), "cannot copy the display matrix");
        memcpy(dst, matrix, size);
        if (size >= 9 * sizeof(int32_t))
            log_info(c->lg, "%s: video: rotation %.0f degrees counter-clockwise kept as the "
                     "display matrix (players turn the picture; the pixels are not rotated)",
                     c->name, av_display_rotation_get((const int32_t *)matrix));
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
static void mux_log_tags(struct tc_ctx *c)
{
    char buf[1024] = "";
    mux_tag_keys(buf, sizeof(buf), "file", c->ofmt->metadata);
    for (unsigned i = 0; i < c->ofmt->nb_streams; i++)
        mux_tag_keys(buf, sizeof(buf), c->ofmt->streams[i] == c->v.out_st ? "video" : "audio",
                     c->ofmt->streams[i]->metadata);
    log_info(c->lg, "%s: tags copied from the source (%s); each track keeps its own "
             "creation_time", c->name, buf);
}

int tc_mux_open(struct tc_ctx *c)
{
    AVDictionary *opts = NULL;
    int ret = avio_open(&c->ofmt->pb, c->ofmt->url, AVIO_FLAG_WRITE);
    if (ret < 0)
        return tc_fail(c, ret, "cannot create %s", c->p->dst_path);
    c->out_created = 1;
    /* Without use_metadata_tags the MP4 muxer keeps only the tags it has
     * an iTunes atom for, and drops make, model, serial and the like.
     * faststart puts moov before mdat (a copy plays and seeks at once from
     * a file server): the trailer reopens dst_path by name to move the
     * data up, in place, so the partial name is all it touches. */
    av_dict_set(&opts, "movflags", "+use_metadata_tags+faststart", 0);
    mux_log_tags(c);
    ret = avformat_write_header(c->ofmt, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return tc_fail(c, ret, "cannot write the MP4 header to %s", c->p->dst_path);
    return 0;
}

int tc_mux_write(struct tc_ctx *c, AVPacket *pkt, AVRational tb, const AVStream *out)
{
    int ret;
    av_packet_rescale_ts(pkt, tb, out->time_base);
    pkt->stream_index = out->index;
    ret = av_interleaved_write_frame(c->ofmt, pkt);
    if (ret < 0)
        return tc_fail(c, ret, "cannot write to %s", c->p->dst_path);
    tc_progress(c, 0);
    return 0;
}

/* Flushes the written file to stable storage and records its size. */
static int mux_fsync(struct tc_ctx *c)
{
    struct stat sb;
    int ret = 0;
    int fd = open(c->p->dst_path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return tc_fail(c, AVERROR(errno), "cannot reopen %s", c->p->dst_path);
    if (fsync(fd) < 0)
        ret = tc_fail(c, AVERROR(errno), "cannot fsync %s", c->p->dst_path);
    else if (fstat(fd, &sb) < 0)
        ret = tc_fail(c, AVERROR(errno), "cannot stat %s", c->p->dst_path);
    else
        c->st->output_bytes = sb.st_size;
    close(fd);
    return ret;
}

int tc_mux_finish(struct tc_ctx *c)
{
    int ret = av_write_trailer(c->ofmt);
    if (ret < 0)
        return tc_fail(c, ret, "cannot finish %s", c->p->dst_path);
    /* A write error of the buffered tail shows up only here. */
    ret = c->ofmt->pb->error;
    if (ret >= 0)
        ret = avio_closep(&c->ofmt->pb);
    if (ret < 0)
        return tc_fail(c, ret, "cannot write %s", c->p->dst_path);
    if ((ret = tc_mp4_fix(c)) < 0)
        return ret;
    return mux_fsync(c);
}

void tc_mux_close(struct tc_ctx *c, int remove)
{
    if (c->ofmt) {
        avio_closep(&c->ofmt->pb);
        avformat_free_context(c->ofmt);
        c->ofmt = NULL;
    }
    if (remove && c->out_created) {
        if (unlink(c->p->dst_path) < 0 && errno != ENOENT)
            log_warn(c->lg, "%s: cannot remove %s: %s", c->name, c->p->dst_path,
                     strerror(errno));
        c->out_created = 0;
    }
}
