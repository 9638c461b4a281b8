/* Reading MANIFEST.json back, for --verify: every value is checked and
 * no name is trusted as a path. See manifest.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libavutil/macros.h>

#include "base/encode_settings.h"
#include "base/errors.h"
#include "state/json_read.h"
#include "state/manifest.h"

static int get_mode(struct json_reader *rd, const json_t *o, const char *key, enum job_mode *out)
{
    const char *s = NULL;
    int ret = json_get_str(rd, o, key, &s);
    if (ret < 0)
        return ret;
    if (progress_mode_from_name(s, out) < 0)
        return json_fail(rd, "%s\"%s\": expected \"COPY\" or \"ENCODE\"", rd->where, key);
    return 0;
}

static int read_job(struct json_reader *rd, const json_t *root, struct manifest *m)
{
    json_t *job, *kbps;
    const char *dir;
    int ret;
    json_where(rd, "key ");
    if ((ret = json_get_typed(rd, root, "job", JSON_OBJECT, &job)) < 0)
        return ret;
    json_where(rd, "\"job\": key ");
    if ((ret = json_get_utc_time(rd, job, "started", m->started)) < 0 ||
        (ret = json_get_utc_time(rd, job, "completed", m->completed)) < 0 ||
        (ret = get_mode(rd, job, "mode", &m->mode)) < 0 ||
        (ret = json_get_int(rd, job, "disc_bytes", 1, INT64_MAX, "a positive integer",
                            &m->disc_bytes)) < 0 ||
        (ret = json_get_int(rd, job, "safety_bytes", 0, m->disc_bytes - 1,
                            "an integer >= 0 and < disc_bytes", &m->safety_bytes)) < 0 ||
        (ret = json_get_str(rd, job, "build_dir", &dir)) < 0)
        return ret;
    if (!(m->build_dir = strdup(dir)))
        return AVERROR(ENOMEM);
    if ((ret = json_get_bool(rd, job, "delete_originals", &m->delete_originals)) < 0 ||
        (ret = json_get(rd, job, "kbps", &kbps)) < 0)
        return ret;
    if (m->mode == MODE_COPY)
        return json_is_null(kbps) ? 0 :
               json_fail(rd, "%s\"kbps\": must be null in COPY mode", rd->where);
    return json_get_int(rd, job, "kbps", 1, INT64_MAX / 1000, "a positive integer in ENCODE mode",
                        &m->kbps);
}

static int read_encoder(struct json_reader *rd, const json_t *root, struct manifest *m)
{
    json_t *enc, *video, *audio;
    int64_t v;
    int ret;
    json_where(rd, "key ");
    if ((ret = json_get(rd, root, "encoder", &enc)) < 0)
        return ret;
    if (m->mode == MODE_COPY)
        return json_is_null(enc) ? 0 : json_fail(rd, "key \"encoder\": must be null in COPY mode");
    if ((ret = json_get_typed(rd, root, "encoder", JSON_OBJECT, &enc)) < 0)
        return ret;
    json_where(rd, "\"encoder\": key ");
    if ((ret = json_get_typed(rd, enc, "video", JSON_OBJECT, &video)) < 0 ||
        (ret = json_get_typed(rd, enc, "audio", JSON_OBJECT, &audio)) < 0)
        return ret;
    json_where(rd, "\"encoder\".\"video\": key ");
    if ((ret = json_get_int(rd, video, "preset", ENC_PRESET_MIN, ENC_PRESET_MAX,
                            "an integer from " AV_STRINGIFY(ENC_PRESET_MIN) " to "
                            AV_STRINGIFY(ENC_PRESET_MAX), &v)) < 0)
        return ret;
    m->preset = (int)v;
    json_where(rd, "\"encoder\".\"audio\": key ");
    if ((ret = json_get_int(rd, audio, "kbps", 1, INT32_MAX / 1000, "a positive integer",
                            &v)) < 0)
        return ret;
    m->audio_kbps = (int)v;
    return 0;
}

static int read_encode(struct json_reader *rd, const json_t *jf, size_t i,
                       struct manifest_file *f)
{
    json_t *enc;
    int64_t v;
    int ret;
    if ((ret = json_get(rd, jf, "encode", &enc)) < 0)
        return ret;
    if (f->mode == MODE_COPY)
        return json_is_null(enc) ? 0 :
               json_fail(rd, "%s\"encode\": must be null in COPY mode", rd->where);
    if ((ret = json_get_typed(rd, jf, "encode", JSON_OBJECT, &enc)) < 0)
        return ret;
    json_where(rd, "\"files\"[%zu].\"encode\": key ", i);
    if ((ret = json_get_int(rd, enc, "video_kbps", 1, INT64_MAX / 1000, "a positive integer",
                            &f->video_kbps)) < 0 ||
        (ret = json_get_bool(rd, enc, "audio", &f->has_audio)) < 0 ||
        (ret = json_get_int(rd, enc, "encodes", 0, INT32_MAX, "a non-negative integer", &v)) < 0)
        return ret;
    f->encodes = (int)v;
    return 0;
}

/* The output's name, never trusted as a path: a plain name in the
 * directory, nothing else, and none twice. */
static int read_output_name(struct json_reader *rd, const json_t *out, size_t i,
                            struct manifest *m)
{
    const char *name;
    int ret = json_get_str(rd, out, "name", &name);
    if (ret < 0)
        return ret;
    if (!progress_name_is_safe(name) || manifest_name_reserved(name))
        return json_fail(rd, "%s\"name\": not a plain file name of an output", rd->where);
    for (size_t k = 0; k < i; k++)
        if (!strcmp(m->files[k].name, name))
            return json_fail(rd, "%s\"name\": duplicate", rd->where);
    return (m->files[i].name = strdup(name)) ? 0 : AVERROR(ENOMEM);
}

static int read_file(struct json_reader *rd, const json_t *jf, size_t i, struct manifest *m)
{
    struct manifest_file *f = &m->files[i];
    json_t *out, *orig;
    const char *path;
    int ret;
    json_where(rd, "\"files\"[%zu]: key ", i);
    if (!json_is_object(jf))
        return json_fail(rd, "\"files\"[%zu]: expected an object", i);
    if ((ret = get_mode(rd, jf, "mode", &f->mode)) < 0 ||
        (ret = json_get_typed(rd, jf, "output", JSON_OBJECT, &out)) < 0 ||
        (ret = json_get_typed(rd, jf, "original", JSON_OBJECT, &orig)) < 0)
        return ret;
    if (f->mode != m->mode)
        return json_fail(rd, "%s\"mode\": differs from the job's \"mode\"", rd->where);
    json_where(rd, "\"files\"[%zu].\"output\": key ", i);
    if ((ret = read_output_name(rd, out, i, m)) < 0 ||
        (ret = json_get_int(rd, out, "size", 0, INT64_MAX, "a non-negative integer",
                            &f->size)) < 0 ||
        (ret = json_get_hash(rd, out, "sha256", 0, f->sha256)) < 0)
        return ret;
    json_where(rd, "\"files\"[%zu].\"original\": key ", i);
    if ((ret = json_get_abs_path(rd, orig, "path", &path)) < 0)
        return ret;
    if (!(f->original = strdup(path)))
        return AVERROR(ENOMEM);
    if ((ret = json_get_int(rd, orig, "size", 0, INT64_MAX, "a non-negative integer",
                            &f->original_size)) < 0 ||
        (ret = json_get_int(rd, orig, "mtime_ns", INT64_MIN, INT64_MAX, "an integer",
                            &f->original_mtime_ns)) < 0 ||
        (ret = json_get_hash(rd, orig, "sha256", 0, f->original_sha256)) < 0)
        return ret;
    json_where(rd, "\"files\"[%zu]: key ", i);
    if ((ret = read_encode(rd, jf, i, f)) < 0)
        return ret;
    /* A bit-exact copy that is not identical to its original is a lie. */
    if (f->mode == MODE_COPY && (strcmp(f->sha256, f->original_sha256) || f->size != f->original_size))
        return json_fail(rd, "%s\"output\": COPY, but size or SHA-256 differs from the "
                         "original's", rd->where);
    return 0;
}

static int from_json(struct json_reader *rd, const json_t *root, struct manifest *m)
{
    json_t *files;
    const char *format;
    int64_t version;
    int ret;
    json_where(rd, "key ");
    if (!json_is_object(root))
        return json_fail(rd, "top level is not a JSON object");
    if ((ret = json_get_str(rd, root, "format", &format)) < 0)
        return ret;
    if (strcmp(format, MANIFEST_FORMAT))
        return json_fail(rd, "key \"format\": expected \"%s\"", MANIFEST_FORMAT);
    if ((ret = json_get_int(rd, root, "format_version", INT64_MIN, INT64_MAX, "an integer",
                            &version)) < 0)
        return ret;
    if (version > MANIFEST_VERSION)
        return json_fail(rd, "key \"format_version\": version %lld is newer than this program "
                         "supports (%d); use a newer prepare_bodycam", (long long)version,
                         MANIFEST_VERSION);
    if (version != MANIFEST_VERSION)
        return json_fail(rd, "key \"format_version\": unsupported version %lld",
                         (long long)version);
    if ((ret = read_job(rd, root, m)) < 0 || (ret = read_encoder(rd, root, m)) < 0)
        return ret;
    json_where(rd, "key ");
    if ((ret = json_get_typed(rd, root, "files", JSON_ARRAY, &files)) < 0)
        return ret;
    if (!(m->files = calloc(json_array_size(files) + 1, sizeof(*m->files))))
        return AVERROR(ENOMEM);
    for (size_t i = 0; i < json_array_size(files); i++) {
        m->nb_files = i + 1;
        if ((ret = read_file(rd, json_array_get(files, i), i, m)) < 0)
            return ret;
    }
    return 0;
}

int manifest_parse(const char *buf, size_t len, struct manifest **out,
                   uint8_t digest[SHA256_BYTES], char *err, size_t errlen)
{
    struct json_reader rd = { .err = err, .errlen = errlen, .code = PBC_E_MANIFEST };
    struct manifest *m = calloc(1, sizeof(*m));
    struct pbc_sha256 *sha = sha256_alloc();
    json_t *root = NULL;
    json_error_t jerr;
    int ret;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!m || !sha) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    sha256_update(sha, buf, len);
    sha256_final(sha, digest);
    if (!(root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr))) {
        ret = json_fail(&rd, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                        jerr.column);
        goto end;
    }
    ret = from_json(&rd, root, m);
end:
    if (ret < 0) {
        if (err && errlen && !err[0])
            snprintf(err, errlen, "%s", pbc_err2str(ret));
        manifest_free(&m);
    }
    *out = m;
    json_decref(root);
    sha256_free(&sha);
    return ret;
}
