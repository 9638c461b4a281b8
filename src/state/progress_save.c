/* Saving the progress file after every clip at a cost that grows about
 * linearly with the batch (see docs/design.md "Progress saves").
 *
 * The file is still written whole, atomically and durably, in the same
 * layout as before (jansson, 2-space indent, keys in a fixed order), so
 * that every reader of the original's keys reads it as before. What is
 * cached is the work: each clip's JSON text, and the fact that it passed
 * the loader's checks. A save compares every clip with the copy the cache
 * holds (a few field comparisons), serialises and checks only the clips
 * that changed, checks the header alone, and joins the texts. When the
 * list of clips itself changed (count, order or names), the whole document
 * is built and checked as before, which also catches duplicate names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "state/progress.h"
#include "state/progress_internal.h"

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* same_clip() compares every field of struct clip: a field added there
 * must be compared too, or a change to it alone would not be saved. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct clip) == 272,
               "struct clip changed: update same_clip() in progress_save.c");

/* 1 when c has the values it had when cc was made. */
static int same_clip(const struct cached_clip *cc, const struct clip *c)
{
    const struct clip *s = &cc->seen;
    return cc->text && s->status == c->status && s->source_size == c->source_size &&
           s->source_mtime_ns == c->source_mtime_ns &&
           !memcmp(&s->duration, &c->duration, sizeof(c->duration)) &&
           s->video_frames == c->video_frames && s->has_audio == c->has_audio &&
           s->output_size == c->output_size && s->target_kbps == c->target_kbps &&
           s->encodes == c->encodes && s->start_kbps == c->start_kbps &&
           s->planned_kbps == c->planned_kbps &&
           s->fill_overflow_kbps == c->fill_overflow_kbps &&
           s->fill_overflow_bytes == c->fill_overflow_bytes &&
           !memcmp(&s->predicted_psnr, &c->predicted_psnr, sizeof(c->predicted_psnr)) &&
           !memcmp(&s->psnr_y, &c->psnr_y, sizeof(c->psnr_y)) &&
           !memcmp(&s->ssim, &c->ssim, sizeof(c->ssim)) && !strcmp(s->source_sha256, c->source_sha256) &&
           !strcmp(s->output_sha256, c->output_sha256) && !strcmp(s->name, c->name) &&
           !strcmp(s->source, c->source);
}

/* jansson's text of v at depth 2 of the document: every line after the
 * first indented by 4 more spaces, as json_dumps of the whole file has it. */
static char *dump_nested(const json_t *v, size_t *len)
{
    char *flat = json_dumps(v, DUMP_FLAGS | JSON_ENCODE_ANY), *out, *o;
    size_t lines = 0;
    if (!flat)
        return NULL;
    for (const char *s = flat; *s; s++)
        lines += *s == '\n';
    out = malloc(strlen(flat) + 4 * lines + 1);
    if (out) {
        o = out;
        for (const char *s = flat; *s; s++) {
            *o++ = *s;
            if (*s == '\n')
                memcpy(o, "    ", 4), o += 4;
        }
        *o = 0;
        *len = (size_t)(o - out);
    }
    free(flat);
    return out;
}

/* Serialises clip i into cc, after the loader's checks of that clip. */
static int cache_clip(struct json_reader *rd, const struct progress *p, size_t i,
                      struct cached_clip *cc)
{
    const struct clip *c = &p->clips[i];
    json_error_t jerr;
    json_t *jc = progress_clip_to_json(c, &jerr), *key = NULL;
    int ret = 0;

    progress_cache_clear_clip(cc);
    if (!jc) {
        ret = json_fail(rd, "\"clips\"[%zu]: %s", i, jerr.text);
        goto end;
    }
    if ((ret = progress_check_clip(rd, p, i, jc, c->name, c->status)) < 0)
        goto end;
    key = json_string(c->name);
    if (!key || !(cc->key = dump_nested(key, &cc->key_len)) ||
        !(cc->text = dump_nested(jc, &cc->text_len)) || !(cc->seen.name = strdup(c->name)) ||
        !(cc->seen.source = strdup(c->source))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    /* the values, keeping the owned copies of the strings */
    char *name = cc->seen.name, *source = cc->seen.source;
    cc->seen = *c;
    cc->seen.name = name;
    cc->seen.source = source;
end:
    if (ret < 0)
        progress_cache_clear_clip(cc);
    json_decref(key);
    json_decref(jc);
    return ret;
}

/* Makes the cache describe p's clips: a full check when the list changed,
 * the changed clips alone otherwise. */
static int refresh_cache(struct json_reader *rd, const struct progress *p)
{
    struct progress_cache *cache = p->cache;
    int full = cache->nb != p->nb_clips, ret = 0;
    json_t *root = NULL;

    for (size_t i = 0; !full && i < p->nb_clips; i++)
        full = !cache->clips[i].seen.name || strcmp(cache->clips[i].seen.name, p->clips[i].name);
    if (full) {
        struct cached_clip *cl = calloc(p->nb_clips ? p->nb_clips : 1, sizeof(*cl));
        if (!cl)
            return AVERROR(ENOMEM);
        for (size_t i = 0; i < cache->nb; i++)
            progress_cache_clear_clip(&cache->clips[i]);
        free(cache->clips);
        cache->clips = cl;
        cache->nb = p->nb_clips;
        /* Names unique, every value loadable: the whole document once. */
        if ((ret = progress_to_checked_json(rd, p, &root)) < 0)
            goto end;
    }
    cache->serialised = 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        if (same_clip(&cache->clips[i], &p->clips[i]))
            continue;
        if ((ret = cache_clip(rd, p, i, &cache->clips[i])) < 0)
            break;
        cache->serialised++;
    }
end:
    json_decref(root);
    return ret;
}

/* Appends n bytes to the growing text. */
static void put(char **o, const char *s, size_t n)
{
    memcpy(*o, s, n);
    *o += n;
}

/* The header's text with the cached "files" and "clips" spliced in where
 * jansson wrote them empty (a string cannot hold the newline they follow). */
static int assemble(const struct progress *p, const char *head, char **text, size_t *len)
{
    static const char files_at[] = "\n  \"files\": {}", clips_at[] = "\n  \"clips\": []";
    const struct progress_cache *cache = p->cache;
    const char *f = strstr(head, files_at), *c = f ? strstr(f, clips_at) : NULL;
    size_t size = strlen(head) + 64;
    char *o;
    if (!f || !c)
        return AVERROR_BUG;
    for (size_t i = 0; i < cache->nb; i++)
        size += cache->clips[i].key_len + cache->clips[i].text_len + 32;
    if (!(*text = o = malloc(size)))
        return AVERROR(ENOMEM);
    put(&o, head, (size_t)(f - head) + sizeof(files_at) - 2);
    for (size_t i = 0; i < cache->nb; i++) {
        const struct cached_clip *cc = &cache->clips[i];
        put(&o, i ? ",\n    " : "\n    ", i ? 6 : 5);
        put(&o, cc->key, cc->key_len);
        if (p->clips[i].status == CLIP_DONE)
            put(&o, ": \"done\"", 8);
        else
            put(&o, ": \"pending\"", 11);
    }
    put(&o, cache->nb ? "\n  }" : "}", cache->nb ? 4 : 1);
    f += sizeof(files_at) - 1;
    put(&o, f, (size_t)(c - f) + sizeof(clips_at) - 2);
    for (size_t i = 0; i < cache->nb; i++) {
        put(&o, i ? ",\n    " : "\n    ", i ? 6 : 5);
        put(&o, cache->clips[i].text, cache->clips[i].text_len);
    }
    put(&o, cache->nb ? "\n  ]" : "]", cache->nb ? 4 : 1);
    c += sizeof(clips_at) - 1;
    put(&o, c, strlen(c));
    /* A text file ends with a newline; json_dumps leaves it out. */
    put(&o, "\n", 2);
    *len = (size_t)(o - *text) - 1;
    return 0;
}

static int save_uncached(struct json_reader *rd, const struct progress *p, char **text,
                         size_t *len)
{
    json_t *root = NULL;
    char *t;
    int ret = progress_to_checked_json(rd, p, &root);
    if (ret < 0)
        goto end;
    if (!(t = json_dumps(root, DUMP_FLAGS)) || !(*text = realloc(t, strlen(t) + 2))) {
        free(t);
        ret = AVERROR(ENOMEM);
        goto end;
    }
    *len = strlen(*text);
    (*text)[(*len)++] = '\n';
    (*text)[*len] = 0;
end:
    json_decref(root);
    return ret;
}

int progress_save(const struct progress *p, const char *path)
{
    struct json_reader rd = { .code = PBC_E_PROGRESS };
    json_t *head = NULL;
    struct progress *back = NULL;
    char *head_text = NULL, *text = NULL;
    size_t len = 0;
    int ret;

    /* The header alone, checked by the loader (no clips: nothing to cross-check). */
    if ((ret = progress_to_json(&rd, p, 0, &head)) < 0 ||
        (ret = progress_from_json(&rd, head, &back)) < 0)
        goto end;
    if (p->cache) {
        if ((ret = refresh_cache(&rd, p)) < 0)
            goto end;
        if (!(head_text = json_dumps(head, DUMP_FLAGS))) {
            ret = AVERROR(ENOMEM);
            goto end;
        }
        ret = assemble(p, head_text, &text, &len);
    } else {
        /* a progress not made by progress_alloc: no cache, the whole work */
        ret = save_uncached(&rd, p, &text, &len);
    }
    if (ret < 0)
        goto end;
    ret = fs_write_atomic(path, text, len);
end:
    progress_free(&back);
    free(text);
    free(head_text);
    json_decref(head);
    return ret == PBC_E_PROGRESS ? AVERROR(EINVAL) : ret;
}
