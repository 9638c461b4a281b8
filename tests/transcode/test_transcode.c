/* Suite 'encode': transcode_clip() on one generated fixture, the result
 * checked with ffprobe (an independent tool here). Every check is its own
 * TAP test point, so a failure names what broke.
 *
 * Usage: test_transcode CASE FIXTURE_DIR FFPROBE WORK_DIR FFMPEG
 * CASE is a fixture's name without .mp4, "interrupt" or "interrupt_mid". */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/transcode/analyze.h"
#include "media/transcode/transcode.h"
#include "tc_checks.h"

/* Test-harness state only. TAP goes to the real stdout; the log, which
 * echoes to stdout, is sent to stderr so it cannot garble the TAP stream. */
static int tap_count, tap_failed;
static FILE *tap;

void ok(int cond, const char *fmt, ...)
{
    va_list ap;
    fprintf(tap, "%sok %d - ", cond ? "" : "not ", ++tap_count);
    va_start(ap, fmt);
    vfprintf(tap, fmt, ap);
    va_end(ap);
    fprintf(tap, "\n");
    fflush(tap);
    if (!cond)
        tap_failed++;
}

static void probe_free(struct probe *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->key[i]);
        free(p->val[i]);
    }
    p->n = 0;
}

static int probe_file(const struct env *e, const char *path, struct probe *p)
{
    char cmd[2048], line[1024];
    FILE *f;

    memset(p, 0, sizeof(*p));
    snprintf(cmd, sizeof(cmd), "'%s' -v error -count_packets -show_format -show_streams "
             "-of flat '%s'", e->ffprobe, path);
    f = popen(cmd, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f) && p->n < 512) {
        char *eq = strchr(line, '='), *v;
        size_t len;
        if (!eq)
            continue;
        *eq = '\0';
        v = eq + 1;
        len = strlen(v);
        while (len && (v[len - 1] == '\n' || v[len - 1] == '"'))
            v[--len] = '\0';
        if (*v == '"')
            v++;
        p->key[p->n] = strdup(line);
        p->val[p->n] = strdup(v);
        p->n++;
    }
    return pclose(f) == 0 && p->n > 0 ? 0 : -1;
}

const char *probe_get(const struct probe *p, const char *key)
{
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->key[i], key))
            return p->val[i];
    return NULL;
}

/* A field of the first stream of a type ("video", "audio"). */
static const char *stream_get(const struct probe *p, const char *type, const char *field)
{
    char key[128];
    for (int s = 0; s < 16; s++) {
        const char *t;
        snprintf(key, sizeof(key), "streams.stream.%d.codec_type", s);
        t = probe_get(p, key);
        if (t && !strcmp(t, type)) {
            snprintf(key, sizeof(key), "streams.stream.%d.%s", s, field);
            return probe_get(p, key);
        }
    }
    return NULL;
}

static double stream_num(const struct probe *p, const char *type, const char *field)
{
    const char *v = stream_get(p, type, field);
    return v ? atof(v) : NAN;
}

/* Opus in MP4 always decodes at 48 kHz, so ffprobe reports 48000; the
 * encoding rate is the InputSampleRate of the 'dOps' box (big-endian,
 * after version, channel count and pre-skip). 0 when there is none. */
static long opus_input_rate(const char *path)
{
    FILE *f = fopen(path, "rb");
    static unsigned char buf[1 << 20];
    size_t n;
    long rate = 0;

    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf), f); /* the fixtures' outputs are < 1 MB */
    fclose(f);
    for (size_t i = 0; i + 12 <= n; i++) {
        if (!memcmp(buf + i, "dOps", 4)) {
            rate = (long)buf[i + 8] << 24 | buf[i + 9] << 16 | buf[i + 10] << 8 | buf[i + 11];
            break;
        }
    }
    return rate;
}

int streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

int near(double a, double b, double tol)
{
    return !isnan(a) && !isnan(b) && fabs(a - b) <= tol;
}

/* opaque: the call count; a negative count asks for SIGINT's flag on the
 * first call, as if the user pressed Ctrl-C mid-clip. */
static void on_progress(void *opaque, double done, double total, double fps)
{
    int *calls = opaque;
    (void)fps;
    if (*calls < 0)
        pbc_interrupted = 1;
    else if (done >= 0 && total > 0)
        (*calls)++;
}

/* Transcodes fixture name to work/out_name, with the seam if any and the
 * quality measured when asked; returns transcode_clip()'s code. */
static int run_with(const struct env *e, char *src, char *dst, size_t size,
                    struct transcode_stats *st, int *progress_calls,
                    const struct transcode_seam *seam, int measure_quality)
{
    snprintf(src, size, "%s/%s", e->fixtures, e->name);
    snprintf(dst, size, "%s/out_%s.mp4", e->work, e->tag);
    unlink(dst);
    struct transcode_params p = {
        .src_path = src, .dst_path = dst, .clip_name = e->name,
        .video_kbps = 300, .preset = 10, .audio_kbps = 64, .threads = 1,
        .log = e->lg, .progress = on_progress, .progress_opaque = progress_calls,
        .measure_quality = measure_quality,
    };
    if (seam)
        p.seam = *seam;
    return transcode_clip(&p, st);
}

static int run(const struct env *e, char *src, char *dst, size_t size,
               struct transcode_stats *st, int *progress_calls)
{
    return run_with(e, src, dst, size, st, progress_calls, NULL, 0);
}

/* One Opus frame: the bound on any start or duration difference. */
#define TC_FRAME_S 0.020

/* A stream's start and duration (so its end too) are the source's. The
 * start is held to 2 ms: a late start must not move by Opus's 6.5 ms
 * pre-skip. */
static void check_timing(const struct probe *in, const struct probe *out, const char *type)
{
    double s_in = stream_num(in, type, "start_time"), s_out = stream_num(out, type, "start_time");
    double d_in = stream_num(in, type, "duration"), d_out = stream_num(out, type, "duration");

    ok(near(s_out, s_in, 0.002), "%s start within 2 ms of the source's (%.6f vs %.6f)",
       type, s_out, s_in);
    ok(near(d_out, d_in, TC_FRAME_S), "%s duration within 20 ms of the source's (%.6f vs %.6f)",
       type, d_out, d_in);
    ok(near(s_out + d_out, s_in + d_in, TC_FRAME_S),
       "%s end within 20 ms of the source's (%.6f vs %.6f)", type, s_out + d_out, s_in + d_in);
}

/* The checks every successful case shares. */
static void check_common(const struct probe *in, const struct probe *out, int audio,
                         const char *dst)
{
    ok(streq(stream_get(out, "video", "codec_name"), "av1"), "video is AV1");
    ok(streq(stream_get(out, "video", "pix_fmt"), "yuv420p"), "video is 8-bit 4:2:0");
    check_timing(in, out, "video");
    ok(near(atof(probe_get(out, "format.duration") ? probe_get(out, "format.duration") : "nan"),
            atof(probe_get(in, "format.duration") ? probe_get(in, "format.duration") : "nan"),
            TC_FRAME_S),
       "container duration within 20 ms of the source's (%s vs %s)",
       probe_get(out, "format.duration"), probe_get(in, "format.duration"));
    ok(near(stream_num(out, "video", "nb_read_packets"), stream_num(in, "video", "nb_read_packets"), 0),
       "same number of video frames as the source (%s vs %s)",
       stream_get(out, "video", "nb_read_packets"), stream_get(in, "video", "nb_read_packets"));
    if (!audio) {
        ok(!stream_get(out, "audio", "codec_name"), "no audio stream");
        return;
    }
    ok(streq(stream_get(out, "audio", "codec_name"), "opus"), "audio is Opus");
    ok(streq(stream_get(out, "audio", "channels"), "1"), "audio is mono");
    ok(opus_input_rate(dst) == 24000, "audio is encoded at 24 kHz (dOps: %ld)",
       opus_input_rate(dst));
    check_timing(in, out, "audio");
}

static int case_success(const struct env *e, int audio)
{
    char src[1024], dst[1024];
    struct transcode_stats st;
    struct probe in, out;
    int calls = 0;
    int ret = run(e, src, dst, sizeof(src), &st, &calls);

    ok(ret == 0, "transcode_clip returns 0 (%d)", ret);
    ok(access(dst, F_OK) == 0, "output exists");
    ok(probe_file(e, src, &in) == 0, "ffprobe reads the source");
    ok(probe_file(e, dst, &out) == 0, "ffprobe reads the output");
    check_common(&in, &out, audio, dst);
    check_tags(&in, &out);
    check_moov_first(dst);
    if (!strcmp(e->tag, "loud_stereo") || !strcmp(e->tag, "dual_mono") ||
        !strcmp(e->tag, "surround71"))
        check_levels(e, src, dst, 3.0);
    else if (!strcmp(e->tag, "surround51"))
        check_levels(e, src, dst, 7.0);
    ok(st.video_frames_in > 0 && st.video_frames_in == st.video_frames_out,
       "stats: every decoded frame encoded (%lld in, %lld out)",
       (long long)st.video_frames_in, (long long)st.video_frames_out);
    ok(calls > 0, "progress callback called (%d)", calls);

    if (!strcmp(e->name, "basic.mp4")) {
        ok(probe_get(&out, "format.tags.creation_time") &&
           !strncmp(probe_get(&out, "format.tags.creation_time"), "2023-05-01T12:34:56", 19),
           "creation_time kept (%s)", probe_get(&out, "format.tags.creation_time"));
        ok(streq(probe_get(&out, "format.tags.make"), "Axon") &&
           streq(probe_get(&out, "format.tags.model"), "Body 3") &&
           streq(probe_get(&out, "format.tags.serial"), "X81234"), "make/model/serial tags kept");
        ok(streq(probe_get(&out, "format.tags.title"), "Shift 7"), "title kept");
        ok(streq(stream_get(&out, "video", "side_data_list.side_data.0.rotation"),
                 stream_get(&in, "video", "side_data_list.side_data.0.rotation")),
           "rotation kept (%s)", stream_get(&out, "video", "side_data_list.side_data.0.rotation"));
        ok(streq(stream_get(&out, "audio", "tags.language"), "eng"), "audio language kept");
        ok(streq(stream_get(&out, "video", "color_primaries"), "bt709") &&
           streq(stream_get(&out, "video", "color_space"), "bt709") &&
           streq(stream_get(&out, "video", "color_transfer"), "bt709"), "BT.709 colour kept");
        ok(!probe_get(&out, "streams.stream.2.codec_type"), "subtitle stream not carried");
    }
    if (!strcmp(e->name, "yuv444_full.mp4") || !strcmp(e->name, "yuvj420.mp4"))
        ok(streq(stream_get(&out, "video", "color_range"), "pc"), "full range kept (%s)",
           stream_get(&out, "video", "color_range"));
    probe_free(&in);
    probe_free(&out);
    return 0;
}

/* Each output packet's timestamp is the source's: no frame moved. */
static void check_timestamps(const struct env *e, const char *src, const char *dst)
{
    char cmd[2048];
    FILE *a, *b;
    char la[64], lb[64];
    int n = 0, same = 1;

    snprintf(cmd, sizeof(cmd), "'%s' -v error -select_streams v -show_entries packet=pts_time "
             "-of csv=p=0 '%s' | sort -n", e->ffprobe, src);
    a = popen(cmd, "r");
    snprintf(cmd, sizeof(cmd), "'%s' -v error -select_streams v -show_entries packet=pts_time "
             "-of csv=p=0 '%s' | sort -n", e->ffprobe, dst);
    b = popen(cmd, "r");
    if (!a || !b) {
        ok(0, "ffprobe packet lists");
        return;
    }
    while (fgets(la, sizeof(la), a)) {
        if (!fgets(lb, sizeof(lb), b) || fabs(atof(la) - atof(lb)) > 0.0015)
            same = 0;
        n++;
    }
    if (fgets(lb, sizeof(lb), b))
        same = 0;
    pclose(a);
    pclose(b);
    ok(same && n > 0, "every frame keeps its source timestamp (%d frames)", n);
}

static void case_vfr(const struct env *e)
{
    char src[1024], dst[1024];
    case_success(e, 1);
    snprintf(src, sizeof(src), "%s/%s", e->fixtures, e->name);
    snprintf(dst, sizeof(dst), "%s/out_%s.mp4", e->work, e->tag);
    check_timestamps(e, src, dst);
}

/* The seams' callbacks, and what they were told. want: 0 declines the
 * seam at frame 40 and asks for no more; 1 makes seams at 40 and 55, the
 * second back at 300 kbit/s, the first encoder's rate; 2 declines at 40,
 * asks again at 55 and makes one seam there. */
struct seam_probe {
    int want, asked, told;
    int64_t bytes[2];
    double seconds[2];
};

static const int64_t seam_rates[2] = { 900, 300 }, seam_next[2] = { 55, 0 };

static int seam_wanted(void *opaque, int64_t *next_frame)
{
    struct seam_probe *sp = opaque;
    int yes = sp->want == 1 || (sp->want == 2 && sp->asked > 0);
    sp->asked++;
    if (!yes)
        *next_frame = sp->want == 2 ? 55 : 0;
    return yes;
}

static int64_t seam_rate(void *opaque, int64_t video_bytes, double seconds, int64_t *next_frame)
{
    struct seam_probe *sp = opaque;
    int k = sp->told < 2 ? sp->told : 1;
    sp->told++;
    sp->bytes[k] = video_bytes;
    sp->seconds[k] = seconds;
    *next_frame = sp->want == 2 ? 0 : seam_next[k];
    return seam_rates[k];
}

/* The output's video packets split at t[0] < t[1]: the bytes a second of
 * each of the three parts, the key frames, and those at t[0] and t[1]. */
struct packet_split {
    double rate[3];
    int keys, key_at[2];
};

static int split_packets(const struct env *e, const char *dst, const double t[2],
                         struct packet_split *ps)
{
    char cmd[2048], line[256];
    double first = NAN, last = 0, bytes[3] = { 0 };
    FILE *f;

    memset(ps, 0, sizeof(*ps));
    snprintf(cmd, sizeof(cmd), "'%s' -v error -select_streams v -show_entries "
             "packet=pts_time,size,flags -of csv=p=0 '%s'", e->ffprobe, dst);
    if (!(f = popen(cmd, "r")))
        return -1;
    while (fgets(line, sizeof(line), f)) {
        double pts = atof(line);
        char *size = strchr(line, ','), *flags = size ? strchr(size + 1, ',') : NULL;
        if (!flags)
            continue;
        if (isnan(first))
            first = pts;
        last = pts - first;
        bytes[(last > t[0] - 0.0015) + (last > t[1] - 0.0015)] += atof(size + 1);
        if (flags[1] == 'K') {
            ps->keys++;
            for (int i = 0; i < 2; i++)
                ps->key_at[i] |= fabs(last - t[i]) < 0.0015;
        }
    }
    pclose(f);
    if (isnan(first) || !(0 < t[0] && t[0] < t[1] && t[1] < last))
        return -1;
    ps->rate[0] = bytes[0] / t[0];
    ps->rate[1] = bytes[1] / (t[1] - t[0]);
    ps->rate[2] = bytes[2] / (last - t[1]);
    return 0;
}

/* Seams at frames 40 and 55 of the variable-frame-rate clip (transcode.h):
 * every frame and timestamp kept, each part at the rate the callback gave,
 * from a key frame at each seam, the file decodable and measured
 * throughout. Declined for good, the encode is one stream with one key
 * frame; declined at 40, it is asked again at 55 and seams there. */
static void case_seam(const struct env *e, int want)
{
    char src[1024], dst[1024], cmd[2048];
    struct seam_probe sp = { .want = want };
    const struct transcode_seam seam = { 40, seam_wanted, seam_rate, &sp };
    struct transcode_stats st;
    struct packet_split ps = { .keys = 0 };
    struct probe in, out;
    int calls = 0, ret = run_with(e, src, dst, sizeof(src), &st, &calls, &seam, 1);

    ok(ret == 0, "transcode_clip returns 0 (%d)", ret);
    ok(probe_file(e, src, &in) == 0 && probe_file(e, dst, &out) == 0, "ffprobe reads both");
    check_common(&in, &out, 1, dst);
    check_timestamps(e, src, dst);
    ok(sp.asked == (want ? 2 : 1), "asked at each seam's frame whether to make it (%d)",
       sp.asked);
    snprintf(cmd, sizeof(cmd), "test -z \"$('%s' -v error -i '%s' -f null - 2>&1)\"",
             e->ffmpeg, dst);
    ok(system(cmd) == 0, "ffmpeg decodes the output without a message");
    ok(st.psnr_y > 25 && st.quality_frames == st.video_frames_out,
       "quality measured over every frame (%.2f dB, %lld of %lld)", st.psnr_y,
       (long long)st.quality_frames, (long long)st.video_frames_out);
    if (want == 0) {
        const double t[2] = { 1.0, 2.0 };
        ok(sp.told == 0 && st.seams == 0, "declined: no rate asked, no seam in the stats");
        ret = split_packets(e, dst, t, &ps);
        ok(ret == 0 && ps.keys == 1, "one key frame (%d)", ps.keys);
    } else if (want == 2) {
        const double t[2] = { sp.seconds[0], sp.seconds[0] + 0.2 };
        ok(sp.told == 1 && st.seams == 1 && sp.seconds[0] > 2.4 && sp.seconds[0] < 2.9,
           "one seam, at frame 55 (%.3f s)", sp.seconds[0]);
        ret = split_packets(e, dst, t, &ps);
        ok(ret == 0 && ps.key_at[0] && ps.keys == 2, "a key frame at the seam (%d key frames)",
           ps.keys);
        ok(ps.rate[1] + ps.rate[2] > 1.8 * 2 * ps.rate[0],
           "the rest at its rate: %.0f bytes/s before, %.0f and %.0f after", ps.rate[0],
           ps.rate[1], ps.rate[2]);
    } else {
        ok(sp.told == 2 && st.seams == 2, "two rates asked, two seams in the stats (%d)",
           st.seams);
        ok(sp.seconds[0] > 1.5 && sp.seconds[0] < 2.5 && sp.seconds[1] > sp.seconds[0] + 0.45 &&
           sp.bytes[0] > 0 && sp.bytes[1] > sp.bytes[0], "40 and 55 frames of this clip: %.3f "
           "and %.3f s, %lld and %lld bytes of video", sp.seconds[0], sp.seconds[1],
           (long long)sp.bytes[0], (long long)sp.bytes[1]);
        ret = split_packets(e, dst, sp.seconds, &ps);
        ok(ret == 0 && ps.key_at[0] && ps.key_at[1] && ps.keys == 3,
           "a key frame at each seam (%d key frames)", ps.keys);
        ok(ps.rate[1] > 1.8 * ps.rate[0] && ps.rate[1] > 1.8 * ps.rate[2],
           "each part at its rate: %.0f, %.0f, %.0f bytes/s", ps.rate[0], ps.rate[1],
           ps.rate[2]);
    }
    probe_free(&in);
    probe_free(&out);
}

/* Damaged H.264 is decoded as ffmpeg would: bad packets skipped and
 * counted, the clip still encoded. */
static void case_corrupt(const struct env *e)
{
    char src[1024], dst[1024];
    struct transcode_stats st;
    struct probe out;
    int calls = 0;
    int ret = run(e, src, dst, sizeof(src), &st, &calls);

    ok(ret == 0, "transcode_clip returns 0 (%d)", ret);
    ok(st.corrupt_packets + st.decode_errors > 0, "errors counted (%lld corrupt, %lld decoding)",
       (long long)st.corrupt_packets, (long long)st.decode_errors);
    ok(st.video_frames_in > 0 && st.video_frames_in == st.video_frames_out,
       "every decoded frame encoded (%lld)", (long long)st.video_frames_out);
    ok(probe_file(e, dst, &out) == 0 && streq(stream_get(&out, "video", "codec_name"), "av1"),
       "output is AV1");
    probe_free(&out);
}

/* Frames the source's edit list leaves out are not encoded: the output
 * has the frames a player shows (45 of the 60 stored), and the log says why. */
static void case_edit_list(const struct env *e)
{
    char src[1024], dst[1024];
    struct transcode_stats st;
    struct probe out;
    int calls = 0;
    int ret = run(e, src, dst, sizeof(src), &st, &calls);

    ok(ret == 0, "transcode_clip returns 0 (%d)", ret);
    ok(st.video_frames_in == 45 && st.video_frames_out == 45,
       "the 45 frames shown decoded and encoded (%lld, %lld)",
       (long long)st.video_frames_in, (long long)st.video_frames_out);
    ok(probe_file(e, dst, &out) == 0 && near(stream_num(&out, "video", "nb_read_packets"), 45, 0),
       "the output has 45 frames");
    probe_free(&out);
}

/* A relative output path with a colon ("tc:dir/out.mp4", a build
 * directory named so) is a file, not a URL protocol, in both of the
 * muxer's passes (faststart reopens it). */
static void case_colon_path(const struct env *e)
{
    char src[1024];
    struct transcode_stats st;
    const char *dst = "tc:dir/out.mp4";
    int ret;

    snprintf(src, sizeof(src), "%s/%s", e->fixtures, e->name);
    if (chdir(e->work) < 0 || (mkdir("tc:dir", 0755) < 0 && errno != EEXIST)) {
        ok(0, "cannot make %s/tc:dir", e->work);
        return;
    }
    unlink(dst);
    struct transcode_params p = {
        .src_path = src, .dst_path = dst, .clip_name = e->name,
        .video_kbps = 300, .preset = 12, .audio_kbps = 64, .threads = 1, .log = e->lg,
    };
    ret = transcode_clip(&p, &st);
    ok(ret == 0, "transcode_clip to %s returns 0 (%s)", dst, av_err2str(ret));
    ok(access(dst, F_OK) == 0, "the output is at %s", dst);
    check_moov_first(dst);
}

/* interrupt: 0 none, 1 before the start, 2 at the first progress report. */
static void case_failure(const struct env *e, int interrupt)
{
    char src[1024], dst[1024];
    struct transcode_stats st;
    int calls = interrupt == 2 ? -1 : 0, ret;

    pbc_interrupted = interrupt == 1;
    ret = run(e, src, dst, sizeof(src), &st, &calls);
    pbc_interrupted = 0;
    if (interrupt)
        ok(ret == PBC_E_INTERRUPTED, "returns PBC_E_INTERRUPTED (%d)", ret);
    else
        ok(ret < 0 && ret != PBC_E_INTERRUPTED, "returns an error (%s)", av_err2str(ret));
    ok(access(dst, F_OK) < 0 && errno == ENOENT, "no output file left behind");
}

/* ffmpeg's PSNR-Y of dst's top-left w x h against src: -1 if unread. */
static double ffmpeg_psnr_y(const struct env *e, const char *src, const char *dst, int w, int h)
{
    char cmd[3072], line[1024];
    double psnr = -1;
    FILE *f;
    snprintf(cmd, sizeof(cmd), "'%s' -nostdin -hide_banner -i '%s' -i '%s' -lavfi "
             "'[0:v]crop=w=%d:h=%d:x=0:y=0:exact=1,setpts=PTS-STARTPTS[a];"
             "[1:v]format=yuv420p,setpts=PTS-STARTPTS[b];[a][b]psnr' -f null - 2>&1",
             e->ffmpeg, dst, src, w, h);
    if (!(f = popen(cmd, "r")))
        return -1;
    while (fgets(line, sizeof(line), f)) {
        const char *v = strstr(line, "PSNR y:");
        if (v)
            psnr = atof(v + 7);
    }
    return pclose(f) == 0 ? psnr : -1;
}

/* Two transport streams joined: the clock jumps back 3 s at the join.
 * Every frame is kept at its own pace, the second part following on from
 * the first (it was squeezed into a tick per frame: 150 frames in 3 s),
 * and the audio of both parts is there. */
static void case_joined(const struct env *e)
{
    char src[1024], dst[1024], cmd[2048], line[64];
    struct transcode_stats st;
    struct probe out;
    int calls = 0, ret = run(e, src, dst, sizeof(src), &st, &calls), n = 0;
    double prev = -1, min_gap = 1, max_gap = 0;
    FILE *f;

    ok(ret == 0, "transcode_clip returns 0 (%s)", ret < 0 ? pbc_err2str(ret) : "ok");
    ok(probe_file(e, dst, &out) == 0, "ffprobe reads the output");
    ok(stream_num(&out, "video", "nb_read_packets") == 150, "150 video frames (%s)",
       stream_get(&out, "video", "nb_read_packets"));
    ok(near(stream_num(&out, "video", "duration"), 5.0, 0.04), "video lasts 5 s (%s)",
       stream_get(&out, "video", "duration"));
    ok(near(stream_num(&out, "audio", "duration"), 5.0, 0.15), "audio lasts 5 s (%s)",
       stream_get(&out, "audio", "duration"));
    snprintf(cmd, sizeof(cmd), "'%s' -v error -select_streams v -show_entries packet=pts_time "
             "-of csv=p=0 '%s' | sort -n", e->ffprobe, dst);
    if ((f = popen(cmd, "r"))) {
        while (fgets(line, sizeof(line), f)) {
            double t = atof(line);
            if (prev >= 0) {
                min_gap = fmin(min_gap, t - prev);
                max_gap = fmax(max_gap, t - prev);
            }
            prev = t;
            n++;
        }
        pclose(f);
    }
    ok(n == 150 && min_gap > 0.03 && max_gap < 0.04,
       "every frame 1/30 s after the one before, across the join (%d frames, %.4f..%.4f s)",
       n, min_gap, max_gap);
    probe_free(&out);
}

/* Streams that start 600 s late: the copy starts at 0, each stream moved
 * back by the same amount, so their timing to each other, their durations
 * and every frame are kept, and the file lasts 2 s, not 602. */
static void case_start_offset(const struct env *e)
{
    char src[1024], dst[1024];
    struct transcode_stats st;
    struct probe in, out;
    int calls = 0, ret = run(e, src, dst, sizeof(src), &st, &calls);
    double first;

    ok(ret == 0, "transcode_clip returns 0 (%s)", ret < 0 ? pbc_err2str(ret) : "ok");
    ok(probe_file(e, src, &in) == 0 && probe_file(e, dst, &out) == 0, "ffprobe reads both");
    first = fmin(stream_num(&in, "video", "start_time"), stream_num(&in, "audio", "start_time"));
    ok(first > 599, "the source starts at %.6f s", first);
    for (int i = 0; i < 2; i++) {
        const char *type = i ? "audio" : "video";
        double s_in = stream_num(&in, type, "start_time") - first;
        double s_out = stream_num(&out, type, "start_time");
        ok(near(s_out, s_in, 0.002), "%s starts at %.6f s, the source's less %.6f (%.6f)",
           type, s_out, first, s_in);
        ok(near(stream_num(&out, type, "duration"), stream_num(&in, type, "duration"), TC_FRAME_S),
           "%s lasts as long as the source's (%s vs %s)", type, stream_get(&out, type, "duration"),
           stream_get(&in, type, "duration"));
    }
    ok(near(atof(probe_get(&out, "format.duration") ? probe_get(&out, "format.duration") : "nan"),
            2.0, 0.05), "the file lasts 2 s (%s)", probe_get(&out, "format.duration"));
    ok(near(stream_num(&out, "video", "nb_read_packets"), stream_num(&in, "video", "nb_read_packets"), 0),
       "same number of video frames as the source (%s)", stream_get(&out, "video", "nb_read_packets"));
    probe_free(&in);
    probe_free(&out);
}

/* A source of odd width or height, or under 64: coded at the next even
 * size of at least 64 (SVT-AV1 codes 4:2:0 at no other), every frame
 * kept, and the quality measured over the source's own pixels, as ffmpeg
 * measures the output cropped back to them; the --balance quality
 * analysis pads the same way. */
static int coded(int n)
{
    n += n & 1;
    return n < 64 ? 64 : n;
}

static void case_odd_size(const struct env *e, int w, int h)
{
    char src[1024], dst[1024];
    struct transcode_stats st;
    struct analyze_result ar;
    struct probe in, out;
    int calls = 0, ret = run_with(e, src, dst, sizeof(src), &st, &calls, NULL, 1);
    double theirs;

    ok(ret == 0, "transcode_clip returns 0 (%s)", ret < 0 ? pbc_err2str(ret) : "ok");
    ok(probe_file(e, src, &in) == 0 && probe_file(e, dst, &out) == 0, "ffprobe reads both");
    ok(stream_num(&in, "video", "width") == w && stream_num(&in, "video", "height") == h,
       "the source is %dx%d", w, h);
    ok(stream_num(&out, "video", "width") == coded(w) &&
       stream_num(&out, "video", "height") == coded(h), "the output is %dx%d (%sx%s)",
       coded(w), coded(h), stream_get(&out, "video", "width"),
       stream_get(&out, "video", "height"));
    check_common(&in, &out, stream_get(&in, "audio", "codec_name") != NULL, dst);
    theirs = ffmpeg_psnr_y(e, src, dst, w, h);
    ok(st.quality_frames == st.video_frames_out && st.psnr_y > 30 && near(st.psnr_y, theirs, 0.05),
       "PSNR-Y over the source's %dx%d: %.3f dB, ffmpeg's %.3f (%lld of %lld frames)", w, h,
       st.psnr_y, theirs, (long long)st.quality_frames, (long long)st.video_frames_out);
    ret = analyze_clip(src, e->name, 1.0, 12, 1, e->lg, &ar);
    ok(ret == 0 && ar.frames > 0 && ar.pt[0].kbps > ar.pt[1].kbps &&
       ar.pt[0].psnr_y > ar.pt[1].psnr_y && ar.pt[1].psnr_y > 20,
       "the analysis encodes it (%s; CRF %d: %.0f kbit/s %.2f dB, CRF %d: %.0f kbit/s %.2f dB)",
       ret < 0 ? pbc_err2str(ret) : "ok", ar.pt[0].crf, ar.pt[0].kbps, ar.pt[0].psnr_y,
       ar.pt[1].crf, ar.pt[1].kbps, ar.pt[1].psnr_y);
    probe_free(&in);
    probe_free(&out);
}

/* --balance quality's sample encodes on one clip: one stretch with its key
 * frame, a point per CRF, the higher CRF at the lower rate and quality,
 * quality within reason. The basic clip (2 s at 30 fps); and an MPEG-TS
 * whose one key frame is its first: the seek to its middle lands inside
 * the GOP and the decoder shows nothing before the clip ends, so the
 * stretch is taken from the start (it failed: "no sample frame could be
 * encoded and decoded"). */
static void case_analyze(const struct env *e, const char *file, double duration)
{
    char src[1024];
    struct analyze_result ar;
    int ret;
    snprintf(src, sizeof(src), "%s/%s", e->fixtures, file);
    ret = analyze_clip(src, file, duration, 12, 1, e->lg, &ar);
    ok(ret == 0, "analyze_clip succeeds (%s)", ret < 0 ? pbc_err2str(ret) : "ok");
    ok(ar.frames >= 8 && ar.frames <= 60 && ar.key_frames == 1,
       "one stretch of 8 to 60 frames with its key frame (%lld frames, %lld key)",
       (long long)ar.frames, (long long)ar.key_frames);
    ok(ar.pt[0].crf < ar.pt[1].crf && ar.pt[0].kbps > ar.pt[1].kbps &&
       ar.pt[0].psnr_y > ar.pt[1].psnr_y,
       "CRF %d: %.0f kbit/s %.2f dB above CRF %d: %.0f kbit/s %.2f dB", ar.pt[0].crf,
       ar.pt[0].kbps, ar.pt[0].psnr_y, ar.pt[1].crf, ar.pt[1].kbps, ar.pt[1].psnr_y);
    ok(ar.pt[1].psnr_y > 20 && ar.pt[0].psnr_y < 100 && ar.pt[1].ssim > 0.3 &&
       ar.pt[0].ssim <= 1, "plausible quality (SSIM-Y %.4f, %.4f)", ar.pt[0].ssim, ar.pt[1].ssim);
}

int main(int argc, char **argv)
{
    struct env e;
    const char *missing = NULL;
    char fixture[256], log_path[1024];

    if (argc != 6) {
        fprintf(stderr, "usage: %s CASE FIXTURE_DIR FFPROBE WORK_DIR FFMPEG\n", argv[0]);
        return 2;
    }
    e.tag = argv[1];
    e.fixtures = argv[2];
    e.ffprobe = argv[3];
    e.work = argv[4];
    e.ffmpeg = argv[5];
    /* The interrupt, colon and analysis cases reuse the basic clip. */
    snprintf(fixture, sizeof(fixture), !strcmp(e.tag, "joined") ? "%s.ts" : "%s.mp4",
             strncmp(e.tag, "interrupt", 9) && strcmp(e.tag, "colon_path") &&
             strncmp(e.tag, "analyze", 7) ? strncmp(e.tag, "seam", 4) ? e.tag : "vfr" : "basic");
    e.name = fixture;
    tap = fdopen(dup(STDOUT_FILENO), "w");
    if (!tap || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return 2;
    /* The log also goes to a file, for the checks of what it says. */
    snprintf(log_path, sizeof(log_path), "%s/log_%s.txt", e.work, e.tag);
    unlink(log_path);
    if (log_open(&e.lg, log_path, 0) < 0)
        return 2;
    log_route_libav(e.lg);

    ok(transcode_encoders_available(&missing) == 1, "libsvtav1 and libopus available (%s)",
       missing ? missing : "none missing");
    if (!strcmp(e.tag, "vfr"))
        case_vfr(&e);
    else if (!strcmp(e.tag, "corrupt"))
        case_corrupt(&e);
    else if (!strcmp(e.tag, "colon_path"))
        case_colon_path(&e);
    else if (!strcmp(e.tag, "edit_list"))
        case_edit_list(&e);
    else if (!strcmp(e.tag, "analyze"))
        case_analyze(&e, "basic.mp4", 2.0);
    else if (!strcmp(e.tag, "analyze_ts"))
        case_analyze(&e, "long_gop.ts", 4.0);
    else if (!strcmp(e.tag, "seam") || !strcmp(e.tag, "seam_declined") ||
             !strcmp(e.tag, "seam_late"))
        case_seam(&e, !strcmp(e.tag, "seam") ? 1 : !strcmp(e.tag, "seam_late") ? 2 : 0);
    else if (!strcmp(e.tag, "odd_size"))
        case_odd_size(&e, 321, 241);
    else if (!strcmp(e.tag, "odd_height"))
        case_odd_size(&e, 320, 241);
    else if (!strcmp(e.tag, "joined"))
        case_joined(&e);
    else if (!strcmp(e.tag, "start_offset"))
        case_start_offset(&e);
    else if (!strcmp(e.tag, "small_size"))
        case_odd_size(&e, 47, 33);
    else if (!strcmp(e.tag, "no_audio"))
        case_success(&e, 0);
    else if (!strcmp(e.tag, "not_media") || !strcmp(e.tag, "truncated"))
        case_failure(&e, 0);
    else if (!strcmp(e.tag, "interrupt"))
        case_failure(&e, 1);
    else if (!strcmp(e.tag, "interrupt_mid"))
        case_failure(&e, 2);
    else
        case_success(&e, 1);

    log_close(&e.lg);
    check_log(log_path, e.tag);
    fprintf(tap, "1..%d\n", tap_count);
    fclose(tap);
    return tap_failed ? 1 : 0;
}
