/* The progress model: clips and their state, and the names a clip may
 * take. Writing the document is progress_json.c, reading it back
 * progress_load.c, saving progress_save.c. See progress.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/encode_settings.h"
#include "base/errors.h"
#include "io/fsutil.h"
#include "state/manifest.h"
#include "state/progress.h"
#include "state/progress_internal.h"
#include "base/quote.h"

/* An output name must leave room for its partial name, ".NAME.pbc-partial",
 * within NAME_MAX (255 bytes): longer names are refused up front rather
 * than failing mid-run when the partial cannot be created. */
_Static_assert(1 + PROGRESS_NAME_MAX + sizeof(FS_PARTIAL_SUFFIX) - 1 <= 255,
               "the partial name of a PROGRESS_NAME_MAX name must fit NAME_MAX");

static int utf8_plain(const char *s, size_t len)
{
    size_t i = 0, n;
    while (i < len) {
        if (!(n = pbc_utf8_char_len((const unsigned char *)s + i, len - i)))
            return 0;
        i += n;
    }
    return 1;
}

int progress_name_is_safe(const char *name)
{
    size_t len;
    if (!name)
        return 0;
    len = strlen(name);
    return len > 0 && len <= PROGRESS_NAME_MAX && !strchr(name, '/') &&
           strcmp(name, ".") && strcmp(name, "..") && utf8_plain(name, len);
}

/* The one list of names the build directory keeps for itself. Features
 * that add a file or folder of their own to the build directory add its
 * name here, so that no clip can take it. */
static const char *const reserved_names[] = {
    PROGRESS_FILE_NAME,
    PROGRESS_COMPLETED_NAME,
    MANIFEST_JSON_NAME,
    MANIFEST_SUMS_NAME,
    "index.html",
    "thumbs",
};

int progress_name_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof(reserved_names) / sizeof(*reserved_names); i++)
        if (!strcmp(name, reserved_names[i]))
            return 1;
    /* A clip named like a partial would be removed as a killed run's
     * leftover, and could be the partial of another output. */
    return fs_is_partial_name(name);
}

const char *progress_mode_name(enum job_mode mode)
{
    switch (mode) {
    case MODE_COPY:   return "COPY";
    case MODE_ENCODE: return "ENCODE";
    }
    return "unknown";
}

int progress_mode_from_name(const char *s, enum job_mode *mode)
{
    if (!strcmp(s, "COPY"))
        *mode = MODE_COPY;
    else if (!strcmp(s, "ENCODE"))
        *mode = MODE_ENCODE;
    else
        return -1;
    return 0;
}

struct progress *progress_alloc(void)
{
    struct progress *p = calloc(1, sizeof(*p));
    if (!p || !(p->cache = progress_cache_alloc())) {
        free(p);
        return NULL;
    }
    p->mode = MODE_COPY;
    p->preset = ENC_PRESET_DEFAULT;
    p->audio_kbps = ENC_AUDIO_KBPS;
    return p;
}

void progress_free(struct progress **pp)
{
    struct progress *p = pp ? *pp : NULL;
    size_t i;
    if (!p)
        return;
    for (i = 0; i < p->nb_clips; i++) {
        free(p->clips[i].name);
        free(p->clips[i].source);
    }
    free(p->clips);
    free(p->build_dir);
    progress_cache_free(p->cache);
    free(p->iso_file);
    free(p->iso_label);
    free(p);
    *pp = NULL;
}

int progress_add_clip(struct progress *p, const char *name, const char *source)
{
    struct clip *clips, *c;
    char *n = strdup(name), *s = strdup(source);
    int ret = 0;
    if (!n || !s) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    /* Doubling: loading (and the check of every save) adds clips one at a
     * time, and thousands of clips must not cost a copy each. */
    if (p->nb_clips == p->clips_cap) {
        size_t cap = p->clips_cap ? 2 * p->clips_cap : 16;
        if (!(clips = realloc(p->clips, cap * sizeof(*clips)))) {
            ret = AVERROR(ENOMEM);
            goto end;
        }
        p->clips = clips;
        p->clips_cap = cap;
    }
    clips = p->clips;
    c = &clips[p->nb_clips++];
    memset(c, 0, sizeof(*c));
    c->name = n;
    c->source = s;
    c->status = CLIP_PENDING;
    c->output_size = -1;
    c->predicted_psnr = c->psnr_y = c->ssim = -1;
    n = s = NULL;
end:
    free(n);
    free(s);
    return ret;
}

size_t progress_count(const struct progress *p, enum clip_status status)
{
    size_t i, n = 0;
    for (i = 0; i < p->nb_clips; i++)
        n += p->clips[i].status == status;
    return n;
}
