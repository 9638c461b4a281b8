/* What the files of the progress module share: progress.c (the model),
 * progress_json.c (the document, checked by reading it back),
 * progress_load.c (reading a file back), progress_cache.c and
 * progress_save.c (saving). Calls go one way, loader below writer below
 * saver, so no two files call each other. Not a public header. */
#ifndef PBC_PROGRESS_INTERNAL_H
#define PBC_PROGRESS_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "state/json_read.h"
#include "state/progress.h"

/* Builds a progress from a parsed document, checking every value as
 * progress_load() does. Returns 0 with *out owned by the caller, or
 * PBC_E_PROGRESS (reason in rd->err) or AVERROR(ENOMEM) with *out NULL. */
int progress_from_json(struct json_reader *rd, const json_t *root, struct progress **out);

/* One clip as its JSON object (keys in the file's order); NULL with the
 * reason in jerr. */
json_t *progress_clip_to_json(const struct clip *c, json_error_t *jerr);

/* The document of p; with_clips 0 leaves "files" and "clips" empty. */
int progress_to_json(struct json_reader *rd, const struct progress *p, int with_clips,
                     json_t **out);

/* progress_to_json, then read back with progress_from_json: AVERROR(EINVAL)
 * (reason in rd->err) when p would not load. */
int progress_to_checked_json(struct json_reader *rd, const struct progress *p, json_t **out);

/* Checks the i-th clip object jc of a file whose header is p's, as the
 * loader does (values, and "mode" agreeing with the clip). Returns 0 or
 * PBC_E_PROGRESS (reason in rd->err) or AVERROR(ENOMEM). */
int progress_check_clip(struct json_reader *rd, const struct progress *p, size_t i,
                        const json_t *jc, const char *name, enum clip_status status);

/* What the last save wrote for one clip. */
struct cached_clip {
    struct clip seen;   /* its values then; name and source are owned copies */
    char *key;          /* the name as a JSON string, for "files" */
    char *text;         /* its object in "clips", indented as in the file */
    size_t key_len, text_len;
};

struct progress_cache {
    size_t nb;
    struct cached_clip *clips;
    size_t serialised;  /* clips serialised by the last save, for the tests */
};

/* Frees what cc owns and zeroes it. */
void progress_cache_clear_clip(struct cached_clip *cc);

/* The save cache of progress_save.c: empty, or NULL on ENOMEM. */
struct progress_cache *progress_cache_alloc(void);
void progress_cache_free(struct progress_cache *cache);

/* How many clips the last progress_save(p) serialised (the rest came from
 * the cache). */
size_t progress_cache_serialised(const struct progress *p);

#endif
