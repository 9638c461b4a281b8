/* The checks of issue 14: every tag kept, a mono mix that cannot clip,
 * moov before mdat. ffprobe and ffmpeg are independent tools here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_checks.h"

/* Tags the output cannot have as the source has them, each because the
 * muxer writes the truth about the output file in its place:
 * major_brand, minor_version, compatible_brands: the output's own 'ftyp'
 * (an AV1 file is not the H.264 file the source's brands describe);
 * encoder (file): libavformat always sets it to itself, the program that
 * wrote this file; encoder (stream): the source's video encoder (x264),
 * false for an AV1 stream. Everything else must match, both ways. */
static int tag_excluded(const char *key)
{
    static const char *const skip[] = { "major_brand", "minor_version",
                                         "compatible_brands", "encoder" };
    for (size_t i = 0; i < sizeof(skip) / sizeof(*skip); i++)
        if (!strcmp(key, skip[i]))
            return 1;
    return 0;
}

/* Every tag under prefix a in p is under prefix b in q with the same value. */
static int tags_within(const struct probe *p, const char *a, const struct probe *q,
                       const char *b, char *why, size_t size)
{
    size_t la = strlen(a);
    char key[256];
    for (int i = 0; i < p->n; i++) {
        const char *v;
        if (strncmp(p->key[i], a, la) || tag_excluded(p->key[i] + la))
            continue;
        snprintf(key, sizeof(key), "%s%s", b, p->key[i] + la);
        v = probe_get(q, key);
        if (!streq(v, p->val[i])) {
            snprintf(why, size, "%s=%s vs %s", p->key[i], p->val[i], v ? v : "(none)");
            return 0;
        }
    }
    return 1;
}

/* "streams.stream.N.tags." of the first stream of a type, or NULL. */
static const char *tags_prefix(const struct probe *p, const char *type, char *buf, size_t size)
{
    char key[64];
    for (int s = 0; s < 16; s++) {
        snprintf(key, sizeof(key), "streams.stream.%d.codec_type", s);
        if (streq(probe_get(p, key), type)) {
            snprintf(buf, size, "streams.stream.%d.tags.", s);
            return buf;
        }
    }
    return NULL;
}

void check_tags(const struct probe *in, const struct probe *out)
{
    static const char *const types[] = { "video", "audio" };
    char why[512] = "", pi[64], po[64];
    int same = tags_within(in, "format.tags.", out, "format.tags.", why, sizeof(why)) &&
               tags_within(out, "format.tags.", in, "format.tags.", why, sizeof(why));
    ok(same, "every container tag as the source has it %s", why);
    for (int t = 0; t < 2; t++) {
        if (!tags_prefix(in, types[t], pi, sizeof(pi)) || !tags_prefix(out, types[t], po, sizeof(po)))
            continue;
        why[0] = '\0';
        same = tags_within(in, pi, out, po, why, sizeof(why)) &&
               tags_within(out, po, in, pi, why, sizeof(why));
        ok(same, "every %s stream tag as the source has it %s", types[t], why);
    }
}

/* Peak and RMS (dBFS) of the decoded audio, all channels, float. */
static int audio_levels(const struct env *e, const char *path, double *peak, double *rms)
{
    char cmd[2048], line[512];
    FILE *f;
    *peak = *rms = NAN;
    snprintf(cmd, sizeof(cmd), "'%s' -nostdin -hide_banner -i '%s' -map 0:a:0 -af "
             "astats=measure_perchannel=none:measure_overall=Peak_level+RMS_level "
             "-f null - 2>&1", e->ffmpeg, path);
    if (!(f = popen(cmd, "r")))
        return -1;
    while (fgets(line, sizeof(line), f)) {
        const char *v;
        if ((v = strstr(line, "Peak level dB: ")))
            *peak = atof(v + 15);
        else if ((v = strstr(line, "RMS level dB: ")))
            *rms = atof(v + 14);
    }
    return pclose(f) == 0 && !isnan(*peak) && !isnan(*rms) ? 0 : -1;
}

/* The mono mix never passes full scale, and stays near the source's level:
 * within 3 dB for one or two channels, and for correlated 7.1. For 5.1 the mix of uncorrelated
 * channels is quieter than their average (the price of a matrix that
 * cannot clip, see docs/design.md): within 7 dB. */
void check_levels(const struct env *e, const char *src, const char *dst, double tol)
{
    double pi, ri, po, ro;
    ok(audio_levels(e, src, &pi, &ri) == 0 && audio_levels(e, dst, &po, &ro) == 0,
       "ffmpeg astats reads both");
    ok(po <= 0.0, "decoded output peak <= 0 dBFS (%.2f dBFS; source %.2f)", po, pi);
    ok(near(ro, ri, tol), "output RMS within %.0f dB of the source's (%.2f vs %.2f dBFS)",
       tol, ro, ri);
}

/* Top-level boxes: moov must come before mdat (faststart). */
void check_moov_first(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char h[16];
    long long off = 0, moov = -1, mdat = -1;

    while (f && fseeko(f, off, SEEK_SET) == 0 && fread(h, 1, 16, f) >= 8) {
        unsigned long long size = (unsigned long long)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
        if (size == 1)
            for (int i = 8; i < 16; i++)
                size = (i == 8 ? 0 : size << 8) | h[i];
        if (!memcmp(h + 4, "moov", 4) && moov < 0)
            moov = off;
        if (!memcmp(h + 4, "mdat", 4) && mdat < 0)
            mdat = off;
        if (size < 8)
            break;
        off += (long long)size;
    }
    if (f)
        fclose(f);
    ok(moov >= 0 && mdat >= 0 && moov < mdat, "moov (at %lld) precedes mdat (at %lld)", moov, mdat);
}


/* The whole log file (small: one clip), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    static char buf[1 << 16];
    size_t n;
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static int has(const char *log, const char *s)
{
    return log && strstr(log, s);
}

void check_log(const char *log_path, const char *tag)
{
    const char *log = slurp(log_path);
    if (!strcmp(tag, "surround51")) {
        ok(has(log, "audio: 6 ch 5.1 -> mono, normalised downmix (FL 0.185, FR 0.185, "
                    "FC 0.261, LFE 0.000, BL 0.131, BR 0.131)"),
           "the log gives the 5.1 downmix and its gains");
        ok(has(log, "audio: creation_time, language, handler_name"), "the log lists the audio tags");
    }
    if (!strcmp(tag, "surround71"))
        ok(has(log, "audio: 8 ch 7.1 -> mono") && has(log, "samples of the mix held at -1 dBFS"),
           "the log gives the 7.1 downmix and the samples held");
    if (!strcmp(tag, "edit_list"))
        ok(has(log, "15 of the file's 60 video frames lie outside its edit list"),
           "the log says why 60 frames are stored and 45 decoded");
    if (!strcmp(tag, "loud_stereo"))
        ok(has(log, "audio: 2 ch stereo -> mono, normalised downmix (FL 0.446, FR 0.446), "
                    "peak <= -1 dBFS"), "the log gives the stereo downmix");
    if (!strcmp(tag, "seam"))
        ok(has(log, "bytes of video before it; the rest at 900 kbit/s") &&
           has(log, "VBR 900 kbit/s"), "the log gives the seam and the second encoder's rate");
    if (!strcmp(tag, "odd_size"))
        ok(has(log, "video: the source's 321x241 is coded as 322x242 (SVT-AV1 codes 4:2:0 only at "
                    "even sizes of at least 64): its last column and row are repeated"),
           "the log says how the odd size is coded");
    if (!strcmp(tag, "joined"))
        ok(has(log, "the video's clock jumps by -3.0") && has(log, "the audio's clock jumps by"),
           "the log says where the clocks jump");
    if (!strcmp(tag, "start_offset"))
        ok(has(log, "the source's streams start at 599.97") && has(log, "on its clock: the copy "
                    "starts at 0, every stream moved back by that much"),
           "the log says the copy starts at 0");
    if (!strcmp(tag, "small_size"))
        ok(has(log, "video: the source's 47x33 is coded as 64x64"),
           "the log says how the small size is coded");
    if (!strcmp(tag, "odd_height"))
        ok(has(log, "video: the source's 320x241 is coded as 320x242") &&
           has(log, "its last row is repeated"), "the log says how the odd height is coded");
    if (!strcmp(tag, "basic")) {
        ok(has(log, "video: rotation 90 degrees counter-clockwise kept"), "the log gives the rotation");
        ok(has(log, "tags copied from the source (file: serial, title, model, make, creation_time;"),
           "the log lists the file's tags");
    }
}
