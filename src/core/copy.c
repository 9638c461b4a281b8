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
 *            and hashes what the device returned.
 * The dst hash thus comes from the copy as stored, never from the copier's
 * buffer nor from the page cache, and is independent of the src hash (a
 * byte compare against the buffer would miss a buffer corrupted between
 * hashing and writing). docs/BENCHMARKS.md (COPY) has the measurements. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/aio_abi.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "copy.h"
#include "errors.h"
#include "fsutil.h"
#include "interrupt.h"
#include "log.h"

/* 1 MiB was faster and used less CPU than 2 or 4 MiB. */
#ifndef COPY_CHUNK
#define COPY_CHUNK (1 << 20)
#endif
/* Build-time switch, kept for bench/copy.sh: 0 reads the copy back from the
 * page cache instead of the device (a weaker proof; it used more CPU). */
#ifndef READBACK_DIRECT
#define READBACK_DIRECT 1
#endif
#define DIRECT_ALIGN 4096
#define READBACK_DEPTH 4          /* reads of the copy in flight */
#define PROGRESS_INTERVAL_NS 250000000LL

/* One read of the copy in flight. */
struct readback {
    uint8_t *buf;
    int64_t off;
    size_t len;
    long res;                 /* bytes read or -errno, once complete */
    int complete;
    struct iocb cb;
};

struct verifier {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int wfd;                  /* dst_tmp as written, for sync_file_range */
    int rfd;                  /* dst_tmp opened again for reading */
    int direct;               /* rfd has O_DIRECT */
    aio_context_t aio;        /* 0: synchronous reads */
    struct readback rb[READBACK_DEPTH];
    int head, inflight;       /* ring of reads in flight, oldest at head */
    struct pbc_sha256 *sha;
    int64_t written;          /* bytes the copier has written (locked) */
    int finished;             /* the copier wrote everything (locked) */
    int stop;                 /* the copier gave up (locked) */
    int err;                  /* first error of the verifier (locked) */
    const char *what;
    int64_t submitted, verified;
};

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

/* Fills buf with up to len bytes from off; fewer only at end of file. */
static int pread_full(int fd, uint8_t *buf, size_t len, int64_t off, size_t *got)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + (int64_t)done));
        if (n < 0 && errno == EINTR && !pbc_interrupted)
            continue;
        if (n < 0)
            return errno == EINTR ? PBC_E_INTERRUPTED : AVERROR(errno);
        if (n == 0)
            break;
        done += (size_t)n;
    }
    *got = done;
    return 0;
}

/* Bytes of the copy ready to be read back: whole chunks, or the rest once
 * the copier is done; 0 for none yet, -1 when the copier gave up. Waits
 * for some when block is set. */
static int64_t readback_available(struct verifier *v, int block)
{
    int64_t avail;
    pthread_mutex_lock(&v->lock);
    while (block && !v->stop && !v->finished && v->written - v->submitted < COPY_CHUNK)
        pthread_cond_wait(&v->cond, &v->lock);
    avail = v->written - v->submitted;
    if (!v->finished && avail < COPY_CHUNK)
        avail = 0;
    if (v->stop)
        avail = -1;
    pthread_mutex_unlock(&v->lock);
    return avail > COPY_CHUNK ? COPY_CHUNK : avail;
}

/* Starts reading [submitted, submitted + len) back, once it is on the
 * device. The wait for write-back is ours, not O_DIRECT's: O_DIRECT would
 * wait holding the inode lock that the copier's writes need. */
static int readback_submit(struct verifier *v, size_t len)
{
    struct readback *r = &v->rb[(v->head + v->inflight) % READBACK_DEPTH];
    struct iocb *cbp = &r->cb;
    size_t want = len, got = 0;
    int ret;
    r->off = v->submitted;
    r->len = len;
    r->complete = 0;
    if (v->direct) {
        if (sync_file_range(v->wfd, r->off, (off_t)len, SYNC_FILE_RANGE_WAIT_BEFORE |
                            SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) < 0) {
            v->what = "cannot write the copy to disk";
            return AVERROR(errno);
        }
        want = (len + DIRECT_ALIGN - 1) & ~(size_t)(DIRECT_ALIGN - 1);
    }
    if (v->aio) {
        memset(&r->cb, 0, sizeof(r->cb));
        r->cb.aio_data = (uint64_t)(r - v->rb);
        r->cb.aio_lio_opcode = IOCB_CMD_PREAD;
        r->cb.aio_fildes = (uint32_t)v->rfd;
        r->cb.aio_buf = (uint64_t)(uintptr_t)r->buf;
        r->cb.aio_nbytes = want;
        r->cb.aio_offset = r->off;
        while (syscall(SYS_io_submit, v->aio, 1L, &cbp) != 1) {
            if (errno == EINTR && !pbc_interrupted)
                continue;
            v->what = "cannot read the copy back";
            return errno == EINTR ? PBC_E_INTERRUPTED : AVERROR(errno);
        }
    } else {
        if ((ret = pread_full(v->rfd, r->buf, want, r->off, &got)) < 0) {
            v->what = "cannot read the copy back";
            return ret;
        }
        r->res = (long)got;
        r->complete = 1;
    }
    v->submitted += (int64_t)len;
    v->inflight++;
    return 0;
}

/* Waits for the oldest read in flight and hashes what it read. */
static int readback_complete(struct verifier *v)
{
    struct readback *r = &v->rb[v->head];
    while (!r->complete) {
        struct io_event ev[READBACK_DEPTH];
        long n = syscall(SYS_io_getevents, v->aio, 1L, (long)READBACK_DEPTH, ev, NULL);
        if (n < 0 && errno == EINTR && !pbc_interrupted)
            continue;
        if (n < 0) {
            v->what = "cannot read the copy back";
            return errno == EINTR ? PBC_E_INTERRUPTED : AVERROR(errno);
        }
        for (long i = 0; i < n; i++) {
            v->rb[ev[i].data].res = (long)ev[i].res;
            v->rb[ev[i].data].complete = 1;
        }
    }
    v->head = (v->head + 1) % READBACK_DEPTH;
    v->inflight--;
    if (r->res < 0) {
        v->what = "cannot read the copy back";
        return AVERROR((int)-r->res);
    }
    if ((size_t)r->res != r->len) {
        v->what = "the copy read back differs in size from what was written";
        return AVERROR(EIO);
    }
    sha256_update(v->sha, r->buf, r->len);
    if (v->direct) /* clean now; keep 60 GB of clips out of the cache */
        posix_fadvise(v->rfd, r->off, (off_t)r->len, POSIX_FADV_DONTNEED);
    v->verified += (int64_t)r->len;
    return 0;
}

/* Keeps up to READBACK_DEPTH reads in flight behind the copier, hashing
 * each in order as it completes: the device reads while we hash. */
static void *verifier_main(void *arg)
{
    struct verifier *v = arg;
    int ret = 0;
    for (;;) {
        while (v->inflight < READBACK_DEPTH) {
            int64_t avail = readback_available(v, !v->inflight);
            if (avail < 0)
                goto end;
            if (!avail)
                break;
            if ((ret = readback_submit(v, (size_t)avail)) < 0)
                goto end;
        }
        if (!v->inflight)
            break;
        if ((ret = readback_complete(v)) < 0)
            break;
    }
end:
    pthread_mutex_lock(&v->lock);
    v->err = ret;
    pthread_mutex_unlock(&v->lock);
    return NULL;
}

/* Publishes bytes written to the verifier; returns its error, if any. */
static int verifier_post(struct verifier *v, int64_t written, int finished)
{
    int err;
    pthread_mutex_lock(&v->lock);
    v->written = written;
    v->finished = finished;
    err = v->err;
    pthread_cond_signal(&v->cond);
    pthread_mutex_unlock(&v->lock);
    return err;
}

/* Opens dst_tmp a second time for reading and checks it is the file the
 * copier writes (the name could have been replaced in between). */
static int verifier_open(struct verifier *v, const char *dst_tmp, const struct stat *wst)
{
    /* O_NOATIME (we own the file): reading back must not undo the access
     * time copied from the original. */
    const int flags = O_RDONLY | O_CLOEXEC | O_NOATIME;
    struct stat rst;
    v->direct = READBACK_DIRECT;
    v->rfd = open(dst_tmp, flags | (v->direct ? O_DIRECT : 0));
    if (v->rfd < 0 && v->direct && errno == EINVAL) {
        v->direct = 0; /* a file system without O_DIRECT (tmpfs) */
        v->rfd = open(dst_tmp, flags);
    }
    if (v->rfd < 0 && errno == EPERM) /* owner mapped away (NFS, FAT) */
        v->rfd = open(dst_tmp, (flags & ~O_NOATIME) | (v->direct ? O_DIRECT : 0));
    if (v->rfd < 0 || fstat(v->rfd, &rst) < 0)
        return AVERROR(errno);
    if (rst.st_dev != wst->st_dev || rst.st_ino != wst->st_ino)
        return AVERROR(ESTALE);
    for (int i = 0; i < READBACK_DEPTH; i++) {
        if (posix_memalign((void **)&v->rb[i].buf, DIRECT_ALIGN, COPY_CHUNK)) {
            v->rb[i].buf = NULL;
            return AVERROR(ENOMEM);
        }
    }
    /* Linux AIO lets O_DIRECT reads run while we hash, and holds the inode
     * lock only to submit them. Without it (seccomp, aio-max-nr, no
     * O_DIRECT) the reads are synchronous. */
    if (v->direct && syscall(SYS_io_setup, (long)READBACK_DEPTH, &v->aio) < 0)
        v->aio = 0;
    v->sha = sha256_alloc();
    return v->sha ? 0 : AVERROR(ENOMEM);
}

/* io_destroy waits for the reads still in flight, then buffers can go. */
static void verifier_close(struct verifier *v)
{
    if (v->aio)
        syscall(SYS_io_destroy, v->aio);
    if (v->rfd >= 0)
        close(v->rfd);
    for (int i = 0; i < READBACK_DEPTH; i++)
        free(v->rb[i].buf);
    sha256_free(&v->sha);
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
    struct verifier *v;
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
        if ((ret = pread_full(c->sfd, c->buf, COPY_CHUNK, off, &n)) < 0) {
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
        if ((ret = verifier_post(c->v, off, 0)) < 0) {
            c->what = c->v->what;
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

/* Stops or releases the verifier and collects its verdict. */
static int verifier_join(struct copy_ctx *c, int ret, int64_t bytes)
{
    struct verifier *v = c->v;
    pthread_mutex_lock(&v->lock);
    v->written = bytes;
    if (ret < 0)
        v->stop = 1;
    else
        v->finished = 1;
    pthread_cond_signal(&v->cond);
    pthread_mutex_unlock(&v->lock);
    pthread_join(v->thread, NULL);
    if (ret < 0)
        return ret;
    if (v->err < 0) {
        c->what = v->what;
        return v->err;
    }
    if (v->verified != bytes) {
        c->what = "the copy was not read back completely";
        return AVERROR(EIO);
    }
    return 0;
}

static int copy_check(struct copy_ctx *c, struct copy_result *res, int64_t bytes)
{
    struct stat st;
    res->bytes = bytes;
    sha256_final(c->sha, res->src_sha256);
    sha256_final(c->v->sha, res->dst_sha256);
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
    c->v->wfd = c->dfd;
    if ((ret = verifier_open(c->v, dst_tmp, &dst_st)) < 0) {
        c->what = "cannot open the copy for reading back";
        return ret;
    }
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
    struct verifier v = { .wfd = -1, .rfd = -1 };
    struct copy_ctx c = { .sfd = -1, .dfd = -1, .v = &v };
    int64_t bytes = 0;
    int created = 0, started = 0, ret;

    memset(res, 0, sizeof(*res));
    pthread_mutex_init(&v.lock, NULL);
    pthread_cond_init(&v.cond, NULL);
    if ((ret = copy_open(&c, src, dst_tmp, &created)) < 0)
        goto end;
    if ((ret = pthread_create(&v.thread, NULL, verifier_main, &v))) {
        c.what = "cannot start the read-back thread";
        ret = AVERROR(ret);
        goto end;
    }
    started = 1;
    ret = copy_loop(&c, &bytes, progress, opaque);
    if (!ret)
        ret = copy_finish(&c, bytes);
end:
    if (started)
        ret = verifier_join(&c, ret, bytes);
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
    verifier_close(&v);
    free(c.buf);
    sha256_free(&c.sha);
    pthread_cond_destroy(&v.cond);
    pthread_mutex_destroy(&v.lock);
    if (ret < 0 && created)
        unlink(dst_tmp);
    if (ret < 0 && ret != PBC_E_INTERRUPTED)
        log_error(lg, "copy '%s' -> '%s': %s: %s", src, dst_tmp,
                  c.what ? c.what : "failed", av_err2str(ret));
    if (ret < 0)
        memset(res, 0, sizeof(*res));
    return ret;
}
