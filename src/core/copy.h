/* COPY mode: a bit-exact copy of one clip, hashed on the way. */
#ifndef PBC_COPY_H
#define PBC_COPY_H

#include <stdint.h>

#include "sha256.h"

struct pbc_log;

/* Called now and then during a copy with the bytes done so far. */
typedef void (*copy_progress_fn)(void *opaque, int64_t done, int64_t total);

struct copy_result {
    int64_t bytes;                      /* bytes copied */
    uint8_t src_sha256[SHA256_BYTES];   /* of the bytes read from src */
    uint8_t dst_sha256[SHA256_BYTES];   /* of dst as read back after fsync */
};

/* Copies src (opened read-only, O_NOATIME where permitted) to dst_tmp
 * (created exclusively, must not exist), fsyncs it, and gives it src's
 * permission bits and modification time. The caller renames dst_tmp into
 * place. On failure dst_tmp is removed and the cause is logged once with
 * both names. Polls pbc_interrupted: returns PBC_E_INTERRUPTED when set.
 * Returns 0 or a negative code (AVERROR(errno), PBC_E_INTERRUPTED, and
 * AVERROR_BUG... never); a hash mismatch between src and dst is AVERROR(EIO). */
int copy_file(const char *src, const char *dst_tmp, struct copy_result *res,
              struct pbc_log *lg, copy_progress_fn progress, void *opaque);

#endif
