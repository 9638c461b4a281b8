/* ISO BMFF boxes: mp4box.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/error.h>
#include <libavutil/intreadwrite.h>

#include "media/mp4box.h"

int mp4box_find(uint8_t *buf, uint64_t len, const char *type, int n, struct mp4box *b)
{
    uint64_t off = 0;
    while (off + 8 <= len) {
        uint64_t size = AV_RB32(buf + off);
        int hdr = 8;
        if (size == 1 && off + 16 <= len) {
            size = AV_RB64(buf + off + 8);
            hdr = 16;
        } else if (size == 0) {
            size = len - off;
        }
        if (size < (uint64_t)hdr || size > len - off)
            return -1;
        if (!memcmp(buf + off + 4, type, 4) && n-- == 0) {
            *b = (struct mp4box){ buf + off, size, hdr };
            return 0;
        }
        off += size;
    }
    return -1;
}

int mp4box_path(const struct mp4box *in, const char *a, const char *b, struct mp4box *out)
{
    struct mp4box mid;
    if (mp4box_find(in->p + in->hdr, in->size - in->hdr, a, 0, &mid) < 0)
        return -1;
    if (!b) {
        *out = mid;
        return 0;
    }
    return mp4box_find(mid.p + mid.hdr, mid.size - mid.hdr, b, 0, out);
}

/* Finds the top-level moov: offset and size. */
static int find_moov(int fd, int64_t *pos, int64_t *size)
{
    uint8_t h[16];
    int64_t off = 0;
    for (;;) {
        uint64_t sz;
        if (pread(fd, h, 16, off) < 8)
            return AVERROR_INVALIDDATA;
        sz = AV_RB32(h);
        if (sz == 1)
            sz = AV_RB64(h + 8);
        if (sz < 8 || sz > INT64_MAX - (uint64_t)off)
            return AVERROR_INVALIDDATA;
        if (!memcmp(h + 4, "moov", 4)) {
            *pos = off;
            *size = (int64_t)sz;
            return 0;
        }
        off += (int64_t)sz;
    }
}

int mp4box_read_moov(int fd, uint8_t **buf, struct mp4box *moov, int64_t *pos)
{
    int64_t size = 0;
    int ret = find_moov(fd, pos, &size);
    *buf = NULL;
    if (ret >= 0 && size > MP4BOX_MOOV_MAX)
        ret = AVERROR(EFBIG);
    if (ret >= 0 && !(*buf = malloc((size_t)size)))
        ret = AVERROR(ENOMEM);
    errno = 0;
    if (ret >= 0 && pread(fd, *buf, (size_t)size, *pos) != size)
        ret = errno ? AVERROR(errno) : AVERROR_INVALIDDATA;
    if (ret < 0) {
        free(*buf);
        *buf = NULL;
        return ret;
    }
    *moov = (struct mp4box){ *buf, (uint64_t)size, AV_RB32(*buf) == 1 ? 16 : 8 };
    return 0;
}
