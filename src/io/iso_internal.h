/* What iso_image.c and iso_reader.c share: libisofs set up once per
 * process. Not part of the core's public API. */
#ifndef PBC_ISO_INTERNAL_H
#define PBC_ISO_INTERNAL_H

/* libisofs.h uses the fixed-width types without including their header
 * and declares iso_init() without a prototype. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
/* struct burn_source: defined by libisofs.h when libburn.h is not used. */
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs.h>
#pragma GCC diagnostic pop

/* iso_init once (thread-safe), messages silenced, UTF-8 names. Returns 0
 * or AVERROR(ENOSYS). */
int iso_lib_init(void);

/* The first failure libisofs queued since the last call, in buf (or a
 * placeholder); empties the queue. */
const char *iso_lib_failure(char *buf, size_t size);

/* A libisofs error code as an AVERROR. */
int iso_lib_error(int code);

#endif
