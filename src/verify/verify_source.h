/* What --verify reads: a directory (a build directory, a mounted disc) or
 * an ISO 9660 image (an image file, a disc in a block device, read with
 * libisofs without mounting). verify.c checks either the same way through
 * this interface. */
#ifndef PBC_VERIFY_SOURCE_H
#define PBC_VERIFY_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct iso_reader;
struct iso_reader_file;

struct vsource {
    const char *path;
    struct iso_reader *iso;     /* NULL for a directory */
};

struct vfile {
    int fd;                     /* a file of the directory, or -1 */
    struct iso_reader_file *isf;
    int64_t size;
};

/* A directory as such; anything else is opened as an image. Returns 0, or
 * a negative code with a one-line reason in err. */
int vsource_open(struct vsource *s, const char *path, char *err, size_t errlen);

void vsource_close(struct vsource *s);

/* Opens name in the source's top directory (a symbolic link is not
 * followed). Returns 0, or AVERROR(ENOENT) when absent, AVERROR(ELOOP) for
 * a link, AVERROR(EINVAL) when not a regular file, another AVERROR. */
int vsource_file_open(struct vsource *s, const char *name, struct vfile *f);

/* The same for a path of the machine's file system (an original). */
int vfile_open_path(const char *path, struct vfile *f);

/* Up to n bytes, 0 at the end, or an AVERROR. */
ssize_t vfile_read(struct vfile *f, void *buf, size_t n);

void vfile_close(struct vfile *f);

/* Calls fn for each name in the source's top directory. */
void vsource_list(struct vsource *s, void (*fn)(void *opaque, const char *name), void *opaque);

#endif
