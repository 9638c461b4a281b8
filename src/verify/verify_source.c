/* A directory or an image behind one interface: see verify_source.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "io/iso_image.h"
#include "verify/verify_source.h"

int vsource_open(struct vsource *s, const char *path, char *err, size_t errlen)
{
    struct stat st;
    s->path = path;
    s->iso = NULL;
    if (stat(path, &st) < 0) {
        int ret = AVERROR(errno);
        snprintf(err, errlen, "%s", strerror(errno));
        return ret;
    }
    if (S_ISDIR(st.st_mode))
        return 0;
    return iso_reader_open(path, &s->iso, err, errlen);
}

void vsource_close(struct vsource *s)
{
    iso_reader_close(&s->iso);
}

static int open_fd(const char *path, int flags, struct vfile *f)
{
    struct stat st;
    f->isf = NULL;
    f->fd = fs_open_noatime(path, O_NONBLOCK | flags);
    if (f->fd < 0)
        return AVERROR(errno);
    if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int ret = AVERROR(S_ISREG(st.st_mode) ? errno : EINVAL);
        close(f->fd);
        f->fd = -1;
        return ret;
    }
    f->size = st.st_size;
    posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return 0;
}

int vsource_file_open(struct vsource *s, const char *name, struct vfile *f)
{
    char *path;
    int ret;
    f->fd = -1;
    f->isf = NULL;
    if (s->iso)
        return iso_reader_file_open(s->iso, name, &f->isf, &f->size);
    if (!(path = fs_join(s->path, name)))
        return AVERROR(ENOMEM);
    /* O_NOFOLLOW: a link to a file elsewhere is not a file on the disc. */
    ret = open_fd(path, O_NOFOLLOW, f);
    free(path);
    return ret;
}

int vfile_open_path(const char *path, struct vfile *f)
{
    return open_fd(path, 0, f);
}

ssize_t vfile_read(struct vfile *f, void *buf, size_t n)
{
    if (f->isf)
        return iso_reader_file_read(f->isf, buf, n);
    for (;;) {
        ssize_t got = read(f->fd, buf, n);
        if (got >= 0)
            return got;
        if (errno != EINTR && errno != EAGAIN)
            return AVERROR(errno);
    }
}

void vfile_close(struct vfile *f)
{
    iso_reader_file_close(&f->isf);
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

void vsource_list(struct vsource *s, void (*fn)(void *opaque, const char *name), void *opaque)
{
    DIR *d;
    struct dirent *e;
    if (s->iso) {
        iso_reader_list(s->iso, fn, opaque);
        return;
    }
    if (!(d = opendir(s->path)))
        return;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fn(opaque, e->d_name);
    closedir(d);
}
