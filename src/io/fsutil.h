/* File-system helpers for durable, atomic outputs.
 *
 * Every output goes to a temporary name in the same directory (see
 * fs_partial_path), is fsynced, renamed into place and the directory fsynced,
 * so a reader or a killed run never sees a half-written file under a final
 * name. fs_read_file reads a small file of ours back whole. All functions
 * return 0 or AVERROR(errno) unless stated otherwise. */
#ifndef PBC_FSUTIL_H
#define PBC_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#define FS_PARTIAL_SUFFIX ".pbc-partial"

/* "dir/name", malloc'd; NULL on ENOMEM. */
char *fs_join(const char *dir, const char *name);

/* The directory part of path ("." when it has none), malloc'd. */
char *fs_dirname(const char *path);

/* The temporary name of a final path: "dir/.name.pbc-partial", malloc'd. */
char *fs_partial_path(const char *final_path);

/* 1 when a directory entry name is one of our temporary names. */
int fs_is_partial_name(const char *name);

/* Removes our temporary files left in dir by a killed run; *removed counts
 * them (may be NULL). */
int fs_remove_partials(const char *dir, int *removed);

/* fsync of a directory, so that a rename or unlink in it is durable. */
int fs_fsync_dir(const char *dir);

/* rename(tmp, final) then fsync of final's directory. */
int fs_rename_durable(const char *tmp, const char *final_path);

/* Writes data to path atomically and durably: partial name, write, fsync,
 * rename, fsync of the directory. */
int fs_write_atomic(const char *path, const void *data, size_t len);

/* Creates dir and its missing parents (mode 0755). */
int fs_mkdir_p(const char *dir);

/* Bytes available to an unprivileged user on dir's file system. */
int fs_free_bytes(const char *dir, int64_t *out);

/* Real path of path (which must exist), malloc'd, or NULL with errno. */
char *fs_realpath(const char *path);

/* Opens path read-only (close-on-exec, plus flags such as O_NONBLOCK or
 * O_NOFOLLOW; an access mode in flags is ignored) with O_NOATIME where the
 * kernel allows it, i.e. for the file's owner or root, so that reading an
 * original leaves even its access time alone. Returns the descriptor, or
 * -1 with errno set, as open(2) does. */
int fs_open_noatime(const char *path, int flags);

/* Fills buf with up to len bytes from off; fewer only at end of file
 * (*got says how many). Returns 0, AVERROR(errno), or PBC_E_INTERRUPTED
 * when a read was interrupted by a signal with pbc_interrupted set. */
int fs_pread_full(int fd, uint8_t *buf, size_t len, int64_t off, size_t *got);

/* The step of fs_read_file that failed, so that each caller can word the
 * reason in its own terms. */
enum fs_read_failure {
    FS_READ_OK,
    FS_READ_OPEN,        /* open: AVERROR(errno) */
    FS_READ_IO,          /* fstat or read: AVERROR(errno) */
    FS_READ_NOT_REGULAR, /* AVERROR(EISDIR) for a directory, AVERROR(EINVAL) otherwise */
    FS_READ_TOO_LARGE,   /* more than max_bytes: AVERROR(EFBIG) */
    FS_READ_NOMEM,       /* AVERROR(ENOMEM) */
};

/* Reads the whole of the regular file path (at most max_bytes, which must
 * be below SIZE_MAX) into *buf, malloc'd and NUL-terminated after its *len
 * bytes: to its end, however it grew since it was opened. Anything but a
 * regular file (a FIFO, a device) is refused without blocking. Returns 0,
 * or a negative code with *why (may be NULL) naming the failed step and
 * *buf untouched. */
int fs_read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
                 enum fs_read_failure *why);

#endif
