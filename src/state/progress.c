/* The progress model: clips and their state, validation and saving. Reading
 * a file back is progress_load.c. See progress.h. */
#include <errno.h>
#include <stdarg.h>
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

int progress_fail(struct progress_reader *rd, const char *fmt, ...)
{
    va_list ap;
    if (rd->err && rd->errlen) {
        va_start(ap, fmt);
        vsnprintf(rd->err, rd->errlen, fmt, ap);
        va_end(ap);
    }
    return PBC_E_PROGRESS;
}

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

struct clip *progress_find(struct progress *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->nb_clips; i++)
        if (!strcmp(p->clips[i].name, name))
            return &p->clips[i];
    return NULL;
}

size_t progress_count(const struct progress *p, enum clip_status status)
{
    size_t i, n = 0;
    for (i = 0; i < p->nb_clips; i++)
        n += p->clips[i].status == status;
    return n;
}

/* ---- writing ---- */

/* A measured or predicted value; the key is left out when unknown (< 0),
 * as are the other keys of --balance when unset, so that a file of the
 * default one-bitrate plan reads as before. */
static json_t *real_or_none(double v)
{
    return v < 0 ? NULL : json_real(v);
}

json_t *progress_clip_to_json(const struct clip *c, json_error_t *jerr)
{
    return json_pack_ex(jerr, 0,
        "{s:s, s:s, s:I, s:I, s:f, s:I, s:b, s:s?, s:s?, s:o, s:o, s:i, s:o*, s:o*, s:o*, s:o*, s:o*}",
        "name", c->name,
        "source", c->source,
        "source_size", (json_int_t)c->source_size,
        "source_mtime_ns", (json_int_t)c->source_mtime_ns,
        "duration", c->duration,
        "video_frames", (json_int_t)c->video_frames,
        "has_audio", c->has_audio,
        "source_sha256", c->source_sha256[0] ? c->source_sha256 : NULL,
        "output_sha256", c->output_sha256[0] ? c->output_sha256 : NULL,
        "output_size", c->output_size == -1 ? json_null() : json_integer(c->output_size),
        "target_kbps", c->target_kbps == 0 ? json_null() : json_integer(c->target_kbps),
        "encodes", c->encodes,
        "planned_kbps", c->planned_kbps == 0 ? NULL : json_integer(c->planned_kbps),
        "predicted_psnr_y", real_or_none(c->predicted_psnr),
        "psnr_y", real_or_none(c->psnr_y),
        "ssim", real_or_none(c->ssim),
        /* Only while in flight: other clips keep the layout of old. */
        "start_kbps", c->start_kbps ? json_integer(c->start_kbps) : NULL);
}

/* The document of p; with_clips 0 leaves "files" and "clips" empty (the
 * header alone, which progress_save.c completes from its cache). */
int progress_to_json(struct progress_reader *rd, const struct progress *p, int with_clips,
                     json_t **out)
{
    json_t *files = json_object(), *clips = json_array(), *root = NULL;
    json_error_t jerr;
    char q[96];
    size_t i;
    int ret = 0;

    if (!files || !clips) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    for (i = 0; with_clips && i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        json_t *jc;
        /* Checked here, before jansson, for a reason that names the clip. */
        if (!progress_name_is_safe(c->name)) {
            ret = progress_fail(rd, "\"clips\"[%zu]: name %s: not a plain file name", i,
                                c->name ? pbc_quote(q, sizeof(q), c->name, strlen(c->name)) :
                                "NULL");
            goto end;
        }
        if (json_object_get(files, c->name)) {
            ret = progress_fail(rd, "\"clips\"[%zu] (%s): duplicate name", i,
                                pbc_quote(q, sizeof(q), c->name, strlen(c->name)));
            goto end;
        }
        if (c->status != CLIP_PENDING && c->status != CLIP_DONE) {
            ret = progress_fail(rd, "\"clips\"[%zu] (%s): invalid status %d", i,
                                pbc_quote(q, sizeof(q), c->name, strlen(c->name)),
                                (int)c->status);
            goto end;
        }
        if (!(jc = progress_clip_to_json(c, &jerr))) {
            /* e.g. a source path that is not UTF-8, or a NaN duration */
            ret = progress_fail(rd, "\"clips\"[%zu] (%s): %s", i,
                                pbc_quote(q, sizeof(q), c->name, strlen(c->name)), jerr.text);
            goto end;
        }
        if (json_array_append_new(clips, jc) < 0 ||
            json_object_set_new(files, c->name,
                                json_string(c->status == CLIP_DONE ? "done" : "pending")) < 0) {
            ret = AVERROR(ENOMEM);
            goto end;
        }
    }
    if (p->mode != MODE_COPY && p->mode != MODE_ENCODE) {
        ret = progress_fail(rd, "key \"mode\": invalid value %d", (int)p->mode);
        goto end;
    }
    if (!p->build_dir) {
        ret = progress_fail(rd, "key \"build_dir\": missing");
        goto end;
    }
    /* The original's keys first, with their meaning; ours follow. */
    root = json_pack_ex(&jerr, 0,
        "{s:I, s:I, s:s, s:o, s:O, s:s, s:i, s:s, s:b, s:i, s:i, s:s*, s:s*, s:o*, s:s*, s:s*, s:O}",
        "disc_bytes", (json_int_t)p->disc_bytes,
        "safety_bytes", (json_int_t)p->safety_bytes,
        "mode", progress_mode_name(p->mode),
        "kbps", p->kbps == 0 ? json_null() : json_integer(p->kbps),
        "files", files,
        "format", PROGRESS_FORMAT,
        "format_version", PROGRESS_VERSION,
        "build_dir", p->build_dir,
        "delete_originals", p->delete_originals,
        "preset", p->preset,
        "audio_kbps", p->audio_kbps,
        "balance", p->balance == BALANCE_QUALITY ? "quality" : NULL,
        "job_started", p->job_started[0] ? p->job_started : NULL,
        "index_page", p->index_page ? json_true() : NULL, /* absent: false */
        "iso_file", p->iso_file,
        "iso_label", p->iso_file ? p->iso_label : NULL,
        "clips", clips);
    if (!root)
        ret = progress_fail(rd, "%s", jerr.text);
end:
    json_decref(files);
    json_decref(clips);
    *out = root;
    return ret;
}

/* Serialises p and reads the result back with the loader, so that a file
 * that would not resume is never written. */
int progress_to_checked_json(struct progress_reader *rd, const struct progress *p, json_t **out)
{
    struct progress *back = NULL;
    int ret = progress_to_json(rd, p, 1, out);
    if (ret >= 0)
        ret = progress_from_json(rd, *out, &back);
    progress_free(&back);
    if (ret < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return ret == PBC_E_PROGRESS ? AVERROR(EINVAL) : ret;
}

int progress_validate(const struct progress *p, char *err, size_t errlen)
{
    struct progress_reader rd = { .err = err, .errlen = errlen };
    json_t *root = NULL;
    int ret;
    if (err && errlen)
        err[0] = 0;
    ret = progress_to_checked_json(&rd, p, &root);
    json_decref(root);
    return ret;
}
