/* Before the manifests are written and before any original is deleted,
 * every output is read back from the device and its SHA-256 compared with
 * the one recorded when it was written. A done clip is otherwise trusted
 * by its size (a resume does not re-read it), so this is the one place
 * that catches an output changed in place since: it is then neither
 * published in the manifests nor used as a reason to delete its original
 * (design.md "Outputs re-read before completion"). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "base/interrupt.h"
#include "job/job_internal.h"
#include "base/log.h"
#include "io/sha256.h"

#define READ_CHUNK (4 << 20)

/* Opens path for reading from the device (O_DIRECT), so that a copy still
 * in the page cache is not what gets hashed; a file system without
 * O_DIRECT (tmpfs) is read through the cache, dropped first where it is
 * clean. O_NOATIME: the copy carries the original's access time. */
static int open_uncached(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME | O_DIRECT);
    if (fd < 0 && errno == EPERM)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
    if (fd < 0 && errno == EINVAL) {
        fd = fs_open_noatime(path, 0);
        if (fd >= 0)
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    }
    return fd;
}

/* SHA-256 and size of path as the device returns it. */
static int hash_uncached(const char *path, uint8_t digest[SHA256_BYTES], int64_t *size)
{
    int fd = open_uncached(path), ret;
    if (fd < 0)
        return AVERROR(errno);
    ret = sha256_fd(fd, READ_CHUNK, digest, size, NULL, NULL);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return ret;
}

static int verify_output(struct job *j, const struct clip *c)
{
    char *path = fs_join(j->prog->build_dir, c->name), hex[SHA256_HEX_LEN + 1];
    uint8_t digest[SHA256_BYTES];
    int64_t size = 0;
    int ret;
    if (!path)
        return AVERROR(ENOMEM);
    if ((ret = hash_uncached(path, digest, &size)) < 0) {
        if (ret != PBC_E_INTERRUPTED)
            log_error(j->log, "cannot re-read the output %s: %s", path, pbc_err2str(ret));
        goto end;
    }
    sha256_hex(digest, hex);
    if (size != c->output_size || strcmp(hex, c->output_sha256)) {
        log_error(j->log, "output %s changed since it was written: it now has %lld bytes, "
                  "SHA-256 %s; %lld bytes, SHA-256 %s were recorded. It is not published and "
                  "no original is deleted; its original, if still there, can be processed "
                  "again by a new job", path, (long long)size, hex,
                  (long long)c->output_size, c->output_sha256);
        ret = PBC_E_PROGRESS;
    }
end:
    free(path);
    return ret;
}

int job_verify_outputs(struct job *j)
{
    const struct progress *p = j->prog;
    struct timespec t0, t1;
    int64_t bytes = 0;
    double seconds;
    char human[32];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < p->nb_clips; i++) {
        int ret;
        if (pbc_interrupted)
            return PBC_E_INTERRUPTED;
        if ((ret = verify_output(j, &p->clips[i])) < 0)
            return ret;
        bytes += p->clips[i].output_size;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    log_info(j->log, "re-read the %zu %s from the device, %lld bytes (%s) in %.1f s: "
             "every SHA-256 is the one recorded when the output was written", p->nb_clips,
             log_plural(p->nb_clips, "output", "outputs"), (long long)bytes, log_human_bytes(bytes, human, sizeof(human)), seconds);
    return 0;
}
