#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <libavutil/error.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "io/fsutil.h"

char *fs_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl && dir[dl - 1] != '/';
    char *s = malloc(dl + slash + nl + 1);
    if (!s)
        return NULL;
    memcpy(s, dir, dl);
    if (slash)
        s[dl] = '/';
    memcpy(s + dl + slash, name, nl + 1);
    return s;
}

char *fs_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *fs_partial_path(const char *final_path)
{
    char *dir = fs_dirname(final_path);
    const char *slash = strrchr(final_path, '/');
    const char *base = slash ? slash + 1 : final_path;
    char *out = NULL;
    if (!dir)
        return NULL;
    size_t len = strlen(dir) + strlen(base) + sizeof(FS_PARTIAL_SUFFIX) + 3;
    out = malloc(len);
    if (out)
        snprintf(out, len, "%s/.%s%s", dir, base, FS_PARTIAL_SUFFIX);
    free(dir);
    return out;
}

int fs_is_partial_name(const char *name)
{
    size_t n = strlen(name), s = strlen(FS_PARTIAL_SUFFIX);
    return name[0] == '.' && n > s + 1 && !strcmp(name + n - s, FS_PARTIAL_SUFFIX);
}

int fs_remove_partials(const char *dir, int *removed)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int ret = 0, count = 0;
    if (!d)
        return AVERROR(errno);
    /* readdir returns NULL both at the end and on error; errno tells */
    while ((errno = 0, e = readdir(d))) {
        if (!fs_is_partial_name(e->d_name))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT) {
            ret = AVERROR(errno);
            break;
        }
        count++;
    }
    if (!e && errno)
        ret = AVERROR(errno);
    closedir(d);
    if (!ret && count)
        ret = fs_fsync_dir(dir);
    if (removed)
        *removed = count;
    return ret;
}

int fs_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ret = 0;
    if (fd < 0)
        return AVERROR(errno);
    if (fsync(fd) < 0 && errno != EINVAL)
        ret = AVERROR(errno);
    close(fd);
    return ret;
}

int fs_rename_durable(const char *tmp, const char *final_path)
{
    char *dir = NULL;
    int ret;
    if (rename(tmp, final_path) < 0)
        return AVERROR(errno);
    dir = fs_dirname(final_path);
    if (!dir)
        return AVERROR(ENOMEM);
    ret = fs_fsync_dir(dir);
    free(dir);
    return ret;
}

int fs_write_atomic(const char *path, const void *data, size_t len)
{
    char *tmp = fs_partial_path(path);
    const char *p = data;
    int fd = -1, ret = 0;
    if (!tmp)
        return AVERROR(ENOMEM);
    /* A stale partial (or a symlink planted under its name) is removed,
     * never written through: the write must land in this directory. */
    if (unlink(tmp) < 0 && errno != ENOENT) {
        ret = AVERROR(errno);
        goto end;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        ret = AVERROR(errno);
        goto end;
    }
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ret = AVERROR(errno);
            goto end;
        }
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) < 0) {
        ret = AVERROR(errno);
        goto end;
    }
    if (close(fd) < 0) {
        fd = -1;
        ret = AVERROR(errno);
        goto end;
    }
    fd = -1;
    ret = fs_rename_durable(tmp, path);
end:
    if (fd >= 0)
        close(fd);
    if (ret < 0)
        unlink(tmp);
    free(tmp);
    return ret;
}

int fs_mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof(buf))
        return AVERROR(ENAMETOOLONG);
    memcpy(buf, dir, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return AVERROR(errno);
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return AVERROR(errno);
    struct stat st;
    if (stat(buf, &st) < 0)
        return AVERROR(errno);
    if (!S_ISDIR(st.st_mode))
        return AVERROR(ENOTDIR);
    return 0;
}

int fs_free_bytes(const char *dir, int64_t *out)
{
    struct statvfs vfs;
    if (statvfs(dir, &vfs) < 0)
        return AVERROR(errno);
    *out = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
    return 0;
}

char *fs_realpath(const char *path)
{
    return realpath(path, NULL);
}

int fs_open_noatime(const char *path, int flags)
{
    int fd;
    flags = O_RDONLY | O_CLOEXEC | (flags & ~O_ACCMODE);
    fd = open(path, flags | O_NOATIME);
    /* O_NOATIME is refused (EPERM) on files the user does not own. */
    if (fd < 0 && errno == EPERM)
        fd = open(path, flags);
    return fd;
}

static int read_failed(enum fs_read_failure *why, enum fs_read_failure step, int err)
{
    if (why)
        *why = step;
    return err;
}

/* Reads fd to its end into *buf (grown from cap bytes, doubling up to
 * max_bytes + 1). On failure *buf may hold a block for the caller to
 * free. */
static int read_to_eof(int fd, size_t max_bytes, size_t cap, char **buf, size_t *len,
                       enum fs_read_failure *why)
{
    for (;;) {
        ssize_t n;
        if (*len == cap || !*buf) {
            char *grown;
            if (*buf)
                cap = cap > (max_bytes + 1) / 2 ? max_bytes + 1 : cap * 2;
            if (*len == cap)
                return read_failed(why, FS_READ_TOO_LARGE, AVERROR(EFBIG));
            if (!(grown = realloc(*buf, cap)))
                return read_failed(why, FS_READ_NOMEM, AVERROR(ENOMEM));
            *buf = grown;
        }
        n = read(fd, *buf + *len, cap - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return read_failed(why, FS_READ_IO, AVERROR(errno));
        if (n == 0)
            return 0;
        *len += (size_t)n;
    }
}

int fs_read_file(const char *path, size_t max_bytes, char **out, size_t *outlen,
                 enum fs_read_failure *why)
{
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    /* O_NONBLOCK: a FIFO planted under the name must not hang the run;
     * it is refused below like any other non-regular file. */
    int ret = 0, fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (why)
        *why = FS_READ_OK;
    if (fd < 0) {
        ret = read_failed(why, FS_READ_OPEN, AVERROR(errno));
        goto end;
    }
    if (fstat(fd, &st) < 0) {
        ret = read_failed(why, FS_READ_IO, AVERROR(errno));
        goto end;
    }
    if (!S_ISREG(st.st_mode)) {
        ret = read_failed(why, FS_READ_NOT_REGULAR,
                          AVERROR(S_ISDIR(st.st_mode) ? EISDIR : EINVAL));
        goto end;
    }
    if ((uintmax_t)st.st_size > max_bytes) {
        ret = read_failed(why, FS_READ_TOO_LARGE, AVERROR(EFBIG));
        goto end;
    }
    /* Sized from fstat, but read to EOF (one byte more tells a file that
     * grew): the file may change meanwhile. */
    if ((ret = read_to_eof(fd, max_bytes, (size_t)st.st_size + 1, &buf, &len, why)) < 0)
        goto end;
    buf[len] = 0;
end:
    if (fd >= 0)
        close(fd);
    if (ret < 0)
        free(buf);
    else
        *out = buf, *outlen = len;
    return ret;
}

int fs_pread_full(int fd, uint8_t *buf, size_t len, int64_t off, size_t *got)
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
