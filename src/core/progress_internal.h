/* What the two halves of the progress module share: progress.c (the model,
 * validation and saving) and progress_load.c (reading a file back). Saving
 * reads its own output back with progress_from_json(), so that a file that
 * would not resume is never written. Not a public header. */
#ifndef PBC_PROGRESS_INTERNAL_H
#define PBC_PROGRESS_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "progress.h"
#include "quote.h"

/* Where a reason is written, and the prefix naming the object being read
 * ("key " at the top level, "\"clips\"[3] (\"a.mp4\"): key " in a clip). */
struct progress_reader {
    char *err;
    size_t errlen;
    char where[192];
};

/* Writes the reason to rd->err (when there is one) and returns
 * PBC_E_PROGRESS. */
int progress_fail(struct progress_reader *rd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Builds a progress from a parsed document, checking every value as
 * progress_load() does. Returns 0 with *out owned by the caller, or
 * PBC_E_PROGRESS (reason in rd->err) or AVERROR(ENOMEM) with *out NULL. */
int progress_from_json(struct progress_reader *rd, const json_t *root, struct progress **out);

#endif
