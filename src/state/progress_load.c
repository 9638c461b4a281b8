/* Reading a progress file back: every value is checked, with a reason
 * that names the key; names are never trusted as paths. See progress.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libavutil/macros.h>

#include "base/encode_settings.h"
#include "base/errors.h"
#include "base/quote.h"
#include "io/fsutil.h"
#include "io/iso_image.h"
#include "state/progress.h"
#include "state/json_read.h"
#include "state/progress_internal.h"

/* A progress file holds a few hundred bytes per clip; anything this big is
 * not ours, and refusing it keeps a corrupt file from exhausting memory. */
#define PROGRESS_MAX_BYTES (64 * 1024 * 1024)
/* kbps values are multiplied by 1000 (bit/s) downstream; these bounds keep
 * that product representable. */
#define KBPS_MAX (INT64_MAX / 1000)
#define AUDIO_KBPS_MAX (INT_MAX / 1000)

_Static_assert(PROGRESS_TIME_LEN == JSON_UTC_TIME_LEN, "progress times are json_read's");

/* Optional: files written before the key existed resume without it. */
static int read_job_started(struct json_reader *rd, const json_t *root, struct progress *p)
{
    p->job_started[0] = 0;
    if (!json_object_get(root, "job_started"))
        return 0;
    return json_get_utc_time(rd, root, "job_started", p->job_started);
}

/* Optional: the image of --iso, absent without it. */
static int read_iso(struct json_reader *rd, const json_t *root, struct progress *p)
{
    const char *file, *label;
    int ret;
    if (!json_object_get(root, "iso_file"))
        return 0;
    if ((ret = json_get_abs_path(rd, root, "iso_file", &file)) < 0 ||
        (ret = json_get_str(rd, root, "iso_label", &label)) < 0)
        return ret;
    if (!iso_label_valid(label))
        return json_fail(rd, "key \"iso_label\": expected 1 to %d bytes of printable "
                             "UTF-8", ISO_LABEL_MAX);
    if (!(p->iso_file = strdup(file)) || !(p->iso_label = strdup(label)))
        return AVERROR(ENOMEM);
    return 0;
}

/* Optional: a file without it (older versions) was planned at one bitrate. */
static int read_balance(struct json_reader *rd, const json_t *root, struct progress *p)
{
    const char *s;
    int ret;
    p->balance = BALANCE_BITRATE;
    if (!json_object_get(root, "balance"))
        return 0;
    if ((ret = json_get_str(rd, root, "balance", &s)) < 0)
        return ret;
    if (!strcmp(s, "quality"))
        p->balance = BALANCE_QUALITY;
    else if (strcmp(s, "bitrate"))
        return json_fail(rd, "key \"balance\": expected \"bitrate\" or \"quality\"");
    return 0;
}

/* The keys of --balance, optional so that older files resume unchanged: a
 * clip without planned_kbps (0) was planned at the batch's kbps
 * (plan_clip_planned). */
static int read_clip_quality(struct json_reader *rd, const struct progress *p,
                             const json_t *jc, struct clip *c)
{
    int ret;
    c->planned_kbps = 0;
    if (json_object_get(jc, "planned_kbps") &&
        (ret = json_get_int_or_null(rd, jc, "planned_kbps", 1, KBPS_MAX,
                               "a positive integer or null", 0, &c->planned_kbps)) < 0)
        return ret;
    if (p->mode == MODE_COPY && c->planned_kbps)
        return json_fail(rd, "%s\"planned_kbps\": must be null in COPY mode", rd->where);
    if ((ret = json_get_opt_real(rd, jc, "predicted_psnr_y", 0, 1000, &c->predicted_psnr)) < 0 ||
        (ret = json_get_opt_real(rd, jc, "psnr_y", 0, 1000, &c->psnr_y)) < 0)
        return ret;
    return json_get_opt_real(rd, jc, "ssim", 0, 1, &c->ssim);
}

/* ---- reading: the document ---- */

/* Format and version first: a newer file may differ in any other key,
 * and "newer version" is then the one useful thing to say. */
static int read_format(struct json_reader *rd, const json_t *root)
{
    const char *s = NULL;
    int64_t v;
    int ret;
    if ((ret = json_get_str(rd, root, "format", &s)) < 0)
        return ret;
    if (strcmp(s, PROGRESS_FORMAT))
        return json_fail(rd, "key \"format\": expected \"%s\"", PROGRESS_FORMAT);
    if ((ret = json_get_int(rd, root, "format_version", INT64_MIN, INT64_MAX, "an integer", &v)) < 0)
        return ret;
    if (v > PROGRESS_VERSION)
        return json_fail(rd, "key \"format_version\": version %" PRId64 " is newer than "
                             "this program supports (%d); use a newer prepare_bodycam", v,
                             PROGRESS_VERSION);
    if (v != PROGRESS_VERSION)
        return json_fail(rd, "key \"format_version\": unsupported version %" PRId64, v);
    return 0;
}

static int read_header(struct json_reader *rd, const json_t *root, struct progress *p)
{
    const char *s = NULL;
    int64_t v;
    int ret;
    json_t *kbps;

    if ((ret = read_format(rd, root)) < 0)
        return ret;

    if ((ret = json_get_int(rd, root, "disc_bytes", 1, INT64_MAX, "a positive integer",
                       &p->disc_bytes)) < 0)
        return ret;
    if ((ret = json_get_int(rd, root, "safety_bytes", 0, p->disc_bytes - 1,
                       "an integer >= 0 and < disc_bytes", &p->safety_bytes)) < 0)
        return ret;
    if ((ret = json_get_str(rd, root, "mode", &s)) < 0)
        return ret;
    if (progress_mode_from_name(s, &p->mode) < 0)
        return json_fail(rd, "key \"mode\": expected \"COPY\" or \"ENCODE\"");
    if ((ret = json_get(rd, root, "kbps", &kbps)) < 0)
        return ret;
    if (!json_is_null(kbps) && !json_is_integer(kbps))
        return json_fail(rd, "key \"kbps\": expected an integer or null");
    if (p->mode == MODE_COPY && !json_is_null(kbps))
        return json_fail(rd, "key \"kbps\": must be null in COPY mode");
    if (p->mode == MODE_ENCODE &&
        (ret = json_get_int(rd, root, "kbps", 1, KBPS_MAX, "a positive integer in ENCODE mode",
                       &p->kbps)) < 0)
        return ret;

    if ((ret = json_get_abs_path(rd, root, "build_dir", &s)) < 0)
        return ret;
    if (!(p->build_dir = strdup(s)))
        return AVERROR(ENOMEM);
    if ((ret = json_get_bool(rd, root, "delete_originals", &p->delete_originals)) < 0)
        return ret;
    if ((ret = json_get_int(rd, root, "preset", ENC_PRESET_MIN, ENC_PRESET_MAX,
                            "an integer from " AV_STRINGIFY(ENC_PRESET_MIN) " to "
                            AV_STRINGIFY(ENC_PRESET_MAX), &v)) < 0)
        return ret;
    p->preset = (int)v;
    if ((ret = json_get_int(rd, root, "audio_kbps", 1, AUDIO_KBPS_MAX, "a positive integer", &v)) < 0)
        return ret;
    p->audio_kbps = (int)v;
    /* Optional: a job of an older version budgeted no page, so writes none. */
    p->index_page = 0;
    if (json_object_get(root, "index_page") &&
        (ret = json_get_bool(rd, root, "index_page", &p->index_page)) < 0)
        return ret;
    if ((ret = read_balance(rd, root, p)) < 0 || (ret = read_job_started(rd, root, p)) < 0)
        return ret;
    return read_iso(rd, root, p);
}

/* The optional record of a discarded fill-pass attempt: both keys or
 * neither, on an ENCODE clip that is done and was encoded again. */
static int read_fill_overflow(struct json_reader *rd, const struct progress *p, size_t i,
                              const json_t *jc, struct clip *c)
{
    char q[96];
    int ret;
    if ((ret = json_get_opt_int(rd, jc, "fill_overflow_kbps", 1, KBPS_MAX, "a positive integer",
                                0, &c->fill_overflow_kbps)) < 0 ||
        (ret = json_get_opt_int(rd, jc, "fill_overflow_bytes", 1, INT64_MAX,
                                "a positive integer", 0, &c->fill_overflow_bytes)) < 0)
        return ret;
    if (!c->fill_overflow_kbps && !c->fill_overflow_bytes)
        return 0;
    if (!c->fill_overflow_kbps || !c->fill_overflow_bytes || p->mode != MODE_ENCODE ||
        c->status != CLIP_DONE || c->encodes < 2)
        return json_fail(rd, "\"clips\"[%zu] (%s): keys \"fill_overflow_kbps\" and "
                             "\"fill_overflow_bytes\" go together, on a done ENCODE clip "
                             "encoded twice or more", i,
                         pbc_quote(q, sizeof(q), c->name, strlen(c->name)));
    return 0;
}

/* The rest of clips[i]: the optional start_kbps and keys of --balance,
 * and what a done clip must have. */
static int read_clip_state(struct json_reader *rd, const struct progress *p, size_t i,
                           const json_t *jc, struct clip *c)
{
    char q[96];
    int ret;
    /* Optional: files of older versions have no clip in flight. */
    if ((ret = json_get_opt_int(rd, jc, "start_kbps", 0, KBPS_MAX, "a non-negative integer", 0,
                                &c->start_kbps)) < 0)
        return ret;
    if (c->status == CLIP_DONE && c->start_kbps)
        return json_fail(rd, "\"clips\"[%zu] (%s): \"done\" but key \"start_kbps\" is not 0", i,
                         pbc_quote(q, sizeof(q), c->name, strlen(c->name)));
    if ((ret = read_clip_quality(rd, p, jc, c)) < 0 || (ret = read_fill_overflow(rd, p, i, jc, c)) < 0)
        return ret;
    /* A done clip is skipped on resume and counted in the final total, so
     * its output must be fully described. */
    if (c->status == CLIP_DONE && (c->output_size < 0 || !c->output_sha256[0]))
        return json_fail(rd, "\"clips\"[%zu] (%s): \"done\" but key \"%s\" is null", i,
                         pbc_quote(q, sizeof(q), c->name, strlen(c->name)),
                         c->output_size < 0 ? "output_size" : "output_sha256");
    return 0;
}

/* Reads clips[i], whose name must be files' i-th key (already checked to be
 * a safe name) and whose status is that entry's value. */
static int read_clip(struct json_reader *rd, struct progress *p, size_t i, const json_t *jc,
                     const char *name, enum clip_status status)
{
    char q1[96], q2[96];
    const char *s, *source;
    struct clip *c;
    int64_t v;
    int ret;

    snprintf(rd->where, sizeof(rd->where), "\"clips\"[%zu]: key ", i);
    if (!json_is_object(jc))
        return json_fail(rd, "\"clips\"[%zu]: expected an object", i);
    if ((ret = json_get_str(rd, jc, "name", &s)) < 0)
        return ret;
    if (strcmp(s, name))
        return json_fail(rd, "\"clips\"[%zu]: name %s differs from \"files\" entry %zu, %s; "
                             "they must list the same clips in the same order", i,
                             pbc_quote(q1, sizeof(q1), s, strlen(s)), i,
                             pbc_quote(q2, sizeof(q2), name, strlen(name)));
    /* Names are unique without a search (which made every save quadratic
     * in the clip count): name is the i-th key of the "files" object, an
     * object holds each key once, and "files" and "clips" have as many
     * entries. */
    snprintf(rd->where, sizeof(rd->where), "\"clips\"[%zu] (%s): key ", i,
             pbc_quote(q1, sizeof(q1), name, strlen(name)));
    if ((ret = json_get_abs_path(rd, jc, "source", &source)) < 0)
        return ret;
    if ((ret = progress_add_clip(p, name, source)) < 0)
        return ret;
    c = &p->clips[p->nb_clips - 1];
    c->status = status;
    if ((ret = json_get_int(rd, jc, "source_size", 0, INT64_MAX, "a non-negative integer",
                       &c->source_size)) < 0 ||
        (ret = json_get_int(rd, jc, "source_mtime_ns", INT64_MIN, INT64_MAX, "an integer",
                       &c->source_mtime_ns)) < 0 ||
        (ret = json_get_nonneg_number(rd, jc, "duration", &c->duration)) < 0 ||
        (ret = json_get_int(rd, jc, "video_frames", 0, INT64_MAX, "a non-negative integer",
                       &c->video_frames)) < 0 ||
        (ret = json_get_bool(rd, jc, "has_audio", &c->has_audio)) < 0 ||
        (ret = json_get_hash(rd, jc, "source_sha256", 1, c->source_sha256)) < 0 ||
        (ret = json_get_hash(rd, jc, "output_sha256", 1, c->output_sha256)) < 0 ||
        (ret = json_get_int_or_null(rd, jc, "output_size", 0, INT64_MAX,
                               "a non-negative integer or null", -1, &c->output_size)) < 0 ||
        (ret = json_get_int_or_null(rd, jc, "target_kbps", 1, KBPS_MAX,
                               "a positive integer or null", 0, &c->target_kbps)) < 0 ||
        (ret = json_get_int(rd, jc, "encodes", 0, INT_MAX, "a non-negative integer", &v)) < 0)
        return ret;
    c->encodes = (int)v;
    return read_clip_state(rd, p, i, jc, c);
}

static int read_clips(struct json_reader *rd, const json_t *root, struct progress *p)
{
    char q[96];
    json_t *files, *clips;
    void *it;
    size_t i;
    int ret;

    if ((ret = json_get_typed(rd, root, "files", JSON_OBJECT, &files)) < 0 ||
        (ret = json_get_typed(rd, root, "clips", JSON_ARRAY, &clips)) < 0)
        return ret;
    if (json_object_size(files) != json_array_size(clips))
        return json_fail(rd, "keys \"files\" and \"clips\": %zu and %zu entries; they must "
                             "list the same clips", json_object_size(files),
                             json_array_size(clips));
    /* jansson iterates objects in file order, which is the clip order. */
    for (i = 0, it = json_object_iter(files); it; i++, it = json_object_iter_next(files, it)) {
        const char *name = json_object_iter_key(it);
        size_t len = json_object_iter_key_len(it);
        json_t *st = json_object_iter_value(it);
        enum clip_status status;
        if (strlen(name) != len || !progress_name_is_safe(name))
            return json_fail(rd, "\"files\".%s: not a plain file name",
                                 pbc_quote(q, sizeof(q), name, len));
        if (progress_name_reserved(name))
            return json_fail(rd, "\"files\".%s: the name of one of the build directory's "
                                 "own files", pbc_quote(q, sizeof(q), name, len));
        if (json_is_string(st) && !strcmp(json_string_value(st), "pending"))
            status = CLIP_PENDING;
        else if (json_is_string(st) && !strcmp(json_string_value(st), "done"))
            status = CLIP_DONE;
        else
            return json_fail(rd, "\"files\".%s: expected \"pending\" or \"done\"",
                                 pbc_quote(q, sizeof(q), name, len));
        if ((ret = read_clip(rd, p, i, json_array_get(clips, i), name, status)) < 0)
            return ret;
    }
    return 0;
}

/* "mode" must agree with what the clips say: a file edited from COPY to
 * ENCODE (or back) would otherwise resume into a run that cannot finish.
 * COPY outputs are the originals' bytes, never encoded; ENCODE outputs are
 * probed .mp4 files with the bitrate they were encoded at. The names are
 * not compared with the sources' base names: a symbolic link given on the
 * command line names its output, and its source is the resolved path. */
static int check_mode(struct json_reader *rd, const struct progress *p, size_t first)
{
    static const char mp4[] = ".mp4";
    char q[96];
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        size_t len = strlen(c->name);
        const char *why = NULL;
        if (p->mode == MODE_COPY) {
            if (c->target_kbps || c->encodes)
                why = "has an encoding bitrate or count";
            else if (c->status == CLIP_DONE && (c->output_size != c->source_size ||
                                                strcmp(c->output_sha256, c->source_sha256)))
                why = "is done but its output is not its original's bytes";
        } else {
            if (len < sizeof(mp4) || strcmp(c->name + len - (sizeof(mp4) - 1), mp4))
                why = "is not named .mp4";
            else if (!(c->duration > 0) || c->video_frames < 1)
                why = "has no probed duration or frame count";
            else if (c->status == CLIP_DONE && (!c->target_kbps || c->encodes < 1))
                why = "is done but has no encoding bitrate or count";
        }
        if (why)
            return json_fail(rd, "key \"mode\": \"%s\" disagrees with \"clips\"[%zu] (%s), "
                                 "which %s", progress_mode_name(p->mode), first + i,
                                 pbc_quote(q, sizeof(q), c->name, len), why);
    }
    return 0;
}

int progress_check_clip(struct json_reader *rd, const struct progress *p, size_t i,
                        const json_t *jc, const char *name, enum clip_status status)
{
    struct progress *one = progress_alloc();
    char q[96];
    int ret;
    if (!one)
        return AVERROR(ENOMEM);
    one->mode = p->mode;
    if (!progress_name_is_safe(name) || progress_name_reserved(name))
        ret = json_fail(rd, "\"files\".%s: not a plain file name, or a reserved one",
                            pbc_quote(q, sizeof(q), name, strlen(name)));
    else if ((ret = read_clip(rd, one, i, jc, name, status)) >= 0)
        ret = check_mode(rd, one, i);
    progress_free(&one);
    return ret;
}

/* Unknown keys, at the top level and in clips, are ignored rather than
 * rejected: a later version may add keys beside ours (as we added ours
 * beside the original's) and an older reader should still resume, as long
 * as format_version says the known keys keep their meaning. */
int progress_from_json(struct json_reader *rd, const json_t *root, struct progress **out)
{
    struct progress *p = progress_alloc();
    int ret;
    if (!p)
        return AVERROR(ENOMEM);
    snprintf(rd->where, sizeof(rd->where), "key ");
    if (!json_is_object(root)) {
        ret = json_fail(rd, "top level is not a JSON object");
        goto end;
    }
    if ((ret = read_header(rd, root, p)) < 0)
        goto end;
    if ((ret = read_clips(rd, root, p)) < 0)
        goto end;
    ret = check_mode(rd, p, 0);
end:
    if (ret < 0)
        progress_free(&p);
    *out = p;
    return ret;
}

/* Reads the whole file ourselves (rather than json_load_file) to tell a
 * missing, unreadable or empty file apart from bad JSON. */
static int read_all(struct json_reader *rd, const char *path, char **out, size_t *outlen)
{
    enum fs_read_failure why;
    int ret = fs_read_file(path, PROGRESS_MAX_BYTES, out, outlen, &why);

    switch (why) {
    case FS_READ_OK:
        break;
    case FS_READ_OPEN:
        return json_fail(rd, "cannot open: %s", strerror(AVUNERROR(ret)));
    case FS_READ_IO:
        return json_fail(rd, "cannot read: %s", strerror(AVUNERROR(ret)));
    case FS_READ_NOT_REGULAR:
        return json_fail(rd, "cannot read: %s", ret == AVERROR(EISDIR) ? strerror(EISDIR) :
                             "not a regular file");
    case FS_READ_TOO_LARGE:
        return json_fail(rd, "larger than %d bytes", PROGRESS_MAX_BYTES);
    default:
        return ret;
    }
    if (!*outlen) {
        free(*out);
        *out = NULL;
        return json_fail(rd, "file is empty");
    }
    return 0;
}

int progress_load(const char *path, struct progress **out, char *err, size_t errlen)
{
    struct json_reader rd = { .err = err, .errlen = errlen, .code = PBC_E_PROGRESS };
    json_error_t jerr;
    json_t *root = NULL;
    char *buf = NULL;
    size_t len = 0;
    int ret;

    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    if ((ret = read_all(&rd, path, &buf, &len)) < 0)
        goto end;
    /* Duplicate keys are rejected: with them, which status a clip has
     * would depend on the parser. NUL in strings stays rejected too. */
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        ret = json_fail(&rd, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                            jerr.column);
        goto end;
    }
    ret = progress_from_json(&rd, root, out);
end:
    json_decref(root);
    free(buf);
    if (ret < 0 && err && errlen && !err[0])
        snprintf(err, errlen, "%s", pbc_err2str(ret));
    return ret;
}
