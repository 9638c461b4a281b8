/* COPY mode: a bit-exact, durable copy of one clip, proven by hashing.
 *
 * Hashing twice (original and copy) is the cost of a proven copy: SHA-256
 * runs at about 2 GB/s per core, so two threads share the work:
 *   copier   reads src, hashes it, writes dst_tmp and starts the write-back
 *            of each chunk at once (sync_file_range), so that the final
 *            fsync has little left to wait for;
 *   verifier follows chunk by chunk: waits until the chunk is on the
 *            device, reads it back with O_DIRECT through a second
 *            descriptor (Linux AIO, a few reads in flight while it hashes)
 *            and hashes what the device returned (readback.c).
 * The dst hash thus comes from the copy as stored, never from the copier's
 * buffer nor from the page cache, and is independent of the src hash (a
 * byte compare against the buffer would miss a buffer corrupted between
 * hashing and writing). docs/BENCHMARKS.md (COPY) has the measurements. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/copy.h"
#include "base/errors.h"
#include "io/fsutil.h"
#include "io/readback.h"
#include "base/interrupt.h"
#include "base/log.h"

/* 1 MiB was faster and used less CPU than 2 or 4 MiB. */
#ifndef COPY_CHUNK
#define COPY_CHUNK (1 << 20)
#endif
#define PROGRESS_INTERVAL_NS 250000000LL

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR && !pbc_interrupted)
            continue;
        if (n < 0)
            return errno == EINTR ? PBC_E_INTERRUPTED : AVERROR(errno);
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Any write changes mtime and ctime; ctime also catches a writer that puts
 * the old mtime back (touch -d, cp -p over the original). */
static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

struct copy_ctx {
    int sfd, dfd;
    struct stat sst;
    uint8_t *buf;
    struct pbc_sha256 *sha;
    struct readback *rb;
    const char *what;   /* the operation that failed, for the one log line */
};

/* The copier's loop: read, hash, write, start writeback, tell the
 * verifier, report progress now and then. */
static int copy_loop(struct copy_ctx *c, int64_t *bytes,
                     copy_progress_fn progress, void *opaque)
{
    /* The first chunk is reported at once: a caller (and a test) sees the
     * copy under way before it can finish. */
    int64_t off = 0, last = now_ns() - PROGRESS_INTERVAL_NS;
    for (;;) {
        size_t n = 0;
        int ret;
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        if ((ret = fs_pread_full(c->sfd, c->buf, COPY_CHUNK, off, &n)) < 0) {
            c->what = "cannot read the original";
            return ret;
        }
        if (!n)
            break;
        sha256_update(c->sha, c->buf, n);
        if ((ret = write_full(c->dfd, c->buf, n)) < 0) {
            c->what = "cannot write the copy";
            return ret;
        }
        sync_file_range(c->dfd, off, (off_t)n, SYNC_FILE_RANGE_WRITE);
        off += (int64_t)n;
        *bytes = off;
        if ((ret = readback_post(c->rb, off)) < 0) {
            c->what = readback_what(c->rb);
            return ret;
        }
        if (progress && now_ns() - last >= PROGRESS_INTERVAL_NS) {
            last = now_ns();
            progress(opaque, off, c->sst.st_size);
        }
    }
    return 0;
}

/* Metadata first, then one fsync makes data, mode and times durable
 * before the caller's rename. */
static int copy_finish(struct copy_ctx *c, int64_t bytes)
{
    struct stat after;
    const struct timespec times[2] = { c->sst.st_atim, c->sst.st_mtim };
    if (fstat(c->sfd, &after) < 0) {
        c->what = "cannot stat the original";
        return AVERROR(errno);
    }
    if (!same_file_state(&c->sst, &after) || bytes != c->sst.st_size) {
        c->what = "the original changed while being copied";
        return AVERROR(EIO);
    }
    if (fchmod(c->dfd, c->sst.st_mode & 07777) < 0) {
        c->what = "cannot set the copy's permissions";
        return AVERROR(errno);
    }
    if (futimens(c->dfd, times) < 0) {
        c->what = "cannot set the copy's times";
        return AVERROR(errno);
    }
    if (fsync(c->dfd) < 0) {
        c->what = "cannot sync the copy to disk";
        return AVERROR(errno);
    }
    return 0;
}

static int copy_check(struct copy_ctx *c, struct copy_result *res, int64_t bytes)
{
    struct stat st;
    res->bytes = bytes;
    sha256_final(c->sha, res->src_sha256);
    if (memcmp(res->src_sha256, res->dst_sha256, SHA256_BYTES)) {
        c->what = "SHA-256 of the copy differs from the original";
        return AVERROR(EIO);
    }
    if (fstat(c->dfd, &st) < 0) {
        c->what = "cannot stat the copy";
        return AVERROR(errno);
    }
    if (st.st_size != bytes) {
        c->what = "size of the copy differs from the original";
        return AVERROR(EIO);
    }
    return 0;
}

static int copy_open(struct copy_ctx *c, const char *src, const char *dst_tmp,
                     int *created)
{
    struct stat dst_st;
    int ret;
    c->sfd = fs_open_noatime(src, 0);
    if (c->sfd < 0 || fstat(c->sfd, &c->sst) < 0) {
        c->what = "cannot open the original";
        return AVERROR(errno);
    }
    if (!S_ISREG(c->sst.st_mode)) {
        c->what = "the original is not a regular file";
        return AVERROR(EINVAL);
    }
    posix_fadvise(c->sfd, 0, 0, POSIX_FADV_SEQUENTIAL);
    c->dfd = open(dst_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (c->dfd < 0) {
        c->what = "cannot create the copy";
        return AVERROR(errno);
    }
    *created = 1;
    if (fstat(c->dfd, &dst_st) < 0) {
        c->what = "cannot stat the copy";
        return AVERROR(errno);
    }
    if ((ret = readback_start(&c->rb, dst_tmp, c->dfd, &dst_st, COPY_CHUNK, &c->what)) < 0)
        return ret;
    c->buf = malloc(COPY_CHUNK);
    c->sha = sha256_alloc();
    if (!c->buf || !c->sha) {
        c->what = "out of memory";
        return AVERROR(ENOMEM);
    }
    return 0;
}

int copy_file(const char *src, const char *dst_tmp, struct copy_result *res,
              struct pbc_log *lg, copy_progress_fn progress, void *opaque)
{
    struct copy_ctx c = { .sfd = -1, .dfd = -1 };
    int64_t bytes = 0;
    int created = 0, ret;

    memset(res, 0, sizeof(*res));
    if ((ret = copy_open(&c, src, dst_tmp, &created)) < 0)
        goto end;
    ret = copy_loop(&c, &bytes, progress, opaque);
    if (!ret)
        ret = copy_finish(&c, bytes);
end:
    if (c.rb) {
        int rb_ret = readback_finish(c.rb, ret < 0, bytes, res->dst_sha256, &c.what);
        ret = ret < 0 ? ret : rb_ret;
    }
    if (!ret)
        ret = copy_check(&c, res, bytes);
    if (!ret && progress)
        progress(opaque, bytes, bytes);
    if (c.dfd >= 0 && close(c.dfd) < 0 && !ret) {
        c.what = "cannot close the copy";
        ret = AVERROR(errno);
    }
    if (c.sfd >= 0)
        close(c.sfd);
    readback_free(&c.rb);
    free(c.buf);
    sha256_free(&c.sha);
    if (ret < 0 && created)
        unlink(dst_tmp);
    if (ret < 0 && ret != PBC_E_INTERRUPTED)
        log_error(lg, "copy '%s' -> '%s': %s: %s", src, dst_tmp,
                  c.what ? c.what : "failed", pbc_err2str(ret));
    if (ret < 0)
        memset(res, 0, sizeof(*res));
    return ret;
}
