/* COPY mode: a bit-exact copy of one clip, hashed on the way. */
#ifndef PBC_COPY_H
#define PBC_COPY_H

#include <stdint.h>

#include "io/sha256.h"

struct pbc_log;

/* Called now and then during a copy with the bytes done so far. */
typedef void (*copy_progress_fn)(void *opaque, int64_t done, int64_t total);

struct copy_result {
    int64_t bytes;                      /* bytes copied */
    uint8_t src_sha256[SHA256_BYTES];   /* of the bytes read from src */
    uint8_t dst_sha256[SHA256_BYTES];   /* of dst as read back from the device
                                           (O_DIRECT, after write-back) */
};

/* Copies src (opened read-only, O_NOATIME where permitted) to dst_tmp
 * (created exclusively with mode 0600, must not exist), gives it src's
 * permission bits and access/modification times (ns), and fsyncs it; the
 * caller renames dst_tmp into place. Each chunk of the copy is read back
 * from the device and hashed by a second thread (a file system without
 * O_DIRECT, such as tmpfs, is read back from the page cache).
 * progress, if not NULL, is called from the calling thread at most four
 * times a second and once at the end.
 * On failure dst_tmp is removed and the cause is logged once with both
 * names (an interrupt is not logged). Polls pbc_interrupted.
 * Returns 0, PBC_E_INTERRUPTED, or AVERROR(errno): EEXIST when dst_tmp
 * exists (it is left untouched); EINVAL when src is not a regular file;
 * EIO when the hashes or sizes of src and dst differ, or when src changed
 * (size, mtime or ctime) while being copied. */
int copy_file(const char *src, const char *dst_tmp, struct copy_result *res,
              struct pbc_log *lg, copy_progress_fn progress, void *opaque);

#endif
