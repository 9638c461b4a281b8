/* The save cache's memory: see progress_save.c for what it holds and
 * why, and progress_internal.h. A leaf, so that progress.c can own a
 * cache without calling into the saver. */
#include <stdlib.h>
#include <string.h>

#include "state/progress.h"
#include "state/progress_internal.h"

size_t progress_cache_serialised(const struct progress *p)
{
    return p->cache ? p->cache->serialised : 0;
}

void progress_cache_clear_clip(struct cached_clip *cc)
{
    free(cc->seen.name);
    free(cc->seen.source);
    free(cc->key);
    free(cc->text);
    memset(cc, 0, sizeof(*cc));
}

struct progress_cache *progress_cache_alloc(void)
{
    return calloc(1, sizeof(struct progress_cache));
}

void progress_cache_free(struct progress_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < cache->nb; i++)
        progress_cache_clear_clip(&cache->clips[i]);
    free(cache->clips);
    free(cache);
}
