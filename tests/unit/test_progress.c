/* Progress file: round trips, the exact layout, atomic saves, and every
 * corrupt form progress_load must refuse (each its own TAP point). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "base/errors.h"
#include "state/progress.h"
#include "state/progress_internal.h"

#define HEX_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* Each clip on one line so a case can replace a whole clip. */
#define CLIP_A "{\"name\": \"a.mp4\", \"source\": \"/in/a.mov\", \"source_size\": 1000, " \
    "\"source_mtime_ns\": 1700000000123456789, \"duration\": 12.5, \"video_frames\": 375, " \
    "\"has_audio\": true, \"source_sha256\": \"" HEX_A "\", \"output_sha256\": \"" HEX_B "\", " \
    "\"output_size\": 900, \"target_kbps\": 3900, \"encodes\": 1}"
#define CLIP_B "{\"name\": \"b.mp4\", \"source\": \"/in/b.mov\", \"source_size\": 2000, " \
    "\"source_mtime_ns\": -5, \"duration\": 30, \"video_frames\": 900, \"has_audio\": false, " \
    "\"source_sha256\": null, \"output_sha256\": null, \"output_size\": null, " \
    "\"target_kbps\": null, \"encodes\": 0}"

/* A valid ENCODE document that the corrupt cases edit. */
static const char base_doc[] =
    "{\n"
    "  \"disc_bytes\": 25000000000,\n"
    "  \"safety_bytes\": 500000000,\n"
    "  \"mode\": \"ENCODE\",\n"
    "  \"kbps\": 4000,\n"
    "  \"files\": {\n"
    "    \"a.mp4\": \"done\",\n"
    "    \"b.mp4\": \"pending\"\n"
    "  },\n"
    "  \"format\": \"prepare_bodycam-progress\",\n"
    "  \"format_version\": 1,\n"
    "  \"build_dir\": \"/build\",\n"
    "  \"delete_originals\": false,\n"
    "  \"preset\": 10,\n"
    "  \"audio_kbps\": 64,\n"
    "  \"clips\": [\n"
    "    " CLIP_A ",\n"
    "    " CLIP_B "\n"
    "  ]\n"
    "}\n";

static char workdir[64];

static char *path_in_workdir(const char *name)
{
    size_t len = strlen(workdir) + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", workdir, name);
    return p;
}

static int write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f)
        return -1;
    ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = calloc(1, (size_t)n + 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* base_doc with up to two first-occurrence replacements; NULL if an `old`
 * is missing, so that a stale case fails instead of testing nothing. */
static char *edit_doc(const char *old1, const char *new1, const char *old2, const char *new2)
{
    char *doc = strdup(base_doc);
    const char *olds[2] = { old1, old2 }, *news[2] = { new1, new2 };
    for (int i = 0; i < 2 && doc; i++) {
        char *at, *out;
        size_t ol, nl, dl;
        if (!olds[i])
            continue;
        at = strstr(doc, olds[i]);
        if (!at) {
            printf("# edit: %s not found\n", olds[i]);
            free(doc);
            return NULL;
        }
        ol = strlen(olds[i]), nl = strlen(news[i]), dl = strlen(doc);
        out = malloc(dl - ol + nl + 1);
        if (out) {
            memcpy(out, doc, (size_t)(at - doc));
            memcpy(out + (at - doc), news[i], nl);
            strcpy(out + (at - doc) + nl, at + ol);
        }
        free(doc);
        doc = out;
    }
    return doc;
}

/* Loads path and expects a refusal that leaves *out NULL and gives one
 * line mentioning needle. */
static void expect_refused(const char *path, const char *needle)
{
    static struct progress sentinel;
    struct progress *p = &sentinel;
    char err[512] = "";
    int ret = progress_load(path, &p, err, sizeof(err));
    CHECK_INT(ret, PBC_E_PROGRESS);
    CHECK(p == NULL);
    CHECK(err[0] != 0);
    CHECK(strchr(err, '\n') == NULL);
    printf("# reason: %s\n", err);
    if (!strstr(err, needle)) {
        printf("# reason \"%s\" does not mention \"%s\"\n", err, needle);
        check_case_failed = 1;
    }
    if (ret == 0)
        progress_free(&p);
}

static void expect_doc_refused(const char *doc, size_t len, const char *needle)
{
    char *path = path_in_workdir("bad.json");
    CHECK(path && write_text(path, doc, len) == 0);
    if (path)
        expect_refused(path, needle);
    free(path);
}

/* ---- the corrupt forms: one edit of base_doc each ---- */

struct corrupt_case {
    const char *name;
    const char *old1, *new1, *old2, *new2;
    const char *needle; /* must appear in the reason */
};

#define CL_B(name, old, new, needle) { name, old, new, NULL, NULL, needle }

static const struct corrupt_case corrupt_cases[] = {
    /* missing keys, renamed away */
    { "missing_disc_bytes", "\"disc_bytes\":", "\"disc_bytez\":", 0, 0, "\"disc_bytes\": missing" },
    { "missing_safety_bytes", "\"safety_bytes\":", "\"x\":", 0, 0, "\"safety_bytes\": missing" },
    { "missing_mode", "\"mode\":", "\"x\":", 0, 0, "\"mode\": missing" },
    { "missing_kbps", "\"kbps\": 4000", "\"x\": 4000", 0, 0, "\"kbps\": missing" },
    { "missing_files", "\"files\":", "\"x\":", 0, 0, "\"files\": missing" },
    { "missing_format", "\"format\":", "\"x\":", 0, 0, "\"format\": missing" },
    { "missing_format_version", "\"format_version\":", "\"x\":", 0, 0, "\"format_version\": missing" },
    { "missing_build_dir", "\"build_dir\":", "\"x\":", 0, 0, "\"build_dir\": missing" },
    { "missing_delete_originals", "\"delete_originals\":", "\"x\":", 0, 0, "\"delete_originals\": missing" },
    { "missing_preset", "\"preset\":", "\"x\":", 0, 0, "\"preset\": missing" },
    { "missing_audio_kbps", "\"audio_kbps\":", "\"x\":", 0, 0, "\"audio_kbps\": missing" },
    { "missing_clips", "\"clips\":", "\"x\":", 0, 0, "\"clips\": missing" },
    { "missing_clip_name", "\"name\": \"b.mp4\"", "\"x\": \"b.mp4\"", 0, 0, "\"name\": missing" },
    { "missing_clip_source", "\"source\": \"/in/b.mov\"", "\"x\": 1", 0, 0, "\"source\": missing" },
    { "missing_clip_source_size", "\"source_size\": 2000", "\"x\": 1", 0, 0, "\"source_size\": missing" },
    { "missing_clip_mtime", "\"source_mtime_ns\": -5", "\"x\": 1", 0, 0, "\"source_mtime_ns\": missing" },
    { "missing_clip_duration", "\"duration\": 30", "\"x\": 1", 0, 0, "\"duration\": missing" },
    { "missing_clip_video_frames", "\"video_frames\": 900", "\"x\": 1", 0, 0, "\"video_frames\": missing" },
    { "missing_clip_has_audio", "\"has_audio\": false", "\"x\": 1", 0, 0, "\"has_audio\": missing" },
    { "missing_clip_source_sha256", "\"source_sha256\": null", "\"x\": 1", 0, 0, "\"source_sha256\": missing" },
    { "missing_clip_output_sha256", "\"output_sha256\": null", "\"x\": 1", 0, 0, "\"output_sha256\": missing" },
    { "missing_clip_output_size", "\"output_size\": null", "\"x\": 1", 0, 0, "\"output_size\": missing" },
    { "missing_clip_target_kbps", "\"target_kbps\": null", "\"x\": 1", 0, 0, "\"target_kbps\": missing" },
    { "missing_clip_encodes", "\"encodes\": 0", "\"x\": 1", 0, 0, "\"encodes\": missing" },
    /* start_kbps (--jobs): optional, >= 0, only on a pending clip */
    { "start_kbps_negative", "\"encodes\": 0}", "\"encodes\": 0, \"start_kbps\": -1}", 0, 0, "\"start_kbps\": expected" },
    { "start_kbps_string", "\"encodes\": 0}", "\"encodes\": 0, \"start_kbps\": \"7\"}", 0, 0, "\"start_kbps\": expected" },
    { "start_kbps_on_done", "\"encodes\": 1}", "\"encodes\": 1, \"start_kbps\": 3900}", 0, 0, "\"done\" but key \"start_kbps\"" },
    /* a discarded fill attempt: both keys, > 0, on a done clip encoded twice or more */
    { "fill_overflow_alone", "\"encodes\": 1}", "\"encodes\": 2, \"fill_overflow_kbps\": 9000}", 0, 0, "go together" },
    { "fill_overflow_bytes_alone", "\"encodes\": 1}", "\"encodes\": 2, \"fill_overflow_bytes\": 7}", 0, 0, "go together" },
    { "fill_overflow_encoded_once", "\"encodes\": 1}", "\"encodes\": 1, \"fill_overflow_kbps\": 9000, \"fill_overflow_bytes\": 7}", 0, 0, "go together" },
    { "fill_overflow_on_pending", "\"encodes\": 0}", "\"encodes\": 2, \"fill_overflow_kbps\": 9000, \"fill_overflow_bytes\": 7}", 0, 0, "go together" },
    { "fill_overflow_kbps_zero", "\"encodes\": 1}", "\"encodes\": 2, \"fill_overflow_kbps\": 0, \"fill_overflow_bytes\": 7}", 0, 0, "\"fill_overflow_kbps\": expected" },
    { "fill_overflow_bytes_string", "\"encodes\": 1}", "\"encodes\": 2, \"fill_overflow_kbps\": 9000, \"fill_overflow_bytes\": \"7\"}", 0, 0, "\"fill_overflow_bytes\": expected" },

    /* header values */
    { "disc_bytes_string", "25000000000,", "\"25000000000\",", 0, 0, "\"disc_bytes\"" },
    { "disc_bytes_bool", "25000000000,", "true,", 0, 0, "\"disc_bytes\"" },
    { "disc_bytes_real", "25000000000,", "25000000000.0,", 0, 0, "\"disc_bytes\"" },
    { "disc_bytes_zero", "25000000000,", "0,", 0, 0, "\"disc_bytes\"" },
    { "disc_bytes_negative", "25000000000,", "-1,", 0, 0, "\"disc_bytes\"" },
    { "disc_bytes_overflow", "25000000000,", "99999999999999999999,", 0, 0, "too big" },
    { "safety_bytes_negative", "500000000,", "-1,", 0, 0, "\"safety_bytes\"" },
    { "safety_bytes_equal_disc", "500000000,", "25000000000,", 0, 0, "\"safety_bytes\"" },
    { "safety_bytes_over_disc", "500000000,", "30000000000,", 0, 0, "\"safety_bytes\"" },
    { "safety_bytes_null", "500000000,", "null,", 0, 0, "\"safety_bytes\"" },
    { "mode_lowercase", "\"ENCODE\"", "\"encode\"", 0, 0, "\"mode\"" },
    { "mode_number", "\"ENCODE\"", "1", 0, 0, "\"mode\"" },
    { "kbps_null_in_encode", "\"kbps\": 4000", "\"kbps\": null", 0, 0, "\"kbps\"" },
    { "kbps_in_copy", "\"ENCODE\"", "\"COPY\"", 0, 0, "\"kbps\": must be null in COPY" },
    { "kbps_string", "\"kbps\": 4000", "\"kbps\": \"4000\"", 0, 0, "\"kbps\": expected an integer or null" },
    { "kbps_bool", "\"kbps\": 4000", "\"kbps\": true", 0, 0, "\"kbps\": expected an integer or null" },
    { "kbps_real", "\"kbps\": 4000", "\"kbps\": 4000.5", 0, 0, "\"kbps\": expected an integer or null" },
    { "kbps_zero", "\"kbps\": 4000", "\"kbps\": 0", 0, 0, "\"kbps\"" },
    { "kbps_negative", "\"kbps\": 4000", "\"kbps\": -4000", 0, 0, "\"kbps\"" },
    { "kbps_too_big", "\"kbps\": 4000", "\"kbps\": 9223372036854775807", 0, 0, "\"kbps\"" },
    { "format_wrong", "\"prepare_bodycam-progress\"", "\"something-else\"", 0, 0, "\"format\"" },
    { "format_version_newer", "\"format_version\": 1", "\"format_version\": 2", 0, 0, "newer" },
    { "format_version_zero", "\"format_version\": 1", "\"format_version\": 0", 0, 0, "\"format_version\"" },
    { "format_version_string", "\"format_version\": 1", "\"format_version\": \"1\"", 0, 0, "\"format_version\"" },
    { "format_version_real", "\"format_version\": 1", "\"format_version\": 1.0", 0, 0, "\"format_version\"" },
    { "build_dir_relative", "\"/build\"", "\"build\"", 0, 0, "\"build_dir\": not an absolute path" },
    { "build_dir_empty", "\"/build\"", "\"\"", 0, 0, "\"build_dir\"" },
    { "build_dir_number", "\"/build\"", "7", 0, 0, "\"build_dir\"" },
    { "delete_originals_string", "\"delete_originals\": false", "\"delete_originals\": \"no\"", 0, 0, "\"delete_originals\"" },
    { "delete_originals_int", "\"delete_originals\": false", "\"delete_originals\": 0", 0, 0, "\"delete_originals\"" },
    { "preset_too_big", "\"preset\": 10", "\"preset\": 14", 0, 0, "\"preset\"" },
    { "preset_negative", "\"preset\": 10", "\"preset\": -1", 0, 0, "\"preset\"" },
    { "preset_overflow_int", "\"preset\": 10", "\"preset\": 4294967306", 0, 0, "\"preset\"" },
    { "preset_real", "\"preset\": 10", "\"preset\": 10.0", 0, 0, "\"preset\"" },
    { "audio_kbps_zero", "\"audio_kbps\": 64", "\"audio_kbps\": 0", 0, 0, "\"audio_kbps\"" },
    { "audio_kbps_negative", "\"audio_kbps\": 64", "\"audio_kbps\": -64", 0, 0, "\"audio_kbps\"" },
    { "audio_kbps_bool", "\"audio_kbps\": 64", "\"audio_kbps\": true", 0, 0, "\"audio_kbps\"" },
    { "audio_kbps_overflow_int", "\"audio_kbps\": 64", "\"audio_kbps\": 2147483712", 0, 0, "\"audio_kbps\"" },

    /* files */
    { "files_array", "\"files\": {\n    \"a.mp4\": \"done\",\n    \"b.mp4\": \"pending\"\n  }",
      "\"files\": [\"a.mp4\", \"b.mp4\"]", 0, 0, "\"files\": expected an object" },
    { "status_unknown", "\"pending\"", "\"Pending\"", 0, 0, "\"files\".\"b.mp4\": expected \"pending\" or \"done\"" },
    { "status_null", "\"pending\"", "null", 0, 0, "\"files\".\"b.mp4\"" },
    { "status_bool", "\"pending\"", "true", 0, 0, "\"files\".\"b.mp4\"" },
    { "name_dotdot_slash", "\"a.mp4\": \"done\"", "\"../x\": \"done\"", 0, 0, "\"files\".\"../x\": not a plain file name" },
    { "name_slash", "\"a.mp4\": \"done\"", "\"sub/a.mp4\": \"done\"", 0, 0, "\"files\".\"sub/a.mp4\": not a plain file name" },
    { "name_absolute", "\"a.mp4\": \"done\"", "\"/etc/passwd\": \"done\"", 0, 0, "not a plain file name" },
    { "name_dot", "\"a.mp4\": \"done\"", "\".\": \"done\"", 0, 0, "\"files\".\".\": not a plain file name" },
    { "name_dotdot", "\"a.mp4\": \"done\"", "\"..\": \"done\"", 0, 0, "\"files\".\"..\": not a plain file name" },
    { "name_empty", "\"a.mp4\": \"done\"", "\"\": \"done\"", 0, 0, "\"files\".\"\": not a plain file name" },
    { "name_newline", "\"a.mp4\": \"done\"", "\"a\\nb.mp4\": \"done\"", 0, 0, "\"files\".\"a\\x0ab.mp4\": not a plain" },
    { "name_control", "\"a.mp4\": \"done\"", "\"a\\u0001.mp4\": \"done\"", 0, 0, "not a plain file name" },
    { "name_del", "\"a.mp4\": \"done\"", "\"a\\u007f.mp4\": \"done\"", 0, 0, "not a plain file name" },
    { "name_c1_control", "\"a.mp4\": \"done\"", "\"a\\u0085.mp4\": \"done\"", 0, 0, "\"files\".\"a\\xc2\\x85.mp4\": not a plain" },
    { "name_nul_key", "\"a.mp4\": \"done\"", "\"a\\u0000.mp4\": \"done\"", 0, 0, "\\u0000" },
    { "name_nul_in_clip", "\"name\": \"a.mp4\"", "\"name\": \"a.mp4\\u0000x\"", 0, 0, "\\u0000" },
    { "name_too_long", "\"a.mp4\": \"done\"",
      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.mp4\": \"done\"",
      0, 0, "not a plain file name" },
    { "name_duplicate_in_files", "\"b.mp4\": \"pending\"", "\"a.mp4\": \"pending\"", 0, 0, "duplicate" },
    { "name_duplicate_everywhere", "\"b.mp4\": \"pending\"", "\"a.mp4\": \"pending\"",
      "\"name\": \"b.mp4\"", "\"name\": \"a.mp4\"", "duplicate" },

    /* files and clips must agree */
    { "files_clips_order", "\"a.mp4\": \"done\",\n    \"b.mp4\": \"pending\"",
      "\"b.mp4\": \"pending\",\n    \"a.mp4\": \"done\"", 0, 0, "same order" },
    { "files_extra_entry", "\"b.mp4\": \"pending\"", "\"b.mp4\": \"pending\", \"c.mp4\": \"pending\"",
      0, 0, "\"files\" and \"clips\"" },
    { "clips_extra_entry", CLIP_B, CLIP_B ", " CLIP_B, 0, 0, "\"files\" and \"clips\"" },
    { "clips_other_name", "\"name\": \"b.mp4\"", "\"name\": \"c.mp4\"", 0, 0, "\"clips\"[1]" },
    { "clips_not_array", "\"clips\": [", "\"clips\": {\"x\": [", "  ]\n}", "  ]}\n}", "\"clips\": expected an array" },
    { "clip_not_object", CLIP_B, "7", 0, 0, "\"clips\"[1]: expected an object" },
    { "clip_name_number", "\"name\": \"b.mp4\"", "\"name\": 2", 0, 0, "\"name\": expected a string" },

    /* clip values */
    { "source_relative", "\"/in/b.mov\"", "\"in/b.mov\"", 0, 0, "(\"b.mp4\"): key \"source\": not an absolute path" },
    { "source_null", "\"/in/b.mov\"", "null", 0, 0, "\"source\"" },
    CL_B("source_size_negative", "\"source_size\": 2000", "\"source_size\": -1", "\"source_size\""),
    CL_B("source_size_string", "\"source_size\": 2000", "\"source_size\": \"2000\"", "\"source_size\""),
    CL_B("source_size_real", "\"source_size\": 2000", "\"source_size\": 2000.5", "\"source_size\""),
    CL_B("source_size_bool", "\"source_size\": 2000", "\"source_size\": true", "\"source_size\""),
    CL_B("source_size_overflow", "\"source_size\": 2000", "\"source_size\": -99999999999999999999", "too big"),
    CL_B("mtime_real", "\"source_mtime_ns\": -5", "\"source_mtime_ns\": 1.5", "\"source_mtime_ns\""),
    CL_B("duration_negative", "\"duration\": 30", "\"duration\": -1", "\"duration\""),
    CL_B("duration_string", "\"duration\": 30", "\"duration\": \"30\"", "\"duration\""),
    CL_B("duration_bool", "\"duration\": 30", "\"duration\": true", "\"duration\""),
    CL_B("duration_overflow", "\"duration\": 30", "\"duration\": 1e999", "overflow"),
    CL_B("video_frames_negative", "\"video_frames\": 900", "\"video_frames\": -1", "\"video_frames\""),
    CL_B("video_frames_bool", "\"video_frames\": 900", "\"video_frames\": false", "\"video_frames\""),
    CL_B("has_audio_int", "\"has_audio\": false", "\"has_audio\": 0", "\"has_audio\""),
    CL_B("has_audio_null", "\"has_audio\": false", "\"has_audio\": null", "\"has_audio\""),
    CL_B("source_sha256_65_digits", "\"source_sha256\": null", "\"source_sha256\": \"" HEX_A "0\"", "\"source_sha256\""),
    CL_B("source_sha256_short", "\"source_sha256\": null", "\"source_sha256\": \"0123\"", "\"source_sha256\""),
    CL_B("source_sha256_empty", "\"source_sha256\": null", "\"source_sha256\": \"\"", "\"source_sha256\""),
    CL_B("source_sha256_number", "\"source_sha256\": null", "\"source_sha256\": 5", "\"source_sha256\""),
    CL_B("output_sha256_uppercase", "\"output_sha256\": null",
         "\"output_sha256\": \"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"",
         "\"output_sha256\""),
    CL_B("output_sha256_not_hex", "\"output_sha256\": null",
         "\"output_sha256\": \"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
         "\"output_sha256\""),
    CL_B("output_size_negative", "\"output_size\": null", "\"output_size\": -1", "\"output_size\""),
    CL_B("output_size_string", "\"output_size\": null", "\"output_size\": \"1\"", "\"output_size\""),
    CL_B("target_kbps_zero", "\"target_kbps\": null", "\"target_kbps\": 0", "\"target_kbps\""),
    CL_B("target_kbps_negative", "\"target_kbps\": null", "\"target_kbps\": -3", "\"target_kbps\""),
    CL_B("encodes_negative", "\"encodes\": 0", "\"encodes\": -1", "\"encodes\""),
    CL_B("encodes_overflow_int", "\"encodes\": 0", "\"encodes\": 2147483648", "\"encodes\""),
    CL_B("encodes_bool", "\"encodes\": 0", "\"encodes\": true", "\"encodes\""),
    { "done_without_output_size", "\"output_size\": 900", "\"output_size\": null", 0, 0,
      "(\"a.mp4\"): \"done\" but key \"output_size\" is null" },
    { "done_without_output_sha256", "\"output_sha256\": \"" HEX_B "\"", "\"output_sha256\": null",
      0, 0, "(\"a.mp4\"): \"done\" but key \"output_sha256\" is null" },

    /* "mode" disagreeing with the clips (a hand edit): refused on load */
    { "mode_flipped_to_copy", "\"mode\": \"ENCODE\",\n  \"kbps\": 4000",
      "\"mode\": \"COPY\",\n  \"kbps\": null", 0, 0, "\"mode\": \"COPY\" disagrees" },
    { "encode_name_not_mp4", "\"a.mp4\": \"done\"", "\"a.mov\": \"done\"",
      "\"name\": \"a.mp4\"", "\"name\": \"a.mov\"", "is not named .mp4" },
    { "encode_not_probed", "\"duration\": 30, \"video_frames\": 900",
      "\"duration\": 0, \"video_frames\": 0", 0, 0, "no probed duration" },
    { "encode_done_without_kbps", "\"target_kbps\": 3900", "\"target_kbps\": null", 0, 0,
      "no encoding bitrate" },

    /* the build directory's own names */
    { "reserved_progress", "\"a.mp4\": \"done\"", "\"progress.json\": \"done\"", 0, 0, "own files" },
    { "reserved_completed", "\"a.mp4\": \"done\"", "\"progress.completed.json\": \"done\"", 0, 0, "own files" },
    { "reserved_manifest", "\"a.mp4\": \"done\"", "\"MANIFEST.json\": \"done\"", 0, 0, "own files" },
    { "reserved_sums", "\"a.mp4\": \"done\"", "\"SHA256SUMS\": \"done\"", 0, 0, "own files" },
    { "reserved_index", "\"a.mp4\": \"done\"", "\"index.html\": \"done\"", 0, 0, "own files" },
    { "reserved_thumbs", "\"a.mp4\": \"done\"", "\"thumbs\": \"done\"", 0, 0, "own files" },
    { "reserved_partial", "\"a.mp4\": \"done\"", "\".a.mp4.pbc-partial\": \"done\"", 0, 0, "own files" },

    /* the optional job_started */
    { "job_started_number", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": 5,", 0, 0, "\"job_started\": expected a string" },
    { "job_started_null", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": null,", 0, 0, "\"job_started\"" },
    { "job_started_empty", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"\",", 0, 0, "\"job_started\": expected a UTC time" },
    { "job_started_space", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"2024-03-01 12:34:56Z\",", 0, 0, "\"job_started\"" },
    { "job_started_no_zone", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"2024-03-01T12:34:56\",", 0, 0, "\"job_started\"" },
    { "job_started_offset", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"2024-03-01T12:34:56+01:00\",", 0, 0, "\"job_started\"" },
    { "job_started_trailing", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"2024-03-01T12:34:56Zx\",", 0, 0, "\"job_started\"" },
    { "job_started_month_13", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"2024-13-01T12:34:56Z\",", 0, 0, "\"job_started\"" },
    { "job_started_hour_24", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"2024-03-01T24:00:00Z\",", 0, 0, "\"job_started\"" },
    { "job_started_fraction", "\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"job_started\": \"2024-03-01T12:34:56.5Z\",", 0, 0, "\"job_started\"" },

    /* not JSON, or not ours */
    { "truncated", "  ]\n}\n", "  ]\n", 0, 0, "not valid JSON" },
    { "trailing_garbage", "  ]\n}\n", "  ]\n}\n{}", 0, 0, "not valid JSON" },
    { "duplicate_top_key", "\"preset\": 10,", "\"preset\": 10, \"preset\": 11,", 0, 0, "duplicate" },
    { "invalid_utf8", "\"/in/b.mov\"", "\"/in/b\xff.mov\"", 0, 0, "not valid JSON" },
    { "top_level_array", "{\n  \"disc_bytes\"", "[{\n  \"disc_bytes\"", "  ]\n}\n", "  ]\n}]\n",
      "top level is not a JSON object" },
};

/* The same counting as RUN, for table-driven cases with their own names. */
static void run_named(const char *name, void (*fn)(const struct corrupt_case *),
                      const struct corrupt_case *c)
{
    check_case_failed = 0;
    fn(c);
    check_cases++;
    if (check_case_failed)
        check_cases_failed++;
    printf("%sok %d - corrupt_%s\n", check_case_failed ? "not " : "", check_cases, name);
    fflush(stdout);
}

static void corrupt_case_run(const struct corrupt_case *c)
{
    char *doc = edit_doc(c->old1, c->new1, c->old2, c->new2);
    CHECK(doc != NULL);
    if (doc)
        expect_doc_refused(doc, strlen(doc), c->needle);
    free(doc);
}

/* ---- corrupt forms that are not edits ---- */

static void test_missing_file(void)
{
    char *path = path_in_workdir("does-not-exist.json");
    expect_refused(path, strerror(ENOENT));
    free(path);
}

static void test_unreadable_directory(void)
{
    expect_refused(workdir, strerror(EISDIR));
}

static void test_unreadable_permissions(void)
{
    char *path = path_in_workdir("noperm.json");
    CHECK(write_text(path, base_doc, strlen(base_doc)) == 0);
    /* root reads through mode 000, so the case only means something as a user. */
    if (geteuid() != 0 && chmod(path, 0) == 0)
        expect_refused(path, strerror(EACCES));
    else
        printf("# running as root: mode 000 does not stop a read, case not exercised\n");
    unlink(path);
    free(path);
}

/* A FIFO would block a plain open; it must be refused, not hang the run. */
static void test_fifo(void)
{
    char *path = path_in_workdir("fifo.json");
    CHECK(mkfifo(path, 0600) == 0);
    expect_refused(path, "not a regular file");
    unlink(path);
    free(path);
}

static void test_device(void)
{
    expect_refused("/dev/null", "not a regular file");
}

/* Sparse, so the case costs no disk. */
static void test_too_large(void)
{
    char *path = path_in_workdir("huge.json");
    CHECK(write_text(path, "{", 1) == 0);
    CHECK(truncate(path, 64 * 1024 * 1024 + 1) == 0);
    expect_refused(path, "larger than");
    unlink(path);
    free(path);
}

static void test_empty_file(void)
{
    expect_doc_refused("", 0, "empty");
}

static void test_whitespace_only(void)
{
    expect_doc_refused("  \n", 3, "not valid JSON");
}

static void test_not_json(void)
{
    expect_doc_refused("hello\n", 6, "line 1");
}

static void test_top_level_scalar(void)
{
    expect_doc_refused("42\n", 3, "not valid JSON");
}

static void test_half_file(void)
{
    expect_doc_refused(base_doc, strlen(base_doc) / 2, "not valid JSON");
}

static void test_small_err_buffer(void)
{
    char *path = path_in_workdir("does-not-exist.json");
    struct progress *p = NULL;
    char err[4] = "xyz";
    CHECK_INT(progress_load(path, &p, err, sizeof(err)), PBC_E_PROGRESS);
    CHECK(strlen(err) == 3);
    CHECK_INT(progress_load(path, &p, NULL, 0), PBC_E_PROGRESS);
    CHECK(p == NULL);
    free(path);
}

/* ---- valid documents ---- */

static void test_base_doc_loads(void)
{
    char *path = path_in_workdir("good.json");
    struct progress *p = NULL;
    char err[256] = "";
    CHECK(write_text(path, base_doc, strlen(base_doc)) == 0);
    CHECK_INT(progress_load(path, &p, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK(p != NULL);
    if (p) {
        CHECK_INT(p->disc_bytes, 25000000000LL);
        CHECK_INT(p->safety_bytes, 500000000);
        CHECK_INT(p->mode, MODE_ENCODE);
        CHECK_INT(p->kbps, 4000);
        CHECK_STR(p->build_dir, "/build");
        CHECK_INT(p->delete_originals, 0);
        CHECK_INT(p->preset, 10);
        CHECK_INT(p->audio_kbps, 64);
        CHECK_STR(p->job_started, ""); /* optional, absent */
        CHECK_INT(p->nb_clips, 2);
        CHECK_STR(p->clips[0].name, "a.mp4");
        CHECK_INT(p->clips[0].status, CLIP_DONE);
        CHECK_INT(p->clips[0].source_mtime_ns, 1700000000123456789LL);
        CHECK(p->clips[0].duration == 12.5);
        CHECK_STR(p->clips[0].source_sha256, HEX_A);
        CHECK_STR(p->clips[0].output_sha256, HEX_B);
        CHECK_INT(p->clips[0].output_size, 900);
        CHECK_INT(p->clips[0].target_kbps, 3900);
        CHECK_INT(p->clips[0].has_audio, 1);
        CHECK_STR(p->clips[1].name, "b.mp4");
        CHECK_INT(p->clips[1].status, CLIP_PENDING);
        CHECK_INT(p->clips[1].source_mtime_ns, -5);
        CHECK(p->clips[1].duration == 30.0); /* an integer duration is accepted */
        CHECK_STR(p->clips[1].source_sha256, "");
        CHECK_STR(p->clips[1].output_sha256, "");
        CHECK_INT(p->clips[1].output_size, -1);
        CHECK_INT(p->clips[1].target_kbps, 0);
        CHECK_INT(p->clips[1].has_audio, 0);
        CHECK_INT(progress_count(p, CLIP_DONE), 1);
        CHECK_INT(progress_count(p, CLIP_PENDING), 1);
    }
    progress_free(&p);
    free(path);
}

/* Forward compatibility: keys a later version adds are ignored. */
static void test_unknown_keys_tolerated(void)
{
    char *doc = edit_doc("\"preset\": 10,", "\"preset\": 10, \"future\": {\"x\": [1, null]},",
                         "\"encodes\": 0", "\"encodes\": 0, \"checksum_algo\": \"blake3\"");
    char *path = path_in_workdir("future.json");
    struct progress *p = NULL;
    char err[256] = "";
    CHECK(doc && write_text(path, doc, strlen(doc)) == 0);
    CHECK_INT(progress_load(path, &p, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK(p && p->nb_clips == 2);
    progress_free(&p);
    free(path);
    free(doc);
}

/* A COPY document: outputs are the originals' bytes, nothing encoded. */
static const char copy_doc[] =
    "{\"disc_bytes\": 25000000000, \"safety_bytes\": 0, \"mode\": \"COPY\", \"kbps\": null, "
    "\"files\": {\"a.mp4\": \"done\", \"b.mov\": \"pending\"}, "
    "\"format\": \"prepare_bodycam-progress\", \"format_version\": 1, \"build_dir\": \"/build\", "
    "\"delete_originals\": false, \"preset\": 10, \"audio_kbps\": 64, \"clips\": ["
    "{\"name\": \"a.mp4\", \"source\": \"/in/a.mp4\", \"source_size\": 1000, "
    "\"source_mtime_ns\": 1, \"duration\": 0, \"video_frames\": 0, \"has_audio\": false, "
    "\"source_sha256\": \"" HEX_A "\", \"output_sha256\": \"" HEX_A "\", \"output_size\": 1000, "
    "\"target_kbps\": null, \"encodes\": 0}, "
    "{\"name\": \"b.mov\", \"source\": \"/in/b.mov\", \"source_size\": 2000, "
    "\"source_mtime_ns\": 1, \"duration\": 0, \"video_frames\": 0, \"has_audio\": false, "
    "\"source_sha256\": null, \"output_sha256\": null, \"output_size\": null, "
    "\"target_kbps\": null, \"encodes\": 0}]}\n";

/* copy_doc with one replacement (which must be found). */
static char *edit_copy_doc(const char *old, const char *new)
{
    const char *at = strstr(copy_doc, old);
    size_t ol = strlen(old), nl = strlen(new);
    char *out = at ? malloc(sizeof(copy_doc) - ol + nl) : NULL;
    if (out) {
        memcpy(out, copy_doc, (size_t)(at - copy_doc));
        memcpy(out + (at - copy_doc), new, nl);
        strcpy(out + (at - copy_doc) + nl, at + ol);
    }
    return out;
}

/* A COPY job at the edge values: safety 0 accepted. */
static void test_copy_edge_values(void)
{
    char *path = path_in_workdir("copy.json");
    struct progress *p = NULL;
    char err[256] = "";
    CHECK(write_text(path, copy_doc, strlen(copy_doc)) == 0);
    CHECK_INT(progress_load(path, &p, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK(p && p->mode == MODE_COPY && p->kbps == 0 && p->safety_bytes == 0);
    progress_free(&p);
    free(path);
}

/* A COPY file edited to ENCODE (or a COPY clip made to look encoded) does
 * not load: the run could not finish it. */
static void test_copy_mode_flips(void)
{
    static const char *const edits[][3] = {
        { "\"mode\": \"COPY\", \"kbps\": null", "\"mode\": \"ENCODE\", \"kbps\": 4000",
          "\"mode\": \"ENCODE\" disagrees" },
        { "\"output_size\": 1000", "\"output_size\": 999", "not its original's bytes" },
        { "\"output_sha256\": \"" HEX_A "\"", "\"output_sha256\": \"" HEX_B "\"",
          "not its original's bytes" },
        { "\"encodes\": 0}]", "\"encodes\": 1}]", "has an encoding bitrate or count" },
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        char *doc = edit_copy_doc(edits[i][0], edits[i][1]);
        CHECK(doc != NULL);
        if (doc)
            expect_doc_refused(doc, strlen(doc), edits[i][2]);
        free(doc);
    }
}

/* ---- round trips ---- */

static struct progress *sample(enum job_mode mode, int with_hashes)
{
    static const char *const names[] = {
        "cam1_001.mp4", "clip with spaces.mp4", "Ünïcødé 日本語 ✓.mp4",
        "quote\"and\\backslash.mp4", "..hidden-but-fine.mp4",
    };
    struct progress *p = progress_alloc();
    if (!p)
        return NULL;
    p->disc_bytes = 25000000000LL;
    p->safety_bytes = 500000000;
    p->mode = mode;
    p->kbps = mode == MODE_ENCODE ? 5123 : 0;
    p->build_dir = strdup("/tmp/build dir/ü");
    p->delete_originals = 1;
    p->preset = 8;
    p->audio_kbps = 48;
    if (with_hashes)
        snprintf(p->job_started, sizeof(p->job_started), "2024-02-29T23:59:60Z");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char src[512];
        struct clip *c;
        snprintf(src, sizeof(src), "/media/in/%s", names[i]);
        if (progress_add_clip(p, names[i], src) < 0) {
            progress_free(&p);
            return NULL;
        }
        c = &p->clips[i];
        c->source_size = 1000000007LL * (int64_t)(i + 1);
        c->source_mtime_ns = 1700000000000000000LL + (int64_t)i;
        c->duration = mode == MODE_ENCODE ? 0.1 * (double)(i + 1) + 1.0 / 3.0 : 0;
        c->video_frames = mode == MODE_ENCODE ? 9000 + (int64_t)i : 0;
        c->has_audio = i % 2;
        if (with_hashes) {
            snprintf(c->source_sha256, sizeof(c->source_sha256), "%s", HEX_A);
            if (i % 2 == 0) {
                c->status = CLIP_DONE;
                snprintf(c->output_sha256, sizeof(c->output_sha256), "%s", HEX_B);
                c->output_size = i == 0 ? 0 : 999999999999LL;
                /* A COPY output is its original's bytes. */
                if (mode == MODE_COPY) {
                    c->output_size = c->source_size;
                    snprintf(c->output_sha256, sizeof(c->output_sha256), "%s", HEX_A);
                }
                c->target_kbps = mode == MODE_ENCODE ? 5000 - (int64_t)i : 0;
                c->encodes = mode == MODE_ENCODE ? 2 : 0;
            }
        }
    }
    if (!p->build_dir)
        progress_free(&p);
    return p;
}

static void check_same(const struct progress *a, const struct progress *b)
{
    CHECK_INT(a->disc_bytes, b->disc_bytes);
    CHECK_INT(a->safety_bytes, b->safety_bytes);
    CHECK_INT(a->mode, b->mode);
    CHECK_INT(a->kbps, b->kbps);
    CHECK_STR(a->build_dir, b->build_dir);
    CHECK_INT(a->delete_originals, b->delete_originals);
    CHECK_INT(a->preset, b->preset);
    CHECK_INT(a->audio_kbps, b->audio_kbps);
    CHECK_STR(a->job_started, b->job_started);
    CHECK_INT(a->nb_clips, b->nb_clips);
    for (size_t i = 0; i < a->nb_clips && i < b->nb_clips; i++) {
        const struct clip *x = &a->clips[i], *y = &b->clips[i];
        CHECK_STR(x->name, y->name);
        CHECK_STR(x->source, y->source);
        CHECK_INT(x->status, y->status);
        CHECK_INT(x->source_size, y->source_size);
        CHECK_INT(x->source_mtime_ns, y->source_mtime_ns);
        CHECK(x->duration == y->duration); /* bit-exact: %.17g survives */
        CHECK_INT(x->video_frames, y->video_frames);
        CHECK_INT(x->has_audio, y->has_audio);
        CHECK_STR(x->source_sha256, y->source_sha256);
        CHECK_STR(x->output_sha256, y->output_sha256);
        CHECK_INT(x->output_size, y->output_size);
        CHECK_INT(x->target_kbps, y->target_kbps);
        CHECK_INT(x->encodes, y->encodes);
    }
}

/* save, load, compare; then save the loaded copy and compare the bytes. */
static void round_trip(struct progress *p)
{
    char *path = path_in_workdir("progress.json"), *path2 = path_in_workdir("again.json");
    char *t1 = NULL, *t2 = NULL, err[256] = "";
    struct progress *back = NULL;
    CHECK(p != NULL);
    if (!p)
        goto end;
    CHECK_INT(progress_validate(p, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(progress_load(path, &back, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK(back != NULL);
    if (!back)
        goto end;
    check_same(p, back);
    CHECK_INT(progress_save(back, path2), 0);
    t1 = read_text(path);
    t2 = read_text(path2);
    CHECK(t1 && t2 && !strcmp(t1, t2));
    CHECK(t1 && t1[0] && t1[strlen(t1) - 1] == '\n' && (strlen(t1) < 2 || t1[strlen(t1) - 2] != '\n'));
end:
    if (path2)
        unlink(path2);
    free(t1);
    free(t2);
    progress_free(&back);
    free(path);
    free(path2);
}

static void test_round_trip_copy_pending(void)
{
    struct progress *p = sample(MODE_COPY, 0);
    round_trip(p);
    progress_free(&p);
}

static void test_round_trip_copy_hashes(void)
{
    struct progress *p = sample(MODE_COPY, 1);
    round_trip(p);
    progress_free(&p);
}

static void test_round_trip_encode_pending(void)
{
    struct progress *p = sample(MODE_ENCODE, 0);
    round_trip(p);
    progress_free(&p);
}

static void test_round_trip_encode_hashes(void)
{
    struct progress *p = sample(MODE_ENCODE, 1);
    round_trip(p);
    progress_free(&p);
}

static void test_round_trip_no_clips(void)
{
    struct progress *p = progress_alloc();
    if (p) {
        p->disc_bytes = 1;
        p->build_dir = strdup("/");
    }
    round_trip(p);
    progress_free(&p);
}

static void test_round_trip_extremes(void)
{
    struct progress *p = sample(MODE_ENCODE, 1);
    if (p) {
        p->disc_bytes = INT64_MAX;
        p->safety_bytes = INT64_MAX - 1;
        p->kbps = INT64_MAX / 1000;
        p->preset = 13;
        p->clips[0].source_mtime_ns = INT64_MIN;
        p->clips[1].source_size = INT64_MAX;
        p->clips[1].duration = 1e300;
        p->clips[2].duration = 5e-324;
        p->clips[3].encodes = 2147483647;
    }
    round_trip(p);
    progress_free(&p);
}

/* The exact bytes of a small job: key order, indentation, nulls, newline. */
/* Saves after every clip serialise only the clip that changed (the batch's
 * save cost grows linearly, issue 14), and the file is byte for byte what
 * a save without the cache writes. */
static void expect_same_as_uncached(struct progress *p, const char *path, const char *path2)
{
    struct progress copy = *p;
    char *a, *b;
    copy.cache = NULL;
    CHECK_INT(progress_save(&copy, path2), 0);
    a = read_text(path), b = read_text(path2);
    CHECK(a && b && !strcmp(a, b));
    free(a);
    free(b);
}

static void test_save_incremental(void)
{
    /* Each save here is durable (two fsyncs): a few hundred clips show the
     * one-clip-per-save property without minutes of fsync on a busy disk. */
    enum { N = 300 };
    char *path = path_in_workdir("inc.json"), *path2 = path_in_workdir("inc2.json");
    struct progress *p = progress_alloc(), *back = NULL;
    size_t total = 0;
    char err[256];
    CHECK(p != NULL);
    if (!p)
        goto end;
    p->disc_bytes = 25000000000LL;
    p->build_dir = strdup("/build");
    for (int i = 0; i < N; i++) {
        char name[32], src[64];
        snprintf(name, sizeof(name), "clip_%05d.mp4", i);
        snprintf(src, sizeof(src), "/in/%s", name);
        CHECK_INT(progress_add_clip(p, name, src), 0);
        p->clips[i].source_size = 2048 + i;
    }
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(progress_cache_serialised(p), N);
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(progress_cache_serialised(p), 0);
    for (int i = 0; i < N; i++) {
        struct clip *c = &p->clips[i];
        snprintf(c->source_sha256, sizeof(c->source_sha256), "%s", HEX_A);
        snprintf(c->output_sha256, sizeof(c->output_sha256), "%s", HEX_A);
        c->output_size = c->source_size;
        c->status = CLIP_DONE;
        CHECK_INT(progress_save(p, path), 0);
        total += progress_cache_serialised(p);
        if (i == 0 || i == 123)
            expect_same_as_uncached(p, path, path2);
    }
    CHECK_INT(total, N);
    /* a change the loader refuses is refused, and the file is kept */
    p->clips[5].output_size = 1;
    CHECK_INT(progress_save(p, path), AVERROR(EINVAL));
    p->clips[5].output_size = p->clips[5].source_size;
    CHECK_INT(progress_save(p, path), 0);
    /* a renamed clip: the whole list is checked again (duplicates too) */
    free(p->clips[9].name);
    p->clips[9].name = strdup("clip_00008.mp4");
    CHECK(progress_save(p, path) < 0);
    free(p->clips[9].name);
    p->clips[9].name = strdup("re\"named\\ Ünï 日本.mp4");
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(progress_cache_serialised(p), N);
    expect_same_as_uncached(p, path, path2);
    /* and that clip changed alone, through the cache */
    p->clips[9].source_mtime_ns = -7;
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(progress_cache_serialised(p), 1);
    expect_same_as_uncached(p, path, path2);
    CHECK_INT(progress_load(path, &back, err, sizeof(err)), 0);
    CHECK(back && back->nb_clips == N && !strcmp(back->clips[9].name, "re\"named\\ Ünï 日本.mp4"));
end:
    progress_free(&back);
    progress_free(&p);
    free(path);
    free(path2);
}

static void test_exact_layout(void)
{
    static const char expected[] =
        "{\n"
        "  \"disc_bytes\": 25000000000,\n"
        "  \"safety_bytes\": 500000000,\n"
        "  \"mode\": \"ENCODE\",\n"
        "  \"kbps\": 4000,\n"
        "  \"files\": {\n"
        "    \"a.mp4\": \"done\",\n"
        "    \"b.mp4\": \"pending\"\n"
        "  },\n"
        "  \"format\": \"prepare_bodycam-progress\",\n"
        "  \"format_version\": 1,\n"
        "  \"build_dir\": \"/build\",\n"
        "  \"delete_originals\": false,\n"
        "  \"preset\": 10,\n"
        "  \"audio_kbps\": 64,\n"
        "  \"clips\": [\n"
        "    {\n"
        "      \"name\": \"a.mp4\",\n"
        "      \"source\": \"/in/a.mov\",\n"
        "      \"source_size\": 1000,\n"
        "      \"source_mtime_ns\": 1700000000123456789,\n"
        "      \"duration\": 12.5,\n"
        "      \"video_frames\": 375,\n"
        "      \"has_audio\": true,\n"
        "      \"source_sha256\": \"" HEX_A "\",\n"
        "      \"output_sha256\": \"" HEX_B "\",\n"
        "      \"output_size\": 900,\n"
        "      \"target_kbps\": 3900,\n"
        "      \"encodes\": 1\n"
        "    },\n"
        "    {\n"
        "      \"name\": \"b.mp4\",\n"
        "      \"source\": \"/in/b.mov\",\n"
        "      \"source_size\": 2000,\n"
        "      \"source_mtime_ns\": -5,\n"
        "      \"duration\": 30.0,\n"
        "      \"video_frames\": 900,\n"
        "      \"has_audio\": false,\n"
        "      \"source_sha256\": null,\n"
        "      \"output_sha256\": null,\n"
        "      \"output_size\": null,\n"
        "      \"target_kbps\": null,\n"
        "      \"encodes\": 0\n"
        "    }\n"
        "  ]\n"
        "}\n";
    char *in = path_in_workdir("layout-in.json"), *out = path_in_workdir("layout-out.json");
    struct progress *p = NULL;
    char *text = NULL, err[256] = "";
    CHECK(write_text(in, base_doc, strlen(base_doc)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), 0);
    if (p) {
        CHECK_INT(progress_save(p, out), 0);
        text = read_text(out);
        CHECK_STR(text, expected);
    }
    unlink(in);
    unlink(out);
    free(text);
    progress_free(&p);
    free(in);
    free(out);
}

/* job_started is read back as written and saved just before "clips". */
static void test_job_started_kept(void)
{
    char *doc = edit_doc("\"audio_kbps\": 64,", "\"audio_kbps\": 64,\n  \"job_started\": \"2024-03-01T12:34:56Z\",",
                         NULL, NULL);
    char *in = path_in_workdir("started-in.json"), *out = path_in_workdir("started-out.json");
    struct progress *p = NULL;
    char *text = NULL, err[256] = "";
    CHECK(doc && write_text(in, doc, strlen(doc)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    if (p) {
        CHECK_STR(p->job_started, "2024-03-01T12:34:56Z");
        CHECK_INT(progress_save(p, out), 0);
        text = read_text(out);
        CHECK(text && strstr(text, "  \"audio_kbps\": 64,\n  \"job_started\": \"2024-03-01T12:34:56Z\",\n"
                                   "  \"clips\": [\n"));
        /* a value that would not load back is never written */
        memcpy(p->job_started, "2024-03-01T12:34:56z", PROGRESS_TIME_LEN + 1);
        CHECK_INT(progress_save(p, out), AVERROR(EINVAL));
        CHECK_INT(progress_validate(p, err, sizeof(err)), AVERROR(EINVAL));
        CHECK(strstr(err, "\"job_started\"") != NULL);
    }
    unlink(in);
    unlink(out);
    free(text);
    free(doc);
    progress_free(&p);
    free(in);
    free(out);
}

/* "index_page": optional, true only when written; a wrong type is refused. */
static void test_index_page_key(void)
{
    char *doc = edit_doc("\"audio_kbps\": 64,", "\"audio_kbps\": 64,\n  \"index_page\": true,", NULL, NULL);
    char *bad = edit_doc("\"audio_kbps\": 64,", "\"audio_kbps\": 64,\n  \"index_page\": 1,", NULL, NULL);
    char *plain = edit_doc("\"audio_kbps\": 64,", "\"audio_kbps\": 64,", NULL, NULL);
    char *in = path_in_workdir("index-in.json"), *out = path_in_workdir("index-out.json");
    struct progress *p = NULL;
    char *text = NULL, err[256] = "";
    CHECK(doc && bad && plain && write_text(in, doc, strlen(doc)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), 0);
    if (p) {
        CHECK_INT(p->index_page, 1);
        CHECK_INT(progress_save(p, out), 0);
        text = read_text(out);
        CHECK(text && strstr(text, "  \"index_page\": true,\n"));
        progress_free(&p);
    }
    CHECK(plain && write_text(in, plain, strlen(plain)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), 0);
    CHECK(p && p->index_page == 0);
    progress_free(&p);
    CHECK(bad && write_text(in, bad, strlen(bad)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), PBC_E_PROGRESS);
    CHECK(strstr(err, "\"index_page\"") != NULL);
    unlink(in);
    unlink(out);
    free(text);
    free(doc);
    free(bad);
    free(plain);
    free(in);
    free(out);
}

/* base_doc with one edit, loaded (which must succeed), and the paths
 * to save it to: the set-up of the tests of optional clip keys. */
struct edited {
    char *doc, *in, *out, *text;
    struct progress *p;
};

static void edited_load(struct edited *e, const char *old, const char *new, const char *stem)
{
    char err[256] = "", name[64];
    memset(e, 0, sizeof(*e));
    e->doc = edit_doc(old, new, NULL, NULL);
    snprintf(name, sizeof(name), "%s-in.json", stem);
    e->in = path_in_workdir(name);
    snprintf(name, sizeof(name), "%s-out.json", stem);
    e->out = path_in_workdir(name);
    CHECK(e->doc && e->in && e->out && write_text(e->in, e->doc, strlen(e->doc)) == 0);
    CHECK_INT(progress_load(e->in, &e->p, err, sizeof(err)), 0);
    CHECK_STR(err, "");
}

/* Saves e->p to e->out and reads the text back into e->text. */
static void edited_save(struct edited *e)
{
    free(e->text);
    CHECK_INT(progress_save(e->p, e->out), 0);
    e->text = read_text(e->out);
    CHECK(e->text != NULL);
}

static void edited_free(struct edited *e)
{
    if (e->in)
        unlink(e->in);
    if (e->out)
        unlink(e->out);
    free(e->text);
    free(e->doc);
    progress_free(&e->p);
    free(e->in);
    free(e->out);
}

/* A clip in flight keeps its start target through a save; one that is
 * not has no key (the layout of old). */
static void test_start_kbps_kept(void)
{
    struct edited e;
    edited_load(&e, "\"encodes\": 0}", "\"encodes\": 0, \"start_kbps\": 4100}", "start");
    if (e.p) {
        CHECK_INT(e.p->clips[0].start_kbps, 0);
        CHECK_INT(e.p->clips[1].start_kbps, 4100);
        edited_save(&e);
        CHECK(e.text && strstr(e.text, "\"encodes\": 0,\n      \"start_kbps\": 4100\n    }"));
        /* the done clip a.mp4 has no key */
        CHECK(e.text && !strstr(strstr(e.text, "\"start_kbps\"") + 1, "\"start_kbps\""));
    }
    edited_free(&e);
}

/* A discarded fill attempt's record survives a save; a clip without one
 * has no keys (the layout of old). */
static void test_fill_overflow_kept(void)
{
    struct edited e;
    edited_load(&e, "\"encodes\": 1}",
                "\"encodes\": 2, \"fill_overflow_kbps\": 9000, \"fill_overflow_bytes\": 123456789}",
                "fill");
    if (e.p) {
        CHECK_INT(e.p->clips[0].fill_overflow_kbps, 9000);
        CHECK_INT(e.p->clips[0].fill_overflow_bytes, 123456789);
        CHECK_INT(e.p->clips[1].fill_overflow_kbps, 0);
        edited_save(&e);
        CHECK(e.text && strstr(e.text, "\"fill_overflow_kbps\": 9000,\n      "
                                       "\"fill_overflow_bytes\": 123456789"));
        CHECK(e.text &&
              !strstr(strstr(e.text, "\"fill_overflow_kbps\"") + 1, "\"fill_overflow_kbps\""));
        /* Cleared (the clip raised after all): the keys go. */
        e.p->clips[0].fill_overflow_kbps = e.p->clips[0].fill_overflow_bytes = 0;
        edited_save(&e);
        CHECK(e.text && !strstr(e.text, "fill_overflow"));
    }
    edited_free(&e);
}

/* The optional image keys: absent without --iso (files of older versions
 * load), kept through a save, checked when present. */
static void test_iso_keys(void)
{
    char *doc = edit_doc("\"audio_kbps\": 64,", "\"audio_kbps\": 64,\n  \"iso_file\": \"/d/disc.iso\",\n"
                         "  \"iso_label\": \"Fall 2026/\u00fc\",", NULL, NULL);
    char *bad = edit_doc("\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"iso_file\": \"disc.iso\", "
                         "\"iso_label\": \"X\",", NULL, NULL);
    char *nolabel = edit_doc("\"audio_kbps\": 64,", "\"audio_kbps\": 64, \"iso_file\": \"/d.iso\",",
                             NULL, NULL);
    char *in = path_in_workdir("iso-in.json"), *out = path_in_workdir("iso-out.json");
    struct progress *p = NULL;
    char *text = NULL, err[256] = "";
    CHECK(doc && write_text(in, doc, strlen(doc)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), 0);
    if (p) {
        CHECK_STR(p->iso_file, "/d/disc.iso");
        CHECK_STR(p->iso_label, "Fall 2026/ü");
        CHECK_INT(progress_save(p, out), 0);
        text = read_text(out);
        CHECK(text && strstr(text, "  \"iso_file\": \"/d/disc.iso\",\n  \"iso_label\": \"Fall 2026/ü\",\n"));
        free(p->iso_label);
        p->iso_label = strdup("");
        CHECK_INT(progress_save(p, out), AVERROR(EINVAL));
        progress_free(&p);
    }
    CHECK(bad && write_text(in, bad, strlen(bad)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), PBC_E_PROGRESS);
    CHECK(strstr(err, "\"iso_file\": not an absolute path") != NULL);
    CHECK(nolabel && write_text(in, nolabel, strlen(nolabel)) == 0);
    CHECK_INT(progress_load(in, &p, err, sizeof(err)), PBC_E_PROGRESS);
    CHECK(strstr(err, "\"iso_label\"") != NULL);
    unlink(in);
    unlink(out);
    free(text);
    free(doc);
    free(bad);
    free(nolabel);
    progress_free(&p);
    free(in);
    free(out);
}

/* ---- atomic saves ---- */

static int partials_in_workdir(void)
{
    DIR *d = opendir(workdir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".pbc-partial") != NULL;
    closedir(d);
    return n;
}

static void test_save_replaces_without_partial(void)
{
    char *path = path_in_workdir("progress.json"), *text = NULL, err[256] = "";
    struct progress *p = sample(MODE_ENCODE, 1), *back = NULL;
    CHECK(write_text(path, "old contents, not JSON\n", 23) == 0);
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(partials_in_workdir(), 0);
    text = read_text(path);
    CHECK(text && strncmp(text, "{\n  \"disc_bytes\": 25000000000,\n", 31) == 0);
    CHECK_INT(progress_load(path, &back, err, sizeof(err)), 0);
    if (p && back)
        check_same(p, back);
    /* and a second save over our own file */
    if (p)
        p->clips[1].status = CLIP_DONE, p->clips[1].output_size = 5,
        p->clips[1].target_kbps = 4000, p->clips[1].encodes = 1,
        snprintf(p->clips[1].output_sha256, SHA256_HEX_LEN + 1, "%s", HEX_A);
    CHECK_INT(progress_save(p, path), 0);
    CHECK_INT(partials_in_workdir(), 0);
    progress_free(&back);
    CHECK_INT(progress_load(path, &back, err, sizeof(err)), 0);
    CHECK(back && back->clips[1].status == CLIP_DONE);
    progress_free(&back);
    progress_free(&p);
    free(text);
    free(path);
}

static void test_save_into_missing_dir(void)
{
    char *path = path_in_workdir("no-such-dir/progress.json");
    struct progress *p = sample(MODE_COPY, 0);
    CHECK_INT(progress_save(p, path), AVERROR(ENOENT));
    CHECK_INT(partials_in_workdir(), 0);
    progress_free(&p);
    free(path);
}

/* A struct that would not load back is refused and nothing is written. */
static void expect_unsavable(struct progress *p, const char *needle)
{
    char *path = path_in_workdir("unsavable.json"), err[256] = "";
    struct stat st;
    CHECK(p != NULL);
    if (!p)
        goto end;
    CHECK_INT(progress_save(p, path), AVERROR(EINVAL));
    CHECK(stat(path, &st) < 0 && errno == ENOENT);
    CHECK_INT(partials_in_workdir(), 0);
    CHECK_INT(progress_validate(p, err, sizeof(err)), AVERROR(EINVAL));
    printf("# reason: %s\n", err);
    CHECK(err[0] != 0);
    if (!strstr(err, needle)) {
        printf("# reason \"%s\" does not mention \"%s\"\n", err, needle);
        check_case_failed = 1;
    }
end:
    free(path);
}

static void test_save_refuses_invalid(void)
{
    struct progress *p;

    p = sample(MODE_COPY, 0);
    if (p)
        free(p->clips[1].name), p->clips[1].name = strdup("../escape.mp4");
    expect_unsavable(p, "not a plain file name");
    progress_free(&p);

    p = sample(MODE_COPY, 0);
    if (p)
        free(p->clips[1].name), p->clips[1].name = strdup("latin1-\xe9.mp4");
    expect_unsavable(p, "\"clips\"[1]: name \"latin1-\\xe9.mp4\": not a plain file name");
    progress_free(&p);

    p = sample(MODE_COPY, 0);
    if (p)
        free(p->clips[1].source), p->clips[1].source = strdup("/in/latin1-\xe9.mp4");
    expect_unsavable(p, "\"clips\"[1] (\"clip with spaces.mp4\"): Invalid UTF-8");
    progress_free(&p);

    p = sample(MODE_COPY, 0);
    if (p)
        free(p->clips[1].source), p->clips[1].source = strdup("relative/x.mp4");
    expect_unsavable(p, "\"source\": not an absolute path");
    progress_free(&p);

    p = sample(MODE_COPY, 0);
    if (p)
        p->clips[1].output_size = -2;
    expect_unsavable(p, "\"output_size\"");
    progress_free(&p);

    p = sample(MODE_COPY, 0);
    if (p)
        p->clips[1].status = (enum clip_status)7;
    expect_unsavable(p, "invalid status");
    progress_free(&p);

    p = sample(MODE_COPY, 0);
    if (p)
        free(p->clips[2].name), p->clips[2].name = strdup(p->clips[0].name);
    expect_unsavable(p, "\"clips\"[2] (\"cam1_001.mp4\"): duplicate name");
    progress_free(&p);

    p = sample(MODE_ENCODE, 0);
    if (p)
        p->kbps = 0;
    expect_unsavable(p, "\"kbps\"");
    progress_free(&p);

    p = sample(MODE_COPY, 0);
    if (p)
        p->kbps = 100;
    expect_unsavable(p, "\"kbps\"");
    progress_free(&p);

    p = sample(MODE_ENCODE, 0);
    if (p)
        p->clips[0].status = CLIP_DONE;
    expect_unsavable(p, "\"done\" but");
    progress_free(&p);

    p = sample(MODE_ENCODE, 0);
    if (p)
        p->clips[0].duration = NAN;
    expect_unsavable(p, "\"clips\"[0]");
    progress_free(&p);

    p = sample(MODE_ENCODE, 0);
    if (p)
        free(p->build_dir), p->build_dir = NULL;
    expect_unsavable(p, "\"build_dir\": missing");
    progress_free(&p);

    p = sample(MODE_ENCODE, 0);
    if (p)
        free(p->build_dir), p->build_dir = strdup("relative");
    expect_unsavable(p, "\"build_dir\"");
    progress_free(&p);

    p = sample(MODE_ENCODE, 0);
    if (p)
        p->safety_bytes = p->disc_bytes;
    expect_unsavable(p, "\"safety_bytes\"");
    progress_free(&p);

    p = sample(MODE_ENCODE, 0);
    if (p)
        snprintf(p->clips[0].source_sha256, SHA256_HEX_LEN + 1, "%s", "abc");
    expect_unsavable(p, "\"source_sha256\"");
    progress_free(&p);
}

/* ---- the small API ---- */

static void test_alloc_defaults(void)
{
    struct progress *p = progress_alloc();
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_INT(p->mode, MODE_COPY);
    CHECK_INT(p->preset, 10);
    CHECK_INT(p->audio_kbps, 64);
    CHECK_INT(p->kbps, 0);
    CHECK_INT(p->nb_clips, 0);
    CHECK(p->clips == NULL && p->build_dir == NULL);
    progress_free(&p);
    CHECK(p == NULL);
    progress_free(&p);
    progress_free(NULL);
}

static void test_add_count(void)
{
    struct progress *p = progress_alloc();
    char name[32];
    CHECK(p != NULL);
    if (!p)
        return;
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "c%03d.mp4", i);
        CHECK_INT(progress_add_clip(p, name, "/src/x"), 0);
    }
    CHECK_INT(p->nb_clips, 100);
    CHECK_INT(p->clips[99].status, CLIP_PENDING);
    CHECK_INT(p->clips[99].output_size, -1);
    CHECK_STR(p->clips[99].source_sha256, "");
    p->clips[3].status = CLIP_DONE;
    p->clips[7].status = CLIP_DONE;
    CHECK_INT(progress_count(p, CLIP_DONE), 2);
    CHECK_INT(progress_count(p, CLIP_PENDING), 98);
    progress_free(&p);
}

static void test_mode_name(void)
{
    CHECK_STR(progress_mode_name(MODE_COPY), "COPY");
    CHECK_STR(progress_mode_name(MODE_ENCODE), "ENCODE");
}

static void test_name_is_safe(void)
{
    /* 242 bytes: ".NAME.pbc-partial" then fits NAME_MAX (255). */
    char long_ok[PROGRESS_NAME_MAX + 1], long_bad[PROGRESS_NAME_MAX + 2];
    memset(long_ok, 'a', PROGRESS_NAME_MAX);
    long_ok[PROGRESS_NAME_MAX] = 0;
    memset(long_bad, 'a', PROGRESS_NAME_MAX + 1);
    long_bad[PROGRESS_NAME_MAX + 1] = 0;
    CHECK_INT(PROGRESS_NAME_MAX, 242);
    CHECK(progress_name_is_safe("cam1_001.mp4"));
    CHECK(progress_name_is_safe("with space.mp4"));
    CHECK(progress_name_is_safe("..x"));
    CHECK(progress_name_is_safe("x.."));
    CHECK(progress_name_is_safe(".hidden"));
    CHECK(progress_name_is_safe("Ünïcødé 日本語 ✓ \xf0\x9f\x8e\xa5.mp4"));
    CHECK(progress_name_is_safe(long_ok));
    CHECK(!progress_name_is_safe(long_bad));
    CHECK(!progress_name_is_safe(NULL));
    CHECK(!progress_name_is_safe(""));
    CHECK(!progress_name_is_safe("."));
    CHECK(!progress_name_is_safe(".."));
    CHECK(!progress_name_is_safe("../x"));
    CHECK(!progress_name_is_safe("a/b"));
    CHECK(!progress_name_is_safe("/abs"));
    CHECK(!progress_name_is_safe("a/"));
    CHECK(!progress_name_is_safe("tab\there"));
    CHECK(!progress_name_is_safe("nl\n"));
    CHECK(!progress_name_is_safe("del\x7f"));
    CHECK(!progress_name_is_safe("c1\xc2\x85"));       /* U+0085 NEL */
    CHECK(!progress_name_is_safe("latin1-\xe9.mp4"));  /* not UTF-8 */
    CHECK(!progress_name_is_safe("\xc0\xaf"));          /* overlong '/' */
    CHECK(!progress_name_is_safe("\xed\xa0\x80"));      /* surrogate */
    CHECK(!progress_name_is_safe("\xf4\x90\x80\x80"));  /* > U+10FFFF */
    CHECK(!progress_name_is_safe("cut\xe6\x97"));       /* truncated sequence */
}

/* ---- the scratch directory ---- */

static int make_workdir(void)
{
    snprintf(workdir, sizeof(workdir), "progress-test-XXXXXX");
    return mkdtemp(workdir) ? 0 : -1;
}

static void remove_workdir(void)
{
    DIR *d = opendir(workdir);
    struct dirent *e;
    if (d) {
        while ((e = readdir(d))) {
            char *p;
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if ((p = path_in_workdir(e->d_name)))
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(workdir);
}

int main(void)
{
    if (make_workdir() < 0) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    RUN(test_alloc_defaults);
    RUN(test_add_count);
    RUN(test_mode_name);
    RUN(test_name_is_safe);
    RUN(test_base_doc_loads);
    RUN(test_unknown_keys_tolerated);
    RUN(test_copy_edge_values);
    RUN(test_copy_mode_flips);
    RUN(test_round_trip_copy_pending);
    RUN(test_round_trip_copy_hashes);
    RUN(test_round_trip_encode_pending);
    RUN(test_round_trip_encode_hashes);
    RUN(test_round_trip_no_clips);
    RUN(test_round_trip_extremes);
    RUN(test_exact_layout);
    RUN(test_save_incremental);
    RUN(test_job_started_kept);
    RUN(test_index_page_key);
    RUN(test_start_kbps_kept);
    RUN(test_fill_overflow_kept);
    RUN(test_iso_keys);
    RUN(test_save_replaces_without_partial);
    RUN(test_save_into_missing_dir);
    RUN(test_save_refuses_invalid);
    RUN(test_missing_file);
    RUN(test_unreadable_directory);
    RUN(test_unreadable_permissions);
    RUN(test_fifo);
    RUN(test_device);
    RUN(test_too_large);
    RUN(test_empty_file);
    RUN(test_whitespace_only);
    RUN(test_not_json);
    RUN(test_top_level_scalar);
    RUN(test_half_file);
    RUN(test_small_err_buffer);
    for (size_t i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]); i++)
        run_named(corrupt_cases[i].name, corrupt_case_run, &corrupt_cases[i]);
    remove_workdir();
    return check_done();
}
