/* What the two halves of the progress module share: progress.c (the model,
 * validation and saving) and progress_load.c (reading a file back). Saving
 * reads its own output back with progress_from_json(), so that a file that
 * would not resume is never written. Not a public header. */
#ifndef PBC_PROGRESS_INTERNAL_H
#define PBC_PROGRESS_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "state/progress.h"
#include "base/quote.h"

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

/* One clip as its JSON object (keys in the file's order); NULL with the
 * reason in jerr. */
json_t *progress_clip_to_json(const struct clip *c, json_error_t *jerr);

/* The document of p; with_clips 0 leaves "files" and "clips" empty. */
int progress_to_json(struct progress_reader *rd, const struct progress *p, int with_clips,
                     json_t **out);

/* progress_to_json, then read back with progress_from_json: AVERROR(EINVAL)
 * (reason in rd->err) when p would not load. */
int progress_to_checked_json(struct progress_reader *rd, const struct progress *p, json_t **out);

/* Checks the i-th clip object jc of a file whose header is p's, as the
 * loader does (values, and "mode" agreeing with the clip). Returns 0 or
 * PBC_E_PROGRESS (reason in rd->err) or AVERROR(ENOMEM). */
int progress_check_clip(struct progress_reader *rd, const struct progress *p, size_t i,
                        const json_t *jc, const char *name, enum clip_status status);

/* The save cache of progress_save.c: empty, or NULL on ENOMEM. */
struct progress_cache *progress_cache_alloc(void);
void progress_cache_free(struct progress_cache *cache);

/* How many clips the last progress_save(p) serialised (the rest came from
 * the cache). */
size_t progress_cache_serialised(const struct progress *p);

#endif
