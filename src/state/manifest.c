/* MANIFEST.json and SHA256SUMS: built from the progress file of a finished
 * job, written atomically, read back by --verify. See manifest.h. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pbc_config.h"

#include "base/encode_settings.h"
#include "base/errors.h"
#include "io/fsutil.h"
#include "state/manifest.h"
#include "base/version.h"

static const char copy_relation[] =
    "bit-exact copy of the original: identical bytes, identical SHA-256";
static const char encode_relation[] =
    "derived viewing copy: re-encoded from the original (identified by its SHA-256), "
    "not bit-identical to it";

void manifest_utc_time(int64_t seconds, char out[PROGRESS_TIME_LEN + 1])
{
    time_t t = (time_t)seconds;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, PROGRESS_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, PROGRESS_TIME_LEN + 1, "1970-01-01T00:00:00Z");
}

/* mtime with its nanoseconds, for a human reader beside mtime_ns. */
static void utc_time_ns(int64_t ns, char *out, size_t size)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    char base[PROGRESS_TIME_LEN + 1];
    if (frac < 0)
        sec--, frac += 1000000000;
    manifest_utc_time(sec, base);
    snprintf(out, size, "%.19s.%09" PRId64 "Z", base, frac);
}

static void copy_id(char out[MANIFEST_ID_MAX + 1], const char *s)
{
    size_t len = s ? strlen(s) : 0;
    out[0] = '\0';
    if (!len || len > MANIFEST_ID_MAX)
        return;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return;
    memcpy(out, s, len + 1);
}

/* The login name of uid from the password database, "" when not found.
 * The static binary reads /etc/passwd itself (fgetpwent_r needs no NSS,
 * which a static glibc cannot load reliably): names from LDAP or SSSD are
 * then unknown (design.md "Static build"). */
static void passwd_name(uid_t uid, char out[MANIFEST_ID_MAX + 1])
{
    struct passwd pw, *found = NULL;
    char buf[4096];
    out[0] = '\0';
#if PBC_STATIC_BUILD
    FILE *f = fopen("/etc/passwd", "re");
    if (!f)
        return;
    while (fgetpwent_r(f, &pw, buf, sizeof(buf), &found) == 0 && found && found->pw_uid != uid)
        found = NULL;
    fclose(f);
#else
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) != 0)
        found = NULL;
#endif
    if (found)
        copy_id(out, found->pw_name);
}

void manifest_identify(struct manifest_run *run)
{
    const char *user = getenv("USER");
    char host[256];
    if (!user || !*user)
        user = getenv("LOGNAME");
    copy_id(run->user, user);
    /* $USER and $LOGNAME first: they name who logged in, also under sudo
     * or su (the effective uid's entry would say root). */
    if (!run->user[0])
        passwd_name(geteuid(), run->user);
    host[0] = '\0';
    if (gethostname(host, sizeof(host)) < 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    copy_id(run->host, host);
    run->uid = (int64_t)geteuid();
}

int manifest_name_reserved(const char *name)
{
    return progress_name_reserved(name);
}

void manifest_free(struct manifest **pm)
{
    struct manifest *m = pm ? *pm : NULL;
    if (!m)
        return;
    for (size_t i = 0; i < m->nb_files; i++) {
        free(m->files[i].name);
        free(m->files[i].original);
    }
    free(m->files);
    free(m->build_dir);
    free(m);
    *pm = NULL;
}

/* ---- building, from the progress file ---- */

static int from_progress(const struct progress *p, const struct manifest_run *run,
                         struct manifest **out, char *err, size_t errlen)
{
    struct manifest *m = calloc(1, sizeof(*m));
    int ret = 0;
    *out = NULL;
    if (!m || !(m->files = calloc(p->nb_clips ? p->nb_clips : 1, sizeof(*m->files))) ||
        !(m->build_dir = strdup(p->build_dir))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    m->mode = p->mode;
    m->disc_bytes = p->disc_bytes;
    m->safety_bytes = p->safety_bytes;
    m->kbps = p->mode == MODE_ENCODE ? p->kbps : 0;
    m->preset = p->preset;
    m->audio_kbps = p->audio_kbps;
    m->delete_originals = p->delete_originals;
    memcpy(m->started, run->started, sizeof(m->started));
    memcpy(m->completed, run->completed, sizeof(m->completed));
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        struct manifest_file *f = &m->files[i];
        /* The manifest vouches for every file: nothing unknown goes in. */
        if (c->status != CLIP_DONE || c->output_size < 0 || !sha256_hex_valid(c->output_sha256) ||
            !sha256_hex_valid(c->source_sha256)) {
            ret = pbc_reason(err, errlen, AVERROR(EINVAL), "%s: not done, or its output or "
                             "original has no SHA-256 recorded", c->name);
            goto end;
        }
        /* An output under one of our own names would be overwritten. */
        if (manifest_name_reserved(c->name)) {
            ret = pbc_reason(err, errlen, AVERROR(EINVAL), "output name %s is reserved for the "
                             "build directory's own files", c->name);
            goto end;
        }
        m->nb_files++;
        if (!(f->name = strdup(c->name)) || !(f->original = strdup(c->source))) {
            ret = AVERROR(ENOMEM);
            goto end;
        }
        f->mode = p->mode;
        f->size = c->output_size;
        memcpy(f->sha256, c->output_sha256, sizeof(f->sha256));
        f->original_size = c->source_size;
        f->original_mtime_ns = c->source_mtime_ns;
        memcpy(f->original_sha256, c->source_sha256, sizeof(f->original_sha256));
        f->video_kbps = p->mode == MODE_ENCODE ? c->target_kbps : 0;
        f->has_audio = p->mode == MODE_ENCODE && c->has_audio;
        f->encodes = p->mode == MODE_ENCODE ? c->encodes : 0;
        f->planned_kbps = p->mode == MODE_ENCODE ? progress_planned_kbps(p, c) : 0;
        f->psnr_y = p->mode == MODE_ENCODE ? c->psnr_y : -1;
        f->ssim = p->mode == MODE_ENCODE ? c->ssim : -1;
    }
end:
    if (ret < 0)
        manifest_free(&m);
    *out = m;
    return ret;
}

/* Outputs must be on disk as recorded: a cheap stat, no second read. */
static int check_outputs(const struct manifest *m, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->nb_files; i++) {
        char *path = fs_join(m->build_dir, m->files[i].name);
        struct stat st;
        int ret = 0;
        if (!path)
            return AVERROR(ENOMEM);
        if (lstat(path, &st) < 0)
            ret = pbc_reason(err, errlen, AVERROR(errno), "%s: %s", path, strerror(errno));
        else if (!S_ISREG(st.st_mode) || st.st_size != m->files[i].size)
            ret = pbc_reason(err, errlen, AVERROR(EIO),
                             "%s: %lld bytes, the progress file records %lld", path,
                             (long long)st.st_size, (long long)m->files[i].size);
        free(path);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* ---- serialising ---- */

/* An argument that is not UTF-8 (JSON holds nothing else) is kept exactly,
 * as {"hex": "..."}. */
static json_t *arg_json(const char *arg)
{
    json_t *s = json_string(arg), *o;
    char *hex;
    size_t len = strlen(arg);
    if (s)
        return s;
    if (!(hex = malloc(2 * len + 1)))
        return NULL;
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)arg[i]);
    o = json_pack("{s:s}", "hex", hex);
    free(hex);
    return o;
}

static json_t *job_json(const struct manifest *m, const struct manifest_run *run)
{
    char libs[1024];
    json_t *args = json_array();
    for (int i = 0; args && i < run->argc; i++)
        if (json_array_append_new(args, arg_json(run->argv[i])) < 0) {
            json_decref(args);
            return NULL;
        }
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?, s:I, s:s?, s:o, s:s, s:I, s:I, s:I, s:s, s:o, s:b}",
        "tool", pbc_version(),
        "libraries", pbc_library_versions(libs, sizeof(libs)),
        "started", m->started,
        "completed", m->completed,
        "resumed", run->resumed,
        "user", run->user[0] ? run->user : NULL,
        "uid", (json_int_t)run->uid,
        "host", run->host[0] ? run->host : NULL,
        "arguments", args,
        "build_dir", m->build_dir,
        "disc_bytes", (json_int_t)m->disc_bytes,
        "safety_bytes", (json_int_t)m->safety_bytes,
        "usable_bytes", (json_int_t)(m->disc_bytes - m->safety_bytes),
        "mode", progress_mode_name(m->mode),
        "kbps", m->mode == MODE_ENCODE ? json_integer(m->kbps) : json_null(),
        "delete_originals", m->delete_originals);
}

/* What a viewing copy keeps of its original's picture (design.md "Odd
 * and small sizes"). */
#define MANIFEST_VIDEO_TIMING "resolution and frame timing of the original; a picture of " \
    "odd width or height, or under 64 pixels, is padded to the even size of at least 64 " \
    "that SVT-AV1 codes, its last column and row repeated (the log names each such clip)"

static json_t *encoder_json(const struct manifest *m)
{
    if (m->mode != MODE_ENCODE)
        return json_null();
    return json_pack("{s:s, s:{s:s, s:s, s:i, s:I, s:s}, s:{s:s, s:s, s:i, s:i, s:i}}",
        "container", "MP4",
        "video", "codec", "AV1", "encoder", "libsvtav1", "preset", m->preset,
        "kbps", (json_int_t)m->kbps, "timing", MANIFEST_VIDEO_TIMING,
        "audio", "codec", "Opus", "encoder", "libopus", "kbps", m->audio_kbps,
        "channels", ENC_AUDIO_CHANNELS, "sample_rate", ENC_AUDIO_SAMPLE_RATE);
}

static json_t *file_json(const struct manifest_file *f)
{
    char mtime[48];
    utc_time_ns(f->original_mtime_ns, mtime, sizeof(mtime));
    return json_pack("{s:s, s:s, s:{s:s, s:I, s:s}, s:{s:s, s:I, s:s, s:I, s:s}, s:o}",
        "mode", progress_mode_name(f->mode),
        "relation", f->mode == MODE_COPY ? copy_relation : encode_relation,
        "output", "name", f->name, "size", (json_int_t)f->size, "sha256", f->sha256,
        "original", "path", f->original, "size", (json_int_t)f->original_size,
        "mtime", mtime, "mtime_ns", (json_int_t)f->original_mtime_ns,
        "sha256", f->original_sha256,
        "encode", f->mode == MODE_COPY ? json_null() :
            json_pack("{s:I, s:b, s:i, s:I, s:o, s:o}", "video_kbps", (json_int_t)f->video_kbps,
                      "audio", f->has_audio, "encodes", f->encodes,
                      "planned_kbps", (json_int_t)f->planned_kbps,
                      /* Of the luma, against the decoded original, every frame. */
                      "psnr_y", f->psnr_y < 0 ? json_null() : json_real(f->psnr_y),
                      "ssim_y", f->ssim < 0 ? json_null() : json_real(f->ssim)));
}

static int to_text(const struct manifest *m, const struct manifest_run *run,
                   char **text, size_t *len, char *err, size_t errlen)
{
    json_t *files = json_array(), *root = NULL;
    char *s = NULL, *t;
    int ret = 0;
    *text = NULL;
    for (size_t i = 0; files && i < m->nb_files; i++) {
        json_t *jf = file_json(&m->files[i]);
        if (!jf) {
            /* e.g. a source path that is not UTF-8 */
            ret = pbc_reason(err, errlen, AVERROR(EINVAL), "%s: cannot be described in JSON",
                             m->files[i].name);
            goto end;
        }
        if (json_array_append_new(files, jf) < 0) {
            ret = AVERROR(ENOMEM);
            goto end;
        }
    }
    root = json_pack("{s:s, s:i, s:o, s:o, s:O}", "format", MANIFEST_FORMAT,
                     "format_version", MANIFEST_VERSION, "job", job_json(m, run),
                     "encoder", encoder_json(m), "files", files);
    if (!files || !root || !(s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ||
        !(t = realloc(s, strlen(s) + 2))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    s = t;
    *len = strlen(s);
    s[(*len)++] = '\n';
    s[*len] = '\0';
    *text = s;
    s = NULL;
end:
    free(s);
    json_decref(root);
    json_decref(files);
    return ret;
}

static size_t sums_line(char *out, const char *hex, const char *name)
{
    size_t o = 0;
    int escape = strpbrk(name, "\\\n\r") != NULL;
    if (escape)
        out[o++] = '\\';
    memcpy(out + o, hex, SHA256_HEX_LEN);
    o += SHA256_HEX_LEN;
    out[o++] = ' ';
    out[o++] = ' ';
    /* GNU sha256sum -c reads the name "-" as standard input; "./-" is the
     * same file in the same directory, read as a file. */
    if (!strcmp(name, "-")) {
        out[o++] = '.';
        out[o++] = '/';
    }
    for (const char *c = name; *c; c++) {
        if (escape && (*c == '\\' || *c == '\n' || *c == '\r')) {
            out[o++] = '\\';
            out[o++] = *c == '\\' ? '\\' : *c == '\n' ? 'n' : 'r';
        } else {
            out[o++] = *c;
        }
    }
    out[o++] = '\n';
    return o;
}

int manifest_sums_text(const struct manifest *m, const char *manifest_sha256,
                       char **text, size_t *len)
{
    size_t size = 2 * (sizeof(MANIFEST_JSON_NAME) + SHA256_HEX_LEN + 4), o = 0;
    for (size_t i = 0; i < m->nb_files; i++)
        size += 2 * strlen(m->files[i].name) + SHA256_HEX_LEN + 6;
    if (!(*text = malloc(size)))
        return AVERROR(ENOMEM);
    for (size_t i = 0; i < m->nb_files; i++)
        o += sums_line(*text + o, m->files[i].sha256, m->files[i].name);
    o += sums_line(*text + o, manifest_sha256, MANIFEST_JSON_NAME);
    (*text)[o] = '\0';
    *len = o;
    return 0;
}

int manifest_write(const struct progress *p, const struct manifest_run *run,
                   char manifest_sha256[SHA256_HEX_LEN + 1], char *err, size_t errlen)
{
    struct manifest *m = NULL;
    struct pbc_sha256 *sha = NULL;
    char *text = NULL, *sums = NULL, *path = NULL;
    uint8_t digest[SHA256_BYTES];
    size_t len = 0, sums_len = 0;
    int ret;
    if (err && errlen)
        err[0] = '\0';
    if ((ret = from_progress(p, run, &m, err, errlen)) < 0 ||
        (ret = check_outputs(m, err, errlen)) < 0 ||
        (ret = to_text(m, run, &text, &len, err, errlen)) < 0)
        goto end;
    if (!(sha = sha256_alloc())) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    sha256_update(sha, text, len);
    sha256_final(sha, digest);
    sha256_hex(digest, manifest_sha256);
    if ((ret = manifest_sums_text(m, manifest_sha256, &sums, &sums_len)) < 0)
        goto end;
    /* MANIFEST.json first: SHA256SUMS names its hash. */
    if (!(path = fs_join(m->build_dir, MANIFEST_JSON_NAME))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = fs_write_atomic(path, text, len)) < 0) {
        pbc_reason(err, errlen, ret, "cannot write %s: %s", path, pbc_err2str(ret));
        goto end;
    }
    free(path);
    if (!(path = fs_join(m->build_dir, MANIFEST_SUMS_NAME))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = fs_write_atomic(path, sums, sums_len)) < 0)
        pbc_reason(err, errlen, ret, "cannot write %s: %s", path, pbc_err2str(ret));
end:
    if (ret < 0 && err && errlen && !err[0])
        snprintf(err, errlen, "%s", pbc_err2str(ret));
    free(path);
    free(sums);
    free(text);
    sha256_free(&sha);
    manifest_free(&m);
    return ret;
}
