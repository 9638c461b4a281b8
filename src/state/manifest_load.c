/* Reading MANIFEST.json back, for --verify: every value is checked and
 * no name is trusted as a path. See manifest.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "state/manifest.h"

#define MANIFEST_MAX_BYTES (64 * 1024 * 1024)

struct reader {
    char *err;
    size_t errlen;
    char where[64];   /* "job.", "files[3].output." */
};

static int bad(struct reader *rd, const char *key, const char *what)
{
    return pbc_reason(rd->err, rd->errlen, PBC_E_MANIFEST, "%s%s: %s", rd->where, key, what);
}

static int get(struct reader *rd, const json_t *o, const char *key, json_type type,
               const char *what, json_t **out)
{
    *out = json_object_get(o, key);
    if (!*out)
        return bad(rd, key, "missing");
    if (json_typeof(*out) != type && !(type == JSON_TRUE && json_is_boolean(*out)))
        return bad(rd, key, what);
    return 0;
}

static int get_str(struct reader *rd, const json_t *o, const char *key, const char **out)
{
    json_t *v;
    int ret = get(rd, o, key, JSON_STRING, "expected a string", &v);
    if (ret < 0)
        return ret;
    if (strlen(json_string_value(v)) != json_string_length(v))
        return bad(rd, key, "contains a NUL character");
    *out = json_string_value(v);
    return 0;
}

static int get_int(struct reader *rd, const json_t *o, const char *key, int64_t min,
                   int64_t max, int64_t *out)
{
    json_t *v;
    int ret = get(rd, o, key, JSON_INTEGER, "expected an integer", &v);
    if (ret < 0)
        return ret;
    if (json_integer_value(v) < min || json_integer_value(v) > max)
        return bad(rd, key, "out of range");
    *out = json_integer_value(v);
    return 0;
}

static int get_hex(struct reader *rd, const json_t *o, const char *key, char out[SHA256_HEX_LEN + 1])
{
    const char *s = NULL;
    int ret = get_str(rd, o, key, &s);
    if (ret < 0)
        return ret;
    if (!sha256_hex_valid(s))
        return bad(rd, key, "expected 64 lower-case hex digits");
    memcpy(out, s, SHA256_HEX_LEN + 1);
    return 0;
}

static int get_time(struct reader *rd, const json_t *o, const char *key, char out[PROGRESS_TIME_LEN + 1])
{
    const char *s = NULL;
    int ret = get_str(rd, o, key, &s);
    if (ret < 0)
        return ret;
    if (strlen(s) != PROGRESS_TIME_LEN || s[PROGRESS_TIME_LEN - 1] != 'Z')
        return bad(rd, key, "expected a UTC time YYYY-MM-DDTHH:MM:SSZ");
    memcpy(out, s, PROGRESS_TIME_LEN + 1);
    return 0;
}

static int get_mode(struct reader *rd, const json_t *o, const char *key, enum job_mode *out)
{
    const char *s = NULL;
    int ret = get_str(rd, o, key, &s);
    if (ret < 0)
        return ret;
    if (!strcmp(s, "COPY"))
        *out = MODE_COPY;
    else if (!strcmp(s, "ENCODE"))
        *out = MODE_ENCODE;
    else
        return bad(rd, key, "expected \"COPY\" or \"ENCODE\"");
    return 0;
}

static int read_job(struct reader *rd, const json_t *root, struct manifest *m)
{
    json_t *job, *kbps;
    const char *dir;
    int ret;
    snprintf(rd->where, sizeof(rd->where), "%s", "");
    if ((ret = get(rd, root, "job", JSON_OBJECT, "expected an object", &job)) < 0)
        return ret;
    snprintf(rd->where, sizeof(rd->where), "job.");
    if ((ret = get_time(rd, job, "started", m->started)) < 0 ||
        (ret = get_time(rd, job, "completed", m->completed)) < 0 ||
        (ret = get_mode(rd, job, "mode", &m->mode)) < 0 ||
        (ret = get_int(rd, job, "disc_bytes", 1, INT64_MAX, &m->disc_bytes)) < 0 ||
        (ret = get_int(rd, job, "safety_bytes", 0, m->disc_bytes - 1, &m->safety_bytes)) < 0 ||
        (ret = get_str(rd, job, "build_dir", &dir)) < 0)
        return ret;
    if (!(m->build_dir = strdup(dir)))
        return AVERROR(ENOMEM);
    if ((ret = get(rd, job, "delete_originals", JSON_TRUE, "expected true or false", &kbps)) < 0)
        return ret;
    m->delete_originals = json_is_true(kbps);
    if (!(kbps = json_object_get(job, "kbps")))
        return bad(rd, "kbps", "missing");
    if (m->mode == MODE_COPY)
        return json_is_null(kbps) ? 0 : bad(rd, "kbps", "must be null in COPY mode");
    return get_int(rd, job, "kbps", 1, INT64_MAX / 1000, &m->kbps);
}

static int read_encoder(struct reader *rd, const json_t *root, struct manifest *m)
{
    json_t *enc = json_object_get(root, "encoder"), *video, *audio;
    int64_t v;
    int ret;
    snprintf(rd->where, sizeof(rd->where), "%s", "");
    if (!enc)
        return bad(rd, "encoder", "missing");
    if (m->mode == MODE_COPY)
        return json_is_null(enc) ? 0 : bad(rd, "encoder", "must be null in COPY mode");
    if ((ret = get(rd, root, "encoder", JSON_OBJECT, "expected an object", &enc)) < 0)
        return ret;
    snprintf(rd->where, sizeof(rd->where), "encoder.");
    if ((ret = get(rd, enc, "video", JSON_OBJECT, "expected an object", &video)) < 0 ||
        (ret = get(rd, enc, "audio", JSON_OBJECT, "expected an object", &audio)) < 0)
        return ret;
    snprintf(rd->where, sizeof(rd->where), "encoder.video.");
    if ((ret = get_int(rd, video, "preset", 0, 13, &v)) < 0)
        return ret;
    m->preset = (int)v;
    snprintf(rd->where, sizeof(rd->where), "encoder.audio.");
    if ((ret = get_int(rd, audio, "kbps", 1, INT32_MAX / 1000, &v)) < 0)
        return ret;
    m->audio_kbps = (int)v;
    return 0;
}

static int read_encode(struct reader *rd, const json_t *jf, struct manifest_file *f)
{
    json_t *enc = json_object_get(jf, "encode"), *audio;
    int64_t v;
    int ret;
    if (!enc)
        return bad(rd, "encode", "missing");
    if (f->mode == MODE_COPY)
        return json_is_null(enc) ? 0 : bad(rd, "encode", "must be null in COPY mode");
    if ((ret = get(rd, jf, "encode", JSON_OBJECT, "expected an object", &enc)) < 0)
        return ret;
    strncat(rd->where, "encode.", sizeof(rd->where) - strlen(rd->where) - 1);
    if ((ret = get_int(rd, enc, "video_kbps", 1, INT64_MAX / 1000, &f->video_kbps)) < 0 ||
        (ret = get(rd, enc, "audio", JSON_TRUE, "expected true or false", &audio)) < 0 ||
        (ret = get_int(rd, enc, "encodes", 0, INT32_MAX, &v)) < 0)
        return ret;
    f->has_audio = json_is_true(audio);
    f->encodes = (int)v;
    return 0;
}

static int read_file(struct reader *rd, const json_t *jf, size_t i, struct manifest *m)
{
    struct manifest_file *f = &m->files[i];
    json_t *out, *orig;
    const char *name, *path;
    int ret;
    snprintf(rd->where, sizeof(rd->where), "files[%zu].", i);
    if (!json_is_object(jf))
        return bad(rd, "", "expected an object");
    if ((ret = get_mode(rd, jf, "mode", &f->mode)) < 0 ||
        (ret = get(rd, jf, "output", JSON_OBJECT, "expected an object", &out)) < 0 ||
        (ret = get(rd, jf, "original", JSON_OBJECT, "expected an object", &orig)) < 0)
        return ret;
    if (f->mode != m->mode)
        return bad(rd, "mode", "differs from job.mode");
    snprintf(rd->where, sizeof(rd->where), "files[%zu].output.", i);
    if ((ret = get_str(rd, out, "name", &name)) < 0)
        return ret;
    /* Never trusted as a path: a plain name in the directory, nothing else. */
    if (!progress_name_is_safe(name) || manifest_name_reserved(name))
        return bad(rd, "name", "not a plain file name of an output");
    for (size_t k = 0; k < i; k++)
        if (!strcmp(m->files[k].name, name))
            return bad(rd, "name", "duplicate");
    if (!(f->name = strdup(name)))
        return AVERROR(ENOMEM);
    if ((ret = get_int(rd, out, "size", 0, INT64_MAX, &f->size)) < 0 ||
        (ret = get_hex(rd, out, "sha256", f->sha256)) < 0)
        return ret;
    snprintf(rd->where, sizeof(rd->where), "files[%zu].original.", i);
    if ((ret = get_str(rd, orig, "path", &path)) < 0)
        return ret;
    if (path[0] != '/')
        return bad(rd, "path", "not an absolute path");
    if (!(f->original = strdup(path)))
        return AVERROR(ENOMEM);
    if ((ret = get_int(rd, orig, "size", 0, INT64_MAX, &f->original_size)) < 0 ||
        (ret = get_int(rd, orig, "mtime_ns", INT64_MIN, INT64_MAX, &f->original_mtime_ns)) < 0 ||
        (ret = get_hex(rd, orig, "sha256", f->original_sha256)) < 0)
        return ret;
    snprintf(rd->where, sizeof(rd->where), "files[%zu].", i);
    if ((ret = read_encode(rd, jf, f)) < 0)
        return ret;
    /* A bit-exact copy that is not identical to its original is a lie. */
    if (f->mode == MODE_COPY && (strcmp(f->sha256, f->original_sha256) || f->size != f->original_size))
        return bad(rd, "output", "COPY, but size or SHA-256 differs from the original's");
    return 0;
}

static int from_json(struct reader *rd, const json_t *root, struct manifest *m)
{
    json_t *files;
    const char *format;
    int64_t version;
    int ret;
    if (!json_is_object(root))
        return pbc_reason(rd->err, rd->errlen, PBC_E_MANIFEST, "top level is not a JSON object");
    if ((ret = get_str(rd, root, "format", &format)) < 0)
        return ret;
    if (strcmp(format, MANIFEST_FORMAT))
        return bad(rd, "format", "expected \"" MANIFEST_FORMAT "\"");
    if ((ret = get_int(rd, root, "format_version", INT64_MIN, INT64_MAX, &version)) < 0)
        return ret;
    if (version != MANIFEST_VERSION)
        return bad(rd, "format_version", version > MANIFEST_VERSION ?
                   "newer than this program supports; use a newer prepare_bodycam" :
                   "unsupported version");
    if ((ret = read_job(rd, root, m)) < 0 || (ret = read_encoder(rd, root, m)) < 0)
        return ret;
    snprintf(rd->where, sizeof(rd->where), "%s", "");
    if ((ret = get(rd, root, "files", JSON_ARRAY, "expected an array", &files)) < 0)
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

/* The whole file, refused when its size changes while it is read. */
static int read_all(struct reader *rd, const char *path, char **out, size_t *outlen)
{
    enum fs_read_failure why;
    int ret = fs_read_file(path, MANIFEST_MAX_BYTES, FS_READ_SAME_SIZE, out, outlen, &why);

    switch (why) {
    case FS_READ_OK:
        return 0;
    case FS_READ_OPEN:
    case FS_READ_IO:
        return pbc_reason(rd->err, rd->errlen, PBC_E_MANIFEST, "cannot read: %s",
                          strerror(AVUNERROR(ret)));
    case FS_READ_NOT_REGULAR:
        return pbc_reason(rd->err, rd->errlen, PBC_E_MANIFEST, "not a regular file");
    case FS_READ_TOO_LARGE:
        return pbc_reason(rd->err, rd->errlen, PBC_E_MANIFEST, "larger than %d bytes",
                          MANIFEST_MAX_BYTES);
    case FS_READ_CHANGED:
        return pbc_reason(rd->err, rd->errlen, PBC_E_MANIFEST, "changed while it was read");
    default:
        return ret;
    }
}

int manifest_load(const char *path, struct manifest **out, uint8_t digest[SHA256_BYTES],
                  char *err, size_t errlen)
{
    struct reader rd = { .err = err, .errlen = errlen };
    struct manifest *m = calloc(1, sizeof(*m));
    struct pbc_sha256 *sha = sha256_alloc();
    json_t *root = NULL;
    json_error_t jerr;
    char *buf = NULL;
    size_t len = 0;
    int ret;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!m || !sha) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = read_all(&rd, path, &buf, &len)) < 0)
        goto end;
    sha256_update(sha, buf, len);
    sha256_final(sha, digest);
    if (!(root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr))) {
        ret = pbc_reason(err, errlen, PBC_E_MANIFEST, "not valid JSON: %s (line %d, column %d)",
                         jerr.text, jerr.line, jerr.column);
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
    free(buf);
    sha256_free(&sha);
    return ret;
}
