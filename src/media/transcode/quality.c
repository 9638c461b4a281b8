/* PSNR-Y and SSIM-Y of an encode against its input frames: quality.h.
 *
 * SSIM follows FFmpeg's vf_ssim (and x264's): sums over 4x4 blocks,
 * SSIM over overlapping 8x8 windows stepped by 4, averaged. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/mem.h>

#include "base/errors.h"
#include "media/transcode/quality.h"

struct src_frame {
    int64_t pts;
    int key;
    uint8_t *y;               /* width x height, packed */
};

struct quality_meter {
    AVCodecContext *dec;
    AVFrame *out;
    int coded_w, coded_h;     /* the encoder's pictures */
    int width, height;        /* the area compared, top left */
    struct src_frame *q;      /* source frames waiting, ascending pts */
    size_t head, len, cap;    /* ring buffer */
    int (*sums)[4];           /* 4x4 block sums, (width/4) x 2 rows */
    struct quality_result r;
};

int quality_open(struct quality_meter **out, const AVCodecContext *enc, int width, int height,
                 int threads)
{
    const AVCodec *codec = avcodec_find_decoder_by_name("libdav1d");
    struct quality_meter *qm = NULL;
    int ret;

    if (!codec)
        codec = avcodec_find_decoder(AV_CODEC_ID_AV1);
    if (!codec)
        return AVERROR_DECODER_NOT_FOUND;
    if (width <= 0 || height <= 0 || width > enc->width || height > enc->height)
        return AVERROR(EINVAL);
    if (!(qm = calloc(1, sizeof(*qm))) || !(qm->dec = avcodec_alloc_context3(codec)) ||
        !(qm->out = av_frame_alloc())) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    qm->coded_w = enc->width;
    qm->coded_h = enc->height;
    qm->width = width;
    qm->height = height;
    qm->dec->width = enc->width;
    qm->dec->height = enc->height;
    qm->dec->pkt_timebase = enc->time_base;
    qm->dec->thread_count = threads;
    if (enc->extradata_size > 0) {
        qm->dec->extradata = av_mallocz(enc->extradata_size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!qm->dec->extradata) {
            ret = AVERROR(ENOMEM);
            goto end;
        }
        memcpy(qm->dec->extradata, enc->extradata, enc->extradata_size);
        qm->dec->extradata_size = enc->extradata_size;
    }
    qm->sums = calloc((size_t)(qm->width / 4 + 1) * 2, sizeof(*qm->sums));
    if (!qm->sums) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    ret = avcodec_open2(qm->dec, codec, NULL);
end:
    if (ret < 0)
        quality_free(&qm);
    *out = qm;
    return ret;
}

int quality_add_source(struct quality_meter *qm, const AVFrame *f)
{
    struct src_frame *s;
    if (f->width != qm->coded_w || f->height != qm->coded_h)
        return AVERROR(EINVAL);
    if (qm->len == qm->cap) {
        size_t cap = qm->cap ? qm->cap * 2 : 16;
        struct src_frame *q = malloc(cap * sizeof(*q));
        if (!q)
            return AVERROR(ENOMEM);
        for (size_t i = 0; i < qm->len; i++)
            q[i] = qm->q[(qm->head + i) % qm->cap];
        free(qm->q);
        qm->q = q;
        qm->head = 0;
        qm->cap = cap;
    }
    s = &qm->q[(qm->head + qm->len) % qm->cap];
    if (!(s->y = malloc((size_t)qm->width * qm->height)))
        return AVERROR(ENOMEM);
    s->pts = f->pts;
    s->key = f->key_frame != 0;
    for (int y = 0; y < qm->height; y++)
        memcpy(s->y + (size_t)y * qm->width, f->data[0] + (ptrdiff_t)y * f->linesize[0],
               qm->width);
    qm->len++;
    return 0;
}

static void pop(struct quality_meter *qm)
{
    free(qm->q[qm->head].y);
    qm->head = (qm->head + 1) % qm->cap;
    qm->len--;
}

static double ssim_end1(int s1, int s2, int ss, int s12)
{
    static const double c1 = .01 * .01 * 255 * 255 * 64;
    static const double c2 = .03 * .03 * 255 * 255 * 64 * 63;
    double fs1 = s1, fs2 = s2, fss = ss, fs12 = s12;
    double vars = fss * 64 - fs1 * fs1 - fs2 * fs2;
    double covar = fs12 * 64 - fs1 * fs2;
    return (2 * fs1 * fs2 + c1) * (2 * covar + c2) /
           ((fs1 * fs1 + fs2 * fs2 + c1) * (vars + c2));
}

/* Sums of the 4x4 blocks of block row by into row. */
static void block_row(const uint8_t *a, int as, const uint8_t *b, int bs, int w4, int by,
                      int (*row)[4])
{
    for (int x = 0; x < w4; x++) {
        int s1 = 0, s2 = 0, ss = 0, s12 = 0;
        for (int y = 0; y < 4; y++) {
            const uint8_t *pa = a + (ptrdiff_t)(by * 4 + y) * as + x * 4;
            const uint8_t *pb = b + (ptrdiff_t)(by * 4 + y) * bs + x * 4;
            for (int k = 0; k < 4; k++) {
                s1 += pa[k];
                s2 += pb[k];
                ss += pa[k] * pa[k] + pb[k] * pb[k];
                s12 += pa[k] * pb[k];
            }
        }
        row[x][0] = s1, row[x][1] = s2, row[x][2] = ss, row[x][3] = s12;
    }
}

static double frame_ssim(struct quality_meter *qm, const uint8_t *a, int as,
                         const uint8_t *b, int bs)
{
    int w4 = qm->width / 4, h4 = qm->height / 4;
    int (*prev)[4] = qm->sums, (*cur)[4] = qm->sums + w4;
    double total = 0;
    if (w4 < 2 || h4 < 2)
        return 1.0;
    block_row(a, as, b, bs, w4, 0, prev);
    for (int by = 1; by < h4; by++) {
        int (*t)[4];
        block_row(a, as, b, bs, w4, by, cur);
        for (int x = 0; x + 1 < w4; x++) {
            int s[4];
            for (int k = 0; k < 4; k++)
                s[k] = prev[x][k] + prev[x + 1][k] + cur[x][k] + cur[x + 1][k];
            total += ssim_end1(s[0], s[1], s[2], s[3]);
        }
        t = prev, prev = cur, cur = t;
    }
    return total / ((double)(w4 - 1) * (h4 - 1));
}

static void compare(struct quality_meter *qm, const uint8_t *src, int key, const AVFrame *out)
{
    uint64_t sse = 0;
    double ssim;
    for (int y = 0; y < qm->height; y++) {
        const uint8_t *a = src + (size_t)y * qm->width;
        const uint8_t *b = out->data[0] + (ptrdiff_t)y * out->linesize[0];
        uint32_t row = 0;
        for (int x = 0; x < qm->width; x++) {
            int d = a[x] - b[x];
            row += (uint32_t)(d * d);
        }
        sse += row;
    }
    ssim = frame_ssim(qm, src, qm->width, out->data[0], out->linesize[0]);
    qm->r.sse += (double)sse;
    qm->r.pixels += (double)qm->width * qm->height;
    qm->r.ssim_sum += ssim;
    qm->r.frames++;
    if (key) {
        qm->r.key_sse += (double)sse;
        qm->r.key_pixels += (double)qm->width * qm->height;
        qm->r.key_ssim_sum += ssim;
        qm->r.key_frames++;
    }
}

/* A decoded frame: the source frames before it were not output (counted),
 * the one with its pts is compared. */
static void on_decoded(struct quality_meter *qm, const AVFrame *out)
{
    int64_t pts = out->best_effort_timestamp != AV_NOPTS_VALUE ? out->best_effort_timestamp
                                                               : out->pts;
    if (out->width != qm->coded_w || out->height != qm->coded_h ||
        (out->format != AV_PIX_FMT_YUV420P && out->format != AV_PIX_FMT_YUVJ420P))
        return;
    while (qm->len && qm->q[qm->head].pts < pts) {
        qm->r.unmatched++;
        pop(qm);
    }
    if (qm->len && qm->q[qm->head].pts == pts) {
        compare(qm, qm->q[qm->head].y, qm->q[qm->head].key, out);
        pop(qm);
    }
}

int quality_add_packet(struct quality_meter *qm, const AVPacket *pkt)
{
    int ret = avcodec_send_packet(qm->dec, pkt);
    if (ret < 0 && ret != AVERROR_EOF)
        return ret;
    for (;;) {
        ret = avcodec_receive_frame(qm->dec, qm->out);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret < 0)
            return ret;
        on_decoded(qm, qm->out);
        av_frame_unref(qm->out);
    }
    if (!pkt)
        while (qm->len) {
            qm->r.unmatched++;
            pop(qm);
        }
    return 0;
}

void quality_finish_result(struct quality_result *r)
{
    r->psnr_y = r->ssim = -1;
    if (r->frames <= 0 || !(r->pixels > 0))
        return;
    r->psnr_y = r->sse > 0 ? 10 * log10(255.0 * 255.0 * r->pixels / r->sse) : QUALITY_PSNR_MAX;
    if (r->psnr_y > QUALITY_PSNR_MAX)
        r->psnr_y = QUALITY_PSNR_MAX;
    r->ssim = r->ssim_sum / (double)r->frames;
}

void quality_get(const struct quality_meter *qm, struct quality_result *r)
{
    *r = qm->r;
    quality_finish_result(r);
}

void quality_free(struct quality_meter **pqm)
{
    struct quality_meter *qm = *pqm;
    if (!qm)
        return;
    while (qm->len)
        pop(qm);
    free(qm->q);
    free(qm->sums);
    av_frame_free(&qm->out);
    avcodec_free_context(&qm->dec);
    free(qm);
    *pqm = NULL;
}
