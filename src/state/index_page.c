/* index.html, rendered from the progress file and the facts of each disc
 * file: pure text, no I/O. Every variable string goes through html_put
 * (escaped, cut to a byte budget) or url_put (percent-encoded), so the
 * bound below holds for any input. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/base64.h>
#include <libavutil/bprint.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>

#include "base/disc.h"
#include "state/index_page.h"

#define UNLIMITED ((size_t)-1)

static const char *escape_of(unsigned char c, size_t *n)
{
    static const char *const fffd = "\xEF\xBF\xBD";
    const char *e = NULL;
    switch (c) {
    case '&': e = "&amp;"; break;
    case '<': e = "&lt;"; break;
    case '>': e = "&gt;"; break;
    case '"': e = "&quot;"; break;
    case '\'': e = "&#39;"; break;
    default: e = c < 0x20 || c == 0x7f ? fffd : NULL;
    }
    *n = e ? strlen(e) : 1;
    return e;
}

size_t index_html_escaped_len(const char *s)
{
    size_t len = 0, n;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        escape_of(*u, &n);
        len += n;
    }
    return len;
}

static int url_safe(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

size_t index_url_encoded_len(const char *s)
{
    size_t len = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++)
        len += url_safe(*u) ? 1 : 3;
    return len;
}

/* s escaped, at most budget bytes: a longer string is cut at a character
 * boundary and ends in "..." (within the budget). */
static void html_put(AVBPrint *b, const char *s, size_t budget)
{
    size_t used = 0, n;
    int cut = index_html_escaped_len(s) > budget;
    if (cut)
        budget = budget > 3 ? budget - 3 : 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        const char *e = escape_of(*u, &n);
        size_t char_len = n;
        /* a UTF-8 sequence is kept whole or not at all */
        if (!e && *u >= 0xC0)
            for (const unsigned char *v = u + 1; *v >= 0x80 && *v < 0xC0; v++)
                char_len++;
        if (used + char_len > budget)
            break;
        if (e)
            av_bprint_append_data(b, e, n);
        else {
            av_bprint_append_data(b, (const char *)u, char_len);
            u += char_len - 1;
        }
        used += char_len;
    }
    if (cut)
        av_bprint_append_data(b, "...", 3);
}

static void url_put(AVBPrint *b, const char *s)
{
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if (url_safe(*u))
            av_bprint_chars(b, (char)*u, 1);
        else
            av_bprintf(b, "%%%02X", *u);
    }
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>Evidence disc</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:64em;padding:0 1em;"
    "color:#111;background:#fff;line-height:1.4}\n"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin:1.2em 0 .5em}"
    ".clip h2{margin-top:0}\n"
    "table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:.15em .8em .15em 0}\n"
    "th{font-weight:600;white-space:nowrap;color:#333}\n"
    ".hash,code{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}\n"
    ".clip{border-top:2px solid #ccc;padding:1em 0}\n"
    ".media{display:flex;flex-wrap:wrap;gap:1em;margin-bottom:.8em}\n"
    ".media img,.media video{width:320px;max-width:100%;background:#000}\n"
    ".kind{font-weight:600}.copy{color:#064}.derived{color:#840}\n"
    ".note{background:#f4f4f4;border-left:4px solid #888;padding:.5em .8em}\n"
    ".warn{border-left-color:#c60}\n"
    "</style>\n</head>\n<body>\n";

/* The player note: plain text without a script; the script only adds a
 * sentence per clip the browser reports it cannot play. */
static const char page_script[] =
    "<script>\n(function(){\n"
    "var v=document.createElement('video'),n=document.getElementById('player-note'),bad=0;\n"
    "var c=document.querySelectorAll('video[data-type]');\n"
    "for(var i=0;i<c.length;i++){var t=c[i].getAttribute('data-type');"
    "var ok=v.canPlayType?v.canPlayType(t):'';\n"
    "if(!ok){bad++;var p=document.createElement('p');p.className='note warn';"
    "p.textContent='This browser reports it cannot play this file ('+t+'). Open it in "
    "VLC 3 or later, Chrome or Edge 121 or later, or Firefox.';"
    "c[i].parentNode.parentNode.insertBefore(p,c[i].parentNode.nextSibling);}}\n"
    "if(n){n.className=bad?'note warn':'note';n.insertBefore(document.createTextNode(bad?"
    "'This browser cannot play '+bad+' of the '+c.length+' clips here. ':"
    "'This browser reports it can play every clip here. '),n.firstChild);}\n"
    "})();\n</script>\n";

static void put_bytes_row(AVBPrint *b, const char *th, int64_t bytes)
{
    av_bprintf(b, "<tr><th>%s</th><td>%lld bytes</td></tr>\n", th, (long long)bytes);
}

static void put_header(AVBPrint *b, const struct index_job *job)
{
    const struct progress *p = job->p;
    int64_t total = 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        int64_t s = disc_sector_round(p->clips[i].output_size);
        total = total > INT64_MAX - s ? INT64_MAX : total + s;
    }
    av_bprintf(b, "<h1>Evidence disc%s", job->label && *job->label ? ": " : "");
    if (job->label)
        html_put(b, job->label, INDEX_LABEL_BUDGET);
    av_bprintf(b, "</h1>\n<table class=\"job\">\n<tr><th>Contents</th><td>%zu clip%s, %s</td></tr>\n",
               p->nb_clips, p->nb_clips == 1 ? "" : "s", p->mode == MODE_COPY ?
               "bit-exact copies of the originals" :
               "derived viewing copies (re-encoded to AV1 video and Opus audio in MP4)");
    av_bprintf(b, "<tr><th>Prepared</th><td>started %s, completed %s (UTC)</td></tr>\n",
               job->started, job->completed);
    av_bprintf(b, "<tr><th>Tool</th><td>");
    html_put(b, job->version, INDEX_VERSION_BUDGET);
    av_bprintf(b, "<br><small>");
    html_put(b, job->libraries, INDEX_LIBS_BUDGET);
    av_bprintf(b, "</small></td></tr>\n");
    put_bytes_row(b, "Clips on disc", total);
    put_bytes_row(b, "Disc usable", job->usable);
    av_bprintf(b, "<tr><th>Fill</th><td>the clips take %.2f%% of the usable bytes</td></tr>\n"
               "</table>\n", job->usable > 0 ? 100.0 * (double)total / (double)job->usable : 0.0);
    av_bprintf(b, "<h2>Checking the files</h2>\n<p>Every file's SHA-256 is in "
               "<code>SHA256SUMS</code> and <code>MANIFEST.json</code>. In this folder run "
               "<code>sha256sum -c SHA256SUMS</code> (any Linux or macOS machine; "
               "<code>shasum -a 256 -c SHA256SUMS</code> on older macOS), or "
               "<code>prepare_bodycam --verify DIR</code>, which also checks the originals "
               "when they are still present.</p>\n");
    if (p->mode == MODE_COPY)
        av_bprintf(b, "<p id=\"player-note\" class=\"note\">The clips are the cameras' original "
                   "recordings, in their own formats. VLC 3 or later plays the common ones; "
                   "Chrome, Edge and Firefox play H.264 and AV1 in MP4.</p>\n");
    else
        av_bprintf(b, "<p id=\"player-note\" class=\"note\">The clips are AV1 video with Opus "
                   "audio in MP4 files. They play in VLC 3 or later, Chrome or Edge 121 or later, "
                   "and Firefox; Safari plays AV1 only on devices with an AV1 hardware "
                   "decoder.</p>\n");
}

static void put_duration(AVBPrint *b, double d)
{
    long long ms = isfinite(d) && d > 0 && d < 1e12 ? llround(d * 1000) : 0;
    av_bprintf(b, "<tr><th>Duration</th><td>%lld:%02lld:%02lld.%03lld (%.3f s)</td></tr>\n",
               ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000, ms / 1000.0);
}

static void put_facts(AVBPrint *b, const struct index_clip *f, double fallback_duration)
{
    if (!f->probed) {
        put_duration(b, fallback_duration);
        av_bprintf(b, "<tr><th>Streams</th><td>the file could not be read when the page was "
                   "made</td></tr>\n");
        return;
    }
    put_duration(b, f->duration);
    av_bprintf(b, "<tr><th>Resolution</th><td>%d &times; %d", f->width, f->height);
    if (f->original_width > 0 && f->original_height > 0)
        av_bprintf(b, " (the original's %d &times; %d, padded with copies of its last column "
                   "and row: AV1 is coded here at even sizes of at least 64 only)",
                   f->original_width, f->original_height);
    av_bprintf(b, "</td></tr>\n");
    if (f->variable_fps || !(f->fps > 0 && f->fps < 1e6))
        av_bprintf(b, "<tr><th>Frame rate</th><td>variable%s</td></tr>\n",
                   f->fps > 0 && f->fps < 1e6 ? "" : " or unknown");
    else
        av_bprintf(b, "<tr><th>Frame rate</th><td>%.3f frames/s</td></tr>\n", f->fps);
    av_bprintf(b, "<tr><th>Video</th><td>");
    html_put(b, f->video_codec, INDEX_CODEC_BUDGET);
    av_bprintf(b, "</td></tr>\n<tr><th>Audio</th><td>");
    html_put(b, f->audio[0] ? f->audio : "none", INDEX_CODEC_BUDGET);
    av_bprintf(b, "</td></tr>\n");
}

static void put_kind(AVBPrint *b, const struct progress *p, const struct clip *c,
                     const struct index_clip *f)
{
    if (p->mode == MODE_COPY) {
        av_bprintf(b, "<tr><th>What it is</th><td class=\"kind copy\">Bit-exact copy of the "
                   "original (same SHA-256)</td></tr>\n");
        return;
    }
    av_bprintf(b, "<tr><th>What it is</th><td class=\"kind derived\">Derived viewing copy, "
               "re-encoded: not the original; its SHA-256 differs from the original's</td></tr>\n"
               "<tr><th>Encoder settings</th><td>AV1 (SVT-AV1, preset %d), one-pass VBR at a "
               "video target of %lld kbit/s; Opus audio at %d kbit/s CBR; encoded %d time%s"
               "</td></tr>\n", p->preset, (long long)c->target_kbps, p->audio_kbps,
               c->encodes, c->encodes == 1 ? "" : "s");
    if (isfinite(f->quality_psnr_y) && fabs(f->quality_psnr_y) < 1e6 &&
        isfinite(f->quality_ssim_y) && fabs(f->quality_ssim_y) <= 1)
        av_bprintf(b, "<tr><th>Measured quality</th><td>PSNR-Y %.2f dB, SSIM-Y %.4f against "
                   "the decoded original, frame by frame</td></tr>\n", f->quality_psnr_y,
                   f->quality_ssim_y);
    else if (isfinite(f->quality_psnr_y) && fabs(f->quality_psnr_y) < 1e6)
        av_bprintf(b, "<tr><th>Measured quality</th><td>PSNR-Y %.2f dB against the "
                   "original</td></tr>\n", f->quality_psnr_y);
    else
        av_bprintf(b, "<tr><th>Measured quality</th><td>not measured</td></tr>\n");
}

static void put_tags(AVBPrint *b, const struct index_clip *f)
{
    if (!f->nb_tags)
        return;
    av_bprintf(b, "<tr><th>Tags (%s)</th><td><table>\n", f->tags_from_original ?
               "from the original" : "from the disc file");
    for (int t = 0; t < f->nb_tags && t < INDEX_TAGS_MAX; t++) {
        av_bprintf(b, "<tr><th>");
        html_put(b, f->tags[t].key, INDEX_TAG_KEY_BUDGET);
        av_bprintf(b, "</th><td>");
        html_put(b, f->tags[t].value, INDEX_TAG_VALUE_BUDGET);
        av_bprintf(b, "</td></tr>\n");
    }
    av_bprintf(b, "</table></td></tr>\n");
}

static int put_thumb(AVBPrint *b, const struct clip *c, const struct index_clip *f,
                     size_t budget)
{
    size_t b64_len;
    char *b64;
    if (!f->thumb || !f->thumb_size || f->thumb_size > budget)
        return 0;
    b64_len = AV_BASE64_SIZE(f->thumb_size);
    if (!(b64 = av_malloc(b64_len)))
        return AVERROR(ENOMEM);
    av_base64_encode(b64, (int)b64_len, f->thumb, (int)f->thumb_size);
    av_bprintf(b, "<img class=\"thumb\" width=\"%d\" height=\"%d\" alt=\"poster frame of ",
               f->thumb_width, f->thumb_height);
    html_put(b, c->name, UNLIMITED);
    av_bprintf(b, " at %.3f s\" src=\"data:image/jpeg;base64,%s\">\n", f->thumb_time, b64);
    av_free(b64);
    return 0;
}

static int put_clip(AVBPrint *b, const struct progress *p, size_t i, const struct index_clip *f)
{
    const struct clip *c = &p->clips[i];
    int ret;
    av_bprintf(b, "<section class=\"clip\" id=\"clip-%zu\">\n<h2>%zu. <a href=\"./", i + 1, i + 1);
    url_put(b, c->name);
    av_bprintf(b, "\">");
    html_put(b, c->name, UNLIMITED);
    av_bprintf(b, "</a></h2>\n<div class=\"media\">\n");
    if ((ret = put_thumb(b, c, f, index_thumb_budget(p))) < 0)
        return ret;
    av_bprintf(b, "<video controls preload=\"metadata\"");
    if (f->mime[0]) /* the player note's canPlayType question */
        av_bprintf(b, " data-type=\"%s%s%s%s\"", f->mime, f->codecs[0] ? "; codecs=&quot;" : "",
                   f->codecs, f->codecs[0] ? "&quot;" : "");
    av_bprintf(b, " src=\"./");
    url_put(b, c->name);
    av_bprintf(b, "\"></video>\n</div>\n<table>\n");
    put_kind(b, p, c, f);
    put_facts(b, f, c->duration);
    put_bytes_row(b, "Size", c->output_size);
    av_bprintf(b, "<tr><th>SHA-256</th><td class=\"hash\">%s</td></tr>\n<tr><th>Original</th><td>",
               c->output_sha256);
    html_put(b, c->source, UNLIMITED);
    av_bprintf(b, "</td></tr>\n");
    put_bytes_row(b, "Original size", c->source_size);
    av_bprintf(b, "<tr><th>Original SHA-256</th><td class=\"hash\">%s</td></tr>\n",
               c->source_sha256);
    put_tags(b, f);
    av_bprintf(b, "</table>\n</section>\n");
    return 0;
}

int index_page_render(const struct index_job *job, const struct index_clip *clips,
                      char **html, size_t *len)
{
    AVBPrint b;
    int ret = 0;
    *html = NULL;
    *len = 0;
    av_bprint_init(&b, 0, AV_BPRINT_SIZE_UNLIMITED);
    av_bprint_append_data(&b, page_head, sizeof(page_head) - 1);
    put_header(&b, job);
    for (size_t i = 0; i < job->p->nb_clips && ret >= 0; i++)
        ret = put_clip(&b, job->p, i, &clips[i]);
    av_bprint_append_data(&b, page_script, sizeof(page_script) - 1);
    av_bprintf(&b, "</body>\n</html>\n");
    if (ret >= 0 && !av_bprint_is_complete(&b))
        ret = AVERROR(ENOMEM);
    if (ret < 0) {
        av_bprint_finalize(&b, NULL);
        return ret;
    }
    *len = b.len;
    return av_bprint_finalize(&b, html);
}

size_t index_thumb_budget(const struct progress *p)
{
    int64_t usable = disc_usable_bytes(p->disc_bytes, p->safety_bytes);
    int64_t n = p->nb_clips > 0 ? (int64_t)p->nb_clips : 1;
    int64_t share = usable > 0 ? usable / INDEX_THUMB_DISC_SHARE / n : 0;
    if (share < INDEX_THUMB_MIN_BYTES)
        return INDEX_THUMB_MIN_BYTES;
    return share > INDEX_THUMB_MAX_BYTES ? INDEX_THUMB_MAX_BYTES : (size_t)share;
}

int64_t index_page_bound(const struct progress *p)
{
    int64_t sum = INDEX_BASE_BYTES;
    int64_t thumb = (int64_t)AV_BASE64_SIZE(index_thumb_budget(p));
    if (!p->index_page)
        return 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        /* the name: link and player URLs, link text and the image's alt */
        size_t name = 2 * index_url_encoded_len(c->name) + 2 * index_html_escaped_len(c->name);
        size_t strings = name + index_html_escaped_len(c->source) +
                         INDEX_TAGS_MAX * (INDEX_TAG_KEY_BUDGET + INDEX_TAG_VALUE_BUDGET);
        sum += INDEX_CLIP_BYTES + thumb + (int64_t)strings;
    }
    return disc_sector_round(sum);
}
