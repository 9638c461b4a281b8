/* probe_file on fixtures that probe_test.sh generates with the ffmpeg CLI
 * (argv[1] is their directory). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/log.h>

#include "check.h"
#include "base/errors.h"
#include "media/probe.h"

static const char *fixture_dir;

static int probe(const char *name, struct probe_info *info, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
    return probe_file(path, info, err, errlen);
}

static void test_video_with_audio(void)
{
    struct probe_info info;
    char err[256] = "x";
    CHECK_INT(probe("av.mp4", &info, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK(fabs(info.duration - 2.0) < 0.05);
    CHECK_INT(info.video_frames, 50);
    CHECK_INT(info.has_audio, 1);
    CHECK_INT(info.width, 64);
    CHECK_INT(info.height, 48);
}

static void test_video_only_estimated_frames(void)
{
    struct probe_info info;
    char err[256];
    CHECK_INT(probe("v.mkv", &info, err, sizeof(err)), 0);
    CHECK(fabs(info.duration - 2.0) < 0.15);
    /* Matroska does not count frames: duration x 10 fps. */
    CHECK(info.video_frames >= 19 && info.video_frames <= 21);
    CHECK_INT(info.has_audio, 0);
}

static void test_audio_only(void)
{
    struct probe_info info;
    char err[256];
    CHECK_INT(probe("a.m4a", &info, err, sizeof(err)), PBC_E_PROBE);
    CHECK_STR(err, "no video stream");
}

static void test_not_media(void)
{
    struct probe_info info;
    char err[256] = "";
    CHECK_INT(probe("text.mp4", &info, err, sizeof(err)), PBC_E_PROBE);
    CHECK(err[0] != '\0');
    CHECK(!strchr(err, '\n'));
    err[0] = '\0';
    CHECK_INT(probe("empty.mp4", &info, err, sizeof(err)), PBC_E_PROBE);
    CHECK(err[0] != '\0');
    printf("# text: %s\n", err);
}

static void test_truncated(void)
{
    struct probe_info info;
    char err[256] = "";
    CHECK_INT(probe("trunc.mp4", &info, err, sizeof(err)), PBC_E_PROBE);
    CHECK(!strncmp(err, "truncated", 9));
    printf("# trunc: %s\n", err);
}

/* A fragmented MP4 cut inside its last fragment: accepted for the whole
 * fragments before the cut, and said to be cut; an unfragmented one cut
 * short stays refused (test_truncated). */
static void test_fragment_cut(void)
{
    struct probe_info whole, cut;
    char err[256] = "";
    CHECK_INT(probe("frag.mp4", &whole, err, sizeof(err)), 0);
    CHECK_INT(whole.data_end, 0);
    CHECK_INT(probe("fragcut.mp4", &cut, err, sizeof(err)), 0);
    CHECK(cut.data_end > cut.file_size && cut.file_size > 0);
    CHECK(cut.duration > 1.5 && cut.duration < whole.duration);
    printf("# fragcut: %s; %.3f of %.3f s, index to %lld, file %lld\n", err, cut.duration,
           whole.duration, (long long)cut.data_end, (long long)cut.file_size);
}

static void test_missing(void)
{
    struct probe_info info;
    char err[256] = "";
    CHECK_INT(probe("missing.mp4", &info, err, sizeof(err)), PBC_E_PROBE);
    CHECK_STR(err, "No such file or directory");
    /* A short buffer is cut, not overrun; NULL is accepted. */
    CHECK_INT(probe("missing.mp4", &info, err, 3), PBC_E_PROBE);
    CHECK_STR(err, "No");
    CHECK_INT(probe("missing.mp4", &info, NULL, 0), PBC_E_PROBE);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        printf("Bail out! usage: %s FIXTURE_DIR\n", argv[0]);
        return 1;
    }
    fixture_dir = argv[1];
    av_log_set_level(AV_LOG_QUIET);
    RUN(test_video_with_audio);
    RUN(test_video_only_estimated_frames);
    RUN(test_audio_only);
    RUN(test_not_media);
    RUN(test_truncated);
    RUN(test_fragment_cut);
    RUN(test_missing);
    return check_done();
}
