#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/mem.h>

#include "io/fsutil.h"
#include "base/interrupt.h"
#include "media/media_input.h"

/* libavformat reads camera files mostly sequentially; a larger buffer than
 * its 32 KiB default means fewer system calls. */
#define MEDIA_INPUT_BUFFER (256 * 1024)

struct media_file {
    int fd;
};

static int media_read(void *opaque, uint8_t *buf, int size)
{
    struct media_file *f = opaque;
    for (;;) {
        ssize_t n = read(f->fd, buf, (size_t)size);
        if (n > 0)
            return (int)n;
        if (n == 0)
            return AVERROR_EOF;
        if (errno != EINTR)
            return AVERROR(errno);
        if (pbc_interrupted)
            return AVERROR_EXIT;
    }
}

static int64_t media_seek(void *opaque, int64_t offset, int whence)
{
    struct media_file *f = opaque;
    struct stat st;
    off_t pos;
    if (whence & AVSEEK_SIZE)
        return fstat(f->fd, &st) < 0 ? AVERROR(errno) : (int64_t)st.st_size;
    pos = lseek(f->fd, (off_t)offset, whence & ~AVSEEK_FORCE);
    return pos < 0 ? AVERROR(errno) : (int64_t)pos;
}

static void free_io(AVIOContext **pb)
{
    if (!*pb)
        return;
    struct media_file *f = (*pb)->opaque;
    if (f) {
        close(f->fd);
        free(f);
    }
    av_freep(&(*pb)->buffer);
    avio_context_free(pb);
}

int media_input_open(AVFormatContext **fmt, const char *path)
{
    struct media_file *f = malloc(sizeof(*f));
    uint8_t *buffer = NULL;
    AVIOContext *pb = NULL;
    int ret;

    if (!f) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    if ((f->fd = fs_open_noatime(path, 0)) < 0) {
        ret = AVERROR(errno);
        free(f);
        f = NULL;
        goto fail;
    }
    buffer = av_malloc(MEDIA_INPUT_BUFFER);
    pb = buffer ? avio_alloc_context(buffer, MEDIA_INPUT_BUFFER, 0, f, media_read, NULL, media_seek) : NULL;
    if (!pb) {
        av_free(buffer);
        close(f->fd);
        free(f);
        f = NULL;
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    if (!*fmt && !(*fmt = avformat_alloc_context())) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    (*fmt)->pb = pb;
    (*fmt)->flags |= AVFMT_FLAG_CUSTOM_IO;
    /* On failure avformat_open_input frees *fmt but not a custom pb. */
    ret = avformat_open_input(fmt, path, NULL, NULL);
    if (ret < 0)
        goto fail;
    return 0;
fail:
    free_io(&pb);
    avformat_free_context(*fmt);
    *fmt = NULL;
    return ret;
}

void media_input_close(AVFormatContext **fmt)
{
    AVIOContext *pb = *fmt ? (*fmt)->pb : NULL;
    avformat_close_input(fmt);
    free_io(&pb);
}
