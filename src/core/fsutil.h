/* File-system helpers for durable, atomic outputs.
 *
 * Every output goes to a temporary name in the same directory (see
 * fs_partial_path), is fsynced, renamed into place and the directory fsynced,
 * so a reader or a killed run never sees a half-written file under a final
 * name. All functions return 0 or AVERROR(errno) unless stated otherwise. */
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

#endif
