/* A progress as its JSON document, checked by reading it back with the
 * loader (progress_load.c), so that a file that would not resume is never
 * written. See progress_internal.h. */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "base/errors.h"
#include "base/quote.h"
#include "state/json_read.h"
#include "state/progress.h"
#include "state/progress_internal.h"

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
        "{s:s, s:s, s:I, s:I, s:f, s:I, s:b, s:s?, s:s?, s:o, s:o, s:i, s:o*, s:o*, s:o*, s:o*, s:o*, s:o*, s:o*}",
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
        /* Only after a discarded fill-pass attempt. */
        "fill_overflow_kbps", c->fill_overflow_kbps ? json_integer(c->fill_overflow_kbps) : NULL,
        "fill_overflow_bytes", c->fill_overflow_bytes ? json_integer(c->fill_overflow_bytes) : NULL,
        /* Only while in flight: other clips keep the layout of old. */
        "start_kbps", c->start_kbps ? json_integer(c->start_kbps) : NULL);
}

/* Each clip's object into clips and its status into files, in order. */
static int clips_to_json(struct json_reader *rd, const struct progress *p, json_t *files,
                         json_t *clips)
{
    json_error_t jerr;
    char q[96];
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        json_t *jc;
        /* Checked here, before jansson, for a reason that names the clip. */
        if (!progress_name_is_safe(c->name))
            return json_fail(rd, "\"clips\"[%zu]: name %s: not a plain file name", i,
                             c->name ? pbc_quote(q, sizeof(q), c->name, strlen(c->name)) :
                             "NULL");
        if (json_object_get(files, c->name))
            return json_fail(rd, "\"clips\"[%zu] (%s): duplicate name", i,
                             pbc_quote(q, sizeof(q), c->name, strlen(c->name)));
        if (c->status != CLIP_PENDING && c->status != CLIP_DONE)
            return json_fail(rd, "\"clips\"[%zu] (%s): invalid status %d", i,
                             pbc_quote(q, sizeof(q), c->name, strlen(c->name)),
                             (int)c->status);
        /* e.g. a source path that is not UTF-8, or a NaN duration */
        if (!(jc = progress_clip_to_json(c, &jerr)))
            return json_fail(rd, "\"clips\"[%zu] (%s): %s", i,
                             pbc_quote(q, sizeof(q), c->name, strlen(c->name)), jerr.text);
        if (json_array_append_new(clips, jc) < 0 ||
            json_object_set_new(files, c->name,
                                json_string(c->status == CLIP_DONE ? "done" : "pending")) < 0)
            return AVERROR(ENOMEM);
    }
    return 0;
}

/* The document of p; with_clips 0 leaves "files" and "clips" empty (the
 * header alone, which progress_save.c completes from its cache). */
int progress_to_json(struct json_reader *rd, const struct progress *p, int with_clips,
                     json_t **out)
{
    json_t *files = json_object(), *clips = json_array(), *root = NULL;
    json_error_t jerr;
    int ret = AVERROR(ENOMEM);

    if (!files || !clips || (with_clips && (ret = clips_to_json(rd, p, files, clips)) < 0))
        goto end;
    if (p->mode != MODE_COPY && p->mode != MODE_ENCODE) {
        ret = json_fail(rd, "key \"mode\": invalid value %d", (int)p->mode);
        goto end;
    }
    if (!p->build_dir) {
        ret = json_fail(rd, "key \"build_dir\": missing");
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
    ret = root ? 0 : json_fail(rd, "%s", jerr.text);
end:
    json_decref(files);
    json_decref(clips);
    *out = root;
    return ret;
}

/* Serialises p and reads the result back with the loader, so that a file
 * that would not resume is never written. */
int progress_to_checked_json(struct json_reader *rd, const struct progress *p, json_t **out)
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
    struct json_reader rd = { .err = err, .errlen = errlen, .code = PBC_E_PROGRESS };
    json_t *root = NULL;
    int ret;
    if (err && errlen)
        err[0] = 0;
    ret = progress_to_checked_json(&rd, p, &root);
    json_decref(root);
    return ret;
}
