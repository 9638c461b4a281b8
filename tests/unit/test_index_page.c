/* index.html: escaping of every source string, the byte budgets, and the
 * page bound that the planner counts (index_page_bound) against pages
 * rendered from worst-case inputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/base64.h>
#include <libavutil/mem.h>

#include "check.h"
#include "state/index_page.h"
#include "plan/planner.h"
#include "state/progress.h"

static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    for (size_t i = 0; s && i < n; i++)
        memcpy(s + i * u, unit, u);
    if (s)
        s[u * n] = 0;
    return s;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static struct progress *job_of(size_t n, const char *name, const char *source)
{
    struct progress *p = progress_alloc();
    char buf[600];
    for (size_t i = 0; p && i < n; i++) {
        snprintf(buf, sizeof(buf), "%zu%s", i, name);
        if (progress_add_clip(p, buf, source) < 0)
            return NULL;
        p->clips[i].status = CLIP_DONE;
        p->clips[i].output_size = 1000000;
        p->clips[i].source_size = 2000000;
        memset(p->clips[i].output_sha256, 'a', SHA256_HEX_LEN);
        memset(p->clips[i].source_sha256, 'b', SHA256_HEX_LEN);
    }
    if (p) {
        p->index_page = 1;
        p->disc_bytes = 25000000000;
        p->mode = MODE_ENCODE;
        p->preset = 10;
        p->audio_kbps = 64;
    }
    return p;
}

static void render(const struct progress *p, const char *label, struct index_clip *clips,
                   char **html, size_t *len)
{
    struct index_job job = { .p = p, .label = label, .started = "2026-01-01T00:00:00Z",
                             .completed = "2026-01-01T01:00:00Z", .version = "prepare_bodycam 0.1.0",
                             .libraries = "libavformat 59", .usable = 24500000000 };
    *html = NULL;
    CHECK_INT(index_page_render(&job, clips, html, len), 0);
    CHECK(*html && strlen(*html) == *len);
}

static void test_escaped_len(void)
{
    CHECK_INT(index_html_escaped_len("plain.mp4"), 9);
    CHECK_INT(index_html_escaped_len("&<>\"'"), 5 + 4 + 4 + 6 + 5);
    CHECK_INT(index_html_escaped_len("\x01\x7f"), 6);
    CHECK_INT(index_html_escaped_len("\xc3\xa9"), 2);
    CHECK_INT(index_url_encoded_len("a-b_c.~9"), 8);
    CHECK_INT(index_url_encoded_len("a b:\xc3\xa9"), 1 + 3 + 1 + 3 + 6);
}

/* A tag that holds a script shows as text; names are escaped in text and
 * percent-encoded in URLs (":" too, so a name is never a scheme). */
static void test_escaping(void)
{
    struct progress *p = job_of(1, "\"x\" <b>&'y' a:b.mp4", "/in/<i>\"cam\".mp4");
    struct index_clip c = { .probed = 1, .duration = 2, .width = 320, .height = 240, .fps = 30,
                            .nb_tags = 2, .quality_psnr_y = NAN };
    char *html = NULL;
    size_t len = 0;
    snprintf(c.tags[0].key, sizeof(c.tags[0].key), "comment");
    snprintf(c.tags[0].value, sizeof(c.tags[0].value), "<script>alert(1)</script>");
    snprintf(c.tags[1].key, sizeof(c.tags[1].key), "<img src=x onerror=alert(2)>");
    snprintf(c.tags[1].value, sizeof(c.tags[1].value), "a\"b'c&d");
    render(p, "<script>alert(3)</script>", &c, &html, &len);
    if (html) {
        CHECK_INT(count(html, "<script"), 1); /* the page's own */
        CHECK_INT(count(html, "<img"), 0);    /* no thumbnail given */
        CHECK(strstr(html, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
        CHECK(strstr(html, "<th>&lt;img src=x onerror=alert(2)&gt;</th>"));
        CHECK(strstr(html, "<td>a&quot;b&#39;c&amp;d</td>"));
        CHECK(strstr(html, "Evidence disc: &lt;script&gt;alert(3)&lt;/script&gt;</h1>"));
        CHECK(strstr(html, "href=\"./0%22x%22%20%3Cb%3E%26%27y%27%20a%3Ab.mp4\""));
        CHECK(strstr(html, "src=\"./0%22x%22%20%3Cb%3E%26%27y%27%20a%3Ab.mp4\""));
        CHECK(strstr(html, ">0&quot;x&quot; &lt;b&gt;&amp;&#39;y&#39; a:b.mp4</a>"));
        CHECK(strstr(html, "<td>/in/&lt;i&gt;&quot;cam&quot;.mp4</td>"));
        CHECK(strstr(html, "<td>not measured</td>"));
        CHECK(strstr(html, "<video controls preload=\"metadata\""));
    }
    av_free(html);
    progress_free(&p);
}

/* A padded copy's resolution names the original's beside the file's;
 * a copy of the original's size names nothing more. */
static void test_padded_resolution(void)
{
    struct progress *p = job_of(2, "a.mp4", "/in/a.mp4");
    struct index_clip c[2] = {
        { .probed = 1, .duration = 2, .width = 642, .height = 362, .original_width = 641,
          .original_height = 361, .fps = 30, .quality_psnr_y = NAN },
        { .probed = 1, .duration = 2, .width = 640, .height = 360, .fps = 30,
          .quality_psnr_y = NAN },
    };
    char *html = NULL;
    size_t len = 0;
    render(p, NULL, c, &html, &len);
    CHECK(html && strstr(html, "<td>642 &times; 362 (the original's 641 &times; 361, padded "
                               "with copies of its last column and row"));
    CHECK(html && strstr(html, "<td>640 &times; 360</td>"));
    CHECK(html && count(html, "padded with copies") == 1);
    av_free(html);
    progress_free(&p);
}

/* Tags longer than their budget are cut, whole UTF-8 characters only, and
 * marked. */
static void test_tag_budget(void)
{
    struct progress *p = job_of(1, "a.mp4", "/in/a.mp4");
    struct index_clip c = { .probed = 1, .nb_tags = 2, .quality_psnr_y = 41.5,
                            .quality_ssim_y = 0.9876 };
    char *amps = repeat("&", INDEX_TAG_RAW_MAX), *e_acute = repeat("\xc3\xa9", 127);
    char *html = NULL, want[INDEX_TAG_VALUE_BUDGET + 16];
    size_t len = 0, n = (INDEX_TAG_VALUE_BUDGET - 3) / 5;
    snprintf(c.tags[0].key, sizeof(c.tags[0].key), "k");
    snprintf(c.tags[0].value, sizeof(c.tags[0].value), "%s", amps);
    snprintf(c.tags[1].key, sizeof(c.tags[1].key), "%s", e_acute);
    snprintf(c.tags[1].value, sizeof(c.tags[1].value), "v");
    render(p, NULL, &c, &html, &len);
    CHECK(html && strstr(html, "PSNR-Y 41.50 dB, SSIM-Y 0.9876 against the decoded original"));
    if (html) {
        char *s = repeat("&amp;", n);
        snprintf(want, sizeof(want), "<td>%s...</td>", s);
        CHECK(strstr(html, want));
        free(s);
        s = repeat("\xc3\xa9", (INDEX_TAG_KEY_BUDGET - 3) / 2);
        snprintf(want, sizeof(want), "<th>%s...</th>", s);
        CHECK(strstr(html, want));
        free(s);
        CHECK(strstr(html, "PSNR-Y 41.50 dB"));
    }
    free(amps);
    free(e_acute);
    av_free(html);
    progress_free(&p);
}

/* Every variable part at its worst: the page stays within the bound. */
static void test_bound_worst(void)
{
    char *name = repeat("\"", 200), *source = repeat("/\"", 2000), *label = repeat("'", 1000);
    struct progress *p = job_of(7, name, source);
    struct index_clip *c = calloc(7, sizeof(*c));
    uint8_t *thumb = calloc(1, INDEX_THUMB_MAX_BYTES);
    char *html = NULL;
    size_t len = 0;
    for (size_t i = 0; p && c && i < 7; i++) {
        p->clips[i].output_size = INT64_MAX;
        p->clips[i].source_size = INT64_MAX;
        p->clips[i].target_kbps = INT64_MAX;
        p->clips[i].encodes = INT32_MIN;
        p->clips[i].duration = 1e300;
        c[i] = (struct index_clip){ .probed = i != 3, .duration = 1e15, .width = INT32_MIN,
            .height = INT32_MIN, .original_width = INT32_MAX, .original_height = INT32_MAX,
            .fps = 999999.9, .nb_tags = INDEX_TAGS_MAX, .thumb = thumb,
            .thumb_size = INDEX_THUMB_MAX_BYTES, .thumb_width = INT32_MIN,
            .thumb_height = INT32_MIN, .thumb_time = -1e300, .quality_psnr_y = -999999.99,
            .quality_ssim_y = -1.0,
            .tags_from_original = 1 };
        memset(c[i].video_codec, '&', INDEX_CODEC_BUDGET);
        memset(c[i].audio, '"', INDEX_CODEC_BUDGET);
        memset(c[i].codecs, 'x', sizeof(c[i].codecs) - 1);
        memset(c[i].mime, 'y', sizeof(c[i].mime) - 1);
        for (int t = 0; t < INDEX_TAGS_MAX; t++) {
            memset(c[i].tags[t].key, '"', INDEX_TAG_RAW_MAX);
            memset(c[i].tags[t].value, '&', INDEX_TAG_RAW_MAX);
        }
    }
    CHECK(p && c && thumb);
    if (p && c && thumb) {
        p->preset = INT32_MIN;
        p->audio_kbps = INT32_MIN;
        render(p, label, c, &html, &len);
        printf("# worst case: %zu bytes, bound %lld\n", len, (long long)index_page_bound(p));
        CHECK((int64_t)len <= index_page_bound(p));
        CHECK(index_page_bound(p) - (int64_t)len < (int64_t)len); /* a bound, not a wall */
        CHECK_INT(index_page_bound(p) % PLAN_SECTOR_BYTES, 0);
    }
    free(name);
    free(source);
    free(label);
    free(thumb);
    free(c);
    av_free(html);
    progress_free(&p);
}

/* The planner counts the page only when the job writes it. */
static void test_bound_in_plan(void)
{
    struct progress *p = job_of(3, "cam.mp4", "/in/cam.mp4");
    int64_t with, without;
    if (!p)
        return;
    with = plan_other_files_of(p);
    p->index_page = 0;
    without = plan_other_files_of(p);
    CHECK_INT(index_page_bound(p), 0);
    p->index_page = 1;
    CHECK_INT(with - without, index_page_bound(p));
    CHECK(index_page_bound(p) >= INDEX_BASE_BYTES + 3 * (INDEX_CLIP_BYTES + INDEX_THUMB_MAX_BYTES));
    progress_free(&p);
}

/* The thumbnails' budget follows the disc: the maximum on a real disc,
 * cut on a disc of a few MB per clip (never below the minimum), and the
 * page's bound and the renderer keep to it. */
static void test_thumb_budget(void)
{
    struct progress *p = job_of(3, "cam.mp4", "/in/cam.mp4");
    struct index_clip c[3];
    uint8_t *thumb = calloc(1, INDEX_THUMB_MAX_BYTES);
    char *html = NULL;
    size_t len = 0;
    int64_t big, cut;
    if (!p || !thumb) {
        CHECK(0);
        free(thumb);
        progress_free(&p);
        return;
    }
    CHECK_INT(index_thumb_budget(p), INDEX_THUMB_MAX_BYTES);
    big = index_page_bound(p);
    /* 3 clips sharing 1/256 of 6,291,456 usable bytes: 8,192 each. */
    p->disc_bytes = 6291456 + 1000;
    p->safety_bytes = 1000;
    CHECK_INT(index_thumb_budget(p), 8192);
    /* A margin over the disc, even past what int64_t can subtract: the
     * smallest budget, never a wrapped one. */
    p->safety_bytes = INT64_MAX;
    p->disc_bytes = -2;
    CHECK_INT(index_thumb_budget(p), INDEX_THUMB_MIN_BYTES);
    p->disc_bytes = 300000;
    p->safety_bytes = 0;
    CHECK_INT(index_thumb_budget(p), INDEX_THUMB_MIN_BYTES);
    /* The bound shrinks by the three thumbnails' difference (in sectors). */
    cut = 3 * (int64_t)(AV_BASE64_SIZE(INDEX_THUMB_MAX_BYTES) - AV_BASE64_SIZE(INDEX_THUMB_MIN_BYTES));
    CHECK(llabs((long long)(big - index_page_bound(p) - cut)) < PLAN_SECTOR_BYTES);
    /* Thumbnails at the small budget are shown; one byte over, left out. */
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < 3; i++)
            c[i] = (struct index_clip){ .probed = 1, .duration = 2, .width = 320,
                .height = 180, .thumb = thumb, .thumb_size = INDEX_THUMB_MIN_BYTES + (size_t)k,
                .thumb_width = 320, .thumb_height = 180, .quality_psnr_y = NAN,
                .quality_ssim_y = NAN };
        render(p, "L", c, &html, &len);
        CHECK(html && count(html, "<img class=\"thumb\"") == (k ? 0 : 3));
        CHECK((int64_t)len <= index_page_bound(p));
        av_free(html);
        html = NULL;
    }
    free(thumb);
    progress_free(&p);
}

int main(void)
{
    RUN(test_escaped_len);
    RUN(test_escaping);
    RUN(test_tag_budget);
    RUN(test_padded_resolution);
    RUN(test_bound_worst);
    RUN(test_bound_in_plan);
    RUN(test_thumb_budget);
    return check_done();
}
