/* --iso FILE: the build directory as one ISO 9660 image, written and read
 * in-process with libisofs (docs/design.md "Disc image").
 *
 * The image is ISO 9660 level 3 (files over 4 GiB as multi-extent) with
 * Rock Ridge (full names, modes, timestamps) and Joliet (full names for
 * Windows). iso_image_write streams it to a partial name beside FILE,
 * hashing it on the way, fsyncs and renames it. The reader opens an image
 * file or a block device (a burned disc) read-only and hands out the
 * files of its root directory, for --verify. iso_overhead_bound is the
 * budget's bound on what the file system adds to the files' own sectors. */
#ifndef PBC_ISO_IMAGE_H
#define PBC_ISO_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "io/sha256.h"

struct pbc_log;

/* The label as given: 1..ISO_LABEL_MAX bytes of printable UTF-8. */
#define ISO_LABEL_MAX 32
/* "BODYCAM_YYYYMMDD" plus the NUL. */
#define ISO_LABEL_DEFAULT_LEN 17
#define ISO_SHA256_SUFFIX ".sha256"

/* "MAJOR.MINOR.MICRO" of the libisofs in use, into buf. */
const char *iso_lib_version_str(char *buf, size_t size);

/* 1 when text may be a --label. */
int iso_label_valid(const char *text);

/* The default label of a job started at t: "BODYCAM_YYYYMMDD" (UTC). */
void iso_label_default(time_t t, char out[ISO_LABEL_DEFAULT_LEN]);

/* Upper bound, in bytes, of an image's size minus the sum of its files'
 * sizes each rounded up to whole 2048-byte sectors: system area, volume
 * descriptors, path tables, the ISO 9660 + Rock Ridge and Joliet directory
 * records and continuation areas. nb_files regular files of any name (at
 * most 255 bytes) in nb_dirs directories (the root counts), extra_extents
 * the directory records that files over 4 GiB - 2 KiB add (see
 * iso_extra_extents). Pure arithmetic; saturates at INT64_MAX. */
int64_t iso_overhead_bound(int64_t nb_files, int64_t nb_dirs, int64_t extra_extents);

/* At most how many records beyond the first files holding data_bytes in
 * total need (one per 4 GiB - 2 KiB extent). */
int64_t iso_extra_extents(int64_t data_bytes);

struct iso_write_result {
    int64_t size;                       /* bytes of the image */
    char sha256[SHA256_HEX_LEN + 1];    /* of the image */
};

/* Writes dir (recursively, links not followed, our partial files left out)
 * as the image file, label as the volume label, then file + ".sha256" in
 * sha256sum format. Both go through a partial name, fsync and rename. An
 * older file and file.sha256 are removed first, so on failure nothing is
 * left under either name (nor a partial), and a hash never vouches for
 * another image. Logs the failure. Returns 0, PBC_E_INTERRUPTED, or an
 * AVERROR. */
int iso_image_write(const char *dir, const char *file, const char *label,
                    struct pbc_log *lg, struct iso_write_result *res);

/* ---- reading an image or a disc ---- */

struct iso_reader;
struct iso_reader_file;

/* Opens path (an image file or a block device) and loads its directory
 * tree (Rock Ridge names). Returns 0, or AVERROR(EINVAL) when it is not an
 * ISO 9660 file system, another AVERROR for I/O; err gets a reason. */
int iso_reader_open(const char *path, struct iso_reader **out, char *err, size_t errlen);

void iso_reader_close(struct iso_reader **r);

/* Opens name in the image's root directory. Returns 0, AVERROR(ENOENT)
 * when absent, AVERROR(EINVAL) when it is not a regular file (a directory,
 * a symbolic link), AVERROR(EIO). *size is its size. */
int iso_reader_file_open(struct iso_reader *r, const char *name, struct iso_reader_file **f,
                         int64_t *size);

/* Up to n bytes; 0 at the end; AVERROR(EIO) on a read error. */
ssize_t iso_reader_file_read(struct iso_reader_file *f, void *buf, size_t n);

void iso_reader_file_close(struct iso_reader_file **f);

/* Calls fn for each name in the root directory, in the image's order. */
int iso_reader_list(struct iso_reader *r, void (*fn)(void *opaque, const char *name),
                    void *opaque);

#endif
