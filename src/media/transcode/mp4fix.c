/* After the trailer: two things libavformat's MP4 muxer cannot be told,
 * patched into the finished file's moov in place (no box changes size, so
 * no offset moves):
 *
 * - Each track's creation time (tkhd, mdhd) is the file's: the muxer has
 *   one time for all. A source stream's own creation_time (a camera's
 *   audio track can differ from its video) is evidence, so each track gets
 *   its source stream's, or none when the source stream had none.
 * - An audio track that starts late gets an empty edit and then a media
 *   edit from media time 0, the muxer's "delay" being the first packet's
 *   pts, which is the encoder's pre-skip early. Here the empty edit becomes
 *   the real start and the media edit skips the pre-skip, as the Opus-in-
 *   ISOBMFF mapping asks; its duration is the samples encoded. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/intreadwrite.h>
#include <libavutil/parseutils.h>

#include "media/mp4box.h"
#include "media/transcode/transcode_internal.h"

#define MP4_EPOCH_OFFSET 2082844800LL /* 1904-01-01 to 1970-01-01, seconds */

/* A full box's field: version 0 has 32-bit times/durations, version 1 64. */
static uint64_t full_get(const uint8_t *p, int v1)
{
    return v1 ? AV_RB64(p) : AV_RB32(p);
}

static void full_put(uint8_t *p, int v1, uint64_t v)
{
    if (v1)
        AV_WB64(p, v);
    else
        AV_WB32(p, (uint32_t)v);
}

/* tkhd and mdhd both start: version/flags, creation, modification. */
static void set_times(const struct mp4box *b, uint64_t t)
{
    uint8_t *p = b->p + b->hdr;
    int v1 = p[0] == 1;
    if (b->size < (uint64_t)b->hdr + 4 + (v1 ? 16 : 8) || (!v1 && t > UINT32_MAX))
        return;
    full_put(p + 4, v1, t);
    full_put(p + 4 + (v1 ? 8 : 4), v1, t);
}

/* The timescale of an mvhd or mdhd. */
static uint32_t get_timescale(const struct mp4box *b)
{
    const uint8_t *p = b->p + b->hdr;
    int v1 = p[0] == 1;
    if (b->size < (uint64_t)b->hdr + 4 + (v1 ? 20 : 12))
        return 0;
    return AV_RB32(p + 4 + (v1 ? 16 : 8));
}

static uint64_t stream_mp4_time(const AVStream *in)
{
    const AVDictionaryEntry *e = in ? av_dict_get(in->metadata, "creation_time", NULL, 0) : NULL;
    int64_t us;
    if (!e || av_parse_time(&us, e->value, 0) < 0 || us / 1000000 + MP4_EPOCH_OFFSET < 0)
        return 0;
    return (uint64_t)(us / 1000000 + MP4_EPOCH_OFFSET);
}

/* The late audio's edit list: [empty, first_pts] [pre-skip, samples]. */
static void fix_audio_edits(const struct tc_mp4_track *a, const struct mp4box *trak,
                            uint32_t movie_ts)
{
    struct mp4box elst, mdhd;
    const AVRational tb = { 1, ENC_AUDIO_SAMPLE_RATE };
    uint8_t *p;
    uint32_t media_ts;
    int v1, esz;

    if (a->audio_first == AV_NOPTS_VALUE || a->audio_first <= a->preskip ||
        mp4box_path(trak, "edts", "elst", &elst) < 0 ||
        mp4box_path(trak, "mdia", "mdhd", &mdhd) < 0)
        return;
    media_ts = get_timescale(&mdhd);
    p = elst.p + elst.hdr;
    v1 = p[0] == 1;
    esz = v1 ? 20 : 12;
    if (!media_ts || elst.size < (uint64_t)elst.hdr + 8 + 2 * esz || AV_RB32(p + 4) != 2 ||
        full_get(p + 8 + (v1 ? 8 : 4), v1) != (v1 ? UINT64_MAX : UINT32_MAX))
        return;
    full_put(p + 8, v1, av_rescale_q(a->audio_first, tb, (AVRational){ 1, movie_ts }));
    full_put(p + 8 + esz, v1, av_rescale_q_rnd(a->audio_end - a->audio_first, tb,
                                               (AVRational){ 1, movie_ts }, AV_ROUND_UP));
    full_put(p + 8 + esz + (v1 ? 8 : 4), v1,
             av_rescale_q(a->preskip, tb, (AVRational){ 1, media_ts }));
}

static void fix_moov(const struct tc_mp4_track *tracks, unsigned n, const struct mp4box *moov)
{
    struct mp4box mvhd, trak, b;
    uint32_t movie_ts;

    if (mp4box_path(moov, "mvhd", NULL, &mvhd) < 0 || !(movie_ts = get_timescale(&mvhd)))
        return;
    for (unsigned i = 0; i < n; i++) {
        uint64_t t = stream_mp4_time(tracks[i].src);
        if (mp4box_find(moov->p + moov->hdr, moov->size - moov->hdr, "trak", (int)i, &trak) < 0)
            return;
        if (mp4box_path(&trak, "tkhd", NULL, &b) == 0)
            set_times(&b, t);
        if (mp4box_path(&trak, "mdia", "mdhd", &b) == 0)
            set_times(&b, t);
        if (tracks[i].audio_first != AV_NOPTS_VALUE)
            fix_audio_edits(&tracks[i], &trak, movie_ts);
    }
}

int tc_mp4_fix(const char *path, const struct tc_mp4_track *tracks, unsigned n,
               struct tc_report *r)
{
    uint8_t *buf = NULL;
    struct mp4box moov;
    int64_t pos = 0;
    int ret, fd = open(path, O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return tc_fail(r, AVERROR(errno), "cannot reopen %s", path);
    ret = mp4box_read_moov(fd, &buf, &moov, &pos);
    if (ret >= 0) {
        fix_moov(tracks, n, &moov);
        errno = 0;
        if (pwrite(fd, buf, (size_t)moov.size, pos) != (ssize_t)moov.size)
            ret = AVERROR(errno ? errno : EIO);
    }
    if (ret < 0)
        ret = tc_fail(r, ret, "cannot set the track times and edit list in %s", path);
    free(buf);
    close(fd);
    return ret;
}
