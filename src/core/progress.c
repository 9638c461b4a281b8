/* The progress model: clips and their state, validation and saving. Reading
 * a file back is progress_load.c. See progress.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "fsutil.h"
#include "progress.h"
#include "progress_internal.h"

#define NAME_MAX_BYTES 255

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

/* Length of the character at s (at most avail bytes) when it is
 * well-formed UTF-8 and not a C0, DEL or C1 control; 0 otherwise. Names
 * must survive JSON (which requires UTF-8) and log lines. */
static size_t utf8_char_len(const unsigned char *u, size_t avail)
{
    uint32_t cp;
    size_t n, k;
    if (u[0] < 0x80)
        return u[0] >= 0x20 && u[0] != 0x7f;
    if (u[0] >= 0xc2 && u[0] <= 0xdf)
        n = 1, cp = u[0] & 0x1f;
    else if (u[0] >= 0xe0 && u[0] <= 0xef)
        n = 2, cp = u[0] & 0x0f;
    else if (u[0] >= 0xf0 && u[0] <= 0xf4)
        n = 3, cp = u[0] & 0x07;
    else
        return 0;
    if (avail <= n)
        return 0;
    for (k = 1; k <= n; k++) {
        if ((u[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (u[k] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
        return 0;
    return n + 1;
}

static int utf8_plain(const char *s, size_t len)
{
    size_t i = 0, n;
    while (i < len) {
        if (!(n = utf8_char_len((const unsigned char *)s + i, len - i)))
            return 0;
        i += n;
    }
    return 1;
}

const char *progress_quote(char *buf, size_t size, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0, n;
    if (size < 8) {
        if (size)
            buf[0] = 0;
        return buf;
    }
    buf[o++] = '"';
    while (i < len) {
        n = utf8_char_len(u + i, len - i);
        if (i >= 60 || o + (n ? n : 4) + 5 >= size) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (!n) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", u[i]);
            n = 1;
        } else if (u[i] == '"' || u[i] == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)u[i];
        } else {
            memcpy(buf + o, u + i, n);
            o += n;
        }
        i += n;
    }
    buf[o++] = '"';
    buf[o] = 0;
    return buf;
}

int progress_name_is_safe(const char *name)
{
    size_t len;
    if (!name)
        return 0;
    len = strlen(name);
    return len > 0 && len <= NAME_MAX_BYTES && !strchr(name, '/') &&
           strcmp(name, ".") && strcmp(name, "..") && utf8_plain(name, len);
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
    if (!p)
        return NULL;
    p->mode = MODE_COPY;
    p->preset = 10;
    p->audio_kbps = 64;
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
    /* One clip at a time, a few hundred in a job: growing by one is fine. */
    clips = realloc(p->clips, (p->nb_clips + 1) * sizeof(*clips));
    if (!clips) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    p->clips = clips;
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

static json_t *clip_to_json(const struct clip *c, json_error_t *jerr)
{
    return json_pack_ex(jerr, 0,
        "{s:s, s:s, s:I, s:I, s:f, s:I, s:b, s:s?, s:s?, s:o, s:o, s:i, s:o*, s:o*, s:o*, s:o*}",
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
        "ssim", real_or_none(c->ssim));
}

static int to_json(struct progress_reader *rd, const struct progress *p, json_t **out)
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
    for (i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        json_t *jc;
        /* Checked here, before jansson, for a reason that names the clip. */
        if (!progress_name_is_safe(c->name)) {
            ret = progress_fail(rd, "\"clips\"[%zu]: name %s: not a plain file name", i,
                                c->name ? progress_quote(q, sizeof(q), c->name, strlen(c->name)) :
                                "NULL");
            goto end;
        }
        if (json_object_get(files, c->name)) {
            ret = progress_fail(rd, "\"clips\"[%zu] (%s): duplicate name", i,
                                progress_quote(q, sizeof(q), c->name, strlen(c->name)));
            goto end;
        }
        if (c->status != CLIP_PENDING && c->status != CLIP_DONE) {
            ret = progress_fail(rd, "\"clips\"[%zu] (%s): invalid status %d", i,
                                progress_quote(q, sizeof(q), c->name, strlen(c->name)),
                                (int)c->status);
            goto end;
        }
        if (!(jc = clip_to_json(c, &jerr))) {
            /* e.g. a source path that is not UTF-8, or a NaN duration */
            ret = progress_fail(rd, "\"clips\"[%zu] (%s): %s", i,
                                progress_quote(q, sizeof(q), c->name, strlen(c->name)), jerr.text);
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
        "{s:I, s:I, s:s, s:o, s:O, s:s, s:i, s:s, s:b, s:i, s:i, s:s*, s:s*, s:O}",
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
static int to_checked_json(struct progress_reader *rd, const struct progress *p, json_t **out)
{
    struct progress *back = NULL;
    int ret = to_json(rd, p, out);
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
    ret = to_checked_json(&rd, p, &root);
    json_decref(root);
    return ret;
}

int progress_save(const struct progress *p, const char *path)
{
    struct progress_reader rd = { 0 };
    json_t *root = NULL;
    char *text = NULL, *tmp;
    size_t len;
    int ret = to_checked_json(&rd, p, &root);

    if (ret < 0)
        goto end;
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    len = strlen(text);
    /* A text file ends with a newline; json_dumps leaves it out. */
    if (!(tmp = realloc(text, len + 2))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    text = tmp;
    text[len++] = '\n';
    text[len] = 0;
    ret = fs_write_atomic(path, text, len);
end:
    free(text);
    json_decref(root);
    return ret;
}
