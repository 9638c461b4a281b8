/* --verify DIR: re-hash a finished build directory against MANIFEST.json.
 * Lines follow sha256sum -c ("NAME: OK", "NAME: FAILED (why)") so that a
 * reader who knows one knows the other. See verify.h. */
#include <dirent.h>
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

#define VERIFY_CHUNK (1 << 20)

struct verify_ctx {
    const char *dir;
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

static int hash_fd(struct verify_ctx *v, int fd, int64_t size, const char *label,
                   char hex[SHA256_HEX_LEN + 1])
{
    struct hash_status h = { .v = v, .label = label, .size = size };
    uint8_t digest[SHA256_BYTES];
    int64_t done = 0;
    int ret = sha256_fd(fd, VERIFY_CHUNK, digest, &done, show_progress, &h);
    log_status_clear(v->lg);
    if (ret < 0)
        return ret;
    sha256_hex(digest, hex);
    /* A file that grew or shrank while read is not the recorded one. */
    return done == size ? 0 : AVERROR(EIO);
}

/* The common part of an output and an original: open, type, size, hash.
 * Returns 0 when it matches; PBC_E_VERIFY when it does not (logged, except
 * that a file that does not exist sets *absent and is logged only when
 * !absent_ok); PBC_E_INTERRUPTED. */
static int check_file(struct verify_ctx *v, const char *path, const char *label, int extra,
                      int64_t size, const char *sha256, int absent_ok, int *absent)
{
    char hex[SHA256_HEX_LEN + 1];
    struct stat st;
    int ret = PBC_E_VERIFY, fd = fs_open_noatime(path, O_NONBLOCK | extra);
    *absent = 0;
    if (fd < 0) {
        int err = errno;
        *absent = err == ENOENT || err == ENOTDIR;
        if (!*absent || !absent_ok)
            log_error(v->lg, "%s: FAILED (%s)", label,
                      err == ENOENT ? "missing" : err == ELOOP ? "a symbolic link" : strerror(err));
        return ret;
    }
    if (fstat(fd, &st) < 0) {
        log_error(v->lg, "%s: FAILED (%s)", label, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        log_error(v->lg, "%s: FAILED (not a regular file)", label);
    } else if (st.st_size != size) {
        log_error(v->lg, "%s: FAILED (%lld bytes, MANIFEST.json records %lld)", label,
                  (long long)st.st_size, (long long)size);
    } else if ((ret = hash_fd(v, fd, size, label, hex)) < 0) {
        if (ret != PBC_E_INTERRUPTED) {
            log_error(v->lg, "%s: FAILED (cannot read: %s)", label, pbc_err2str(ret));
            ret = PBC_E_VERIFY;
        }
    } else if (strcmp(hex, sha256)) {
        log_error(v->lg, "%s: FAILED (SHA-256 %s, MANIFEST.json records %s)", label, hex, sha256);
        ret = PBC_E_VERIFY;
    }
    close(fd);
    return ret;
}

static int check_output(struct verify_ctx *v, const struct manifest_file *f)
{
    char *path = fs_join(v->dir, f->name), orig[1024];
    int absent, ret;
    if (!path)
        return AVERROR(ENOMEM);
    /* O_NOFOLLOW: a link to a file elsewhere is not a file on the disc. */
    ret = check_file(v, path, f->name, O_NOFOLLOW, f->size, f->sha256, 0, &absent);
    free(path);
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
    ret = check_file(v, f->original, label, 0, f->original_size, f->original_sha256, 1, &absent);
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
    char *expected = NULL, *path = fs_join(v->dir, MANIFEST_SUMS_NAME), *got = NULL;
    size_t exp_len = 0, len = 0;
    int ret = AVERROR(ENOMEM), fd = -1;
    if (!path || (ret = manifest_sums_text(v->m, manifest_hex, &expected, &exp_len)) < 0)
        goto end;
    if (!(got = malloc(exp_len + 1))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    /* A mismatch is PBC_E_VERIFY here, counted below, not an error. */
    if ((fd = fs_open_noatime(path, O_NONBLOCK | O_NOFOLLOW)) < 0) {
        log_error(v->lg, "%s: FAILED (%s)", MANIFEST_SUMS_NAME,
                  errno == ENOENT ? "missing" : strerror(errno));
        ret = PBC_E_VERIFY;
        goto end;
    }
    /* One byte more than expected tells a longer file apart. */
    while (len <= exp_len) {
        ssize_t n = read(fd, got + len, exp_len + 1 - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
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
    if (fd >= 0)
        close(fd);
    free(expected);
    free(got);
    free(path);
    return ret;
}

/* A file the manifest does not list is reported, not failed: the disc may
 * carry a README or the log beside the job's files. */
static void note_unlisted(struct verify_ctx *v)
{
    DIR *d = opendir(v->dir);
    struct dirent *e;
    char shown[1024];
    if (!d)
        return;
    while ((e = readdir(d))) {
        int listed = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
                     manifest_name_reserved(e->d_name);
        for (size_t i = 0; !listed && i < v->m->nb_files; i++)
            listed = !strcmp(e->d_name, v->m->files[i].name);
        if (!listed)
            log_warn(v->lg, "%s: not listed in MANIFEST.json (not checked)",
                     pbc_escape_line(shown, sizeof(shown), e->d_name));
    }
    closedir(d);
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

int verify_run(const char *dir, struct pbc_log *lg)
{
    struct verify_ctx v = { .dir = dir, .lg = lg };
    char *path = fs_join(dir, MANIFEST_JSON_NAME), err[512], hex[SHA256_HEX_LEN + 1];
    uint8_t digest[SHA256_BYTES];
    int ret;
    if (!path) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = manifest_load(path, &v.m, digest, err, sizeof(err))) < 0) {
        log_error(lg, "cannot verify %s: %s: %s", dir, path, err);
        goto end;
    }
    sha256_hex(digest, hex);
    log_info(lg, "verifying %s against %s (SHA-256 %s): %s job completed %s, %zu output(s)",
             dir, MANIFEST_JSON_NAME, hex, progress_mode_name(v.m->mode), v.m->completed,
             v.m->nb_files);
    if ((ret = verify_all(&v, hex)) < 0)
        goto end;
    if (v.failed) {
        log_error(lg, "verify %s: %zu check(s) FAILED: %s; %zu of %zu outputs match", dir,
                  v.failed, v.failed_names, v.outputs_ok, v.m->nb_files);
        ret = PBC_E_VERIFY;
    } else {
        log_info(lg, "verify %s: all %zu outputs and SHA256SUMS match MANIFEST.json; originals: "
                 "%zu match, %zu not present", dir, v.m->nb_files, v.originals_ok,
                 v.originals_absent);
    }
end:
    manifest_free(&v.m);
    free(path);
    return ret;
}
