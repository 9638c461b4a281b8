/* The read-back half of a proven copy (see copy.c): a thread that follows
 * the writer chunk by chunk, waits until each chunk is on the device, reads
 * it back with O_DIRECT through a second descriptor (Linux AIO, a few
 * reads in flight while it hashes) and hashes what the device returned.
 * See readback.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/aio_abi.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "io/fsutil.h"
#include "io/readback.h"

/* Build-time switch, kept for bench/copy.sh: 0 reads the copy back from the
 * page cache instead of the device (a weaker proof; it used more CPU). */
#ifndef READBACK_DIRECT
#define READBACK_DIRECT 1
#endif
#define DIRECT_ALIGN 4096
#define READBACK_DEPTH 4          /* reads of the copy in flight */

/* One read of the copy in flight. */
struct rb_read {
    uint8_t *buf;
    int64_t off;
    size_t len;
    long res;                 /* bytes read or -errno, once complete */
    int complete;
    struct iocb cb;
};

struct readback {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int started;
    int64_t chunk;            /* the writer's chunk: the unit of a read */
    int wfd;                  /* dst_tmp as written, for sync_file_range */
    int rfd;                  /* dst_tmp opened again for reading */
    int direct;               /* rfd has O_DIRECT */
    aio_context_t aio;        /* 0: synchronous reads */
    struct rb_read rb[READBACK_DEPTH];
    int head, inflight;       /* ring of reads in flight, oldest at head */
    struct pbc_sha256 *sha;
    int64_t written;          /* bytes the copier has written (locked) */
    int finished;             /* the copier wrote everything (locked) */
    int stop;                 /* the copier gave up (locked) */
    int err;                  /* first error of the verifier (locked) */
    const char *what;
    int64_t submitted, verified;
};

/* Bytes of the copy ready to be read back: whole chunks, or the rest once
 * the copier is done; 0 for none yet, -1 when the copier gave up. Waits
 * for some when block is set. */
static int64_t readback_available(struct readback *v, int block)
{
    int64_t avail;
    pthread_mutex_lock(&v->lock);
    while (block && !v->stop && !v->finished && v->written - v->submitted < v->chunk)
        pthread_cond_wait(&v->cond, &v->lock);
    avail = v->written - v->submitted;
    if (!v->finished && avail < v->chunk)
        avail = 0;
    if (v->stop)
        avail = -1;
    pthread_mutex_unlock(&v->lock);
    return avail > v->chunk ? v->chunk : avail;
}

/* Starts reading [submitted, submitted + len) back, once it is on the
 * device. The wait for write-back is ours, not O_DIRECT's: O_DIRECT would
 * wait holding the inode lock that the copier's writes need. */
static int readback_submit(struct readback *v, size_t len)
{
    struct rb_read *r = &v->rb[(v->head + v->inflight) % READBACK_DEPTH];
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
        if ((ret = fs_pread_full(v->rfd, r->buf, want, r->off, &got)) < 0) {
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
static int readback_complete(struct readback *v)
{
    struct rb_read *r = &v->rb[v->head];
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
static void *readback_main(void *arg)
{
    struct readback *v = arg;
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

int readback_post(struct readback *v, int64_t written)
{
    int err;
    pthread_mutex_lock(&v->lock);
    v->written = written;
    err = v->err;
    pthread_cond_signal(&v->cond);
    pthread_mutex_unlock(&v->lock);
    return err;
}

/* Opens dst_tmp a second time for reading and checks it is the file the
 * copier writes (the name could have been replaced in between). */
static int readback_setup(struct readback *v, const char *dst_tmp, const struct stat *wst)
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
        if (posix_memalign((void **)&v->rb[i].buf, DIRECT_ALIGN, (size_t)v->chunk)) {
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
void readback_free(struct readback **pv)
{
    struct readback *v = pv ? *pv : NULL;
    if (!v)
        return;
    if (v->aio)
        syscall(SYS_io_destroy, v->aio);
    if (v->rfd >= 0)
        close(v->rfd);
    for (int i = 0; i < READBACK_DEPTH; i++)
        free(v->rb[i].buf);
    sha256_free(&v->sha);
    pthread_cond_destroy(&v->cond);
    pthread_mutex_destroy(&v->lock);
    free(v);
    *pv = NULL;
}


int readback_start(struct readback **out, const char *path, int wfd, const struct stat *wst,
                   size_t chunk, const char **what)
{
    struct readback *v = calloc(1, sizeof(*v));
    int ret;
    *out = NULL;
    if (!v) {
        *what = "cannot open the copy for reading back";
        return AVERROR(ENOMEM);
    }
    v->wfd = wfd;
    v->rfd = -1;
    v->chunk = (int64_t)chunk;
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->cond, NULL);
    *out = v;
    if ((ret = readback_setup(v, path, wst)) < 0) {
        *what = "cannot open the copy for reading back";
        return ret;
    }
    if ((ret = pthread_create(&v->thread, NULL, readback_main, v))) {
        *what = "cannot start the read-back thread";
        return AVERROR(ret);
    }
    v->started = 1;
    return 0;
}

const char *readback_what(const struct readback *v)
{
    return v->what;
}

int readback_finish(struct readback *v, int failed, int64_t bytes,
                    uint8_t digest[SHA256_BYTES], const char **what)
{
    if (!v->started)
        return 0;
    pthread_mutex_lock(&v->lock);
    v->written = bytes;
    if (failed)
        v->stop = 1;
    else
        v->finished = 1;
    pthread_cond_signal(&v->cond);
    pthread_mutex_unlock(&v->lock);
    pthread_join(v->thread, NULL);
    v->started = 0;
    if (failed)
        return 0;
    if (v->err < 0) {
        *what = v->what;
        return v->err;
    }
    if (v->verified != bytes) {
        *what = "the copy was not read back completely";
        return AVERROR(EIO);
    }
    sha256_final(v->sha, digest);
    return 0;
}
