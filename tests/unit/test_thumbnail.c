/* thumbnail_grab on clips that thumbnail_test.sh generates (argv[1] is
 * their directory): the frame a third in, 320 pixels wide with the sample
 * aspect ratio applied, and the byte bound enforced by lowering the
 * quality. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "check.h"
#include "state/index_page.h"
#include "job/index_write.h"
#include "media/media_input.h"
#include "state/progress.h"
#include "media/thumbnail.h"

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
    /* Below what any quality takes at full width, a narrower frame still
     * fits: lowering the bound meets a narrower thumbnail before none. */
    if (t.jpeg) {
        int narrower = 0;
        for (size_t b = t.size; b > 200 && !narrower; b = b * 4 / 5) {
            struct thumbnail small;
            if (grab("noise.mp4", b, &small, err, sizeof(err)) < 0)
                break;
            if (small.width < THUMB_WIDTH) {
                narrower = 1;
                printf("# noise in %zu bytes: %dx%d at qscale %d\n", b, small.width,
                       small.height, small.qscale);
                CHECK(small.size <= b);
            }
            thumbnail_clear(&small);
        }
        CHECK(narrower);
    }
    CHECK_INT(grab("noise.mp4", 200, &tight, err, sizeof(err)), AVERROR(E2BIG));
    CHECK(!tight.jpeg && tight.size == 0);
    CHECK(strstr(err, "200 bytes") != NULL);
    /* the error names the narrowest frame tried, not only the bound */
    CHECK(strstr(err, "down to 160x") != NULL);
    printf("# noise in 200 bytes: %s\n", err);
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

/* A disc file that cannot be read: the page still comes, with the
 * original's frame and tags (the path a build without an AV1 decoder
 * takes), and says the file could not be read. */
static void test_page_fallback(void)
{
    struct progress *p = progress_alloc();
    struct index_job job = { .p = p, .started = "2026-01-01T00:00:00Z",
                             .completed = "2026-01-01T00:00:01Z", .version = "v", .libraries = "l",
                             .usable = 1000000 };
    struct index_result res;
    char src[4096], out[4096], *html = NULL;
    struct stat st;
    FILE *f;
    snprintf(src, sizeof(src), "%s/plain.mp4", fixture_dir);
    snprintf(out, sizeof(out), "%s/broken.mp4", fixture_dir);
    CHECK(p && (f = fopen(out, "w")) && fputs("not a video\n", f) >= 0 && fclose(f) == 0);
    if (!p || stat(src, &st) < 0 || progress_add_clip(p, "broken.mp4", src) < 0 ||
        !(p->build_dir = strdup(fixture_dir))) {
        CHECK(0);
        progress_free(&p);
        return;
    }
    p->index_page = 1;
    p->clips[0].source_size = st.st_size;
    p->clips[0].output_size = 12;
    CHECK_INT(index_page_write(&job, NULL, &res), 0);
    CHECK_INT(res.thumbs, 1);
    snprintf(out, sizeof(out), "%s/%s", fixture_dir, INDEX_PAGE_NAME);
    if ((f = fopen(out, "r"))) {
        html = calloc(1, 1 << 20);
        CHECK(html && fread(html, 1, (1 << 20) - 1, f) == res.bytes);
        fclose(f);
    }
    CHECK(html && strstr(html, "<img class=\"thumb\" width=\"320\" height=\"180\""));
    CHECK(html && strstr(html, "the file could not be read"));
    CHECK(html && strstr(html, "Tags (from the original)"));
    CHECK((int64_t)res.bytes <= index_page_bound(p));
    free(html);
    progress_free(&p);
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
    RUN(test_page_fallback);
    return check_done();
}
