/* ISO BMFF boxes in memory, and a file's top-level moov read whole: what
 * the transcoder's after-the-trailer patch (transcode/mp4fix.c) and the
 * probe's check for a fragmented file (probe.c) both read. */
#ifndef PBC_MP4BOX_H
#define PBC_MP4BOX_H

#include <stdint.h>

#define MP4BOX_MOOV_MAX (256LL << 20) /* an 8 h clip's moov is ~30 MB */

struct mp4box {
    uint8_t *p;    /* the box's first byte */
    uint64_t size; /* including the header */
    int hdr;       /* header bytes: 8, or 16 with a 64-bit size */
};

/* The n-th child of type in [buf, buf + len); 0 or -1. */
int mp4box_find(uint8_t *buf, uint64_t len, const char *type, int n, struct mp4box *b);

/* The child of in found by a path of types, e.g. "mdia" then "mdhd" (b
 * NULL: a alone); 0 or -1. */
int mp4box_path(const struct mp4box *in, const char *a, const char *b, struct mp4box *out);

/* The top-level moov of the file open at fd, read whole into *buf
 * (malloc'd: the caller frees it) and described by *moov; *pos is its
 * offset in the file. Returns 0, AVERROR_INVALIDDATA when there is none
 * or the file ends inside it, AVERROR(EFBIG) past MP4BOX_MOOV_MAX,
 * AVERROR(ENOMEM) or a read's AVERROR(errno). */
int mp4box_read_moov(int fd, uint8_t **buf, struct mp4box *moov, int64_t *pos);

#endif
