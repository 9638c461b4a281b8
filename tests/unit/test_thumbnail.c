/* thumbnail_grab on clips that thumbnail_test.sh generates (argv[1] is
 * their directory): the frame a third in, 320 pixels wide with the sample
 * aspect ratio applied, and the byte bound enforced by lowering the
 * quality. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "check.h"
#include "index_page.h"
#include "media_input.h"
#include "thumbnail.h"

static const char *fixture_dir;

static int grab(const char *name, size_t max, struct thumbnail *t, char *err, size_t errlen)
{
    AVFormatContext *fmt = NULL;
    char path[4096];
    int ret;
    snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
    if ((ret = media_input_open(&fmt, path)) < 0 || (ret = avformat_find_stream_info(fmt, NULL)) < 0) {
        media_input_close(&fmt);
        memset(t, 0, sizeof(*t));
        return ret;
    }
    ret = thumbnail_grab(fmt, max, t, err, errlen);
    media_input_close(&fmt);
    return ret;
}

static void test_third(void)
{
    struct thumbnail t, again;
    char err[256] = "";
    CHECK_INT(grab("plain.mp4", INDEX_THUMB_MAX_BYTES, &t, err, sizeof(err)), 0);
    CHECK(fabs(t.pts - 1.0) < 0.04); /* 3 s / 3, to the frame */
    CHECK_INT(t.width, THUMB_WIDTH);
    CHECK_INT(t.height, 180);
    CHECK_INT(t.qscale, THUMB_Q_FIRST);
    CHECK(t.jpeg && t.size > 1000 && t.size <= INDEX_THUMB_MAX_BYTES);
    CHECK(t.jpeg && t.jpeg[0] == 0xFF && t.jpeg[1] == 0xD8);
    /* bit-exact: the same frame gives the same bytes */
    CHECK_INT(grab("plain.mp4", INDEX_THUMB_MAX_BYTES, &again, err, sizeof(err)), 0);
    CHECK(t.jpeg && again.jpeg && again.size == t.size && !memcmp(again.jpeg, t.jpeg, t.size));
    printf("# plain: %zu bytes at qscale %d, frame at %.3f s\n", t.size, t.qscale, t.pts);
    thumbnail_clear(&t);
    thumbnail_clear(&again);
}

static void test_bound_enforced(void)
{
    struct thumbnail t, tight;
    char err[256] = "";
    CHECK_INT(grab("noise.mp4", INDEX_THUMB_MAX_BYTES, &t, err, sizeof(err)), 0);
    CHECK(t.jpeg && t.size <= INDEX_THUMB_MAX_BYTES);
    CHECK(t.qscale > THUMB_Q_FIRST); /* the first quality did not fit */
    printf("# noise: %zu bytes at qscale %d\n", t.size, t.qscale);
    /* any bound below what fitted forces a lower quality, or none */
    if (t.jpeg) {
        CHECK_INT(grab("noise.mp4", t.size - 1, &tight, err, sizeof(err)), 0);
        CHECK(tight.jpeg && tight.size < t.size && tight.qscale > t.qscale);
        thumbnail_clear(&tight);
    }
    CHECK_INT(grab("noise.mp4", 200, &tight, err, sizeof(err)), AVERROR(E2BIG));
    CHECK(!tight.jpeg && tight.size == 0);
    CHECK(strstr(err, "200 bytes") != NULL);
    thumbnail_clear(&t);
}

static void test_aspect(void)
{
    struct thumbnail t;
    char err[256] = "";
    CHECK_INT(grab("sar.mp4", INDEX_THUMB_MAX_BYTES, &t, err, sizeof(err)), 0);
    CHECK_INT(t.width, 320);
    CHECK_INT(t.height, 180);
    thumbnail_clear(&t);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("Bail out! usage: test_thumbnail FIXTURE_DIR\n");
        return 1;
    }
    fixture_dir = argv[1];
    av_log_set_level(AV_LOG_ERROR);
    RUN(test_third);
    RUN(test_bound_enforced);
    RUN(test_aspect);
    return check_done();
}
