/* --verify DIR|IMAGE: re-hash a finished build directory, or an ISO image
 * or disc (verify_source.h), against MANIFEST.json.
 * Lines follow sha256sum -c ("NAME: OK", "NAME: FAILED (why)") so that a
 * reader who knows one knows the other. See verify.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/avstring.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "state/manifest.h"
#include "io/sha256.h"
#include "verify/verify.h"
#include "base/quote.h"
#include "verify/verify_source.h"

#define VERIFY_CHUNK (1 << 20)

struct verify_ctx {
    const char *dir;
    struct vsource src;
    struct pbc_log *lg;
    struct manifest *m;
    size_t outputs_ok, originals_ok, originals_absent, failed;
    char failed_names[512]; /* the first few, for the summary */
};

/* Paths from the manifest and names from the directory are shown through
 * pbc_escape_line (quote.h): a file name cannot forge a log line. */
static void failed(struct verify_ctx *v, const char *what)
{
    /* A bounded list for the summary line: cut rather than overflow. */
    if (v->failed++ < 8) {
        if (v->failed_names[0])
            av_strlcat(v->failed_names, ", ", sizeof(v->failed_names));
        av_strlcat(v->failed_names, what, sizeof(v->failed_names));
    } else if (v->failed == 9) {
        av_strlcat(v->failed_names, ", ...", sizeof(v->failed_names));
    }
}

struct hash_status {
    struct verify_ctx *v;
    const char *label;
    int64_t size;
};

static void show_progress(void *opaque, int64_t done)
{
    const struct hash_status *h = opaque;
    char h1[32];
    log_status(h->v->lg, "verifying %s  %5.1f%% of %s", h->label,
               h->size > 0 ? 100.0 * (double)done / (double)h->size : 100.0,
               log_human_bytes(h->size, h1, sizeof(h1)));
}

static int64_t read_vfile(void *reader, uint8_t *buf, size_t len)
{
    return vfile_read(reader, buf, len);
}

static int hash_file(struct verify_ctx *v, struct vfile *f, int64_t size, const char *label,
                     char hex[SHA256_HEX_LEN + 1])
{
    struct hash_status h = { .v = v, .label = label, .size = size };
    uint8_t digest[SHA256_BYTES];
    int64_t done = 0;
    int ret = sha256_stream(read_vfile, f, VERIFY_CHUNK, digest, &done, show_progress, &h);
    log_status_clear(v->lg);
    if (ret < 0)
        return ret;
    sha256_hex(digest, hex);
    /* A file that grew or shrank while read is not the recorded one. */
    return done == size ? 0 : AVERROR(EIO);
}

/* Why a file could not be opened, in the words of sha256sum -c. */
static const char *open_failure(int err)
{
    switch (err) {
    case AVERROR(ENOENT):
    case AVERROR(ENOTDIR):
        return "missing";
    case AVERROR(ELOOP):
        return "a symbolic link";
    case AVERROR(EINVAL):
        return "not a regular file";
    default:
        return strerror(AVUNERROR(err));
    }
}

/* The common part of an output and an original: open (by the source for
 * an output, by path for an original), type, size, hash. Returns 0 when it
 * matches; PBC_E_VERIFY when it does not (logged, except that a file that
 * does not exist sets *absent and is logged only when !absent_ok);
 * PBC_E_INTERRUPTED; AVERROR(ENOMEM). */
static int check_file(struct verify_ctx *v, const char *name, const char *path,
                      const char *label, int64_t size, const char *sha256, int absent_ok,
                      int *absent)
{
    char hex[SHA256_HEX_LEN + 1];
    struct vfile f;
    int ret = name ? vsource_file_open(&v->src, name, &f) : vfile_open_path(path, &f);
    *absent = 0;
    if (ret == AVERROR(ENOMEM))
        return ret;
    if (ret < 0) {
        *absent = ret == AVERROR(ENOENT) || ret == AVERROR(ENOTDIR);
        if (!*absent || !absent_ok)
            log_error(v->lg, "%s: FAILED (%s)", label, open_failure(ret));
        return PBC_E_VERIFY;
    }
    if (f.size != size) {
        log_error(v->lg, "%s: FAILED (%lld bytes, MANIFEST.json records %lld)", label,
                  (long long)f.size, (long long)size);
        ret = PBC_E_VERIFY;
    } else if ((ret = hash_file(v, &f, size, label, hex)) < 0) {
        if (ret != PBC_E_INTERRUPTED) {
            log_error(v->lg, "%s: FAILED (cannot read: %s)", label, pbc_err2str(ret));
            ret = PBC_E_VERIFY;
        }
    } else if (strcmp(hex, sha256)) {
        log_error(v->lg, "%s: FAILED (SHA-256 %s, MANIFEST.json records %s)", label, hex, sha256);
        ret = PBC_E_VERIFY;
    }
    vfile_close(&f);
    return ret;
}

static int check_output(struct verify_ctx *v, const struct manifest_file *f)
{
    char orig[1024];
    int absent, ret = check_file(v, f->name, NULL, f->name, f->size, f->sha256, 0, &absent);
    if (ret == PBC_E_VERIFY) {
        failed(v, f->name);
        return 0;
    }
    if (ret < 0)
        return ret;
    v->outputs_ok++;
    if (f->mode == MODE_COPY)
        log_info(v->lg, "%s: OK (COPY: bit-exact copy of %s, %lld bytes, SHA-256 %s)", f->name,
                 pbc_escape_line(orig, sizeof(orig), f->original), (long long)f->size, f->sha256);
    else
        log_info(v->lg, "%s: OK (ENCODE: derived viewing copy of %s (SHA-256 %s), %lld bytes, "
                 "SHA-256 %s)", f->name, pbc_escape_line(orig, sizeof(orig), f->original),
                 f->original_sha256, (long long)f->size, f->sha256);
    return 0;
}

static int check_original(struct verify_ctx *v, const struct manifest_file *f)
{
    char shown[1024], label[1100];
    int absent, ret;
    snprintf(label, sizeof(label), "original %s", pbc_escape_line(shown, sizeof(shown), f->original));
    ret = check_file(v, NULL, f->original, label, f->original_size, f->original_sha256, 1, &absent);
    if (ret < 0 && ret != PBC_E_VERIFY)
        return ret;
    if (absent) {
        v->originals_absent++;
        log_info(v->lg, "%s: not present (deleted, or another machine): not checked", label);
    } else if (ret) {
        failed(v, label);
    } else {
        v->originals_ok++;
        log_info(v->lg, "%s: OK (SHA-256 %s, the original of %s)", label, f->original_sha256,
                 f->name);
    }
    return 0;
}

/* SHA256SUMS must be exactly what the manifest implies: then
 * `sha256sum -c` on any machine checks the same hashes as --verify. */
static int check_sums(struct verify_ctx *v, const char *manifest_hex)
{
    char *expected = NULL, *got = NULL;
    size_t exp_len = 0, len = 0;
    int ret, opened = 0;
    struct vfile f;
    if ((ret = manifest_sums_text(v->m, manifest_hex, &expected, &exp_len)) < 0)
        goto end;
    if (!(got = malloc(exp_len + 1))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    /* A mismatch is PBC_E_VERIFY here, counted below, not an error. */
    if ((ret = vsource_file_open(&v->src, MANIFEST_SUMS_NAME, &f)) < 0) {
        log_error(v->lg, "%s: FAILED (%s)", MANIFEST_SUMS_NAME, open_failure(ret));
        ret = ret == AVERROR(ENOMEM) ? ret : PBC_E_VERIFY;
        goto end;
    }
    opened = 1;
    /* One byte more than expected tells a longer file apart. */
    while (len <= exp_len) {
        ssize_t n = vfile_read(&f, got + len, exp_len + 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (len == exp_len && !memcmp(got, expected, exp_len)) {
        log_info(v->lg, "%s: OK (agrees with MANIFEST.json)", MANIFEST_SUMS_NAME);
    } else {
        log_error(v->lg, "%s: FAILED (does not agree with MANIFEST.json)", MANIFEST_SUMS_NAME);
        ret = PBC_E_VERIFY;
    }
end:
    if (ret == PBC_E_VERIFY) {
        failed(v, MANIFEST_SUMS_NAME);
        ret = 0;
    }
    if (opened)
        vfile_close(&f);
    free(expected);
    free(got);
    return ret;
}

/* A file the manifest does not list is reported, not failed: the disc may
 * carry a README or the log beside the job's files. */
static void note_unlisted_name(void *opaque, const char *name)
{
    struct verify_ctx *v = opaque;
    char shown[1024];
    int listed = manifest_name_reserved(name);
    for (size_t i = 0; !listed && i < v->m->nb_files; i++)
        listed = !strcmp(name, v->m->files[i].name);
    if (!listed)
        log_warn(v->lg, "%s: not listed in MANIFEST.json (not checked)",
                 pbc_escape_line(shown, sizeof(shown), name));
}

static void note_unlisted(struct verify_ctx *v)
{
    vsource_list(&v->src, note_unlisted_name, v);
}

static int verify_all(struct verify_ctx *v, const char *manifest_hex)
{
    int ret;
    for (size_t i = 0; i < v->m->nb_files; i++)
        if ((ret = check_output(v, &v->m->files[i])) < 0)
            return ret;
    if ((ret = check_sums(v, manifest_hex)) < 0)
        return ret;
    for (size_t i = 0; i < v->m->nb_files; i++)
        if ((ret = check_original(v, &v->m->files[i])) < 0)
            return ret;
    note_unlisted(v);
    return 0;
}

/* MANIFEST.json, read whole through the source (a directory's as its
 * other files: a symbolic link is not a file on the disc). */
static int read_manifest(struct verify_ctx *v, uint8_t digest[SHA256_BYTES], char *err,
                         size_t errlen)
{
    struct vfile f;
    char *buf = NULL;
    int64_t len = 0;
    int ret = vsource_file_open(&v->src, MANIFEST_JSON_NAME, &f);
    if (ret < 0)
        return ret == AVERROR(ENOMEM) ? ret : pbc_reason(err, errlen, PBC_E_MANIFEST,
                                                         "%s", open_failure(ret));
    if (f.size > MANIFEST_MAX_BYTES) {
        ret = pbc_reason(err, errlen, PBC_E_MANIFEST, "larger than %d bytes", MANIFEST_MAX_BYTES);
        goto end;
    }
    if (!(buf = malloc((size_t)f.size + 1))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    while (len < f.size) {
        ssize_t n = vfile_read(&f, buf + len, (size_t)(f.size - len));
        if (n <= 0) {
            ret = pbc_reason(err, errlen, PBC_E_MANIFEST, "cannot read: %s",
                             n < 0 ? pbc_err2str((int)n) : "shorter than recorded");
            goto end;
        }
        len += n;
    }
    ret = manifest_parse(buf, (size_t)len, &v->m, digest, err, errlen);
end:
    vfile_close(&f);
    free(buf);
    return ret;
}

/* The source and its MANIFEST.json; a path that is neither a directory
 * nor an image is a manifest that cannot be read (exit 3). */
static int load_manifest(struct verify_ctx *v, uint8_t digest[SHA256_BYTES])
{
    char *path = fs_join(v->dir, MANIFEST_JSON_NAME), err[512] = "";
    int ret = vsource_open(&v->src, v->dir, err, sizeof(err));
    if (!path) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (ret < 0) {
        log_error(v->lg, "cannot verify %s: %s", v->dir, err);
        ret = ret == AVERROR(ENOMEM) ? ret : PBC_E_MANIFEST;
        goto end;
    }
    if ((ret = read_manifest(v, digest, err, sizeof(err))) < 0)
        log_error(v->lg, "cannot verify %s: %s: %s", v->dir, v->src.iso ? MANIFEST_JSON_NAME :
                  path, err);
end:
    free(path);
    return ret;
}

int verify_run(const char *dir, struct pbc_log *lg)
{
    struct verify_ctx v = { .dir = dir, .lg = lg };
    char hex[SHA256_HEX_LEN + 1];
    uint8_t digest[SHA256_BYTES];
    int ret;
    if ((ret = load_manifest(&v, digest)) < 0)
        goto end;
    sha256_hex(digest, hex);
    log_info(lg, "verifying %s%s against %s (SHA-256 %s): %s job completed %s, %zu %s",
             v.src.iso ? "the ISO 9660 image " : "", dir, MANIFEST_JSON_NAME, hex,
             progress_mode_name(v.m->mode), v.m->completed, v.m->nb_files,
             log_plural(v.m->nb_files, "output", "outputs"));
    if ((ret = verify_all(&v, hex)) < 0)
        goto end;
    if (v.failed) {
        log_error(lg, "verify %s: %zu %s FAILED: %s; %zu of %zu outputs match", dir,
                  v.failed, log_plural(v.failed, "check", "checks"), v.failed_names, v.outputs_ok, v.m->nb_files);
        ret = PBC_E_VERIFY;
    } else {
        log_info(lg, "verify %s: all %zu outputs and SHA256SUMS match MANIFEST.json; originals: "
                 "%zu match, %zu not present", dir, v.m->nb_files, v.originals_ok,
                 v.originals_absent);
    }
end:
    manifest_free(&v.m);
    vsource_close(&v.src);
    return ret;
}
