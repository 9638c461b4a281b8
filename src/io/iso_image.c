/* Writing the image with libisofs: see iso_image.h. The reader is in
 * iso_reader.c; the budget's bound in iso_bound.c. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "base/interrupt.h"
#include "io/iso_image.h"
#include "io/iso_internal.h"
#include "base/log.h"
#include "io/sha256.h"
#include "pbc_config.h"

#define ISO_CHUNK (256 * 2048)

static pthread_once_t iso_once = PTHREAD_ONCE_INIT;
static int iso_init_ret;

static void init_once(void)
{
    static char never[] = "NEVER", failure[] = "FAILURE", name[] = "prepare_bodycam",
                utf8[] = "UTF-8";
    iso_init_ret = iso_init();
    if (iso_init_ret < 0)
        return;
    /* Nothing is printed on stderr behind the log's back; failures are
     * queued for iso_lib_failure to word. */
    iso_set_msgs_severities(failure, never, name);
    /* Names are UTF-8 (the progress file holds nothing else), whatever
     * the locale: Joliet and Rock Ridge get them unchanged. */
    iso_set_local_charset(utf8, 0);
}

int iso_lib_init(void)
{
    pthread_once(&iso_once, init_once);
    return iso_init_ret < 0 ? AVERROR(ENOSYS) : 0;
}

const char *iso_lib_failure(char *buf, size_t size)
{
    static char failure[] = "FAILURE";
    char text[4096], severity[80];
    int code, imgid;
    buf[0] = '\0';
    /* The queue holds every failure since the last call: keep the first. */
    while (iso_obtain_msgs(failure, &code, &imgid, text, severity) > 0)
        if (!buf[0])
            snprintf(buf, size, "%s", text);
    return buf[0] ? buf : "no reason given";
}

const char *iso_lib_version_str(char *buf, size_t size)
{
    int major = 0, minor = 0, micro = 0;
    iso_lib_version(&major, &minor, &micro);
    snprintf(buf, size, "%d.%d.%d", major, minor, micro);
    return buf;
}

int iso_lib_error(int code)
{
    return code == (int)ISO_OUT_OF_MEM ? AVERROR(ENOMEM) : AVERROR(EIO);
}

/* Our partial files never go on the disc. */
static int skip_partials(IsoImage *image, IsoFileSource *src)
{
    char *name = iso_file_source_get_name(src);
    int add = !name || !fs_is_partial_name(name);
    free(name);
    return add;
}

static int make_image(const char *dir, const char *label, IsoImage **out)
{
    IsoImage *image = NULL;
    int ret = iso_image_new(label, &image);
    if (ret < 0)
        return ret;
    iso_image_set_application_id(image, "PREPARE_BODYCAM");
    iso_tree_set_follow_symlinks(image, 0);
    iso_tree_set_ignore_hidden(image, 0);
    iso_tree_set_ignore_special(image, 1);
    iso_tree_set_report_callback(image, skip_partials);
    ret = iso_tree_add_dir_rec(image, iso_image_get_root(image), dir);
    if (ret < 0) {
        iso_image_unref(image);
        return ret;
    }
    *out = image;
    return 0;
}

static int make_source(IsoImage *image, struct burn_source **src)
{
    IsoWriteOpts *opts = NULL;
    int ret = iso_write_opts_new(&opts, 0);
    if (ret < 0)
        return ret;
    iso_write_opts_set_iso_level(opts, 3);
    iso_write_opts_set_rockridge(opts, 1);
    iso_write_opts_set_joliet(opts, 1);
    /* Joliet names of up to 103 characters instead of 64, in UTF-16 so
     * that characters beyond the BMP (emoji) keep their name. Not in the
     * static build: glibc converts to UTF-16 through a gconv module, which
     * a static binary cannot load safely (or at all, on a machine without
     * this glibc's modules); UCS-2 is built into glibc, and Rock Ridge
     * keeps every name whole (design.md "Static build"). */
    iso_write_opts_set_joliet_longer_paths(opts, 1);
    iso_write_opts_set_joliet_utf16(opts, !PBC_STATIC_BUILD);
    iso_write_opts_set_always_gmt(opts, 1);
    iso_write_opts_set_output_charset(opts, "UTF-8");
    ret = iso_image_create_burn_source(image, opts, src);
    iso_write_opts_free(opts);
    return ret;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return AVERROR(errno);
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The next ISO_CHUNK bytes of the image, or what is left of it: the
 * generator's ring buffer answers a read that goes past the image's end
 * with nothing, dropping the bytes it had, so the size libisofs announced
 * bounds every read. */
static int next_chunk(struct burn_source *src, uint8_t *buf, int64_t left)
{
    if (left <= 0)
        return 0;
    return src->read_xt(src, buf, left < ISO_CHUNK ? (int)left : ISO_CHUNK);
}

/* Pulls the image out of libisofs' generator thread into fd, hashing it. */
static int pump(struct burn_source *src, int fd, struct pbc_log *lg, const char *file,
                int64_t *written, uint8_t digest[SHA256_BYTES])
{
    struct pbc_sha256 *sha = sha256_alloc();
    uint8_t *buf = malloc(ISO_CHUNK);
    int64_t total = src->get_size(src), done = 0;
    char h[512];
    int ret = 0;
    if (!sha || !buf) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    for (;;) {
        int n = next_chunk(src, buf, total - done);
        if (pbc_interrupted) {
            ret = PBC_E_INTERRUPTED;
            goto end;
        }
        if (n < 0) {
            log_error(lg, "cannot write the image %s: libisofs: %s", file,
                      iso_lib_failure(h, sizeof(h)));
            ret = AVERROR(EIO);
            goto end;
        }
        if (n == 0)
            break;
        if ((ret = write_all(fd, buf, (size_t)n)) < 0) {
            log_error(lg, "cannot write the image %s: %s", file, pbc_err2str(ret));
            goto end;
        }
        sha256_update(sha, buf, (size_t)n);
        done += n;
        log_status(lg, "writing image %s  %5.1f%% of %s", file,
                   total > 0 ? 100.0 * (double)done / (double)total : 100.0,
                   log_human_bytes(total, h, sizeof(h)));
    }
    log_status_clear(lg);
    if (done != total) {
        log_error(lg, "cannot write the image %s: libisofs delivered %lld bytes of %lld (%s)",
                  file, (long long)done, (long long)total, iso_lib_failure(h, sizeof(h)));
        ret = AVERROR(EIO);
        goto end;
    }
    sha256_final(sha, digest);
    *written = done;
end:
    if (ret < 0)
        src->cancel(src);
    sha256_free(&sha);
    free(buf);
    return ret;
}

/* The image under its partial name, fsynced; its size and hash in res. */
static int write_partial(const char *dir, const char *file, const char *tmp, const char *label,
                         struct pbc_log *lg, struct iso_write_result *res)
{
    IsoImage *image = NULL;
    struct burn_source *src = NULL;
    uint8_t digest[SHA256_BYTES];
    int fd = -1, ret;
    char why[512];
    iso_lib_failure(why, sizeof(why)); /* forget older runs' messages */
    if ((ret = make_image(dir, label, &image)) < 0 || (ret = make_source(image, &src)) < 0) {
        log_error(lg, "cannot build the image of %s: libisofs: %s", dir, iso_error_to_msg(ret));
        ret = iso_lib_error(ret);
        goto end;
    }
    if (unlink(tmp) < 0 && errno != ENOENT) {
        ret = AVERROR(errno);
        log_error(lg, "cannot remove the stale %s: %s", tmp, pbc_err2str(ret));
        goto end;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        ret = AVERROR(errno);
        log_error(lg, "cannot create %s: %s", tmp, pbc_err2str(ret));
        goto end;
    }
    if ((ret = pump(src, fd, lg, file, &res->size, digest)) < 0)
        goto end;
    ret = fsync(fd) < 0 ? AVERROR(errno) : 0;
    if (close(fd) < 0 && ret == 0)
        ret = AVERROR(errno);
    fd = -1;
    if (ret < 0) {
        log_error(lg, "cannot write the image %s: %s", file, pbc_err2str(ret));
        goto end;
    }
    sha256_hex(digest, res->sha256);
end:
    if (fd >= 0)
        close(fd);
    if (src) {
        src->free_data(src);
        free(src);
    }
    if (image)
        iso_image_unref(image);
    return ret;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* FILE.sha256 in sha256sum format, naming the image by its base name so
 * that `sha256sum -c` works in the image's directory. */
static int write_sum(const char *file, const char *sum_path, const char *hex, struct pbc_log *lg)
{
    size_t len = strlen(hex) + 2 + strlen(base_name(file)) + 2;
    char *text = malloc(len);
    int ret;
    if (!text)
        return AVERROR(ENOMEM);
    snprintf(text, len, "%s  %s\n", hex, base_name(file));
    if ((ret = fs_write_atomic(sum_path, text, strlen(text))) < 0)
        log_error(lg, "cannot write %s: %s", sum_path, pbc_err2str(ret));
    free(text);
    return ret;
}

int iso_image_write(const char *dir, const char *file, const char *label,
                    struct pbc_log *lg, struct iso_write_result *res)
{
    char *tmp = fs_partial_path(file), *sum_path = NULL;
    size_t n = strlen(file) + sizeof(ISO_SHA256_SUFFIX);
    int ret = iso_lib_init();
    if (!tmp || !(sum_path = malloc(n))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (ret < 0) {
        log_error(lg, "cannot write the image %s: libisofs failed to initialise", file);
        goto end;
    }
    snprintf(sum_path, n, "%s%s", file, ISO_SHA256_SUFFIX);
    /* An older image (a completion run again) is removed with its hash
     * first: until the new one is renamed, nothing stands under FILE. */
    if ((unlink(sum_path) < 0 && errno != ENOENT) || (unlink(file) < 0 && errno != ENOENT)) {
        ret = AVERROR(errno);
        log_error(lg, "cannot remove the older %s or its %s: %s", file, ISO_SHA256_SUFFIX,
                  pbc_err2str(ret));
        goto end;
    }
    if ((ret = write_partial(dir, file, tmp, label, lg, res)) < 0)
        goto end;
    if ((ret = fs_rename_durable(tmp, file)) < 0) {
        log_error(lg, "cannot rename %s to %s: %s", tmp, file, pbc_err2str(ret));
        goto end;
    }
    ret = write_sum(file, sum_path, res->sha256, lg);
end:
    if (ret < 0 && tmp)
        unlink(tmp);
    free(tmp);
    free(sum_path);
    return ret;
}
