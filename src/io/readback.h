/* The read-back verifier of a copy (copy.c): a second thread reads the
 * copy back from the device as the writer writes it, and hashes what the
 * device returned, so that the copy's hash comes from the copy as stored,
 * never from the writer's buffer nor from the page cache. */
#ifndef PBC_READBACK_H
#define PBC_READBACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "io/sha256.h"

struct readback;

/* Opens path (being written through wfd, whose fstat is wst) a second time
 * for reading, O_DIRECT where the file system allows it, and starts the
 * reading thread; chunk is the writer's chunk size. Returns 0, or a
 * negative code with *what naming the step that failed. *out is set
 * either way: release it with readback_free. */
int readback_start(struct readback **out, const char *path, int wfd, const struct stat *wst,
                   size_t chunk, const char **what);

/* The writer has written (and started the write-back of) the first written
 * bytes. Returns 0, or the reading thread's error (readback_what names the
 * step). */
int readback_post(struct readback *rb, int64_t written);

/* What the reading thread's error was about (NULL before one). */
const char *readback_what(const struct readback *rb);

/* Stops the thread (failed: the writer gave up) or lets it read the rest
 * of bytes, and joins it. Returns 0 with the digest of the copy as read
 * back (not set when failed), or a negative code with *what set. */
int readback_finish(struct readback *rb, int failed, int64_t bytes,
                    uint8_t digest[SHA256_BYTES], const char **what);

/* Frees rb (after readback_finish); accepts NULL and sets *rb to NULL. */
void readback_free(struct readback **rb);

#endif
